package socketio

import (
	"encoding/json"
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
	// Query of the Engine.IO handshake request.
	Query url.Values
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
}

// Host returns the Host header of the Engine.IO handshake request.
func (h *Handshake) Host() string { return h.host }

// DecodeAuth decodes the CONNECT payload into target.
func (h *Handshake) DecodeAuth(target any) error {
	if len(h.RawAuth) == 0 {
		return nil
	}
	return json.Unmarshal(h.RawAuth, target)
}

func newHandshake(req *engineio.HandshakeRequest, rawAuth json.RawMessage) *Handshake {
	now := time.Now()
	h := &Handshake{
		Headers: req.Header,
		Query:   req.Query,
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
	text := now.Format("Mon Jan 02 2006 15:04:05 GMT-0700 (MST)")
	lastHandshakeTime.Store(&formattedTime{unix, now.Location(), text})
	return text
}
