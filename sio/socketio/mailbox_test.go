package socketio

import (
	"sync"
	"testing"
)

// Tasks run one at a time in the order they were posted, also when posts
// keep arriving while the mailbox runs, and the queue's array does not grow
// with the number of tasks that went through it.
func TestMailboxRunsTasksInOrderUnderASteadyStream(t *testing.T) {
	var m mailbox
	var wg taskGroup
	const n = 20_000
	var got []int
	var running, overlapped bool
	var maxCap int
	var mu sync.Mutex
	done := make(chan struct{})
	for i := range n {
		m.postBounded(&wg, nil, task{fn: func() {
			mu.Lock()
			if running {
				overlapped = true
			}
			running = true
			mu.Unlock()
			got = append(got, i) // only the mailbox's goroutine touches got
			m.mu.Lock()
			maxCap = max(maxCap, cap(m.tasks))
			m.mu.Unlock()
			mu.Lock()
			running = false
			mu.Unlock()
			if i == n-1 {
				close(done)
			}
		}}, holdback{}, false)
	}
	<-done
	<-wg.idleCh()
	if overlapped {
		t.Fatal("two tasks ran at once")
	}
	if len(got) != n {
		t.Fatalf("%d tasks ran, want %d", len(got), n)
	}
	for i, v := range got {
		if v != i {
			t.Fatalf("task %d ran in place %d", v, i)
		}
	}
	if maxCap > 2*mailboxLimit {
		t.Fatalf("the queue's array grew to %d for at most %d waiting tasks", maxCap, mailboxLimit)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.running || m.queued() != 0 {
		t.Fatalf("mailbox not idle: running %v, %d queued", m.running, m.queued())
	}
	if cap(m.tasks) > 16 {
		t.Fatalf("an idle mailbox keeps an array of %d", cap(m.tasks))
	}
}

// While one task holds the mailbox, the queue is bounded: postBounded
// waits for room once mailboxLimit tasks wait, and the array stays within
// twice that.
func TestMailboxQueueStaysBounded(t *testing.T) {
	var m mailbox
	var wg taskGroup
	release := make(chan struct{})
	m.post(&wg, nil, func() { <-release })
	posted := make(chan struct{})
	go func() {
		for range 5 * mailboxLimit {
			m.postBounded(&wg, nil, task{fn: func() {}}, holdback{}, false)
		}
		close(posted)
	}()
	// The poster fills the queue and then waits.
	for {
		m.mu.Lock()
		q := m.queued()
		m.mu.Unlock()
		if q >= mailboxLimit {
			break
		}
	}
	select {
	case <-posted:
		t.Fatal("postBounded did not wait for room")
	default:
	}
	close(release)
	<-posted
	<-wg.idleCh()
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.queued() != 0 {
		t.Fatalf("%d tasks left", m.queued())
	}
}
