package engineio_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/gosio/gosio/sio/engineio"
)

// pollingClient is a long-polling client, as engine.io-client behaves:
// one GET always waiting, POSTs beside it, pings answered. Its errors are
// returned, not reported, so that it can run on any goroutine.
type pollingClient struct {
	s      *testServer
	sid    string
	postMu sync.Mutex // one POST at a time, as the protocol requires
}

func (c *pollingClient) post(ctx context.Context, payload string) error {
	c.postMu.Lock()
	defer c.postMu.Unlock()
	r, err := c.s.tryDo(ctx, http.MethodPost, c.s.pollURL(c.sid), strings.NewReader(payload), nil)
	if err != nil {
		return err
	}
	if r.status != 200 || r.body != "ok" {
		return fmt.Errorf("POST %q: %d %q", payload, r.status, r.body)
	}
	return nil
}

// receive polls until it has n messages, answering pings, and returns them.
func (c *pollingClient) receive(ctx context.Context, n int) ([]string, error) {
	var got []string
	for len(got) < n {
		r, err := c.s.tryDo(ctx, http.MethodGet, c.s.pollURL(c.sid), nil, nil)
		if err != nil {
			return got, err
		}
		if r.status != 200 {
			return got, fmt.Errorf("GET: %d %q", r.status, r.body)
		}
		for rec := range strings.SplitSeq(r.body, "\x1e") {
			switch {
			case rec == "2":
				if err := c.post(ctx, "3"); err != nil {
					return got, err
				}
			case rec == "6":
			case rec == "1":
				return got, fmt.Errorf("session closed after %d messages", len(got))
			default:
				got = append(got, rec)
			}
		}
	}
	return got, nil
}

func TestConcurrentSessions(t *testing.T) {
	t.Parallel()
	// Many sessions on every transport talk at once; each gets back its own
	// messages, all of them, in order, and nothing else.
	s := newTestServer(t, &engineio.Options{PingInterval: 500 * time.Millisecond, PingTimeout: 20 * time.Second})
	const perKind, msgs = 12, 60
	ctx, cancel := context.WithTimeout(context.Background(), 6*waitTimeout)
	defer cancel()

	type client struct {
		kind string
		run  func(tag string) ([]string, error)
	}
	want := func(tag string) []string {
		out := make([]string, msgs)
		for i := range out {
			out[i] = fmt.Sprintf("4%s:%d", tag, i)
		}
		return out
	}
	pollingRun := func(sid string) func(tag string) ([]string, error) {
		return func(tag string) ([]string, error) {
			c := &pollingClient{s: s, sid: sid}
			errc := make(chan error, 1)
			go func() {
				// POSTs of 1 to 3 packets
				for i := 0; i < msgs; {
					var recs []string
					for k := 0; k < 1+i%3 && i < msgs; k++ {
						recs = append(recs, fmt.Sprintf("4%s:%d", tag, i))
						i++
					}
					if err := c.post(ctx, strings.Join(recs, "\x1e")); err != nil {
						errc <- err
						return
					}
				}
				errc <- nil
			}()
			got, err := c.receive(ctx, msgs)
			if perr := <-errc; err == nil {
				err = perr
			}
			return got, err
		}
	}
	wsRun := func(w *wsClient) func(tag string) ([]string, error) {
		return func(tag string) ([]string, error) {
			errc := make(chan error, 1)
			go func() {
				for i := range msgs {
					if err := w.c.Write(ctx, websocket.MessageText, fmt.Appendf(nil, "4%s:%d", tag, i)); err != nil {
						errc <- err
						return
					}
				}
				errc <- nil
			}()
			var got []string
			for len(got) < msgs {
				select {
				case m, ok := <-w.msgs:
					if !ok {
						return got, fmt.Errorf("websocket ended: %v", w.readErr)
					}
					if string(m.data) == "2" {
						_ = w.c.Write(ctx, websocket.MessageText, []byte("3"))
						continue
					}
					got = append(got, string(m.data))
				case <-ctx.Done():
					return got, ctx.Err()
				}
			}
			return got, <-errc
		}
	}

	var wg sync.WaitGroup
	errs := make(chan error, 3*perKind)
	start := func(i int, c client) {
		// each client starts as soon as its session is open, so that it
		// answers the pings however long the others take to open
		wg.Go(func() {
			tag := fmt.Sprintf("%s%d", c.kind, i)
			got, err := c.run(tag)
			if err != nil {
				errs <- fmt.Errorf("%s: %w (got %d)", tag, err, len(got))
				return
			}
			if strings.Join(got, ",") != strings.Join(want(tag), ",") {
				errs <- fmt.Errorf("%s: got %q", tag, got)
			}
		})
	}
	for i := range perKind {
		start(3*i, client{"polling", pollingRun(s.eioSession())})
		w, _ := s.wsOpen()
		start(3*i+1, client{"websocket", wsRun(w)})
		sid := s.eioSession()
		start(3*i+2, client{"upgraded", wsRun(s.wsUpgrade(sid))})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestBroadcastSharedSlice(t *testing.T) {
	t.Parallel()
	// one slice sent to many sockets at once, as Socket.IO broadcasts do
	s := newTestServerWith(t, nil, serverConfig{noEcho: true})
	var ws []*wsClient
	var socks []*engineio.EngineIOSocket
	for range 10 {
		w, o := s.wsOpen()
		ws = append(ws, w)
		socks = append(socks, s.sock(o.SID).sock)
	}
	var sids []string
	for range 10 {
		sid := s.eioSession()
		sids = append(sids, sid)
		socks = append(socks, s.sock(sid).sock)
	}
	shared := []byte("everyone")
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 25 {
				for _, k := range socks {
					_ = k.Send(shared, true)
				}
			}
		})
	}
	wg.Wait()
	for _, w := range ws {
		for range 100 {
			if m := w.next(); m.String() != "binary:everyone" {
				t.Fatalf("frame %q", m)
			}
		}
	}
	for _, sid := range sids {
		c := &pollingClient{s: s, sid: sid}
		got, err := c.receive(t.Context(), 100)
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range got {
			if g != "bZXZlcnlvbmU=" {
				t.Fatalf("record %q", g)
			}
		}
	}
}
