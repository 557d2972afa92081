package socketio

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// A handler that blocks after sending must not keep its packets back: here
// it waits for the client's answer to what it sent, which the client can
// only give once it has it.
func TestHandlerThatWaitsForTheClientAfterEmitting(t *testing.T) {
	e := newTestEnv(t, nil)
	socks := socketCh(e.srv)
	result := make(chan string, 1)
	e.srv.OnConnection(func(s *NamespaceSocket) {
		s.On("ask", func(ev *Event) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			args, err := s.EmitWithAck(ctx, "question")
			if err != nil {
				result <- "error: " + err.Error()
				return
			}
			var answer string
			_ = args.Decode(&answer)
			result <- answer
		})
	})
	c, _ := e.connected(socks)
	c.send(`2["ask"]`)
	c.expect(`20["question"]`)
	c.send(`30["yes"]`)
	select {
	case got := <-result:
		if got != "yes" {
			t.Fatalf("the handler got %q", got)
		}
	case <-time.After(waitFor):
		t.Fatal("the handler never got its answer")
	}
}

// Packets sent to a socket by another goroutine while the socket's handler
// is blocked are written all the same.
func TestEmitFromElsewhereWhileTheHandlerBlocks(t *testing.T) {
	e := newTestEnv(t, nil)
	socks := socketCh(e.srv)
	release := make(chan struct{})
	defer close(release)
	started := make(chan struct{})
	e.srv.OnConnection(func(s *NamespaceSocket) {
		s.On("block", func(*Event) {
			close(started)
			<-release
		})
	})
	c, s := e.connected(socks)
	c.send(`2["block"]`)
	waitChan(t, started, "the handler")
	if err := s.Emit("news", 1); err != nil {
		t.Fatal(err)
	}
	c.expect(`2["news",1]`)
}

// A handler that emits a long burst has all of it written, in order: the
// client reads, so it is not closed as one that does not keep up.
func TestHandlerEmittingALongBurst(t *testing.T) {
	e := newTestEnv(t, nil)
	socks := socketCh(e.srv)
	const n = 3000
	e.srv.OnConnection(func(s *NamespaceSocket) {
		s.On("burst", func(*Event) {
			for i := range n {
				if err := s.Emit("n", i); err != nil {
					t.Errorf("emit %d: %v", i, err)
					return
				}
			}
		})
	})
	c, _ := e.connected(socks)
	c.send(`2["burst"]`)
	for i := range n {
		c.expect(fmt.Sprintf(`2["n",%d]`, i))
	}
	if c.isClosed() {
		t.Fatal("the connection closed")
	}
}
