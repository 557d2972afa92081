package socketio

import (
	"slices"
	"strings"

	"github.com/gosio/gosio/internal/listeners"
)

// This file owns the listeners of the server's and the namespaces' own
// events: new namespaces (Node's io.on("new_namespace")) and the rooms
// of a namespace (Node's nsp.adapter.on("create-room", ...)).

// Namespaces returns the namespaces that exist now, sorted by name: "/",
// those made by Of, and the children their parents made and still keep.
func (srv *SocketIOServer) Namespaces() []*Namespace {
	srv.mu.RLock()
	out := make([]*Namespace, 0, len(srv.nsps))
	for _, n := range srv.nsps {
		out = append(out, n)
	}
	srv.mu.RUnlock()
	slices.SortFunc(out, func(a, b *Namespace) int { return strings.Compare(a.name, b.name) })
	return out
}

// OnNewNamespace adds a listener called with each namespace created from
// then on, by Of or by a parent namespace (a child released by
// CleanupEmptyChildNamespaces and made again is new again), as Node's
// "new_namespace" event. It runs before any client connects to the
// namespace, so it may add middlewares and connection handlers to it; it
// must not block. "/" exists before any listener: Namespaces lists it.
// It returns the function that removes the listener.
func (srv *SocketIOServer) OnNewNamespace(fn func(nsp *Namespace)) (remove func()) {
	if fn == nil {
		return func() {}
	}
	return srv.newNsp.Add(fn)
}

// announce tells the OnNewNamespace listeners of n, then lets connections
// into it (ready).
func (srv *SocketIOServer) announce(n *Namespace) {
	for _, fn := range srv.newNsp.Funcs() {
		fn(n)
	}
	close(n.ready)
}

// roomHooks are the listeners of a namespace's room events.
type roomHooks struct {
	create, del listeners.List[func(Room)]
	join, leave listeners.List[func(Room, SocketID)]
}

// watched reports whether any room listener is registered.
func (h *roomHooks) watched() bool {
	return h.create.Len()+h.del.Len()+h.join.Len()+h.leave.Len() > 0
}

// OnCreateRoom adds a listener called when a room of this server's
// sockets gets its first member, as the Node.js in-memory adapter's
// "create-room". As there, a socket's own room (its id) is a room: it is
// created when the socket connects. Room listeners run on the goroutine
// that joined or left, after the rooms index is updated; they are fired
// by the in-memory adapter, and so by the adapters that embed it. It
// returns the function that removes the listener.
func (n *Namespace) OnCreateRoom(fn func(room Room)) (remove func()) {
	if fn == nil {
		return func() {}
	}
	return n.rooms.create.Add(fn)
}

// OnDeleteRoom adds a listener called when a room loses its last member
// on this server (Node's "delete-room"), after its OnLeaveRoom. It returns
// the remover.
func (n *Namespace) OnDeleteRoom(fn func(room Room)) (remove func()) {
	if fn == nil {
		return func() {}
	}
	return n.rooms.del.Add(fn)
}

// OnJoinRoom adds a listener called when a socket joins a room it was not
// in (Node's "join-room"), after the room's OnCreateRoom. It returns the
// remover.
func (n *Namespace) OnJoinRoom(fn func(room Room, id SocketID)) (remove func()) {
	if fn == nil {
		return func() {}
	}
	return n.rooms.join.Add(fn)
}

// OnLeaveRoom adds a listener called when a socket leaves a room it was
// in, its own room included when it disconnects (Node's "leave-room"). It
// returns the remover.
func (n *Namespace) OnLeaveRoom(fn func(room Room, id SocketID)) (remove func()) {
	if fn == nil {
		return func() {}
	}
	return n.rooms.leave.Add(fn)
}

// roomEventKind says which listeners a roomEvent is for.
type roomEventKind uint8

const (
	roomCreated roomEventKind = iota
	roomJoined
	roomLeft
	roomDeleted
)

// roomEvent is a change of the rooms index, recorded under the adapter's
// lock and told to the listeners once it is released.
type roomEvent struct {
	kind roomEventKind
	room Room
	id   SocketID
}

// fire tells the room listeners of events, in order.
func (h *roomHooks) fire(events []roomEvent) {
	for _, e := range events {
		switch e.kind {
		case roomCreated:
			for _, fn := range h.create.Funcs() {
				fn(e.room)
			}
		case roomJoined:
			for _, fn := range h.join.Funcs() {
				fn(e.room, e.id)
			}
		case roomLeft:
			for _, fn := range h.leave.Funcs() {
				fn(e.room, e.id)
			}
		case roomDeleted:
			for _, fn := range h.del.Funcs() {
				fn(e.room)
			}
		}
	}
}
