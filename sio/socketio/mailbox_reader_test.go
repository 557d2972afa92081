package socketio

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/gosio/gosio/sio/engineio"
)

// floodEvents writes n events `42<prefix>["ev",i]` on c from a goroutine
// and returns a channel closed once they are written (or the write failed).
func floodEvents(c *wsClient, prefix string, n int) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range n {
			ctx, cancel := context.WithTimeout(context.Background(), waitFor)
			err := c.conn.Write(ctx, websocket.MessageText, fmt.Appendf(nil, `42%s["ev",%d]`, prefix, i))
			cancel()
			if err != nil {
				return
			}
		}
	}()
	return done
}

// queuedTasks is the number of tasks waiting in s's mailbox.
func queuedTasks(s *NamespaceSocket) int {
	s.box.mu.Lock()
	defer s.box.mu.Unlock()
	return s.box.queued()
}

// A handler that awaits an acknowledgement from its own client while the
// client's later events fill the mailbox gets it: the reader, which alone
// can read the ack, is not left waiting for room behind that handler.
func TestMailboxFullLetsAnAwaitedAckThrough(t *testing.T) {
	e := newTestEnv(t, nil)
	full := make(chan struct{})
	acked := make(chan error, 1)
	socks := socketCh(e.srv)
	var handled sync.WaitGroup
	const total = mailboxLimit + 50 // 1,074, the figure
	handled.Add(total)
	e.srv.OnConnection(func(s *NamespaceSocket) {
		first := true
		s.On("ev", func(ev *Event) {
			defer handled.Done()
			if !first {
				return
			}
			first = false
			<-full
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_, err := s.EmitWithAck(ctx, "q")
			acked <- err
		})
	})
	c := e.dialWS()
	c.connect("/", "")
	s := waitChan(t, socks, "connection")
	written := floodEvents(c, "", total)
	eventually(t, "the mailbox to fill", func() bool { return queuedTasks(s) >= mailboxLimit })
	close(full)
	// The client answers the server's question.
	id := strings.TrimSuffix(c.expectPrefix("2"), `["q"]`)
	c.send("3" + id + "[]")
	if err := waitChan(t, acked, "the handler's EmitWithAck"); err != nil {
		t.Fatalf("EmitWithAck from a handler while its mailbox was full: %v", err)
	}
	<-written
	waitGroup(t, &handled, "every event handled")
}

// While a handler holds the mailbox full for longer than the ping timeout,
// the connection still reads its pongs: the client is not closed by "ping
// timeout", and every event is handled, in order, once the handler returns.
func TestMailboxFullStillReadsPongs(t *testing.T) {
	e := newTestEnv(t, &ServerOptions{Engine: &engineio.Options{
		PingInterval: 500 * time.Millisecond, PingTimeout: 3 * time.Second,
	}})
	release := make(chan struct{})
	socks := socketCh(e.srv)
	const total = mailboxLimit + 100
	var mu sync.Mutex
	var got []int
	e.srv.OnConnection(func(s *NamespaceSocket) {
		s.On("ev", func(ev *Event) {
			<-release
			var i int
			_ = ev.Decode(&i)
			mu.Lock()
			got = append(got, i)
			mu.Unlock()
		})
	})
	c := e.dialWS()
	c.connect("/", "")
	s := waitChan(t, socks, "connection")
	written := floodEvents(c, "", total)
	eventually(t, "the mailbox to fill", func() bool { return queuedTasks(s) >= mailboxLimit })
	time.Sleep(5 * time.Second) // several ping rounds
	if c.isClosed() || s.client.conn.CloseReason() != "" {
		close(release)
		t.Fatalf("the connection closed (%q) while a handler held its mailbox full", s.client.conn.CloseReason())
	}
	close(release)
	<-written
	eventually(t, "every event handled", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(got) == total
	})
	for i, v := range got {
		if v != i {
			t.Fatalf("event %d handled in place %d", v, i)
		}
	}
	if c.isClosed() {
		t.Fatal("the connection closed")
	}
}

// A client that goes on sending while its handler is stuck (here awaiting
// an ack the client never sends, so the reader reads on at once) is
// closed once mailboxFloodLimit events wait, rather than queueing without
// bound.
func TestMailboxClosesAFloodingClient(t *testing.T) {
	e := newTestEnv(t, nil)
	socks := socketCh(e.srv)
	e.srv.OnConnection(func(s *NamespaceSocket) {
		s.On("ev", func(*Event) {
			ctx, cancel := context.WithTimeout(context.Background(), 2*waitFor)
			defer cancel()
			_, _ = s.EmitWithAck(ctx, "never answered")
		})
	})
	c := e.dialWS()
	c.connect("/", "")
	s := waitChan(t, socks, "connection")
	written := floodEvents(c, "", mailboxFloodLimit+100)
	c.waitClosed()
	<-written
	if r := s.client.conn.CloseReason(); r != engineio.ReasonForcedClose {
		t.Fatalf("a flooding client was closed with %q, want %q", r, engineio.ReasonForcedClose)
	}
	if q := queuedTasks(s); q > mailboxFloodLimit+1 {
		t.Fatalf("%d tasks queued, flood limit %d", q, mailboxFloodLimit)
	}
}

// A reader waiting for room in a socket's mailbox stops waiting when that
// socket leaves its namespace: the connection's other namespaces go on.
func TestMailboxWaitEndsWhenTheSocketLeaves(t *testing.T) {
	e := newTestEnv(t, nil)
	release := make(chan struct{})
	defer close(release)
	socksA := socketCh(e.srv.Of("/a"))
	running := make(chan struct{}, 1)
	e.srv.Of("/a").OnConnection(func(s *NamespaceSocket) {
		s.On("ev", func(*Event) {
			select {
			case running <- struct{}{}:
			default:
			}
			<-release
		})
	})
	gotB := make(chan struct{}, 1)
	e.srv.Of("/b").OnConnection(func(s *NamespaceSocket) {
		s.On("b", func(*Event) { gotB <- struct{}{} })
	})
	c := e.dialWS()
	c.connect("/a", "")
	c.connect("/b", "")
	a := waitChan(t, socksA, "connection to /a")
	// One event runs, mailboxLimit wait, one is held by the reader. The
	// test waits for all three, so that no event for /a is left unread
	// when /a is left: the Node.js server closes a connection that sends
	// a packet for a namespace it has left, and so does this one.
	<-floodEvents(c, "/a,", mailboxLimit+2)
	c.send(`2/b,["b"]`)
	waitChan(t, running, "the first event's handler to run")
	eventually(t, "the mailbox to fill and the reader to wait on it", func() bool {
		return queuedTasks(a) >= mailboxLimit && a.client.parked.Load() == &a.box
	})
	a.Disconnect(false)
	waitChan(t, gotB, "the event on /b, read after /a left")
}

// Shutdown returns when its context ends even though a handler never
// returns.
func TestShutdownReturnsAtItsDeadlineWithABlockedHandler(t *testing.T) {
	e := newTestEnv(t, nil)
	release := make(chan struct{})
	socks := socketCh(e.srv)
	e.srv.OnConnection(func(s *NamespaceSocket) {
		s.On("ev", func(*Event) { <-release })
	})
	c := e.dialWS()
	c.connect("/", "")
	s := waitChan(t, socks, "connection")
	written := floodEvents(c, "", mailboxLimit+10)
	eventually(t, "the mailbox to fill", func() bool { return queuedTasks(s) >= mailboxLimit })
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	start := time.Now()
	returned := make(chan error, 1)
	go func() { returned <- e.srv.Shutdown(ctx) }()
	select {
	case err := <-returned:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Shutdown with a blocked handler returned %v, want the context's error", err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("Shutdown took %v past a 1s context", d)
		}
		close(release)
	case <-time.After(waitFor):
		t.Error("Shutdown did not return after its context ended")
		close(release)
		<-returned
	}
	<-written
}

// waitGroup waits for wg or fails the test.
func waitGroup(t *testing.T, wg *sync.WaitGroup, what string) {
	t.Helper()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	waitChan(t, done, what)
}

// A reader waiting for room stops waiting when the session ends, though
// the handler holding the mailbox never returns.
func TestMailboxWaitEndsWithTheSession(t *testing.T) {
	e := newTestEnv(t, nil)
	release := make(chan struct{})
	defer close(release)
	socks := socketCh(e.srv)
	e.srv.OnConnection(func(s *NamespaceSocket) {
		s.On("ev", func(*Event) { <-release })
	})
	c := e.dialWS()
	c.connect("/", "")
	s := waitChan(t, socks, "connection")
	written := floodEvents(c, "", mailboxLimit+2)
	eventually(t, "the reader to wait for room", func() bool { return s.client.parked.Load() != nil })
	s.client.conn.Close()
	eventually(t, "the reader to stop waiting", func() bool { return s.client.parked.Load() == nil })
	c.waitClosed()
	<-written
}
