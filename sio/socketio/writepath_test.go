package socketio

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// The write path under load (engineio's writer.go): a client that keeps
// reading is never closed because the server produces faster than its
// socket drains.

// readingClient is a websocket client that reads as fast as it can,
// answers pings, and counts the events named ev, checking that their
// argument counts up from 0.
type readingClient struct {
	conn    *websocket.Conn
	ev      string
	got     atomic.Int64
	err     atomic.Pointer[error]
	done    chan struct{}
	reached chan struct{} // closed when want events have come
	want    int64
}

func dialReading(t *testing.T, e *testEnv, ev string, want int) *readingClient {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	u := "ws" + strings.TrimPrefix(e.url("transport", "websocket"), "http")
	conn, _, err := websocket.Dial(ctx, u, nil)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { _ = conn.CloseNow() })
	if _, data, err := conn.Read(ctx); err != nil || !strings.HasPrefix(string(data), "0{") {
		t.Fatalf("open packet: %q %v", data, err)
	}
	if err := conn.Write(ctx, websocket.MessageText, []byte("40")); err != nil {
		t.Fatal(err)
	}
	if _, data, err := conn.Read(ctx); err != nil || !strings.HasPrefix(string(data), "40{") {
		t.Fatalf("CONNECT answer: %q %v", data, err)
	}
	c := &readingClient{conn: conn, ev: ev, done: make(chan struct{}), reached: make(chan struct{}), want: int64(want)}
	go c.read()
	return c
}

func (c *readingClient) fail(err error) { c.err.CompareAndSwap(nil, &err) }

func (c *readingClient) read() {
	defer close(c.done)
	prefix := `42["` + c.ev + `",`
	for {
		_, data, err := c.conn.Read(context.Background())
		if err != nil {
			if c.got.Load() < c.want {
				c.fail(fmt.Errorf("connection ended after %d %q events: %w", c.got.Load(), c.ev, err))
			}
			return
		}
		s := string(data)
		switch {
		case s == "2":
			go func() { _ = c.conn.Write(context.Background(), websocket.MessageText, []byte("3")) }()
		case strings.HasPrefix(s, prefix):
			n, err := strconv.ParseInt(strings.TrimSuffix(s[len(prefix):], "]"), 10, 64)
			if err != nil || n != c.got.Load() {
				c.fail(fmt.Errorf("event %d is %q", c.got.Load(), s))
				return
			}
			if c.got.Add(1) == c.want {
				close(c.reached)
			}
		}
	}
}

// wait waits until the client has its events, failing on an error or a
// closed connection.
func (c *readingClient) wait(t *testing.T, what string) {
	t.Helper()
	select {
	case <-c.reached:
	case <-c.done:
	case <-time.After(6 * waitFor):
	}
	if p := c.err.Load(); p != nil {
		t.Fatalf("%s: %v", what, *p)
	}
	if got := c.got.Load(); got != c.want {
		t.Fatalf("%s: %d of %d %q events", what, got, c.want, c.ev)
	}
}

// A burst of 10,000 broadcasts to a room of reading clients reaches every
// one of them, whole and in order; none is closed (the writer pool closed
// 1 of 2, and 84 of 100, with "transport error").
func TestRoomBurstReachesEveryReadingClient(t *testing.T) {
	for _, n := range []int{2, 100} {
		t.Run(fmt.Sprint(n, " clients"), func(t *testing.T) {
			if n > 2 && testing.Short() {
				t.Skip("short")
			}
			e := newTestEnv(t, nil)
			joined := make(chan struct{}, n)
			e.srv.OnConnection(func(s *NamespaceSocket) {
				s.Join("r")
				joined <- struct{}{}
			})
			const ticks = 10000
			clients := make([]*readingClient, n)
			for i := range clients {
				clients[i] = dialReading(t, e, "tick", ticks)
				// The CONNECT answer may reach the client before the
				// connection handler has run: wait for its Join.
				waitChan(t, joined, "the join")
			}
			for i := 0; i < ticks; i++ {
				if err := e.srv.To("r").Emit("tick", i); err != nil {
					t.Fatal(err)
				}
			}
			for i, c := range clients {
				c.wait(t, fmt.Sprint("client ", i))
			}
		})
	}
}

// 300 clients get broadcasts without pause while a handler sends 6,000
// events to its own client, which reads: that client gets all of them, in
// order, and nobody is closed (it used to be closed with "outbound queue
// full" after 0 events, its writes waiting behind the broadcast's).
func TestHandlerBurstDuringContinuousBroadcast(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	e := newTestEnv(t, nil)
	const burst = 6000
	joined := make(chan struct{}, 300)
	e.srv.OnConnection(func(s *NamespaceSocket) {
		s.Join("all")
		joined <- struct{}{}
		s.On("burst", func(*Event) {
			for i := range burst {
				if err := s.Emit("n", i); err != nil {
					return
				}
			}
		})
	})
	target := dialReading(t, e, "n", burst)
	waitChan(t, joined, "the join")
	var others []*readingClient
	for range 299 {
		others = append(others, dialReading(t, e, "b", 1<<40)) // never reached
		waitChan(t, joined, "the join")
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			_ = e.srv.To("all").Emit("b", i)
		}
	})
	if err := target.conn.Write(context.Background(), websocket.MessageText, []byte(`42["burst"]`)); err != nil {
		t.Fatal(err)
	}
	target.wait(t, "the handler's client")
	close(stop)
	wg.Wait()
	for i, c := range others {
		if p := c.err.Load(); p != nil {
			t.Fatalf("client %d: %v", i, *p)
		}
		select {
		case <-c.done:
			t.Fatalf("client %d was closed after %d broadcasts", i, c.got.Load())
		default:
		}
	}
}
