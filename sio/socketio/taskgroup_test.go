package socketio

import (
	"testing"
	"time"
)

// A taskGroup may be added to from zero while Shutdown waits on it (a
// sync.WaitGroup may not: the race detector reports it), and its wait ends
// at the first moment the count is zero.
func TestTaskGroupAddWhileWaiting(t *testing.T) {
	var g taskGroup
	select {
	case <-g.idleCh():
	default:
		t.Fatal("an empty group is not idle")
	}
	g.Add(1)
	idle := g.idleCh()
	waited := make(chan struct{})
	go func() { <-idle; close(waited) }()
	for range 100 { // Adds from one, and from zero, while the waiter waits
		g.Add(1)
		go g.Done()
	}
	select {
	case <-waited:
		t.Fatal("the wait ended while a task was counted")
	case <-time.After(20 * time.Millisecond):
	}
	g.Done()
	select {
	case <-waited:
	case <-time.After(5 * time.Second):
		t.Fatal("the wait did not end once the count was zero")
	}
}
