package engineio_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/gosio/gosio/sio/engineio"
)

func TestShutdown(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil)
	idle := s.eioSession()
	waiting := s.eioSession()
	pending := s.eioPollAsync(waiting)
	queued := s.eioSession()
	_ = s.sock(queued).sock.Send([]byte("left"), false)
	ws, wsOpen := s.wsOpen()
	upgraded := s.eioSession()
	up := s.wsUpgrade(upgraded)
	up.send("4x")
	up.expectText("4x")
	probing := s.eioSession()
	probe := s.wsProbe(probing)
	s.waitPoll(waiting)

	ctx, cancel := context.WithTimeout(context.Background(), 2*waitTimeout)
	defer cancel()
	if err := s.srv.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	for _, sid := range []string{idle, waiting, queued, wsOpen.SID, upgraded, probing} {
		ev := s.expectReason(sid, engineio.ReasonServerShutdown)
		if ev.err != nil {
			t.Errorf("%s: error %v", sid, ev.err)
		}
		if got := s.sock(sid).closeCalls(); got != 1 {
			t.Errorf("%s: OnClose called %d times", sid, got)
		}
	}
	// the waiting GET got the close packet, the websockets a normal closure
	if r := pending.wait(t); r.status != 200 || r.body != "1" {
		t.Errorf("waiting GET: %d %q", r.status, r.body)
	}
	for _, w := range []*wsClient{ws, up} {
		if err := w.expectEnd(); !isCloseStatus(err, websocket.StatusNormalClosure) {
			t.Errorf("websocket ended with %v, want a normal closure", err)
		}
	}
	probe.expectEnd()
	// new sessions are refused
	r := s.do(http.MethodGet, s.url("EIO", "4", "transport", "polling"), nil, nil)
	if r.status != http.StatusServiceUnavailable {
		t.Errorf("handshake after Shutdown: %d %q", r.status, r.body)
	}
	if _, resp, err := s.wsDial(wsDialConfig{}, "EIO", "4", "transport", "websocket"); err == nil || resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("websocket handshake after Shutdown: %v", err)
	}
	// a session with packets left delivers them to one last GET
	if r := s.eioPoll(queued); r.status != 200 || r.body != "4left\x1e1" {
		t.Errorf("last GET of a session with packets left: %d %q", r.status, r.body)
	}
	eventually(t, "no session left", func() bool { return s.srv.ClientsCount() == 0 })
	// idempotent
	if err := s.srv.Shutdown(ctx); err != nil {
		t.Fatalf("second Shutdown: %v", err)
	}
	s.srv.Close()
	s.srv.Close()
}

func TestShutdownWaitsForWriters(t *testing.T) {
	t.Parallel()
	// Shutdown lets a websocket's writer drain its queue and returns once
	// every goroutine of the sessions has ended.
	s := newTestServerWith(t, nil, serverConfig{noEcho: true})
	w, o := s.wsOpen()
	a := s.sock(o.SID)
	msg := bytes.Repeat([]byte("y"), 32<<10)
	for range 200 {
		_ = a.sock.Send(msg, true)
	}
	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 4*waitTimeout)
		defer cancel()
		done <- s.srv.Shutdown(ctx)
	}()
	n := 0
	for {
		m, ok := <-w.msgs
		if !ok {
			break
		}
		if m.typ != websocket.MessageBinary || len(m.data) != len(msg) {
			t.Fatalf("frame %d: %v of %d bytes", n, m.typ, len(m.data))
		}
		n++
	}
	if n != 200 || !isCloseStatus(w.readErr, websocket.StatusNormalClosure) {
		t.Fatalf("%d frames then %v, want 200 then a normal closure", n, w.readErr)
	}
	if err := <-done; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	s.expectReason(o.SID, engineio.ReasonServerShutdown)
}

func TestShutdownContextExpires(t *testing.T) {
	t.Parallel()
	// A client that never reads keeps the writer blocked: Shutdown gives
	// up when its context ends, and cuts the connection.
	s := newTestServerWith(t, nil, serverConfig{noEcho: true})
	w, _, err := s.wsDial(wsDialConfig{noRead: true}, "EIO", "4", "transport", "websocket")
	if err != nil {
		t.Fatal(err)
	}
	defer w.closeNow()
	a := <-s.opened
	big := bytes.Repeat([]byte("x"), 64<<10)
	for range 200 { // 12.5 MB: within MaxQueuedBytes, more than the socket buffers
		if err := a.sock.Send(big, false); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if err := s.srv.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Shutdown: %v, want the context's error", err)
	}
	s.expectReason(a.sock.ID(), engineio.ReasonServerShutdown)
	// the goroutines end all the same
	ctx2, cancel2 := context.WithTimeout(context.Background(), 2*waitTimeout)
	defer cancel2()
	if err := s.srv.Shutdown(ctx2); err != nil {
		t.Fatalf("Shutdown after the cut: %v", err)
	}
}

func TestCloseReasonsAndIdempotence(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil)
	sid := s.eioSession()
	a := s.sock(sid)
	for range 3 {
		a.sock.Close()
	}
	s.expectReason(sid, engineio.ReasonForcedClose)
	s.srv.Close()
	if a.closeCalls() != 1 || a.sock.CloseReason() != engineio.ReasonForcedClose {
		t.Fatalf("OnClose calls %d, reason %q", a.closeCalls(), a.sock.CloseReason())
	}
	// OnClose set after the close is never called
	called := false
	a.sock.OnClose(func(engineio.CloseReason, error) { called = true })
	a.sock.Close()
	if called {
		t.Fatal("OnClose called again")
	}
}

func TestCloseFromCallbacks(t *testing.T) {
	t.Parallel()
	// The application may close, send or set its callbacks from its
	// callbacks without a deadlock.
	s := newTestServerWith(t, nil, serverConfig{noEcho: true, onOpen: func(sock *engineio.EngineIOSocket) {
		sock.OnMessage(func(data []byte, _ bool) {
			if string(data) == "bye" {
				_ = sock.Send([]byte("ciao"), false)
				sock.Close()
			}
		})
		sock.OnClose(func(engineio.CloseReason, error) {
			_ = sock.Send([]byte("too late"), false)
			sock.Close()
			// the close came from inside the message callback
			sock.OnMessage(nil)
			sock.OnClose(nil)
		})
	}})
	w, _ := s.wsOpen()
	w.send("4bye")
	if err := w.expectEndAfter("4ciao"); !isCloseStatus(err, websocket.StatusNormalClosure) {
		t.Fatalf("ended with %v", err)
	}
	sid := s.eioSession()
	pending := s.eioPollAsync(sid)
	s.waitPoll(sid)
	s.eioPushOK(sid, "4bye")
	body := pending.wait(t).body
	if body == "4ciao" {
		body += "\x1e" + s.eioPollOK(sid)
	}
	if body != "4ciao\x1e1" {
		t.Fatalf("polling got %q", body)
	}
}

// Handshakes and upgrades racing Shutdown: Shutdown waits for every
// handler it let in (under -race this also checks that no wait-group Add
// races its Wait), and nothing leaks.
func TestShutdownDuringHandshakes(t *testing.T) {
	t.Parallel()
	for round := range 20 {
		s := newTestServer(t, nil)
		sids := make([]string, 10)
		for i := range sids {
			sids[i] = s.eioSession()
		}
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range 20 {
			wg.Go(func() {
				<-start
				opts := &websocket.DialOptions{HTTPClient: s.ts.Client()}
				u := s.wsURL("EIO", "4", "transport", "websocket")
				if i < len(sids) {
					u = s.wsURL("EIO", "4", "transport", "websocket", "sid", sids[i])
				}
				ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
				defer cancel()
				c, _, err := websocket.Dial(ctx, u, opts)
				if err == nil {
					_, _, _ = c.Read(ctx)
					_ = c.CloseNow()
				}
			})
		}
		close(start)
		time.Sleep(time.Duration(round%5) * 200 * time.Microsecond)
		ctx, cancel := context.WithTimeout(context.Background(), 2*waitTimeout)
		if err := s.srv.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		cancel()
		wg.Wait()
	}
}
