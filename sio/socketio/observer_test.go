package socketio

import (
	"context"
	"sync"
	"testing"
	"time"
)

// countingObserver records what an Observer is told.
type countingObserver struct {
	mu         sync.Mutex
	broadcasts []int
	acks       []time.Duration
	requests   map[AdapterOp]int
	errs       int
}

func (o *countingObserver) Broadcast(_ *Namespace, n int) {
	o.mu.Lock()
	o.broadcasts = append(o.broadcasts, n)
	o.mu.Unlock()
}

func (o *countingObserver) AckRoundTrip(_ *Namespace, d time.Duration) {
	o.mu.Lock()
	o.acks = append(o.acks, d)
	o.mu.Unlock()
}

func (o *countingObserver) AdapterRequest(_ *Namespace, op AdapterOp, err error) {
	o.mu.Lock()
	if o.requests == nil {
		o.requests = map[AdapterOp]int{}
	}
	o.requests[op]++
	if err != nil {
		o.errs++
	}
	o.mu.Unlock()
}

func TestObserverSeesBroadcastsAcksAndAdapterRequests(t *testing.T) {
	e := newTestEnv(t, nil)
	o := &countingObserver{}
	e.srv.SetObserver(o)
	socks := socketCh(e.srv)
	c1, s1 := e.connected(socks)
	c2, _ := e.connected(socks)
	s1.Join("room")
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(e.srv.Emit("all"))
	c1.expect(`2["all"]`)
	c2.expect(`2["all"]`)
	must(e.srv.To("room").Emit("some"))
	c1.expect(`2["some"]`)
	must(e.srv.To("nobody").Emit("none"))

	// An ack from the client reports its round trip.
	done := make(chan error, 1)
	go func() {
		_, err := s1.Timeout(waitFor).EmitWithAck(context.Background(), "q")
		done <- err
	}()
	c1.expect(`20["q"]`)
	c1.send(`30["a"]`)
	must(<-done)
	if _, err := e.srv.FetchSockets(context.Background()); err != nil {
		t.Fatal(err)
	}

	o.mu.Lock()
	defer o.mu.Unlock()
	if want := []int{2, 1, 0}; len(o.broadcasts) != 3 || o.broadcasts[0] != want[0] || o.broadcasts[1] != want[1] || o.broadcasts[2] != want[2] {
		t.Fatalf("broadcast recipients %v, want %v", o.broadcasts, want)
	}
	if len(o.acks) != 1 || o.acks[0] <= 0 {
		t.Fatalf("ack round trips %v", o.acks)
	}
	if o.requests[AdapterFetchSockets] != 1 || o.errs != 0 {
		t.Fatalf("adapter requests %v, %d errors", o.requests, o.errs)
	}
}

func TestObserverRemovedCostsNothing(t *testing.T) {
	e := newTestEnv(t, nil)
	o := &countingObserver{}
	e.srv.SetObserver(o)
	e.srv.SetObserver(nil)
	if e.srv.observing() != nil {
		t.Fatal("observer still installed")
	}
	_ = e.srv.Emit("x")
	if len(o.broadcasts) != 0 {
		t.Fatal("a removed observer was told")
	}
}
