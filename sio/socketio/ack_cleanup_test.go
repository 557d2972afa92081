package socketio

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
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

// EmitWithAckFunc's callback runs exactly once when answers and timeouts
// race, and nothing is left owed.
func TestEmitWithAckFuncCallsBackOnceUnderRaces(t *testing.T) {
	e := newTestEnv(t, nil)
	c, s := e.connected(socketCh(e.srv))
	stop := make(chan struct{})
	answered := make(chan struct{})
	go func() { // the client answers every question at once
		defer close(answered)
		for {
			select {
			case <-stop:
				return
			default:
			}
			f, got, closed := c.tryNext(10 * time.Millisecond)
			if closed {
				return
			}
			id, _, ok := strings.Cut(strings.TrimPrefix(f.text, "2"), "[")
			if got && ok && id != "" {
				ctx, cancel := context.WithTimeout(context.Background(), waitFor)
				_ = c.conn.Write(ctx, websocket.MessageText, []byte("43"+id+"[]"))
				cancel()
			}
		}
	}()
	const n = 500
	var calls sync.WaitGroup
	calls.Add(n)
	var extra atomic.Int32
	for i := range n {
		var once atomic.Bool
		err := s.Timeout(time.Duration(i%5)*time.Millisecond+time.Microsecond).EmitWithAckFunc("q", func(_ Args, err error) {
			if once.Swap(true) {
				extra.Add(1)
				return
			}
			calls.Done()
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	waitGroup(t, &calls, "every callback")
	time.Sleep(50 * time.Millisecond) // late answers, late timers
	close(stop)
	<-answered
	if extra.Load() != 0 {
		t.Fatalf("%d callbacks ran twice", extra.Load())
	}
	eventually(t, "no acks left", func() bool { return pendingAcks(s) == 0 && s.client.acksOwed.Load() == 0 })
}
