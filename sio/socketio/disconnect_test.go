package socketio

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gosio/gosio/sio/engineio"
)

// reasonOf returns a channel receiving the socket's disconnect reason.
func reasonOf(s *NamespaceSocket) <-chan DisconnectReason {
	ch := make(chan DisconnectReason, 2)
	s.OnDisconnect(func(r DisconnectReason) { ch <- r })
	return ch
}

func expectReason(t *testing.T, ch <-chan DisconnectReason, want DisconnectReason) {
	t.Helper()
	if got := waitChan(t, ch, "disconnect"); got != want {
		t.Fatalf("disconnect reason %q, want %q", got, want)
	}
}

func TestDisconnectReasonServerNamespaceDisconnect(t *testing.T) {
	e := newTestEnv(t, nil)
	socks := socketCh(e.srv)
	c, s := e.connected(socks)
	reason := reasonOf(s)
	s.Disconnect(false)
	c.expect("1")
	expectReason(t, reason, ReasonServerNamespaceDisconnect)
	if s.Connected() {
		t.Fatal("Connected() after Disconnect")
	}
	s.Disconnect(false) // idempotent: no second DISCONNECT
	// The connection stays open: the client may join again.
	r := c.connect("/", "")
	if r.SID == s.ID() {
		t.Fatal("a new socket reused the old id")
	}
	waitChan(t, socks, "second connection")
	c.quiet(30 * time.Millisecond)
}

func TestDisconnectCloseEndsEveryNamespaceOfTheConnection(t *testing.T) {
	e := newTestEnv(t, nil)
	socks := socketCh(e.srv)
	admin := socketCh(e.srv.Of("/admin"))
	c, s := e.connected(socks)
	c.connect("/admin", "")
	a := waitChan(t, admin, "admin connection")
	rs, ra := reasonOf(s), reasonOf(a)
	s.Disconnect(true)
	// Node's client._disconnect: every socket gets a DISCONNECT, then the
	// connection closes.
	got := map[string]bool{c.nextText(): true, c.nextText(): true}
	if !got["1"] || !got["1/admin,"] {
		t.Fatalf("DISCONNECT packets %v", got)
	}
	c.waitClosed()
	expectReason(t, rs, ReasonServerNamespaceDisconnect)
	expectReason(t, ra, ReasonServerNamespaceDisconnect)
}

func TestDisconnectReasonClientNamespaceDisconnect(t *testing.T) {
	e := newTestEnv(t, nil)
	socks := socketCh(e.srv)
	admin := socketCh(e.srv.Of("/admin"))
	c, s := e.connected(socks)
	c.connect("/admin", "")
	a := waitChan(t, admin, "admin connection")
	rs, ra := reasonOf(s), reasonOf(a)
	c.send("1/admin,")
	expectReason(t, ra, ReasonClientNamespaceDisconnect)
	// The other namespace is untouched.
	_ = s.Emit("still")
	c.expect(`2["still"]`)
	select {
	case r := <-rs:
		t.Fatalf("main namespace socket left too: %q", r)
	default:
	}
	// A packet for the namespace left is an invalid state: the connection
	// is closed (Node's client.close).
	c.send(`2/admin,["x"]`)
	expectReason(t, rs, ReasonForcedClose)
	c.waitClosed()
}

func TestDisconnectReasonTransportClose(t *testing.T) {
	e := newTestEnv(t, nil)
	socks := socketCh(e.srv)

	// The client's Engine.IO close packet.
	c, s := e.connected(socks)
	reason := reasonOf(s)
	c.sendEIO("1")
	expectReason(t, reason, ReasonTransportClose)

	// The websocket going away.
	c2, s2 := e.connected(socks)
	reason2 := reasonOf(s2)
	c2.close()
	expectReason(t, reason2, ReasonTransportClose)
}

func TestDisconnectReasonPingTimeout(t *testing.T) {
	e := newTestEnv(t, &ServerOptions{Engine: &engineio.Options{
		PingInterval: 30 * time.Millisecond, PingTimeout: 30 * time.Millisecond,
	}})
	socks := socketCh(e.srv)
	c, s := e.connected(socks)
	alive, salive := e.connected(socks)
	reason, aliveReason := reasonOf(s), reasonOf(salive)
	c.freeze()
	expectReason(t, reason, ReasonPingTimeout)
	c.waitClosed()
	// A client that answers the pings stays.
	time.Sleep(150 * time.Millisecond)
	select {
	case r := <-aliveReason:
		t.Fatalf("a live client was disconnected: %q", r)
	default:
	}
	_ = salive.Emit("ok")
	alive.expect(`2["ok"]`)
}

func TestDisconnectReasonServerShuttingDown(t *testing.T) {
	e := newTestEnv(t, nil)
	socks := socketCh(e.srv)
	c, s := e.connected(socks)
	reason := reasonOf(s)
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	if err := e.srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	expectReason(t, reason, ReasonServerShuttingDown)
	c.waitClosed()
	// New connections are refused.
	status, _ := e.httpTry("GET", e.url("transport", "polling"), "", nil)
	if status == 200 {
		t.Fatal("handshake accepted after Shutdown")
	}
}

func TestDisconnectReasonForcedCloseOnInvalidPackets(t *testing.T) {
	cases := []struct {
		name string
		send func(c *wsClient)
	}{
		{"unknown packet type", func(c *wsClient) { c.send("9") }},
		{"event payload not an array", func(c *wsClient) { c.send(`2{"a":1}`) }},
		{"event without a name", func(c *wsClient) { c.send(`2[]`) }},
		{"bad JSON", func(c *wsClient) { c.send(`2["a",`) }},
		{"unexpected attachment", func(c *wsClient) { c.sendBin([]byte{1}) }},
		{"text while an attachment is awaited", func(c *wsClient) {
			c.send(`51-["a",{"_placeholder":true,"num":0}]`)
			c.send(`2["b"]`)
		}},
		{"too many attachments", func(c *wsClient) { c.send(`511-["a"]`) }},
		{"second CONNECT", func(c *wsClient) { c.send("0") }},
		{"CONNECT_ERROR from the client", func(c *wsClient) { c.send(`4{"message":"x"}`) }},
		{"event for a namespace not joined", func(c *wsClient) { c.send(`2/other,["a"]`) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t, nil)
			e.srv.Of("/other")
			socks := socketCh(e.srv)
			c, s := e.connected(socks)
			var handled atomic.Int32
			s.OnAny(func(*Event) { handled.Add(1) })
			reason := reasonOf(s)
			tc.send(c)
			expectReason(t, reason, ReasonForcedClose)
			c.waitClosed()
			if handled.Load() != 0 {
				t.Fatal("an event was dispatched")
			}
		})
	}
}

func TestDisconnectReasonParseError(t *testing.T) {
	e := newTestEnv(t, nil)
	c, s := e.connected(socketCh(e.srv))
	reason := reasonOf(s)
	c.sendEIO("x") // not an Engine.IO packet
	expectReason(t, reason, ReasonParseError)
}

func TestDisconnectReasonTransportErrorOnOversizedMessage(t *testing.T) {
	e := newTestEnv(t, &ServerOptions{Engine: &engineio.Options{MaxPayload: 1000}})
	c, s := e.connected(socketCh(e.srv))
	reason := reasonOf(s)
	big := make([]byte, 2000)
	for i := range big {
		big[i] = 'a'
	}
	c.send(`2["big","` + string(big) + `"]`)
	expectReason(t, reason, ReasonTransportError)
	c.waitClosed()
}

func TestShutdownWaitsForHandlers(t *testing.T) {
	e := newTestEnv(t, nil)
	c, s := e.connected(socketCh(e.srv))
	started := make(chan struct{})
	var finished atomic.Bool
	s.On("slow", func(*Event) {
		close(started)
		time.Sleep(200 * time.Millisecond)
		finished.Store(true)
	})
	var disconnected atomic.Bool
	s.OnDisconnect(func(DisconnectReason) { disconnected.Store(true) })
	c.send(`2["slow"]`)
	waitChan(t, started, "slow handler")
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	if err := e.srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if !finished.Load() || !disconnected.Load() {
		t.Fatalf("Shutdown returned before the handlers: finished=%v disconnected=%v", finished.Load(), disconnected.Load())
	}
}

func TestShutdownHonoursItsContext(t *testing.T) {
	e := newTestEnv(t, nil)
	c, s := e.connected(socketCh(e.srv))
	release := make(chan struct{})
	started := make(chan struct{})
	s.On("stuck", func(*Event) { close(started); <-release })
	c.send(`2["stuck"]`)
	waitChan(t, started, "stuck handler")
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	if err := e.srv.Shutdown(ctx); err == nil {
		t.Fatal("Shutdown returned nil with a handler still running")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("Shutdown took %v", d)
	}
	close(release) // the cleanup's Shutdown then waits for it
}
