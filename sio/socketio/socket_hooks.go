package socketio

import (
	"slices"
	"strings"
)

// This file owns what a socket's handlers are kept in. A server holds one
// socket per connection and namespace, most of them idle, so the storage
// is sized for the common case: a few event handlers and a listener or
// two, in slices, rather than a map and six lists each.

// namedHandler is the handler of one event.
type namedHandler struct {
	event string
	fn    func(*Event)
}

// handlerTable maps event names to handlers: a slice sorted by name,
// searched by bisection. The zero value is empty. It is not safe for
// concurrent use.
type handlerTable []namedHandler

func (t handlerTable) search(event string) (int, bool) {
	return slices.BinarySearchFunc(t, event, func(h namedHandler, ev string) int {
		return strings.Compare(h.event, ev)
	})
}

// get returns the handler of event, or nil.
func (t handlerTable) get(event string) func(*Event) {
	if i, ok := t.search(event); ok {
		return t[i].fn
	}
	return nil
}

// set sets or replaces the handler of event.
func (t *handlerTable) set(event string, fn func(*Event)) {
	i, ok := t.search(event)
	if ok {
		(*t)[i].fn = fn
		return
	}
	*t = slices.Insert(*t, i, namedHandler{event, fn})
}

// del removes the handler of event.
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
// is the one its kind names.
type hook struct {
	kind hookKind
	fn   any
}

// hookList holds a socket's listeners of every kind, in registration
// order. It is only ever appended to, so a copy of the slice taken under
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

// addHook registers a listener.
func (s *NamespaceSocket) addHook(kind hookKind, fn any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hooks = append(s.hooks, hook{kind, fn})
}

// hookSnapshot returns the listeners registered so far.
func (s *NamespaceSocket) hookSnapshot() hookList {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hooks
}

// On sets the handler of an event, replacing any earlier one.
func (s *NamespaceSocket) On(event string, fn func(e *Event)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.handlers.set(event, fn)
}

// Off removes the handler of an event.
func (s *NamespaceSocket) Off(event string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.handlers.del(event)
}

// OnAny adds a handler called for every incoming event, before its own
// handler.
func (s *NamespaceSocket) OnAny(fn func(e *Event)) { s.addHook(hookAny, fn) }

// OnAnyOutgoing adds a listener told of every event emitted to this socket.
func (s *NamespaceSocket) OnAnyOutgoing(fn func(event string, args Args)) {
	s.addHook(hookAnyOutgoing, fn)
}

// Use adds a per-packet middleware: it runs before the event's handlers,
// and an error stops the event and is passed to the OnError handlers.
func (s *NamespaceSocket) Use(fn func(e *Event) error) { s.addHook(hookMiddleware, fn) }

// OnError adds a handler of the errors returned by per-packet middleware.
func (s *NamespaceSocket) OnError(fn func(err error)) { s.addHook(hookError, fn) }

// OnDisconnecting adds a handler run when the socket is leaving, while its
// rooms are still visible.
func (s *NamespaceSocket) OnDisconnecting(fn func(reason DisconnectReason)) {
	s.addHook(hookDisconnecting, fn)
}

// OnDisconnect adds a handler run once the socket has left.
func (s *NamespaceSocket) OnDisconnect(fn func(reason DisconnectReason)) {
	s.addHook(hookDisconnect, fn)
}
