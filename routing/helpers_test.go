package routing_test

// Raw-wire helpers in the spirit of socket.io's test/support/util.ts
// (eioHandshake, eioPush, eioPoll), and a websocket client, to speak
// Engine.IO and Socket.IO through a chi router by hand: thin names over
// internal/wiretest.

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/gosio/gosio/internal/wiretest"
	"github.com/gosio/gosio/sio/engineio"
	"github.com/gosio/gosio/sio/socketio"
)

// waitTimeout bounds every wait for something that must happen.
const waitTimeout = 5 * time.Second

// newServer returns a server whose heartbeat stays out of the tests' way.
func newServer(t *testing.T) *socketio.SocketIOServer {
	srv := socketio.NewServer(&socketio.ServerOptions{
		Engine: &engineio.Options{PingInterval: time.Minute, PingTimeout: time.Minute},
	})
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
	return srv
}

// serve serves a router; the server is closed after the socketio server
// (cleanups run last-in first-out).
func serve(t *testing.T, r chi.Router) *httptest.Server {
	ts := httptest.NewServer(r)
	t.Cleanup(ts.Close)
	return ts
}

// do sends a request and reads the whole answer.
func do(t *testing.T, method, url, body string, header http.Header) (int, string) {
	t.Helper()
	return wiretest.Do(t, nil, method, url, body, header)
}

// eioHandshake opens a long-polling session at base (the mount URL, with
// its trailing slash or not) and returns its id.
func eioHandshake(t *testing.T, base string, header http.Header) string {
	t.Helper()
	return wiretest.Handshake(t, nil, base+"?EIO=4&transport=polling", header)
}

// eioPush posts packets (joined with the record separator) to a session.
func eioPush(t *testing.T, base, sid string, packets ...string) {
	t.Helper()
	wiretest.Push(t, nil, base+"?EIO=4&transport=polling&sid="+sid, packets...)
}

// eioPoll reads the packets waiting for a session, waiting for some.
func eioPoll(t *testing.T, base, sid string) []string {
	t.Helper()
	return wiretest.Poll(t, nil, base+"?EIO=4&transport=polling&sid="+sid)
}

// wsClient is a websocket Engine.IO session opened by hand; its first
// frame is the open packet.
type wsClient struct {
	t *testing.T
	c *wiretest.Conn
}

// wsDial opens a websocket to url (ws://...), sending header.
func wsDial(t *testing.T, url string, header http.Header) *wsClient {
	t.Helper()
	return &wsClient{t: t, c: wiretest.Dial(t, url, &wiretest.DialOptions{Header: header, NoOpen: true})}
}

func (c *wsClient) send(s string) {
	c.t.Helper()
	c.c.WriteText(s)
}

// read returns the next text frame (pings are answered on the way).
func (c *wsClient) read() string {
	c.t.Helper()
	return c.c.NextText()
}

// wsURL turns an http:// URL into a ws:// one.
func wsURL(u string) string { return wiretest.WebSocketURL(u) }
