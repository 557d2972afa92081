package socketio

import (
	"context"
	"errors"
	"testing"
	"time"
)

// pendingAcks is the number of acknowledgements s still waits for.
func pendingAcks(s *NamespaceSocket) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.acks)
}

// A broadcast EmitWithAck that times out, or whose context ends, forgets
// the acknowledgements it registered on its recipients: 100 of them leave
// none behind, on any socket, nor on the connections' count of acks owed.
func TestBroadcastAckTimeoutForgetsItsAcks(t *testing.T) {
	e := newTestEnv(t, nil)
	socks := socketCh(e.srv)
	var clients []*wsClient
	var all []*NamespaceSocket
	for range 3 {
		c := e.dialWS() // never answers an ack
		c.connect("/", "")
		clients = append(clients, c)
		all = append(all, waitChan(t, socks, "connection"))
	}
	for i := range 100 {
		var err error
		if i%2 == 0 {
			_, err = e.srv.Timeout(time.Millisecond).EmitWithAck(context.Background(), "q")
		} else {
			ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
			_, err = e.srv.EmitWithAck(ctx, "q")
			cancel()
		}
		if !errors.Is(err, ErrAckTimeout) {
			t.Fatalf("broadcast %d: %v, want ErrAckTimeout", i, err)
		}
	}
	for _, s := range all {
		if n := pendingAcks(s); n != 0 {
			t.Errorf("socket %v keeps %d acks of timed-out broadcasts", s, n)
		}
		if n := s.client.acksOwed.Load(); n != 0 {
			t.Errorf("connection of %v owes %d acks", s, n)
		}
	}
	_ = clients
}

// The same for a broadcast to a room: its recipients lose the ack.
func TestRoomBroadcastAckTimeoutForgetsItsAcks(t *testing.T) {
	e := newTestEnv(t, nil)
	socks := socketCh(e.srv)
	var all []*NamespaceSocket
	for range 2 {
		c := e.dialWS()
		c.connect("/", "")
		all = append(all, waitChan(t, socks, "connection"))
	}
	all[0].Join("r")
	if _, err := e.srv.To("r").Timeout(time.Millisecond).EmitWithAck(context.Background(), "q"); !errors.Is(err, ErrAckTimeout) {
		t.Fatalf("%v, want ErrAckTimeout", err)
	}
	if n := pendingAcks(all[0]) + pendingAcks(all[1]); n != 0 {
		t.Fatalf("%d acks left", n)
	}
}
