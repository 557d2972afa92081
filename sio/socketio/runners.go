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
// do. At most maxIdleRunners wait; one timer for the whole pool (reap)
// ends those idle for runnerLinger, so an idle server soon has none.
//
// Every runner is counted in the server's taskGroup for its whole life,
// idle or not; Shutdown closes the pool (idle runners end at once, busy
// ones when their mailbox empties) before it waits for the group.
//
// Concurrency: every field is under mu. A runner is ended by closing its
// channel, by whoever took it out of idle (reap, close); one taken by
// start is handed its job on the channel (capacity 1: the hand-off never
// waits).
type runnerPool struct {
	mu      sync.Mutex
	idle    []*runner // oldest first; start takes the newest
	closed  bool
	reaping bool        // reaper is armed
	reaper  *time.Timer // runs reap; made at the first park
}

// runner is one mailbox goroutine of the pool.
type runner struct {
	work  chan runJob // the next mailbox to run; closed to end the runner
	since time.Time   // when it became idle
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
// it is ended.
func (p *runnerPool) loop(wg *taskGroup, r *runner, j runJob) {
	defer wg.Done()
	for {
		j.m.run(j.owner)
		j = runJob{}
		if !p.park(r) {
			return
		}
		var ok bool
		if j, ok = <-r.work; !ok {
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
	r.since = time.Now()
	p.idle = append(p.idle, r)
	if !p.reaping {
		p.reaping = true
		if p.reaper == nil {
			p.reaper = time.AfterFunc(runnerLinger, p.reap)
		} else {
			p.reaper.Reset(runnerLinger)
		}
	}
	return true
}

// reap ends the runners idle for runnerLinger, and rearms itself while
// some are left.
func (p *runnerPool) reap() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return
	}
	now := time.Now()
	n := 0
	for n < len(p.idle) && now.Sub(p.idle[n].since) >= runnerLinger {
		close(p.idle[n].work)
		n++
	}
	k := copy(p.idle, p.idle[n:])
	clear(p.idle[k:])
	p.idle = p.idle[:k]
	if k == 0 {
		p.reaping = false
		return
	}
	p.reaper.Reset(runnerLinger - now.Sub(p.idle[0].since))
}

// close ends the idle runners, and the busy ones once their mailbox is
// empty; mailboxes that wake later get goroutines of their own.
func (p *runnerPool) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	if p.reaper != nil {
		p.reaper.Stop()
	}
	for i, r := range p.idle {
		close(r.work)
		p.idle[i] = nil
	}
	p.idle = nil
}
