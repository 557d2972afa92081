package socketio

import (
	"context"
	"sync/atomic"
	"testing"
	"time"
)

// As with the Node.js server, whose connection handlers run in the tick
// that queues the CONNECT reply, a client that has read its CONNECT finds
// the connection handlers' work done: a room joined there is joined.
func TestConnectReplyFollowsTheConnectionHandlers(t *testing.T) {
	e := newTestEnv(t, nil)
	var joined atomic.Bool
	e.srv.OnConnection(func(s *NamespaceSocket) {
		time.Sleep(50 * time.Millisecond) // a handler doing some work first
		s.Join("r")
		joined.Store(true)
		_ = s.Emit("welcome")
	})
	c := e.dialWS()
	c.send("0")
	c.expectPrefix("0")
	if !joined.Load() {
		t.Fatal("the CONNECT reply reached the client before the connection handler joined its room")
	}
	c.expectPrefix(`2["welcome"]`)
}

// A connection handler that waits for its own client's acknowledgement
// gets it: what the handler sent is not held back until it returns.
func TestConnectionHandlerAwaitingItsClientsAck(t *testing.T) {
	e := newTestEnv(t, nil)
	got := make(chan error, 1)
	e.srv.OnConnection(func(s *NamespaceSocket) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, err := s.EmitWithAck(ctx, "ping")
		got <- err
	})
	c := e.dialWS()
	c.send("0")
	c.expectPrefix("0")
	c.expectPrefix(`20["ping"]`)
	c.send(`30[]`)
	select {
	case err := <-got:
		if err != nil {
			t.Fatalf("EmitWithAck from the connection handler: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("EmitWithAck from the connection handler never returned")
	}
}
