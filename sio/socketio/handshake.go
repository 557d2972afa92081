package socketio

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sync/atomic"
	"time"

	"github.com/gosio/gosio/sio/engineio"
)

// Handshake describes how a socket connected, as Node's socket.handshake
// does. It is read-only once the socket exists.
type Handshake struct {
	// Headers of the Engine.IO handshake request.
	Headers http.Header
	// Auth is the payload of the CONNECT packet; an empty map when the
	// client sent none, as the Node.js server gives {}.
	Auth map[string]any
	// RawAuth is the same payload as JSON.
	RawAuth json.RawMessage
	// Address is the client's IP address.
	Address string
	// Time is when the socket connected, as text (Node's Date#toString).
	Time string
	// Issued is Time in milliseconds since the Unix epoch.
	Issued int64
	// URL is the request URI of the Engine.IO handshake.
	URL string
	// Secure is true when the connection came over TLS.
	Secure bool
	// XDomain is true when the request carried an Origin header.
	XDomain bool

	// host is the Host header, which net/http keeps out of Headers.
	host string
	// query is the query of a handshake decoded from another server of a
	// cluster (UnmarshalJSON); nil for a local socket, whose Query parses
	// URL.
	query url.Values
}

// Query returns the query string of the Engine.IO handshake request. A
// local socket's is parsed from URL on each call (it keeps the URL only).
func (h *Handshake) Query() url.Values {
	if h.query != nil {
		return h.query
	}
	return (&engineio.HandshakeRequest{URL: h.URL}).Query() // the engine's reading of a kept URL
}

// Host returns the Host header of the Engine.IO handshake request.
func (h *Handshake) Host() string { return h.host }

// DecodeAuth decodes the CONNECT payload (the client's auth option) into
// target, a non-nil pointer, as Args.Decode decodes an argument; without a
// payload it leaves target untouched and returns nil.
func (h *Handshake) DecodeAuth(target any) error {
	if len(h.RawAuth) == 0 {
		return nil
	}
	return decodeArg(h.RawAuth, nil, target)
}

func newHandshake(req *engineio.HandshakeRequest, rawAuth json.RawMessage) *Handshake {
	now := time.Now()
	h := &Handshake{
		Headers: req.Header,
		RawAuth: rawAuth,
		Address: req.RemoteIP(),
		Time:    handshakeTime(now),
		Issued:  now.UnixMilli(),
		URL:     req.URL,
		Secure:  req.Secure,
		XDomain: req.Header.Get("Origin") != "",
		host:    req.Host,
	}
	if len(rawAuth) > 0 {
		_ = json.Unmarshal(rawAuth, &h.Auth)
	}
	if h.Auth == nil {
		h.Auth = map[string]any{}
	}
	return h
}

// formattedTime is a second in a location and its text as Node's
// Date#toString.
type formattedTime struct {
	unix int64
	loc  *time.Location
	text string
}

// lastHandshakeTime is the text handshakeTime last made.
var lastHandshakeTime atomic.Pointer[formattedTime]

// handshakeTime formats now as Node's Date#toString does. The text has a
// one-second resolution, so the sockets that connect within the same
// second share one string rather than holding a copy each.
func handshakeTime(now time.Time) string {
	unix := now.Unix()
	if last := lastHandshakeTime.Load(); last != nil && last.unix == unix && last.loc == now.Location() {
		return last.text
	}
	text := now.Format("Mon Jan 02 2006 15:04:05 GMT-0700") + " (" + zoneName(now) + ")"
	lastHandshakeTime.Store(&formattedTime{unix, now.Location(), text})
	return text
}

// zoneNames are the long names V8 (through ICU, in English) gives the
// time zones whose abbreviations Go knows, keyed by abbreviation and UTC
// offset in seconds (CST is Central in America, China's in Asia).
var zoneNames = map[string]map[int]string{
	"UTC":  {0: "Coordinated Universal Time"},
	"GMT":  {0: "Greenwich Mean Time"},
	"BST":  {3600: "British Summer Time"},
	"IST":  {3600: "Irish Standard Time", 19800: "India Standard Time", 7200: "Israel Standard Time"},
	"WET":  {0: "Western European Standard Time"},
	"WEST": {3600: "Western European Summer Time"},
	"CET":  {3600: "Central European Standard Time"},
	"CEST": {7200: "Central European Summer Time"},
	"EET":  {7200: "Eastern European Standard Time"},
	"EEST": {10800: "Eastern European Summer Time"},
	"MSK":  {10800: "Moscow Standard Time"},
	"EST":  {-18000: "Eastern Standard Time"},
	"EDT":  {-14400: "Eastern Daylight Time"},
	"CST":  {-21600: "Central Standard Time", 28800: "China Standard Time"},
	"CDT":  {-18000: "Central Daylight Time"},
	"MST":  {-25200: "Mountain Standard Time"},
	"MDT":  {-21600: "Mountain Daylight Time"},
	"PST":  {-28800: "Pacific Standard Time"},
	"PDT":  {-25200: "Pacific Daylight Time"},
	"AKST": {-32400: "Alaska Standard Time"},
	"AKDT": {-28800: "Alaska Daylight Time"},
	"HST":  {-36000: "Hawaii-Aleutian Standard Time"},
	"JST":  {32400: "Japan Standard Time"},
	"KST":  {32400: "Korean Standard Time"},
	"HKT":  {28800: "Hong Kong Standard Time"},
	"AEST": {36000: "Australian Eastern Standard Time"},
	"AEDT": {39600: "Australian Eastern Daylight Time"},
	"ACST": {34200: "Australian Central Standard Time"},
	"ACDT": {37800: "Australian Central Daylight Time"},
	"AWST": {28800: "Australian Western Standard Time"},
	"NZST": {43200: "New Zealand Standard Time"},
	"NZDT": {46800: "New Zealand Daylight Time"},
	"SAST": {7200: "South Africa Standard Time"},
}

// zoneName is the name Node's Date#toString writes in parentheses: the
// zone's long name, or, for a zone without one, "GMT+03:00" (Go writes
// such zones' abbreviation as "+03").
func zoneName(t time.Time) string {
	abbr, offset := t.Zone()
	if name, ok := zoneNames[abbr][offset]; ok {
		return name
	}
	if abbr == "" || abbr[0] == '+' || abbr[0] == '-' {
		sign, off := '+', offset
		if off < 0 {
			sign, off = '-', -off
		}
		return fmt.Sprintf("GMT%c%02d:%02d", sign, off/3600, off%3600/60)
	}
	return abbr
}
