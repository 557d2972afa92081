package goclient

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gosio/gosio/sio/engineio"
	"github.com/gosio/gosio/sio/socketio"
	"github.com/zishang520/socket.io/clients/engine/v3/transports"
	client "github.com/zishang520/socket.io/clients/socket/v3"
	"github.com/zishang520/socket.io/v3/pkg/types"
)

// waitFor bounds every wait of the tests.
const waitFor = 20 * time.Second

// pingInterval is the servers' ping interval. The zishang520 client's
// polling transport runs its long-polling GET and its POSTs one after the
// other on one queue: what it sends waits for the pending GET to return,
// which with Node's default of 25 s would stall the polling cases. A short
// interval makes the GET return often (a Node.js server would need the
// same setting with this client).
const pingInterval = 200 * time.Millisecond

// newServer serves a gosio server on /socket.io/ of an httptest server,
// both shut down when the test ends.
func newServer(t *testing.T) (*socketio.SocketIOServer, string) {
	t.Helper()
	srv := socketio.NewServer(&socketio.ServerOptions{Engine: &engineio.Options{PingInterval: pingInterval}})
	mux := http.NewServeMux()
	mux.Handle("/socket.io/", srv)
	ts := httptest.NewServer(wireLog(t, mux))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		ts.Close()
	})
	return srv, ts.URL
}

// event is what a client socket saw: "connect", "connect_error",
// "disconnect" or "recv" (an event from the server: args[0] is its name,
// and a last argument of type client.Ack... is its ack callback).
type event struct {
	kind string
	args []any
}

// clientSocket is one socket of the zishang520 client, whose events are
// queued on a channel by the client's goroutines and taken by the test.
type clientSocket struct {
	t       *testing.T
	s       *client.Socket
	events  chan event
	pending []event
}

// dialOptions are the options of a test's client.
func dialOptions(transportNames []string, auth map[string]any) *client.Options {
	opts := client.DefaultOptions()
	opts.SetReconnection(false)
	opts.SetForceNew(true)
	opts.SetAutoConnect(false) // see open
	opts.SetTimeout(waitFor)
	if transportNames != nil {
		set := types.NewSet[transports.TransportCtor]()
		for _, n := range transportNames {
			switch n {
			case "polling":
				set.Add(transports.Polling)
			case "websocket":
				set.Add(transports.WebSocket)
			}
		}
		opts.SetTransports(set)
	}
	if auth != nil {
		opts.SetAuth(auth)
	}
	return opts
}

// dial opens a socket on nsp of a new connection.
func dial(t *testing.T, url, nsp string, transportNames []string, auth map[string]any) *clientSocket {
	t.Helper()
	m := newManager(t, url, transportNames)
	return open(t, m, nsp, auth)
}

// newManager opens an Engine.IO connection and waits for it to be open.
//
// Sockets are opened on it only then: Socket.Connect on a Manager still
// opening subscribes to its "open" event and then calls onopen itself
// when it finds the Manager open, and the two may both run (the client's
// goroutines race where the JavaScript client is single-threaded): the
// socket then sends CONNECT twice, and the server, as Node does, closes
// the connection on the second.
//
// Manager.Open has a race of the same kind: it creates the engine, which
// starts connecting, before it listens to the engine's "open"; when the
// handshake is quick the Manager misses it and stays "opening" for ever.
// Such a Manager is closed and another one tried, up to three times.
func newManager(t *testing.T, url string, transportNames []string) *client.Manager {
	t.Helper()
	for try := 1; ; try++ {
		m := client.NewManager(url, dialOptions(transportNames, nil))
		opened := make(chan error, 1)
		m.Open(func(err error) { opened <- err })
		select {
		case err := <-opened:
			if err != nil {
				t.Fatalf("opening the connection: %v", err)
			}
			return m
		case <-time.After(3 * time.Second):
		}
		if e := m.Engine(); e != nil {
			e.Close()
		}
		if try == 3 {
			t.Fatalf("the client's Manager never saw its connection open, %d times", try)
		}
		t.Logf("the client's Manager missed its connection's open event (a client race): try %d", try+1)
	}
}

// open opens a socket on nsp of manager m (one Engine.IO connection).
func open(t *testing.T, m *client.Manager, nsp string, auth map[string]any) *clientSocket {
	t.Helper()
	sopts := client.DefaultSocketOptions()
	if auth != nil {
		sopts.SetAuth(auth)
	}
	s := m.Socket(nsp, sopts)
	c := &clientSocket{t: t, s: s, events: make(chan event, 256)}
	push := func(kind string) func(...any) {
		return func(args ...any) {
			select {
			case c.events <- event{kind, args}:
			default:
				t.Errorf("client socket %s: event queue full, %s dropped", nsp, kind)
			}
		}
	}
	_ = s.On("connect", push("connect"))
	_ = s.On("connect_error", push("connect_error"))
	_ = s.On("disconnect", push("disconnect"))
	recv := push("recv")
	s.OnAny(func(args ...any) {
		if len(args) > 0 && args[0] == nudgeEvent {
			return
		}
		recv(args...)
	})
	// Connected here, once the listeners are on (with autoConnect the
	// socket could connect before them), on an open Manager (see
	// newManager).
	s.Connect()
	t.Cleanup(func() { s.Disconnect() })
	return c
}

// take returns the first event, in arrival order, that match accepts.
func (c *clientSocket) take(what string, match func(event) bool) event {
	c.t.Helper()
	ev, ok := c.tryTake(waitFor, match)
	if !ok {
		c.t.Fatalf("client: no %s; unconsumed events: %v", what, c.pending)
	}
	return ev
}

func (c *clientSocket) tryTake(d time.Duration, match func(event) bool) (event, bool) {
	for i, ev := range c.pending {
		if match(ev) {
			c.pending = slices.Delete(c.pending, i, i+1)
			return ev, true
		}
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	for {
		select {
		case ev := <-c.events:
			if match(ev) {
				return ev, true
			}
			c.pending = append(c.pending, ev)
		case <-timer.C:
			return event{}, false
		}
	}
}

// expect takes the next event of kind.
func (c *clientSocket) expect(kind string) event {
	c.t.Helper()
	return c.take(kind, func(ev event) bool { return ev.kind == kind })
}

// recv takes the next server event named name; it returns its arguments
// and its ack callback (nil when the server asked for none).
func (c *clientSocket) recv(name string) ([]any, func([]any, error)) {
	c.t.Helper()
	ev := c.take(fmt.Sprintf("event %q", name), func(ev event) bool {
		return ev.kind == "recv" && len(ev.args) > 0 && ev.args[0] == name
	})
	args := ev.args[1:]
	if n := len(args); n > 0 {
		if ack, ok := args[n-1].(func([]any, error)); ok {
			return args[:n-1], ack
		}
	}
	return args, nil
}

// noRecv checks that no event named name arrives within d.
func (c *clientSocket) noRecv(name string, d time.Duration) {
	c.t.Helper()
	if ev, ok := c.tryTake(d, func(ev event) bool {
		return ev.kind == "recv" && len(ev.args) > 0 && ev.args[0] == name
	}); ok {
		c.t.Fatalf("unexpected %v", ev.args)
	}
}

// connected waits for the socket's connection.
func (c *clientSocket) connected() {
	c.t.Helper()
	c.expect("connect")
}

// emitWithAck emits and waits for the server's ack.
func (c *clientSocket) emitWithAck(name string, args ...any) []any {
	c.t.Helper()
	type result struct {
		args []any
		err  error
	}
	res := make(chan result, 1)
	c.s.Timeout(waitFor).EmitWithAck(name, args...)(func(a []any, err error) { res <- result{a, err} })
	select {
	case r := <-res:
		if r.err != nil {
			c.t.Fatalf("ack of %q: %v", name, r.err)
		}
		return r.args
	case <-time.After(waitFor + time.Second):
		c.t.Fatalf("no ack of %q", name)
		return nil
	}
}

// transportName is the client's current transport.
func (c *clientSocket) transportName() string {
	e := c.s.Io().Engine()
	if e == nil || e.Transport() == nil {
		return ""
	}
	return e.Transport().Name()
}

// asBytes returns the bytes of a binary value as the client decodes it.
func asBytes(v any) ([]byte, bool) {
	switch b := v.(type) {
	case []byte:
		return b, true
	case interface{ Bytes() []byte }:
		return b.Bytes(), true
	}
	return nil, false
}

func sameBytes(v any, want []byte) bool {
	b, ok := asBytes(v)
	return ok && bytes.Equal(b, want)
}

func waitChan[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(waitFor):
		t.Fatalf("timed out waiting for %s", what)
		var zero T
		return zero
	}
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitFor)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// sockets queues the server sockets of a namespace as they connect; every
// one acknowledges "echo" with its arguments and re-emits "shout" as
// "shouted".
func sockets(n interface {
	OnConnection(func(*socketio.NamespaceSocket))
}) <-chan *socketio.NamespaceSocket {
	ch := make(chan *socketio.NamespaceSocket, 64)
	n.OnConnection(func(s *socketio.NamespaceSocket) {
		s.On("echo", func(e *socketio.Event) { _ = e.Ack(e.RawArgs()...) })
		s.On("shout", func(e *socketio.Event) { _ = s.Emit("shouted", e.RawArgs()...) })
		ch <- s
	})
	return ch
}

// oneOf reports whether v is one of the alternatives, separated by |.
func oneOf(v any, alternatives string) bool {
	s, ok := v.(string)
	return ok && slices.Contains(strings.Split(alternatives, "|"), s)
}

// nudgeEvent is what nudge emits; the clients drop it.
const nudgeEvent = "nudge"

// nudge emits an event to s every 50 ms until the test ends. The
// zishang520 client's polling transport sends nothing while its GET is
// pending, and splits a binary packet over several POSTs: once it has
// POSTed a binary packet's header in place of the pong it owes, the server
// (gosio as Node) sends no more pings and the GET would only return at the
// ping timeout. An event returns the GET, and the client sends the rest.
func nudge(t *testing.T, s *socketio.NamespaceSocket) {
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() { // ends when the test does
		defer close(stopped)
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				_ = s.Emit(nudgeEvent)
			}
		}
	}()
	t.Cleanup(func() { close(done); <-stopped })
}
