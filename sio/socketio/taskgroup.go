package socketio

import "sync"

// taskGroup counts the server's handler goroutines (the mailboxes', the
// callback forms' waits, the server-side events'), as a sync.WaitGroup
// would, for Shutdown to wait for. Unlike a WaitGroup it may be added to
// while Shutdown waits: a session closed late (a long-polling GET that
// ends after the engine's Shutdown returned) still posts its disconnect
// handlers, and a WaitGroup's Add from zero concurrent with its Wait is a
// misuse. wait reports the first moment the count is zero.
//
// Concurrency: every field is under mu.
type taskGroup struct {
	mu   sync.Mutex
	n    int
	idle chan struct{} // closed when n falls to zero; nil while no one waits

	// runners are the mailboxes' goroutines, counted in the group; their
	// pool has its own lock.
	runners runnerPool
}

// Add adds delta (positive) to the count.
func (g *taskGroup) Add(delta int) {
	g.mu.Lock()
	g.n += delta
	g.mu.Unlock()
}

// Done takes one from the count, waking the waiters at zero.
func (g *taskGroup) Done() {
	g.mu.Lock()
	g.n--
	if g.n == 0 && g.idle != nil {
		close(g.idle)
		g.idle = nil
	}
	g.mu.Unlock()
}

// idleCh returns a channel closed once the count is zero (already closed
// when it is zero now).
func (g *taskGroup) idleCh() <-chan struct{} {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.n == 0 {
		ch := make(chan struct{})
		close(ch)
		return ch
	}
	if g.idle == nil {
		g.idle = make(chan struct{})
	}
	return g.idle
}
