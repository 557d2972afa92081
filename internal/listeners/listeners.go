// Package listeners holds the lists of event listeners that gosio's
// servers, sessions and sockets keep: several listeners per event, added
// and removed concurrently with the events that call them.
//
// A List is copy-on-write: registrations build a new slice under a mutex
// and publish it with an atomic store, so that an event reads its
// listeners with one atomic load and no lock, and an empty list costs a
// nil check.
package listeners

import (
	"sync"
	"sync/atomic"
)

// List is a list of listeners of type F. The zero value is empty and
// ready to use; a List must not be copied after first use. Its methods
// are safe for concurrent use.
type List[F any] struct {
	mu   sync.Mutex // serializes the writers; readers only load cur
	cur  atomic.Pointer[entries[F]]
	next uint64 // the id of the next listener, under mu
}

type entries[F any] struct {
	fns []F
	ids []uint64
}

// Funcs returns the listeners in call order, nil when there are none. The
// slice is shared: the caller must not modify it. Listeners added or
// removed afterwards do not change it.
func (l *List[F]) Funcs() []F {
	if e := l.cur.Load(); e != nil {
		return e.fns
	}
	return nil
}

// Len returns the number of listeners.
func (l *List[F]) Len() int { return len(l.Funcs()) }

// Add appends fn and returns the function that removes it, which is
// idempotent.
func (l *List[F]) Add(fn F) (remove func()) { return l.insert(fn, false) }

// Prepend puts fn first and returns the function that removes it.
func (l *List[F]) Prepend(fn F) (remove func()) { return l.insert(fn, true) }

func (l *List[F]) insert(fn F, first bool) func() {
	l.mu.Lock()
	defer l.mu.Unlock()
	id := l.next
	l.next++
	old := l.cur.Load()
	n := 0
	if old != nil {
		n = len(old.fns)
	}
	e := &entries[F]{fns: make([]F, 0, n+1), ids: make([]uint64, 0, n+1)}
	if first {
		e.fns, e.ids = append(e.fns, fn), append(e.ids, id)
	}
	if old != nil {
		e.fns, e.ids = append(e.fns, old.fns...), append(e.ids, old.ids...)
	}
	if !first {
		e.fns, e.ids = append(e.fns, fn), append(e.ids, id)
	}
	l.cur.Store(e)
	return func() { l.remove(id) }
}

func (l *List[F]) remove(id uint64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	old := l.cur.Load()
	if old == nil {
		return
	}
	for i, v := range old.ids {
		if v != id {
			continue
		}
		if len(old.ids) == 1 {
			l.cur.Store(nil)
			return
		}
		e := &entries[F]{
			fns: make([]F, 0, len(old.fns)-1),
			ids: make([]uint64, 0, len(old.ids)-1),
		}
		e.fns = append(append(e.fns, old.fns[:i]...), old.fns[i+1:]...)
		e.ids = append(append(e.ids, old.ids[:i]...), old.ids[i+1:]...)
		l.cur.Store(e)
		return
	}
}

// Clear removes every listener.
func (l *List[F]) Clear() {
	l.mu.Lock()
	l.cur.Store(nil)
	l.mu.Unlock()
}

// Copy returns a copy of the listeners in call order, for callers that
// hand them out.
func (l *List[F]) Copy() []F {
	fns := l.Funcs()
	if fns == nil {
		return []F{}
	}
	return append([]F(nil), fns...)
}
