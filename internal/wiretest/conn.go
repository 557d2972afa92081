// Package wiretest is the raw Engine.IO v4 / Socket.IO v5 test client of
// gosio's tests: a websocket session driven frame by frame (Conn), the
// Socket.IO packet text (Packet, ParsePacket, EventText), and the
// long-polling requests (Handshake, Push, Poll, Do), so that tests read like
// the protocol. It imports nothing of gosio, so that the tests of every
// package, socketio's own included, can use it.
package wiretest

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// Timeout bounds every wait for something that must happen. Nothing here
// measures performance, so it is generous: the tests share a loaded machine.
const Timeout = 10 * time.Second

// Frame is one Engine.IO message received other than a ping: Text is the
// whole Engine.IO text packet ("4..." for a message), Data the bytes of a
// binary message.
type Frame struct {
	Text   string // a text packet, its Engine.IO type first
	Data   []byte // a binary message's bytes
	Binary bool   // Data, not Text, holds the frame
}

// Message reports whether f is a text message packet, and returns its data
// (the Socket.IO packet text).
func (f Frame) Message() (string, bool) {
	if f.Binary || !strings.HasPrefix(f.Text, "4") {
		return "", false
	}
	return f.Text[1:], true
}

// DialOptions configure Dial; the zero value is fine.
type DialOptions struct {
	// Header is sent with the websocket handshake.
	Header http.Header
	// ReadLimit is the largest message read. Default 64 MiB.
	ReadLimit int64
	// NoOpen leaves the open packet to be read as the first frame, instead
	// of Dial reading it (Conn.SID and Conn.Open are then empty).
	NoOpen bool
}

// Conn is an Engine.IO websocket session opened by hand. Its reader
// goroutine, which ends when the connection does, answers pings (unless
// frozen) and queues every other message; Close ends it.
type Conn struct {
	t  testing.TB
	ws *websocket.Conn

	sid  string
	open map[string]any

	frames chan Frame
	done   chan struct{} // closed when the reader ends, after frames
	frozen atomic.Bool   // stop answering pings
	closed sync.Once
}

// WebSocketURL turns an http(s):// URL into a ws(s):// one.
func WebSocketURL(u string) string { return "ws" + strings.TrimPrefix(u, "http") }

// Dial opens a websocket session at url (ws://, wss://, http:// or
// https://, with its query: EIO=4&transport=websocket...) and reads its
// open packet. It fails the test when either fails; the session is closed
// at the end of the test. A wss:// server's certificate is not checked.
func Dial(t testing.TB, url string, opts *DialOptions) *Conn {
	t.Helper()
	if opts == nil {
		opts = &DialOptions{}
	}
	if strings.HasPrefix(url, "http") {
		url = WebSocketURL(url)
	}
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	defer cancel()
	dopts := &websocket.DialOptions{HTTPHeader: opts.Header}
	if strings.HasPrefix(url, "wss:") {
		dopts.HTTPClient = &http.Client{Transport: &http.Transport{
			TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, //nolint:gosec // test servers
		}}
		defer dopts.HTTPClient.CloseIdleConnections()
	}
	ws, resp, err := websocket.Dial(ctx, url, dopts)
	if err != nil {
		t.Fatalf("wiretest: dial %s: %v", url, err)
	}
	if resp != nil && resp.Body != nil {
		resp.Body.Close()
	}
	limit := opts.ReadLimit
	if limit == 0 {
		limit = 64 << 20
	}
	ws.SetReadLimit(limit)
	c := &Conn{t: t, ws: ws, frames: make(chan Frame, 8192), done: make(chan struct{})}
	t.Cleanup(c.Close)
	if !opts.NoOpen {
		typ, data, err := ws.Read(ctx)
		if err != nil || typ != websocket.MessageText || len(data) == 0 || data[0] != '0' {
			_ = ws.CloseNow()
			t.Fatalf("wiretest: open packet: %v %q", err, data)
		}
		if err := json.Unmarshal(data[1:], &c.open); err != nil {
			_ = ws.CloseNow()
			t.Fatalf("wiretest: open packet %q: %v", data, err)
		}
		c.sid, _ = c.open["sid"].(string)
	}
	go c.read()
	return c
}

// read is the reader goroutine: it ends when the connection does.
func (c *Conn) read() {
	defer close(c.done)
	defer close(c.frames)
	for {
		typ, data, err := c.ws.Read(context.Background())
		if err != nil {
			return
		}
		if typ == websocket.MessageBinary {
			c.frames <- Frame{Data: data, Binary: true}
			continue
		}
		if string(data) == "2" {
			if !c.frozen.Load() {
				// A write that fails means the connection is ending: the
				// next Read says so.
				_ = c.ws.Write(context.Background(), websocket.MessageText, []byte("3"))
			}
			continue
		}
		c.frames <- Frame{Text: string(data)}
	}
}

// SID is the session id of the open packet.
func (c *Conn) SID() string { return c.sid }

// Open is the open packet's JSON object.
func (c *Conn) Open() map[string]any { return c.open }

// WS is the underlying websocket, for tests that write from goroutines
// (which must not call t.Fatal): only writes, the reader is Conn's.
func (c *Conn) WS() *websocket.Conn { return c.ws }

// Freeze stops (true) or resumes (false) answering the server's pings.
func (c *Conn) Freeze(frozen bool) { c.frozen.Store(frozen) }

// Close closes the websocket at once and waits for the reader. It may be
// called any number of times.
func (c *Conn) Close() {
	c.closed.Do(func() {
		_ = c.ws.CloseNow()
		for { // the reader may be blocked on a full queue: drain it
			select {
			case <-c.done:
				return
			case <-c.frames:
			}
		}
	})
}

// WriteText sends an Engine.IO text packet as is ("40", "2probe", ...).
func (c *Conn) WriteText(s string) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	defer cancel()
	if err := c.ws.Write(ctx, websocket.MessageText, []byte(s)); err != nil {
		c.t.Fatalf("wiretest: send %q: %v", s, err)
	}
}

// WriteBinary sends a binary message (a Socket.IO attachment).
func (c *Conn) WriteBinary(b []byte) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	defer cancel()
	if err := c.ws.Write(ctx, websocket.MessageBinary, b); err != nil {
		c.t.Fatalf("wiretest: send binary: %v", err)
	}
}

// Next returns the next frame, failing the test when the connection ends
// first or when none comes within Timeout.
func (c *Conn) Next() Frame {
	c.t.Helper()
	f, ok, closed := c.NextWithin(Timeout)
	switch {
	case closed:
		c.t.Fatal("wiretest: connection closed while a frame was expected")
	case !ok:
		c.t.Fatal("wiretest: no frame received")
	}
	return f
}

// NextWithin returns the next frame if one comes within d; closed reports
// that the connection ended with no frame left.
func (c *Conn) NextWithin(d time.Duration) (f Frame, ok, closed bool) {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case f, ok := <-c.frames:
		return f, ok, !ok
	case <-timer.C:
		return Frame{}, false, false
	}
}

// NextText returns the next frame, which must be text.
func (c *Conn) NextText() string {
	c.t.Helper()
	f := c.Next()
	if f.Binary {
		c.t.Fatalf("wiretest: got a binary frame %q, want text", f.Data)
	}
	return f.Text
}

// NextBinary returns the next frame, which must be binary.
func (c *Conn) NextBinary() []byte {
	c.t.Helper()
	f := c.Next()
	if !f.Binary {
		c.t.Fatalf("wiretest: got %q, want a binary frame", f.Text)
	}
	return f.Data
}

// Quiet fails the test when a frame arrives within d.
func (c *Conn) Quiet(d time.Duration) {
	c.t.Helper()
	if f, ok, _ := c.NextWithin(d); ok {
		c.t.Fatalf("wiretest: unexpected frame %+v", f)
	}
}

// WaitClosed waits for the server to end the connection, dropping the
// frames still queued; it fails the test after Timeout.
func (c *Conn) WaitClosed() {
	c.t.Helper()
	select {
	case <-c.done:
	case <-time.After(Timeout):
		c.t.Fatal("wiretest: connection not closed by the server")
	}
}

// Done is closed once the connection has ended and its frames were read.
func (c *Conn) Done() <-chan struct{} { return c.done }

// IsClosed reports whether the connection has ended.
func (c *Conn) IsClosed() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}
