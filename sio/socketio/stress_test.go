package socketio

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// TestConcurrentOperations runs the server's operations from many
// goroutines at once while clients come and go: the race detector and the
// absence of deadlocks are the checks.
func TestConcurrentOperations(t *testing.T) {
	e := newTestEnv(t, nil)
	var handled atomic.Int64
	e.srv.OnConnection(func(s *NamespaceSocket) {
		s.Join(fmt.Sprintf("room-%d", len(s.ID())%3))
		s.On("ev", func(ev *Event) {
			handled.Add(1)
			_ = ev.Ack("ok")
			_ = s.Broadcast().Volatile().Emit("peer")
		})
		s.OnDisconnecting(func(DisconnectReason) { _ = s.Rooms() })
	})
	ctx, cancel := context.WithTimeout(context.Background(), 600*time.Millisecond)
	defer cancel()
	var wg sync.WaitGroup
	// Clients that connect, send, and leave in various ways.
	for i := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; ctx.Err() == nil; j++ {
				c := e.dialWS()
				// Raw writes: the server may close the connection at any
				// time (DisconnectSockets below), which is no failure.
				write := func(s string) { _ = c.conn.Write(context.Background(), websocket.MessageText, []byte(s)) }
				write("40")
				if j%2 == 0 {
					// Half the time, wait for the connection: a client that
					// closes right after its CONNECT may close before its
					// socket connects, and then none of its events is
					// handled (as with the Node.js server).
					awaitConnect(c)
				}
				for k := range 5 {
					write(fmt.Sprintf(`42%d["ev",%d]`, k, k))
				}
				switch (i + j) % 3 {
				case 0:
					write("41")
				case 1:
					write("1")
				}
				c.close()
			}
		}()
	}
	// Server-side operations meanwhile.
	ops := []func(){
		func() { _ = e.srv.Emit("all", 1) },
		func() { _ = e.srv.To("room-0").Except("room-1").Emit("some", []byte{1}) },
		func() { e.srv.In("room-1").SocketsJoin("extra") },
		func() { e.srv.In("extra").SocketsLeave("extra") },
		func() { _, _ = e.srv.FetchSockets(context.Background()) },
		func() {
			_, _ = e.srv.Timeout(20*time.Millisecond).EmitWithAck(context.Background(), "q")
		},
		func() { e.srv.In("room-2").DisconnectSockets(false) },
		func() {
			for _, s := range e.srv.Sockets() {
				s.Join("x")
				s.Leave("x")
				_ = s.Emit("direct")
			}
		},
	}
	for _, op := range ops {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				op()
			}
		}()
	}
	wg.Wait()
	if handled.Load() == 0 {
		t.Fatal("no event was handled")
	}
	// Once every client is gone, nothing is left behind.
	eventually(t, "every socket gone", func() bool { return len(e.srv.Sockets()) == 0 })
	eventually(t, "every room gone", func() bool { return len(e.srv.Of("/").Adapter().Rooms()) == 0 })
}

// TestShutdownUnderTraffic shuts the server down while clients keep
// sending: Shutdown must return, with every handler done.
func TestShutdownUnderTraffic(t *testing.T) {
	for range 3 {
		e := newTestEnv(t, nil)
		var running atomic.Int32
		e.srv.OnConnection(func(s *NamespaceSocket) {
			s.On("ev", func(*Event) {
				running.Add(1)
				time.Sleep(100 * time.Microsecond)
				running.Add(-1)
			})
		})
		var clients []*wsClient
		for range 5 {
			c := e.dialWS()
			c.connect("/", "")
			clients = append(clients, c)
		}
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for _, c := range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					select {
					case <-stop:
						return
					default:
					}
					if c.conn.Write(context.Background(), websocket.MessageText, []byte(`42["ev"]`)) != nil {
						return
					}
				}
			}()
		}
		time.Sleep(30 * time.Millisecond)
		ctx, cancel := context.WithTimeout(context.Background(), waitFor)
		err := e.srv.Shutdown(ctx)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		if n := running.Load(); n != 0 {
			t.Fatalf("%d handlers still running after Shutdown", n)
		}
		close(stop)
		wg.Wait()
	}
}

// TestEventBacklogIsBounded: a client that sends events faster than its
// handler runs is held back (its connection's reads wait) instead of
// queueing without limit in the server's memory; no event is lost, and
// the order holds.
func TestEventBacklogIsBounded(t *testing.T) {
	e := newTestEnv(t, nil)
	release := make(chan struct{})
	var handled atomic.Int64
	var outOfOrder atomic.Bool
	socks := make(chan *NamespaceSocket, 1)
	e.srv.OnConnection(func(s *NamespaceSocket) {
		s.On("ev", func(ev *Event) {
			<-release
			var i int64
			_ = ev.Decode(&i)
			if i != handled.Load() {
				outOfOrder.Store(true)
			}
			handled.Add(1)
		})
		socks <- s
	})
	c := e.dialWS()
	c.connect("/", "")
	s := waitChan(t, socks, "connection")
	queued := func() int {
		s.box.mu.Lock()
		defer s.box.mu.Unlock()
		return len(s.box.tasks)
	}

	const total = 3 * mailboxLimit
	var sent atomic.Int64
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range total {
			ctx, cancel := context.WithTimeout(context.Background(), waitFor)
			err := c.conn.Write(ctx, websocket.MessageText, fmt.Appendf(nil, `42["ev",%d]`, i))
			cancel()
			if err != nil {
				return
			}
			sent.Add(1)
		}
	}()
	eventually(t, "the backlog to fill", func() bool { return queued() >= mailboxLimit-1 })
	time.Sleep(100 * time.Millisecond)
	if q := queued(); q > mailboxLimit {
		t.Fatalf("%d events queued, limit %d", q, mailboxLimit)
	}
	close(release)
	<-done
	if sent.Load() != total {
		t.Fatalf("the client could send only %d of %d events", sent.Load(), total)
	}
	eventually(t, "every event handled", func() bool { return handled.Load() == total })
	if outOfOrder.Load() {
		t.Fatal("events handled out of order")
	}
}

// awaitConnect waits for c's CONNECT reply, for at most a second; the
// connection may be closed by the server meanwhile, which is no failure.
func awaitConnect(c *wsClient) {
	deadline := time.Now().Add(time.Second)
	for time.Now().Before(deadline) {
		f, ok, closed := c.tryNext(time.Until(deadline))
		if !ok || closed || strings.HasPrefix(f.text, "0") {
			return
		}
	}
}
