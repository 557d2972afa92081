package engineio

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/gosio/gosio/sio/internal/eiolink"
)

// This file owns the handlers a websocket's reader runs itself, and the
// watch that hands the reading on when one of them runs long.
//
// When an incoming message finds the application with nothing else to do
// for the connection (a Socket.IO socket whose mailbox is idle), the
// application may leave its handler for the reader to run (deliver
// reports it), after the delivery and outside deliverMu, instead of
// waking a goroutine of its own for it: a request and its reply then cost
// one goroutine's turn, as they cost a Node.js server one turn of its
// loop. The reader reads nothing while the handler runs, so a handler
// that blocks would strand what only the reader can read: the client's
// pongs and acknowledgements. Two things end that:
//   - the watch: one timer per server, armed while some reader runs a
//     handler, ticks every inlineTick; a handler found running at two
//     ticks (between one and two ticks long) has its reading handed to a
//     new goroutine;
//   - eiolink.HandOffReaders, called by the application before it waits
//     on a peer (an acknowledgement), hands on at once every reader that
//     runs a handler.
//
// The hand-off is decided by one compare-and-swap on the session's
// inlineSince, which the reader makes too when its handler returns: the
// reader that wins goes on reading; the one that loses ends once its
// handler returns, the new reader having been started (and counted in the
// server's wait group, before the old one leaves it) by the hand-off. So
// a connection never has two readers reading, and always has one.

// inlineTick is the watch's period: a handler run on the reader for
// between one and two ticks has its reading handed on.
const inlineTick = 10 * time.Millisecond

// readerWatch is the server's watch over the readers that run a handler.
//
// Concurrency: mu guards sessions, armed and each session's inWatch; epoch
// is read without it. The timer's goroutine (tick) is the watch's only
// goroutine: it runs while armed and disarms itself when no session is
// left to watch.
type readerWatch struct {
	epoch atomic.Int64 // ticks so far; a run stores epoch+1 as its start

	mu       sync.Mutex
	sessions []*EngineIOSession // sessions whose reader ran a handler since the last tick
	timer    *time.Timer
	armed    bool
	period   time.Duration // inlineTick, unless a test set another
}

// every is the watch's period.
func (w *readerWatch) every() time.Duration {
	if w.period > 0 {
		return w.period
	}
	return inlineTick
}

// watch puts s under the watch; its reader has begun a handler.
func (w *readerWatch) watch(s *EngineIOSession) {
	w.mu.Lock()
	if !s.inWatch {
		s.inWatch = true
		w.sessions = append(w.sessions, s)
	}
	s.watched.Store(true)
	if !w.armed {
		w.armed = true
		if w.timer == nil {
			w.timer = time.AfterFunc(w.every(), w.tick)
		} else {
			w.timer.Reset(w.every())
		}
	}
	w.mu.Unlock()
}

// tick hands on the readers whose handler has run since the tick before,
// drops the sessions whose reader runs none, and rearms while some are
// left.
func (w *readerWatch) tick() {
	now := w.epoch.Add(1)
	var late []*EngineIOSession
	w.mu.Lock()
	kept := w.sessions[:0]
	for _, s := range w.sessions {
		// watched is cleared before inlineSince is read, and a reader
		// sets inlineSince before it reads watched: either this tick sees
		// the run, or the run sees watched cleared and puts s back.
		s.watched.Store(false)
		since := s.inlineSince.Load()
		if since <= 0 {
			// Reading, or handed on: a new reader's handler puts s back.
			s.inWatch = false
			continue
		}
		s.watched.Store(true)
		kept = append(kept, s)
		if since < now && s.inlineSince.CompareAndSwap(since, handedOn) {
			late = append(late, s)
		}
	}
	clear(w.sessions[len(kept):])
	w.sessions = kept
	if len(kept) > 0 {
		w.timer.Reset(w.every())
	} else {
		w.armed = false
	}
	w.mu.Unlock()
	for _, s := range late {
		s.readOnAnew()
	}
}

// handOffAll hands on every reader that runs a handler now.
func (w *readerWatch) handOffAll() {
	var late []*EngineIOSession
	w.mu.Lock()
	for _, s := range w.sessions {
		if since := s.inlineSince.Load(); since > 0 && s.inlineSince.CompareAndSwap(since, handedOn) {
			late = append(late, s)
		}
	}
	w.mu.Unlock()
	for _, s := range late {
		s.readOnAnew()
	}
}

// handedOn is inlineSince once the watch has handed the reading on.
const handedOn = -1

// receiver returns the application's own receiver of the session
// (eiolink), nil before one is installed.
func (s *EngineIOSession) receiver() eiolink.Receiver {
	r, _ := s.app.Load().(eiolink.Receiver)
	return r
}

// runHere runs the handler the application left to the reader, under the
// watch, and reports whether this goroutine is still the reader.
func (s *EngineIOSession) runHere(r eiolink.Receiver, left any) bool {
	since := s.srv.watch.epoch.Load() + 1
	s.inlineSince.Store(since)
	if !s.watched.Load() {
		s.srv.watch.watch(s)
	}
	r.RunHere(left)
	return s.inlineSince.CompareAndSwap(since, 0)
}

// readOnAnew starts a new reader of the session's websocket, the old one
// having been handed on; a closed session gets none (its old reader ends
// when its handler returns, as the session's end requires).
func (s *EngineIOSession) readOnAnew() {
	s.mu.Lock()
	conn, closed := s.ws, s.closed
	s.mu.Unlock()
	if !closed && conn != nil {
		// Counted while the old reader still is: never an Add from zero.
		s.goReadLoop(conn)
	}
}
