package socketio

import (
	"sync"
	"time"
)

// runnerLinger is how long an idle mailbox goroutine waits for another
// mailbox before it ends.
const runnerLinger = 100 * time.Millisecond

// maxIdleRunners bounds the idle mailbox goroutines a server keeps.
const maxIdleRunners = 16

// runnerPool keeps the goroutines that ran a mailbox to empty for a
// moment, so that the next mailbox to wake is run by one of them instead
// of a new goroutine: a new goroutine starts on a small stack and grows it
// (copying it) to the depth of a handler that emits, for every event of a
// socket whose mailbox empties between events, as a request and its reply
// do. At most maxIdleRunners wait, each for runnerLinger, so an idle
// server soon has none.
//
// Every runner is counted in the server's taskGroup for its whole life,
// idle or not; Shutdown closes the pool (idle runners end at once, busy
// ones when their mailbox empties) before it waits for the group.
//
// Concurrency: idle and closed are under mu. A runner taken from idle is
// handed its job on its channel (capacity 1, so the hand-off never waits).
type runnerPool struct {
	mu     sync.Mutex
	idle   []*runner
	closed bool
}

// runner is one mailbox goroutine of the pool.
type runner struct {
	work  chan runJob // the next mailbox to run; closed when the pool closes
	timer *time.Timer // its linger while idle; made at its first wait
}

// runJob is a mailbox to run to empty and the socket it belongs to.
type runJob struct {
	m     *mailbox
	owner mailboxOwner
}

// start runs m to empty on an idle runner, or on a new goroutine counted
// in wg.
func (p *runnerPool) start(wg *taskGroup, m *mailbox, owner mailboxOwner) {
	j := runJob{m: m, owner: owner}
	p.mu.Lock()
	if n := len(p.idle); n > 0 {
		r := p.idle[n-1]
		p.idle[n-1] = nil
		p.idle = p.idle[:n-1]
		p.mu.Unlock()
		r.work <- j
		return
	}
	p.mu.Unlock()
	wg.Add(1)
	go p.loop(wg, &runner{work: make(chan runJob, 1)}, j)
}

// loop is a runner's life: it runs its job, then waits for another until
// its linger passes or the pool closes.
func (p *runnerPool) loop(wg *taskGroup, r *runner, j runJob) {
	defer wg.Done()
	for {
		j.m.run(j.owner)
		j = runJob{}
		if !p.park(r) {
			return
		}
		var ok bool
		select {
		case j, ok = <-r.work:
		case <-r.timer.C:
			if p.unpark(r) {
				return
			}
			// Taken meanwhile: its job is on the way (or the pool closed).
			j, ok = <-r.work
		}
		if !ok {
			return
		}
	}
}

// park makes r idle, reporting false when it should end instead.
func (p *runnerPool) park(r *runner) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed || len(p.idle) >= maxIdleRunners {
		return false
	}
	if r.timer == nil {
		r.timer = time.NewTimer(runnerLinger)
	} else {
		r.timer.Reset(runnerLinger)
	}
	p.idle = append(p.idle, r)
	return true
}

// unpark takes r out of the idle runners after its linger, reporting
// false when it was taken already (a job or the pool's close is coming).
func (p *runnerPool) unpark(r *runner) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i, q := range p.idle {
		if q == r {
			last := len(p.idle) - 1
			p.idle[i] = p.idle[last]
			p.idle[last] = nil
			p.idle = p.idle[:last]
			return true
		}
	}
	return false
}

// close ends the idle runners, and the busy ones once their mailbox is
// empty; mailboxes that wake later get goroutines of their own.
func (p *runnerPool) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	for i, r := range p.idle {
		close(r.work)
		p.idle[i] = nil
	}
	p.idle = nil
}
