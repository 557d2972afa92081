package engineio_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gosio/gosio/sio/engineio"
)

// bubbleServer drives a Server by calling ServeHTTP directly, without
// network I/O, so that long-polling tests can run inside a synctest bubble
// on its fake clock.
type bubbleServer struct {
	t   *testing.T
	srv *engineio.Server

	mu     sync.Mutex
	closes map[string]closeEvent
	closed map[string]time.Time
}

func newBubbleServer(t *testing.T, opts *engineio.Options) *bubbleServer {
	b := &bubbleServer{t: t, srv: engineio.NewServer(opts), closes: map[string]closeEvent{}, closed: map[string]time.Time{}}
	b.srv.OnConnection(func(sock *engineio.EngineIOSocket) {
		sock.OnMessage(func(data []byte, binary bool) { _ = sock.Send(data, binary) })
		sock.OnClose(func(reason engineio.CloseReason, err error) {
			b.mu.Lock()
			b.closes[sock.ID()] = closeEvent{reason, err}
			b.closed[sock.ID()] = time.Now()
			b.mu.Unlock()
		})
	})
	return b
}

func (b *bubbleServer) serve(ctx context.Context, method, query, body string) response {
	r := httptest.NewRequestWithContext(ctx, method, "/engine.io/?"+query, strings.NewReader(body))
	w := httptest.NewRecorder()
	b.srv.ServeHTTP(w, r)
	return response{status: w.Code, header: w.Header(), body: w.Body.String()}
}

func (b *bubbleServer) handshake() string {
	b.t.Helper()
	r := b.serve(context.Background(), "GET", "EIO=4&transport=polling", "")
	return parseOpen(b.t, r.body).SID
}

func (b *bubbleServer) push(sid, payload string) response {
	return b.serve(context.Background(), "POST", "EIO=4&transport=polling&sid="+sid, payload)
}

// pollAsync starts a GET; the channel gets its answer.
func (b *bubbleServer) pollAsync(sid string) <-chan response {
	ch := make(chan response, 1)
	go func() { ch <- b.serve(context.Background(), "GET", "EIO=4&transport=polling&sid="+sid, "") }()
	return ch
}

func (b *bubbleServer) closeOf(sid string) (closeEvent, time.Time, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	ev, ok := b.closes[sid]
	return ev, b.closed[sid], ok
}

// answered reports whether a background GET has been answered, once every
// goroutine of the bubble is blocked.
func answered(ch <-chan response) (response, bool) {
	synctest.Wait()
	select {
	case r := <-ch:
		return r, true
	default:
		return response{}, false
	}
}

func TestHeartbeatPolling(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newBubbleServer(t, nil) // 25 s / 20 s
		defer b.srv.Close()
		sid := b.handshake()
		for i := range 3 {
			get := b.pollAsync(sid)
			time.Sleep(25*time.Second - time.Millisecond)
			if r, ok := answered(get); ok {
				t.Fatalf("ping %d: GET answered %q before the ping interval", i, r.body)
			}
			time.Sleep(time.Millisecond)
			r, ok := answered(get)
			if !ok || r.status != 200 || r.body != "2" {
				t.Fatalf("ping %d: GET %v %d %q, want the ping \"2\" at 25 s", i, ok, r.status, r.body)
			}
			// answer late, just within the timeout: the next ping is an
			// interval after the pong
			time.Sleep(20*time.Second - time.Millisecond)
			if r := b.push(sid, "3"); r.body != "ok" {
				t.Fatalf("pong: %d %q", r.status, r.body)
			}
		}
		if _, _, closed := b.closeOf(sid); closed {
			t.Fatal("session closed though every ping was answered")
		}
	})
}

func TestHeartbeatPollingTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newBubbleServer(t, nil)
		defer b.srv.Close()
		start := time.Now()
		sid := b.handshake()
		// messages are no pong
		get := b.pollAsync(sid)
		time.Sleep(10 * time.Second)
		b.push(sid, "4hello")
		if r, ok := answered(get); !ok || r.body != "4hello" {
			t.Fatalf("echo %v %q", ok, r.body)
		}
		get = b.pollAsync(sid)
		time.Sleep(15 * time.Second)
		if r, ok := answered(get); !ok || r.body != "2" {
			t.Fatalf("ping %v %q", ok, r.body)
		}
		// the client polls again but never answers the ping: the waiting
		// GET ends with the close packet at the pong deadline
		get = b.pollAsync(sid)
		time.Sleep(20*time.Second - time.Millisecond)
		b.push(sid, "4not a pong")
		if r, ok := answered(get); !ok || r.body != "4not a pong" {
			t.Fatalf("echo %v %q", ok, r.body)
		}
		get = b.pollAsync(sid)
		time.Sleep(time.Millisecond)
		r, ok := answered(get)
		if !ok || r.status != 200 || r.body != "1" {
			t.Fatalf("GET at the timeout: %v %d %q, want \"1\"", ok, r.status, r.body)
		}
		ev, at, closed := b.closeOf(sid)
		if !closed || ev.reason != engineio.ReasonPingTimeout {
			t.Fatalf("close %v %+v, want ping timeout", closed, ev)
		}
		if d := at.Sub(start); d != 45*time.Second {
			t.Errorf("closed after %v, want 45s", d)
		}
		r = b.serve(context.Background(), "GET", "EIO=4&transport=polling&sid="+sid, "")
		expectError(t, r, 400, 1, "Session ID unknown")
	})
}

func TestHeartbeatTimeoutWithoutPoll(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newBubbleServer(t, &engineio.Options{PingInterval: 300 * time.Millisecond, PingTimeout: 200 * time.Millisecond})
		defer b.srv.Close()
		start := time.Now()
		sid := b.handshake()
		time.Sleep(time.Second)
		ev, at, closed := b.closeOf(sid)
		if !closed || ev.reason != engineio.ReasonPingTimeout || ev.err != nil {
			t.Fatalf("close %v %+v, want ping timeout", closed, ev)
		}
		if d := at.Sub(start); d != 500*time.Millisecond {
			t.Errorf("closed after %v, want 500ms", d)
		}
		if b.srv.ClientsCount() != 0 {
			t.Errorf("%d sessions left", b.srv.ClientsCount())
		}
		r := b.serve(context.Background(), "GET", "EIO=4&transport=polling&sid="+sid, "")
		expectError(t, r, 400, 1, "Session ID unknown")
	})
}

func TestHeartbeatPongOutOfTurn(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// pongs with no ping outstanding change nothing: the pings keep
		// their schedule
		b := newBubbleServer(t, nil)
		defer b.srv.Close()
		sid := b.handshake()
		get := b.pollAsync(sid)
		for range 4 {
			time.Sleep(5 * time.Second)
			b.push(sid, "3")
		}
		time.Sleep(5*time.Second - time.Millisecond)
		if _, ok := answered(get); ok {
			t.Fatal("answered early")
		}
		time.Sleep(time.Millisecond)
		if r, ok := answered(get); !ok || r.body != "2" {
			t.Fatalf("ping %v %q at 25s", ok, r.body)
		}
	})
}

func TestPendingPollNeverOutlivesSession(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newBubbleServer(t, nil)
		cases := []struct {
			name  string
			close func(sid string)
			want  string
		}{
			{"forced close", func(sid string) { b.srv.Session(sid).Socket().Close() }, "1"},
			{"client close", func(sid string) { b.push(sid, "1") }, "6"},
			{"parse error", func(sid string) { b.push(sid, "zzz") }, "1"},
			{"server shutdown", func(string) { b.srv.Close() }, "1"},
		}
		for _, c := range cases {
			sid := b.handshake()
			get := b.pollAsync(sid)
			time.Sleep(time.Second)
			if _, ok := answered(get); ok {
				t.Fatalf("%s: answered early", c.name)
			}
			c.close(sid)
			r, ok := answered(get)
			if !ok {
				t.Fatalf("%s: the waiting GET outlived its session", c.name)
			}
			if r.status != 200 || r.body != c.want {
				t.Fatalf("%s: GET %d %q, want %q", c.name, r.status, r.body, c.want)
			}
		}
	})
}

func TestAbortedPollInBubble(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newBubbleServer(t, nil)
		defer b.srv.Close()
		sid := b.handshake()
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			b.serve(ctx, "GET", "EIO=4&transport=polling&sid="+sid, "")
			close(done)
		}()
		time.Sleep(time.Second)
		cancel()
		synctest.Wait()
		<-done
		if ev, _, ok := b.closeOf(sid); !ok || ev.reason != engineio.ReasonTransportError {
			t.Fatalf("close %v %+v", ok, ev)
		}
	})
}

func TestHeartbeatOptionsInBubble(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newBubbleServer(t, &engineio.Options{PingInterval: 2 * time.Second, PingTimeout: time.Second})
		defer b.srv.Close()
		r := b.serve(context.Background(), "GET", "EIO=4&transport=polling", "")
		var o openPacket
		if err := json.Unmarshal([]byte(r.body[1:]), &o); err != nil || o.PingInterval != 2000 || o.PingTimeout != 1000 {
			t.Fatalf("open %q", r.body)
		}
		get := b.pollAsync(o.SID)
		time.Sleep(2 * time.Second)
		if r, ok := answered(get); !ok || r.body != "2" {
			t.Fatalf("ping %v %q", ok, r.body)
		}
	})
}

// Heartbeat on websocket, in real time with short intervals (a synctest
// bubble cannot hold network I/O). Only the order of events is asserted.
func TestHeartbeatWebSocket(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, &engineio.Options{PingInterval: 50 * time.Millisecond, PingTimeout: 2 * time.Second})
	w, o := s.wsOpen()
	if o.PingInterval != 50 || o.PingTimeout != 2000 {
		t.Fatalf("open %+v", o)
	}
	for range 3 {
		w.expectText("2")
		w.send("3")
	}
	s.expectOpen(o.SID)
	// stop answering: one more ping, then the session is closed
	w.expectText("2")
	w.expectEnd()
	s.expectReason(o.SID, engineio.ReasonPingTimeout)
}

func TestHeartbeatDuringUpgrade(t *testing.T) {
	t.Parallel()
	// A ping due while the upgrade is in progress is not lost: until the
	// upgrade packet, long-polling is the session's transport and carries
	// it; afterwards the schedule goes on over the websocket.
	s := newTestServer(t, &engineio.Options{PingInterval: 100 * time.Millisecond, PingTimeout: 10 * time.Second})
	sid := s.eioSession()
	w := s.wsProbe(sid)
	for {
		body := s.eioPollOK(sid)
		if body == "2" {
			break
		}
		if body != "6" {
			t.Fatalf("GET during the upgrade %q", body)
		}
		time.Sleep(10 * time.Millisecond)
	}
	s.eioPushOK(sid, "3")
	w.send("5")
	w.expectText("2")
	w.send("3")
	w.expectText("2")
	w.send("3")
	s.expectOpen(sid)
}
