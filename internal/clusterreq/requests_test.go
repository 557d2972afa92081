package clusterreq

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/gosio/gosio/sio/socketio"
)

var (
	errTestTimeout = errors.New("test timeout")
	errTestClosed  = errors.New("test closed")
)

func newTable(t *testing.T) *Table {
	t.Helper()
	srv := socketio.NewServer(nil)
	t.Cleanup(func() { _ = srv.Shutdown(context.Background()) })
	tb := New(srv.Of("/"), errTestTimeout, errTestClosed)
	t.Cleanup(tb.Close)
	return tb
}

// answerWhenPublished returns a publish func that, once the request is
// sent, gives it the answers from another goroutine, as a receive loop
// does; wait waits for that goroutine.
func answerWhenPublished(t *testing.T, tb *Table, id string, answers ...any) (publish func() error, wait func()) {
	var wg sync.WaitGroup
	publish = func() error {
		wg.Go(func() {
			for _, a := range answers {
				if err := tb.Answer(id, a); err != nil {
					t.Errorf("Answer(%v): %v", a, err)
				}
			}
		})
		return nil
	}
	return publish, wg.Wait
}

func TestFetchSocketsCollectsEveryAnswer(t *testing.T) {
	tb := newTable(t)
	local := []*socketio.RemoteSocket{{ID: "local"}}
	publish, wait := answerWhenPublished(t, tb, "r1",
		[]any{map[string]any{"id": "a", "rooms": []any{"a", "room1"}, "data": map[string]any{"n": 1.0}}},
		[]any{},
		[]any{map[string]any{"id": "b"}, map[string]any{"id": "c"}})
	got, err := tb.FetchSockets(context.Background(), "r1", 3, local, time.Minute, publish)
	wait()
	if err != nil {
		t.Fatal(err)
	}
	var ids []socketio.SocketID
	for _, s := range got {
		ids = append(ids, s.ID)
	}
	if len(ids) != 4 || ids[0] != "local" || ids[1] != "a" || ids[2] != "b" || ids[3] != "c" {
		t.Fatalf("sockets %v", ids)
	}
	if len(got[1].Rooms) != 2 || got[1].Data["n"] != 1.0 {
		t.Fatalf("socket a decoded as %+v", got[1])
	}
	if _, ok := tb.Kind("r1"); ok {
		t.Fatal("the request is still registered after its wait")
	}
}

func TestServerSideEmitCollectsReplies(t *testing.T) {
	tb := newTable(t)
	// Each server's reply is one value (Node's ack callback's argument).
	publish, wait := answerWhenPublished(t, tb, "r2", "one", map[string]any{"n": 2.0})
	got, err := tb.ServerSideEmit(context.Background(), "r2", 2, time.Minute, publish)
	wait()
	if err != nil || len(got) != 2 {
		t.Fatalf("%d replies, %v", len(got), err)
	}
	if got[0].Any(0) != "one" || got[1].Any(0).(map[string]any)["n"] != 2.0 {
		t.Fatalf("replies %v %v", got[0], got[1])
	}
}

func TestTimeoutReturnsWhatCame(t *testing.T) {
	tb := newTable(t)
	publish, wait := answerWhenPublished(t, tb, "r3", []any{"only one"})
	got, err := tb.ServerSideEmit(context.Background(), "r3", 2, 200*time.Millisecond, publish)
	wait()
	if !errors.Is(err, errTestTimeout) || len(got) != 1 {
		t.Fatalf("%d replies, %v; want 1 and the timeout", len(got), err)
	}
	if want := "test timeout: 1 of 2 answers"; err.Error() != want {
		t.Fatalf("error %q, want %q", err, want)
	}
}

func TestContextAndCloseEndTheWait(t *testing.T) {
	tb := newTable(t)
	ctx, cancel := context.WithCancel(context.Background())
	_, err := tb.FetchSockets(ctx, "r4", 1, nil, time.Minute, func() error { cancel(); return nil })
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
	_, err = tb.ServerSideEmit(context.Background(), "r5", 1, time.Minute, func() error { tb.Close(); return nil })
	if !errors.Is(err, errTestClosed) {
		t.Fatalf("closed: %v", err)
	}
	tb.Close() // idempotent
	if _, err := tb.ServerSideEmit(context.Background(), "r6", 1, time.Minute, func() error {
		t.Fatal("published after Close")
		return nil
	}); !errors.Is(err, errTestClosed) {
		t.Fatalf("after Close: %v", err)
	}
}

func TestPublishErrorForgetsTheRequest(t *testing.T) {
	tb := newTable(t)
	boom := errors.New("boom")
	got, err := tb.FetchSockets(context.Background(), "r7", 2, []*socketio.RemoteSocket{{ID: "l"}}, time.Minute, func() error { return boom })
	if !errors.Is(err, boom) || len(got) != 1 {
		t.Fatalf("%d sockets, %v", len(got), err)
	}
	if _, ok := tb.Kind("r7"); ok {
		t.Fatal("a request whose publish failed is still registered")
	}
}

func TestBadAndStrayAnswers(t *testing.T) {
	tb := newTable(t)
	if err := tb.Answer("nobody", []any{"x"}); err != nil {
		t.Fatalf("an answer to no request: %v", err)
	}
	publish := func() error {
		for _, bad := range []any{"not a list", []any{nil}, []any{42.0}} {
			if err := tb.Answer("r8", bad); err == nil {
				t.Errorf("answer %#v accepted", bad)
			}
		}
		// One good answer completes the request; a late extra one is ignored.
		for range 2 {
			if err := tb.Answer("r8", []any{map[string]any{"id": "s"}}); err != nil {
				t.Error(err)
			}
		}
		return nil
	}
	got, err := tb.FetchSockets(context.Background(), "r8", 1, nil, time.Minute, publish)
	if err != nil || len(got) != 1 || got[0].ID != "s" {
		t.Fatalf("%v, %v", got, err)
	}
}

func TestAckRoutes(t *testing.T) {
	tb := newTable(t)
	var mu sync.Mutex
	var counts []int
	var acks []socketio.Args
	if !tb.TrackAcks("b1", time.Minute, func(n int) {
		mu.Lock()
		counts = append(counts, n)
		mu.Unlock()
	}, func(a socketio.Args) {
		mu.Lock()
		acks = append(acks, a)
		mu.Unlock()
	}) {
		t.Fatal("TrackAcks refused")
	}
	if !tb.Tracked("b1") || tb.Tracked("b2") {
		t.Fatal("Tracked")
	}
	if err := tb.ClientCount("b1", float64(3)); err != nil {
		t.Fatal(err)
	}
	if err := tb.ClientCount("b1", "three"); err == nil {
		t.Fatal("a count that is not a number was accepted")
	}
	if err := tb.Ack("b1", "hi"); err != nil {
		t.Fatal(err)
	}
	if err := tb.Ack("b2", "stray"); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	if len(counts) != 1 || counts[0] != 3 || len(acks) != 1 || acks[0].Any(0) != "hi" {
		t.Fatalf("counts %v acks %v", counts, acks)
	}
	mu.Unlock()

	// A route is forgotten after its keep time, and all of them by Close.
	tb.TrackAcks("short", time.Millisecond, func(int) {}, func(socketio.Args) {})
	for deadline := time.Now().Add(10 * time.Second); tb.Tracked("short"); {
		if time.Now().After(deadline) {
			t.Fatal("route kept after its time")
		}
		time.Sleep(time.Millisecond)
	}
	tb.Close()
	if tb.Tracked("b1") || tb.TrackAcks("b3", time.Minute, nil, nil) {
		t.Fatal("routes after Close")
	}
}
