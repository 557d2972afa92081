package socketio

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// lastString returns the last element of a JSON array that must be a
// string (the offset connection state recovery appends).
func lastString(t *testing.T, arr string) string {
	t.Helper()
	var a []json.RawMessage
	if err := json.Unmarshal([]byte(arr), &a); err != nil || len(a) == 0 {
		t.Fatalf("payload %q: %v", arr, err)
	}
	var s string
	if err := json.Unmarshal(a[len(a)-1], &s); err != nil {
		t.Fatalf("payload %q has no offset: %v", arr, err)
	}
	return s
}

// withoutOffset checks that a frame is an EVENT whose payload, its
// trailing offset removed, is want; it returns the offset.
func withoutOffset(t *testing.T, frame, wantPrefix, wantArgs string) string {
	t.Helper()
	if !strings.HasPrefix(frame, wantPrefix) {
		t.Fatalf("frame %q, want prefix %q", frame, wantPrefix)
	}
	body := frame[len(wantPrefix):]
	off := lastString(t, body)
	trimmed := strings.TrimSuffix(body, `,"`+off+`"]`) + "]"
	if trimmed != wantArgs {
		t.Fatalf("frame %q: payload without offset %s, want %s", frame, trimmed, wantArgs)
	}
	return off
}

func recoveryAuth(pid, offset string) string {
	return fmt.Sprintf(`{"pid":%q,"offset":%q}`, pid, offset)
}

func TestRecoveryRestoresIDRoomsDataAndMissedPackets(t *testing.T) {
	e := newTestEnv(t, &ServerOptions{ConnectionStateRecovery: &RecoveryOptions{MaxDisconnectionDuration: 10 * time.Second}})
	var mw atomic.Int32
	e.srv.Use(func(*NamespaceSocket) error { mw.Add(1); return nil })
	socks := socketCh(e.srv)

	c1 := e.dialWS()
	r1 := c1.connect("/", `{"token":"t"}`)
	if r1.PID == "" {
		t.Fatal("no pid in the CONNECT reply")
	}
	s1 := waitChan(t, socks, "connection")
	s1.Join("room1")
	s1.Data.Set("user", "alice")
	reason := reasonOf(s1)

	// Events that reach the client carry an offset as their last argument:
	// broadcasts and the socket's own emits alike.
	_ = e.srv.To("room1").Emit("e1", "a")
	withoutOffset(t, c1.nextText(), "2", `["e1","a"]`)
	_ = s1.Emit("direct", 1)
	offset := withoutOffset(t, c1.nextText(), "2", `["direct",1]`)

	c1.close()
	expectReason(t, reason, ReasonTransportClose)

	// While the client is away.
	_ = e.srv.To("room1").Emit("e2", "missed")
	_ = e.srv.Emit("e3")
	_ = e.srv.To("other").Emit("e4")
	_ = e.srv.Except("room1").Emit("e5")
	_ = e.srv.Volatile().Emit("e6")
	_, _ = e.srv.Timeout(time.Millisecond).EmitWithAck(context.Background(), "e7")
	_ = e.srv.To("room1").Emit("e8", []byte{1, 2})
	_ = e.srv.Of("/elsewhere").Emit("e9")

	c2 := e.dialWS()
	r2 := c2.connect("/", recoveryAuth(r1.PID, offset))
	if r2.SID != r1.SID || r2.PID != r1.PID {
		t.Fatalf("reconnected as %+v, want %+v", r2, r1)
	}
	withoutOffset(t, c2.nextText(), "2", `["e2","missed"]`)
	withoutOffset(t, c2.nextText(), "2", `["e3"]`)
	withoutOffset(t, c2.nextText(), "51-", `["e8",{"_placeholder":true,"num":0}]`)
	if f := c2.next(); !f.binary || string(f.bin) != "\x01\x02" {
		t.Fatalf("attachment %+v", f)
	}
	s2 := waitChan(t, socks, "recovered connection")
	c2.quiet(50 * time.Millisecond)

	if !s2.Recovered() || s2.ID() != s1.ID() {
		t.Fatalf("Recovered()=%v id %s (was %s)", s2.Recovered(), s2.ID(), s1.ID())
	}
	if !slices.Contains(s2.Rooms(), "room1") || !slices.Contains(s2.Rooms(), s2.ID()) {
		t.Fatalf("rooms %v", s2.Rooms())
	}
	if v, _ := s2.Data.Get("user"); v != "alice" {
		t.Fatalf("data user = %v", v)
	}
	if s2.Handshake().Auth["pid"] != r1.PID {
		t.Fatalf("handshake auth %v", s2.Handshake().Auth)
	}
	// The middlewares are skipped for a recovered socket by default.
	if mw.Load() != 1 {
		t.Fatalf("middleware ran %d times, want 1", mw.Load())
	}
	// The restored socket is a full member of its rooms again.
	_ = e.srv.To("room1").Emit("after")
	withoutOffset(t, c2.nextText(), "2", `["after"]`)
	if e.srv.Of("/").Socket(s2.ID()) != s2 {
		t.Fatal("the namespace does not hold the recovered socket")
	}
}

func TestRecoveryFailsAndFallsBackToANewSession(t *testing.T) {
	cases := []struct {
		name  string
		leave func(t *testing.T, c *wsClient, s *NamespaceSocket)
		auth  func(pid, offset string) string
		opts  RecoveryOptions
	}{
		{
			name:  "expired",
			opts:  RecoveryOptions{MaxDisconnectionDuration: 50 * time.Millisecond},
			leave: func(t *testing.T, c *wsClient, _ *NamespaceSocket) { c.close(); time.Sleep(150 * time.Millisecond) },
			auth:  recoveryAuth,
		},
		{
			name:  "client namespace disconnect",
			leave: func(t *testing.T, c *wsClient, _ *NamespaceSocket) { c.send("1") },
			auth:  recoveryAuth,
		},
		{
			name:  "server namespace disconnect",
			leave: func(t *testing.T, c *wsClient, s *NamespaceSocket) { s.Disconnect(false) },
			auth:  recoveryAuth,
		},
		{
			name:  "unknown offset",
			leave: func(t *testing.T, c *wsClient, _ *NamespaceSocket) { c.close() },
			auth:  func(pid, _ string) string { return recoveryAuth(pid, "nope") },
		},
		{
			name:  "unknown pid",
			leave: func(t *testing.T, c *wsClient, _ *NamespaceSocket) { c.close() },
			auth:  func(_, offset string) string { return recoveryAuth("nope", offset) },
		},
		{
			name:  "no offset",
			leave: func(t *testing.T, c *wsClient, _ *NamespaceSocket) { c.close() },
			auth:  func(pid, _ string) string { return fmt.Sprintf(`{"pid":%q}`, pid) },
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			opts := tc.opts
			e := newTestEnv(t, &ServerOptions{ConnectionStateRecovery: &opts})
			socks := socketCh(e.srv)
			c1 := e.dialWS()
			r1 := c1.connect("/", "")
			s1 := waitChan(t, socks, "connection")
			s1.Join("room1")
			reason := reasonOf(s1)
			_ = s1.Emit("e1")
			offset := lastString(t, c1.expectPrefix("2"))
			tc.leave(t, c1, s1)
			waitChan(t, reason, "disconnect")
			_ = e.srv.Emit("missed")

			c2 := e.dialWS()
			r2 := c2.connect("/", tc.auth(r1.PID, offset))
			s2 := waitChan(t, socks, "new connection")
			if r2.SID == r1.SID || r2.PID == r1.PID || s2.Recovered() || slices.Contains(s2.Rooms(), "room1") {
				t.Fatalf("recovered: %+v → %+v, Recovered()=%v rooms %v", r1, r2, s2.Recovered(), s2.Rooms())
			}
			c2.quiet(30 * time.Millisecond) // no missed packet replayed
		})
	}
}

func TestRecoveryIsUsedOnce(t *testing.T) {
	e := newTestEnv(t, &ServerOptions{ConnectionStateRecovery: &RecoveryOptions{}})
	socks := socketCh(e.srv)
	c1 := e.dialWS()
	r1 := c1.connect("/", "")
	s1 := waitChan(t, socks, "connection")
	_ = s1.Emit("e")
	offset := lastString(t, c1.expectPrefix("2"))
	reason := reasonOf(s1)
	c1.close()
	waitChan(t, reason, "disconnect")

	c2 := e.dialWS()
	if r := c2.connect("/", recoveryAuth(r1.PID, offset)); r.SID != r1.SID {
		t.Fatal("not recovered")
	}
	// A second connection presenting the same session gets a new one: two
	// live sockets never share an id.
	c3 := e.dialWS()
	if r := c3.connect("/", recoveryAuth(r1.PID, offset)); r.SID == r1.SID {
		t.Fatal("the same session was restored twice")
	}
}

func TestRecoveryRunMiddlewares(t *testing.T) {
	e := newTestEnv(t, &ServerOptions{ConnectionStateRecovery: &RecoveryOptions{RunMiddlewares: true}})
	var runs atomic.Int32
	e.srv.Use(func(s *NamespaceSocket) error {
		if runs.Add(1) > 1 {
			if !s.Recovered() {
				t.Error("Recovered() false inside the middleware of a recovered socket")
			}
			return NewConnectError("re-authenticate", nil)
		}
		return nil
	})
	socks := socketCh(e.srv)
	c1 := e.dialWS()
	r1 := c1.connect("/", "")
	s1 := waitChan(t, socks, "connection")
	_ = s1.Emit("e")
	offset := lastString(t, c1.expectPrefix("2"))
	reason := reasonOf(s1)
	c1.close()
	waitChan(t, reason, "disconnect")

	c2 := e.dialWS()
	if got := c2.connectErr("/", recoveryAuth(r1.PID, offset)); got != `{"message":"re-authenticate"}` {
		t.Fatalf("CONNECT_ERROR %q", got)
	}
	if runs.Load() != 2 {
		t.Fatalf("middleware ran %d times", runs.Load())
	}
}

// persistedPIDs returns the pids the in-memory adapter of "/" keeps.
func persistedPIDs(srv *SocketIOServer) []string {
	a := srv.Of("/").Adapter().(*memoryAdapter)
	a.recMu.Lock()
	defer a.recMu.Unlock()
	var out []string
	for pid := range a.sessions {
		out = append(out, pid)
	}
	return out
}

func TestRecoverableDisconnectReasons(t *testing.T) {
	// Node's RECOVERABLE_DISCONNECT_REASONS: transport error, transport
	// close, forced close, ping timeout, server shutting down, forced
	// server close; not parse error nor the namespace disconnects.
	for _, tc := range []struct {
		reason      DisconnectReason
		recoverable bool
	}{
		{ReasonTransportError, true},
		{ReasonTransportClose, true},
		{ReasonForcedClose, true},
		{ReasonPingTimeout, true},
		{ReasonServerShuttingDown, true},
		{ReasonForcedServerClose, true},
		{ReasonParseError, false},
		{ReasonClientNamespaceDisconnect, false},
		{ReasonServerNamespaceDisconnect, false},
	} {
		if got := tc.reason.recoverable(); got != tc.recoverable {
			t.Errorf("%q recoverable = %v, want %v", tc.reason, got, tc.recoverable)
		}
	}

	// On the wire: a shutdown keeps the session (a cluster adapter would
	// let another server restore it), a parse error does not.
	e := newTestEnv(t, &ServerOptions{ConnectionStateRecovery: &RecoveryOptions{}})
	socks := socketCh(e.srv)
	bad := e.dialWS()
	rBad := bad.connect("/", "")
	sBad := waitChan(t, socks, "connection")
	reason := reasonOf(sBad)
	bad.sendEIO("x")
	expectReason(t, reason, ReasonParseError)
	if slices.Contains(persistedPIDs(e.srv), rBad.PID) {
		t.Fatal("a session that ended with a parse error was kept")
	}
	c := e.dialWS()
	r := c.connect("/", "")
	s := waitChan(t, socks, "connection")
	reason = reasonOf(s)
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	if err := e.srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	expectReason(t, reason, ReasonServerShuttingDown)
	if !slices.Contains(persistedPIDs(e.srv), r.PID) {
		t.Fatal("a session that ended with the server shutting down was not kept")
	}
}

func TestRecoveryStoreIsPruned(t *testing.T) {
	e := newTestEnv(t, &ServerOptions{ConnectionStateRecovery: &RecoveryOptions{MaxDisconnectionDuration: 30 * time.Millisecond}})
	socks := socketCh(e.srv)
	for range 5 {
		c := e.dialWS()
		c.connect("/", "")
		s := waitChan(t, socks, "connection")
		reason := reasonOf(s)
		c.close()
		waitChan(t, reason, "disconnect")
	}
	_ = e.srv.Emit("x")
	a := e.srv.Of("/").Adapter().(*memoryAdapter)
	time.Sleep(60 * time.Millisecond)
	// The departed sessions and the stored packets expire, whether or not
	// anything else is broadcast or restored afterwards.
	eventually(t, "sessions and packets pruned", func() bool {
		a.recMu.Lock()
		defer a.recMu.Unlock()
		return len(a.sessions) == 0 && len(a.packets) == 0
	})
}
