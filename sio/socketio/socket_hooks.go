package socketio

import (
	"slices"
	"strings"
)

// This file owns what a socket's handlers are kept in. A server holds one
// socket per connection and namespace, most of them idle, so the storage
// is sized for the common case: a few event handlers and a listener or
// two, in slices, rather than a map and six lists each.

// handlerFn is one handler of an event, with the id its remover names.
type handlerFn struct {
	id uint32
	fn func(*Event)
}

// namedHandler holds the handlers of one event, in registration order:
// the first in place (most events have one, and then no slice is made),
// the others in more. more is never modified in place (a change makes a
// new slice), so a namedHandler copied under the socket's lock stays a
// valid snapshot.
type namedHandler struct {
	event string
	first handlerFn
	more  []handlerFn
}

// run calls the handlers, in registration order.
func (h *namedHandler) run(ev *Event) {
	h.first.fn(ev)
	for _, m := range h.more {
		m.fn(ev)
	}
}

// handlerTable maps event names to handlers: a slice sorted by name,
// searched by bisection. The zero value is empty. It is not safe for
// concurrent use.
type handlerTable []namedHandler

// firstHandlers is the room the table is made with: a socket usually
// registers a few handlers at once, which then take one allocation rather
// than one per doubling.
const firstHandlers = 4

func (t handlerTable) search(event string) (int, bool) {
	return slices.BinarySearchFunc(t, event, func(h namedHandler, ev string) int {
		return strings.Compare(h.event, ev)
	})
}

// get returns a copy of the handlers of event, ok false when it has none.
func (t handlerTable) get(event string) (h namedHandler, ok bool) {
	if len(t) <= 8 {
		// A socket's few handlers: a scan of string equalities (length
		// first) costs less than the bisection's comparisons.
		for i := range t {
			if t[i].event == event {
				return t[i], true
			}
		}
		return h, false
	}
	if i, ok := t.search(event); ok {
		return t[i], true
	}
	return h, false
}

// add appends a handler of event.
func (t *handlerTable) add(event string, h handlerFn) {
	i, ok := t.search(event)
	if ok {
		(*t)[i].more = append(slices.Clip((*t)[i].more), h)
		return
	}
	if *t == nil {
		*t = make(handlerTable, 0, firstHandlers)
	}
	*t = slices.Insert(*t, i, namedHandler{event: event, first: h})
}

// remove removes the handler with id from event.
func (t *handlerTable) remove(event string, id uint32) {
	i, ok := t.search(event)
	if !ok {
		return
	}
	e := &(*t)[i]
	switch j := slices.IndexFunc(e.more, func(h handlerFn) bool { return h.id == id }); {
	case e.first.id == id && len(e.more) == 0:
		*t = slices.Delete(*t, i, i+1)
	case e.first.id == id:
		e.first, e.more = e.more[0], slices.Clip(e.more[1:])
	case j >= 0:
		e.more = slices.Delete(slices.Clone(e.more), j, j+1)
	}
}

// del removes every handler of event.
func (t *handlerTable) del(event string) {
	if i, ok := t.search(event); ok {
		*t = slices.Delete(*t, i, i+1)
	}
}

// hookKind says which list a hook belongs to.
type hookKind uint8

const (
	hookAny           hookKind = iota // OnAny: func(*Event)
	hookAnyOutgoing                   // OnAnyOutgoing: func(string, Args)
	hookMiddleware                    // Use: func(*Event) error
	hookError                         // OnError: func(error)
	hookDisconnecting                 // OnDisconnecting: func(DisconnectReason)
	hookDisconnect                    // OnDisconnect: func(DisconnectReason)
)

// hook is one listener of a socket other than an event handler; fn's type
// is the one its kind names; id names it for its remover.
type hook struct {
	kind hookKind
	id   uint32
	fn   any
}

// hookList holds a socket's listeners of every kind, in call order. It is
// appended to, or replaced by a new slice (a removal, a prepend), never
// changed in place below its length, so a copy of the slice taken under
// the socket's lock is a snapshot that later registrations do not touch.
type hookList []hook

// has reports whether the list holds a hook of kind.
func (l hookList) has(kind hookKind) bool {
	return slices.ContainsFunc(l, func(h hook) bool { return h.kind == kind })
}

// events calls the hooks of kind, which take an event.
func (l hookList) events(kind hookKind, ev *Event) {
	for _, h := range l {
		if h.kind == kind {
			h.fn.(func(*Event))(ev)
		}
	}
}

// middlewares runs the middlewares on ev in order until one fails, and
// passes its error to the error hooks; it reports whether all passed.
func (l hookList) middlewares(ev *Event) bool {
	for _, h := range l {
		if h.kind != hookMiddleware {
			continue
		}
		if err := h.fn.(func(*Event) error)(ev); err != nil {
			for _, eh := range l {
				if eh.kind == hookError {
					eh.fn.(func(error))(err)
				}
			}
			return false
		}
	}
	return true
}

// outgoing calls the OnAnyOutgoing listeners.
func (l hookList) outgoing(event string, args Args) {
	for _, h := range l {
		if h.kind == hookAnyOutgoing {
			h.fn.(func(string, Args))(event, args)
		}
	}
}

// reasons calls the hooks of kind, which take a disconnect reason.
func (l hookList) reasons(kind hookKind, reason DisconnectReason) {
	for _, h := range l {
		if h.kind == kind {
			h.fn.(func(DisconnectReason))(reason)
		}
	}
}

// addHook registers a listener, last or first of all, and returns its
// remover.
func (s *NamespaceSocket) addHook(kind hookKind, fn any, first bool) (remove func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextID++
	h := hook{kind, s.nextID, fn}
	if first {
		s.hooks = append(hookList{h}, s.hooks...)
	} else {
		s.hooks = append(s.hooks, h)
	}
	return func() { s.removeHooks(func(x hook) bool { return x.id == h.id }) }
}

// removeHooks removes the listeners that match, into a new slice.
func (s *NamespaceSocket) removeHooks(match func(hook) bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if slices.ContainsFunc(s.hooks, match) {
		s.hooks = slices.DeleteFunc(slices.Clone(s.hooks), match)
	}
}

// hookFuncs returns the listeners of kind, in call order.
func hookFuncs[F any](s *NamespaceSocket, kind hookKind) []F {
	out := []F{}
	for _, h := range s.hookSnapshot() {
		if h.kind == kind {
			out = append(out, h.fn.(F))
		}
	}
	return out
}

// hookSnapshot returns the listeners registered so far.
func (s *NamespaceSocket) hookSnapshot() hookList {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hooks
}

// On adds a handler of an event and returns the function that removes it.
// Several handlers of one event all run, in registration order, with the
// same *Event (whose Ack answers once), as the Node.js socket.on.
func (s *NamespaceSocket) On(event string, fn func(e *Event)) (remove func()) {
	// Small enough to be inlined: a caller that drops the remover (the
	// common case, and a socket registers its handlers on every
	// connection) then allocates no closure for it.
	return s.on(event, fn).off
}

// handlerRef names one handler of a socket, for its remover.
type handlerRef struct {
	s     *NamespaceSocket
	event string
	id    uint32
}

// on adds fn as a handler of event and names it (id 0: fn is nil, and not
// added).
func (s *NamespaceSocket) on(event string, fn func(e *Event)) handlerRef {
	if fn == nil {
		return handlerRef{}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextID++
	s.handlers.add(event, handlerFn{s.nextID, fn})
	return handlerRef{s, event, s.nextID}
}

// off removes the handler r names.
func (r handlerRef) off() {
	if r.id == 0 {
		return
	}
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	r.s.handlers.remove(r.event, r.id)
}

// Off removes every handler of an event.
func (s *NamespaceSocket) Off(event string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.handlers.del(event)
}

// OnAny adds a listener called with every incoming event, before the
// per-packet middlewares and the event's handlers, and returns the
// function that removes it (Node's socket.onAny).
func (s *NamespaceSocket) OnAny(fn func(e *Event)) (remove func()) {
	return s.addFunc(hookAny, fn, fn == nil, false)
}

// PrependAny is OnAny with the listener put before the others.
func (s *NamespaceSocket) PrependAny(fn func(e *Event)) (remove func()) {
	return s.addFunc(hookAny, fn, fn == nil, true)
}

// OffAny removes every OnAny and PrependAny listener. Note that the
// consumer package dispatches a consumer's events with one.
func (s *NamespaceSocket) OffAny() { s.removeHooks(func(h hook) bool { return h.kind == hookAny }) }

// ListenersAny returns the OnAny and PrependAny listeners, in call order.
func (s *NamespaceSocket) ListenersAny() []func(e *Event) {
	return hookFuncs[func(*Event)](s, hookAny)
}

// OnAnyOutgoing adds a listener told of every event emitted to this
// socket (its own emits and the broadcasts that reach it), with the event
// name and arguments, and returns the function that removes it (Node's
// socket.onAnyOutgoing).
func (s *NamespaceSocket) OnAnyOutgoing(fn func(event string, args Args)) (remove func()) {
	return s.addFunc(hookAnyOutgoing, fn, fn == nil, false)
}

// PrependAnyOutgoing is OnAnyOutgoing with the listener put before the
// others.
func (s *NamespaceSocket) PrependAnyOutgoing(fn func(event string, args Args)) (remove func()) {
	return s.addFunc(hookAnyOutgoing, fn, fn == nil, true)
}

// OffAnyOutgoing removes every OnAnyOutgoing and PrependAnyOutgoing
// listener.
func (s *NamespaceSocket) OffAnyOutgoing() {
	s.removeHooks(func(h hook) bool { return h.kind == hookAnyOutgoing })
}

// ListenersAnyOutgoing returns the outgoing catch-all listeners, in call
// order.
func (s *NamespaceSocket) ListenersAnyOutgoing() []func(event string, args Args) {
	return hookFuncs[func(string, Args)](s, hookAnyOutgoing)
}

// OnUpgrade adds a listener called when the socket's connection completes
// an upgrade of its transport (long-polling to websocket), with the new
// transport; the connection is shared by the client's sockets of every
// namespace. It returns the function that removes the listener.
func (s *NamespaceSocket) OnUpgrade(fn func(transport string)) (remove func()) {
	return s.client.conn.OnUpgrade(fn)
}

// addFunc adds fn unless it is nil.
func (s *NamespaceSocket) addFunc(kind hookKind, fn any, isNil, first bool) func() {
	if isNil {
		return func() {}
	}
	return s.addHook(kind, fn, first)
}

// Use adds a per-packet middleware: it runs before the event's handlers,
// and an error stops the event and is passed to the OnError handlers.
func (s *NamespaceSocket) Use(fn func(e *Event) error) { s.addHook(hookMiddleware, fn, false) }

// OnError adds a handler of the errors returned by per-packet middleware.
func (s *NamespaceSocket) OnError(fn func(err error)) { s.addHook(hookError, fn, false) }

// OnDisconnecting adds a handler run when the socket is leaving, while its
// rooms are still visible.
func (s *NamespaceSocket) OnDisconnecting(fn func(reason DisconnectReason)) {
	s.addHook(hookDisconnecting, fn, false)
}

// OnDisconnect adds a handler run once the socket has left.
func (s *NamespaceSocket) OnDisconnect(fn func(reason DisconnectReason)) {
	s.addHook(hookDisconnect, fn, false)
}
