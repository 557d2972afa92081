package socketio

import (
	"runtime/debug"
	"sync"
)

// mailboxLimit bounds the events a socket's mailbox holds: a client that
// sends events faster than its handlers run is held back, its connection's
// reads waiting for room (as a Node.js server's single thread leaves them
// in the socket's buffers), instead of queueing without limit in memory.
const mailboxLimit = 1024

// mailbox runs a socket's handlers one at a time, in the order they were
// posted, as Channels runs a consumer's handlers. A goroutine exists only
// while there is work: it is started by the post that finds the mailbox
// idle and ends when the mailbox is empty, so an idle socket costs no
// goroutine. Its goroutines are counted in wg, the server's.
//
// The mailbox does not keep its owner (the socket, named in the log when a
// task panics): the owner is passed with each post and handed to the
// goroutine a post starts, which saves an idle socket the field.
type mailbox struct {
	mu      sync.Mutex
	room    *sync.Cond // on mu: signalled when the queue falls below the limit
	tasks   []task     // tasks[head:] are waiting
	head    int32      // shares a word with running; 2^31 queued tasks would take 16 GiB first
	running bool
}

// mailboxOwner is the socket a mailbox runs the tasks of.
type mailboxOwner interface {
	// String names the socket in the log when a task panics.
	String() string
	// dispatchEvent runs the socket's handlers for an incoming event.
	dispatchEvent(ev *Event)
}

// task is one unit of a mailbox's work: an incoming event to dispatch
// (ev, which saves a closure per event), or a function.
type task struct {
	ev *Event
	fn func()
}

// post queues a task, whatever the queue's length. owner names the mailbox
// in the log if a task panics.
func (m *mailbox) post(wg *sync.WaitGroup, owner mailboxOwner, fn func()) {
	m.mu.Lock()
	m.enqueueLocked(wg, owner, task{fn: fn})
}

// postBounded queues a task once the queue is below mailboxLimit, waiting
// for room. It must not be called from the mailbox's own goroutine.
func (m *mailbox) postBounded(wg *sync.WaitGroup, owner mailboxOwner, t task) {
	m.mu.Lock()
	for m.queued() >= mailboxLimit {
		if m.room == nil {
			m.room = sync.NewCond(&m.mu)
		}
		m.room.Wait()
	}
	m.enqueueLocked(wg, owner, t)
}

// enqueueLocked appends the task and starts the goroutine if needed; it
// releases mu.
func (m *mailbox) enqueueLocked(wg *sync.WaitGroup, owner mailboxOwner, t task) {
	if m.head > 0 && len(m.tasks) == cap(m.tasks) {
		// Full: move the waiting tasks to the front rather than grow.
		n := copy(m.tasks, m.tasks[m.head:])
		clear(m.tasks[n:])
		m.tasks, m.head = m.tasks[:n], 0
	}
	m.tasks = append(m.tasks, t)
	if m.running {
		m.mu.Unlock()
		return
	}
	m.running = true
	m.mu.Unlock()
	wg.Add(1)
	go m.run(wg, owner)
}

// queued is the number of tasks waiting. Called with mu held.
func (m *mailbox) queued() int { return len(m.tasks) - int(m.head) }

func (m *mailbox) run(wg *sync.WaitGroup, owner mailboxOwner) {
	defer wg.Done()
	for {
		m.mu.Lock()
		if m.queued() == 0 {
			m.running = false
			// A small array is kept for the next burst; a large one, left
			// by a burst, is given back.
			m.tasks, m.head = m.tasks[:0], 0
			if cap(m.tasks) > 16 {
				m.tasks = nil
			}
			m.mu.Unlock()
			return
		}
		t := m.tasks[m.head]
		m.tasks[m.head] = task{}
		m.head++
		if m.room != nil && m.queued() < mailboxLimit {
			m.room.Broadcast()
		}
		m.mu.Unlock()
		runTask(owner, t)
	}
}

// runTask runs one task; a panicking handler is logged, as net/http logs a
// panicking request handler, and the mailbox goes on.
func runTask(owner mailboxOwner, t task) {
	defer func() {
		if r := recover(); r != nil {
			logf("panic in a handler of socket %v: %v\n%s", owner, r, debug.Stack())
		}
	}()
	if t.ev != nil {
		owner.dispatchEvent(t.ev)
		return
	}
	t.fn()
}
