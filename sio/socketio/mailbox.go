package socketio

import (
	"log/slog"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"
)

// mailboxLimit bounds the events a socket's mailbox holds while it holds
// the client back: a client that sends events faster than its handlers run
// has its connection's reads wait for room (as a Node.js server's single
// thread leaves them in the socket's buffers), instead of queueing without
// limit in memory.
const mailboxLimit = 1024

// mailboxFloodLimit bounds the events a mailbox holds once it has stopped
// holding the client back (see "The reader's wait" below): a client past
// it is closed as one that floods.
const mailboxFloodLimit = 4 * mailboxLimit

// mailbox runs a socket's handlers one at a time, in the order they were
// posted, as Channels runs a consumer's handlers. A goroutine exists only
// while there is work: it is started by the post that finds the mailbox
// idle and ends when the mailbox is empty, so an idle socket costs no
// goroutine. The goroutine is a runner of the server's (runnerPool: one
// that ran a mailbox shortly before, or a new one), counted in wg.
//
// An event that the connection's websocket reader posts to an idle mailbox
// is run by the reader itself (postBounded's runHere, runEventHere), which
// is then the mailbox's goroutine for that event: a request and its reply
// cost one goroutine, not two. What is posted meanwhile waits for it, and
// goes to a runner when it returns (doneHere). The engine hands the
// reading to a new goroutine if the handler runs long or waits for an
// acknowledgement (engineio's inline.go), so it strands nothing.
//
// The mailbox does not keep its owner (the socket, named in the log when a
// task panics): the owner is passed with each post and handed to the
// goroutine a post starts, which saves an idle socket the field.
//
// The reader's wait. Incoming events are posted by the connection's reader
// (the engine's delivery, one message at a time), with postBounded; every
// other task (connect, disconnect) with post, which never waits. Below
// mailboxLimit queued tasks an event is queued at once. At the limit the
// reader holds the client back: it reads nothing more until the mailbox
// has room. That wait never depends on the client alone, and ends on the
// first of:
//   - room: the mailbox's goroutine took a task and fewer than
//     mailboxLimit wait;
//   - the session's end (holdback.done) or the socket leaving its
//     namespace (leave): the event is dropped, as for a departed socket;
//   - an acknowledgement awaited from the connection (holdback.owed, or one
//     registered during the wait, which calls stopHolding): only the
//     reader can read it;
//   - holdback.hold passing (half the engine's ping timeout): the reader
//     must read the client's pongs.
//
// In the last two cases the mailbox stops holding the client back
// (overflow) until its queue falls below mailboxLimit again: events are
// queued as they come, acks and pongs with them, up to mailboxFloodLimit,
// past which postBounded reports a flood and the socket closes the
// connection. So a handler that blocks, even on its own client, strands
// neither the reader nor the acks and pongs behind it.
type mailbox struct {
	mu       sync.Mutex
	room     chan struct{} // made by a reader that waits for room, closed (and cleared) to wake it
	tasks    []task        // tasks[head:] are waiting
	head     int32         // shares a word with the flags; 2^31 queued tasks would take 16 GiB first
	running  bool
	overflow bool // the reader no longer waits for room, until the queue falls below mailboxLimit
	left     bool // the socket left its namespace: events posted from now on are dropped
}

// holdback is what a reader's wait for room may end on besides room (see
// the mailbox's doc). Its zero value waits for room alone.
type holdback struct {
	done   <-chan struct{}          // the session's end
	hold   time.Duration            // the longest wait; 0 for no limit
	owed   *atomic.Int32            // acks awaited from the connection, or nil
	parked *atomic.Pointer[mailbox] // set to the mailbox while the reader waits on it, or nil
}

// postResult is what became of an event given to postBounded.
type postResult uint8

const (
	posted  postResult = iota
	dropped            // the session ended or the socket left
	flooded            // mailboxFloodLimit tasks were already queued
	runHere            // the mailbox was idle: the caller runs the task, then calls doneHere
)

// mailboxOwner is the socket a mailbox runs the tasks of.
type mailboxOwner interface {
	// String names the socket in the log when a task panics.
	String() string
	// dispatchEvent runs the socket's handlers for an incoming event.
	dispatchEvent(ev *Event)
	// logger receives the record of a panicking task.
	logger() *slog.Logger
}

// task is one unit of a mailbox's work: an incoming event to dispatch
// (ev, which saves a closure per event), or a function.
type task struct {
	ev *Event
	fn func()
}

// post queues a task, whatever the queue's length. owner names the mailbox
// in the log if a task panics.
func (m *mailbox) post(wg *taskGroup, owner mailboxOwner, fn func()) {
	m.mu.Lock()
	m.enqueueLocked(wg, owner, task{fn: fn})
}

// postBounded queues an event's task, holding the caller (the
// connection's reader) back while mailboxLimit tasks wait, until one of
// the ends described in the mailbox's doc. It must not be called from the
// mailbox's own goroutine.
//
// here: the caller can run the task itself. When the mailbox is idle (no
// goroutine, nothing queued), it is marked running and postBounded
// returns runHere: the caller is then the mailbox's goroutine for that
// one task, and calls doneHere after it. Tasks posted meanwhile wait for
// it, as behind any running task.
func (m *mailbox) postBounded(wg *taskGroup, owner mailboxOwner, t task, h holdback, here bool) postResult {
	m.mu.Lock()
	if here && !m.running && !m.left && m.queued() == 0 {
		m.running = true
		m.mu.Unlock()
		return runHere
	}
	var timeout <-chan time.Time
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
		if h.parked != nil && h.parked.Load() == m {
			h.parked.Store(nil)
		}
	}()
	for !m.left && m.queued() >= mailboxLimit {
		if m.overflow {
			if m.queued() < mailboxFloodLimit {
				break
			}
			m.mu.Unlock()
			return flooded
		}
		if h.parked != nil {
			h.parked.Store(m) // before owed is read: registerAck reads them the other way round
		}
		if h.owed != nil && h.owed.Load() > 0 {
			m.overflow = true
			continue
		}
		if m.room == nil {
			m.room = make(chan struct{})
		}
		room := m.room
		m.mu.Unlock()
		if timer == nil && h.hold > 0 {
			timer = time.NewTimer(h.hold)
			timeout = timer.C
		}
		select {
		case <-room:
			m.mu.Lock()
		case <-h.done:
			return dropped
		case <-timeout:
			timeout = nil
			m.mu.Lock()
			m.overflow = true
		}
	}
	if m.left {
		m.mu.Unlock()
		return dropped
	}
	m.enqueueLocked(wg, owner, t)
	return posted
}

// stopHolding makes a reader that waits for room go on, queueing beyond
// mailboxLimit: an acknowledgement is awaited from its client.
func (m *mailbox) stopHolding() {
	m.mu.Lock()
	if m.queued() >= mailboxLimit {
		m.overflow = true
	}
	m.wakeLocked()
	m.mu.Unlock()
}

// leave drops the events posted from now on, a waiting reader's included:
// the socket left its namespace. Tasks already queued still run.
func (m *mailbox) leave() {
	m.mu.Lock()
	m.left = true
	m.wakeLocked()
	m.mu.Unlock()
}

// wakeLocked wakes the reader waiting for room, if any. Called with mu
// held.
func (m *mailbox) wakeLocked() {
	if m.room != nil {
		close(m.room)
		m.room = nil
	}
}

// enqueueLocked appends the task and starts the goroutine if needed; it
// releases mu.
func (m *mailbox) enqueueLocked(wg *taskGroup, owner mailboxOwner, t task) {
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
	wg.runners.start(wg, m, owner)
}

// doneHere ends a task run by the caller of postBounded (runHere): the
// mailbox is idle again, or its goroutine starts for what was posted
// meanwhile.
func (m *mailbox) doneHere(wg *taskGroup, owner mailboxOwner) {
	m.mu.Lock()
	if m.queued() > 0 {
		m.mu.Unlock()
		wg.runners.start(wg, m, owner)
		return
	}
	m.idleLocked()
	m.mu.Unlock()
}

// idleLocked marks the empty mailbox idle. A small array is kept for the
// next burst; a large one, left by a burst, is given back. Called with mu
// held.
func (m *mailbox) idleLocked() {
	m.running = false
	m.tasks, m.head = m.tasks[:0], 0
	if cap(m.tasks) > 16 {
		m.tasks = nil
	}
}

// queued is the number of tasks waiting. Called with mu held.
func (m *mailbox) queued() int { return len(m.tasks) - int(m.head) }

// run runs the queued tasks until none is left, on a runner of the
// server's (runnerPool).
func (m *mailbox) run(owner mailboxOwner) {
	for {
		m.mu.Lock()
		if m.queued() == 0 {
			m.idleLocked()
			m.mu.Unlock()
			return
		}
		t := m.tasks[m.head]
		m.tasks[m.head] = task{}
		m.head++
		if m.queued() < mailboxLimit {
			m.overflow = false
			m.wakeLocked()
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
			owner.logger().Error("socketio: panic in a handler", slog.String("socket", owner.String()),
				slog.Any("panic", r), slog.String("stack", string(debug.Stack())))
		}
	}()
	if t.ev != nil {
		owner.dispatchEvent(t.ev)
		return
	}
	t.fn()
}
