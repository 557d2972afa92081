package socketio

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"
)

// A handler that blocks on the connection's own reader (its socket's
// mailbox was idle, so the reader runs it) waits here for an event of
// another namespace of the same connection, which only a reader can read:
// the engine's watch hands the reading on. The events sent behind the
// blocked one then wait for it, as in a mailbox, and run once each, in
// order.
func TestEventsBehindAHandlerHandedOnRunAfterItInOrder(t *testing.T) {
	e := newTestEnv(t, nil)
	release := make(chan struct{})
	var mu sync.Mutex
	var ran []string
	record := func(s string) {
		mu.Lock()
		ran = append(ran, s)
		mu.Unlock()
	}
	e.srv.Of("/b").OnConnection(func(s *NamespaceSocket) {
		s.On("release", func(*Event) { close(release) })
	})
	main := make(chan *NamespaceSocket, 1)
	e.srv.OnConnection(func(s *NamespaceSocket) {
		main <- s
		s.On("block", func(*Event) {
			select {
			case <-release:
				record("block")
			case <-time.After(waitFor):
				record("block: stranded")
			}
		})
		s.On("n", func(ev *Event) {
			var i int
			_ = ev.Decode(&i)
			record(fmt.Sprint(i))
		})
	})
	c := e.dialWS()
	c.connect("/", "")
	c.connect("/b", "")
	s := waitChan(t, main, "the socket")
	eventually(t, "the mailbox idle", func() bool {
		s.box.mu.Lock()
		defer s.box.mu.Unlock()
		return !s.box.running
	})
	c.send(`2["block"]`)
	c.send(`2/b,["release"]`)
	want := []string{"block"}
	for i := range 300 {
		c.send(fmt.Sprintf(`2["n",%d]`, i))
		want = append(want, fmt.Sprint(i))
	}
	eventually(t, "every event ran", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(ran) >= len(want)
	})
	time.Sleep(20 * time.Millisecond) // nothing more may come
	mu.Lock()
	defer mu.Unlock()
	if !slices.Equal(ran, want) {
		t.Fatalf("ran %v", ran)
	}
}

// An event the reader runs is the client's running event while its
// handlers run: an Emit of its own arguments copies them unchecked, as an
// Ack does, while a part of an argument, which is not one JSON value, is
// still refused.
func TestEmitWithTheEventsOwnArgsOnTheReader(t *testing.T) {
	e := newTestEnv(t, nil)
	c, s := e.connected(socketCh(e.srv))
	eventually(t, "the mailbox idle", func() bool {
		s.box.mu.Lock()
		defer s.box.mu.Unlock()
		return !s.box.running
	})
	results := make(chan error, 4)
	s.On("echo", func(ev *Event) {
		if s.client.running.Load() != ev {
			results <- errors.New("the event is not the client's running event")
		}
		results <- s.Emit("part", json.RawMessage(ev.Raw(0)[1:5]))
		results <- s.Emit("part", json.RawMessage(ev.Raw(0)[:4]))
		results <- s.Emit("echo", ev.RawArgs()...)
	})
	c.send(`2["echo",{"a":[1, 2]} , "\u00e9\n",7]`)
	c.expect(`2["echo",{"a":[1, 2]},"\u00e9\n",7]`)
	for i := range 3 {
		err := waitChan(t, results, "an emit")
		if i < 2 && !errors.Is(err, errInvalidJSON) {
			t.Fatalf("emit of a part of an argument: %v, want errInvalidJSON", err)
		}
		if i == 2 && err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, "the run over", func() bool { return s.client.running.Load() == nil })
}
