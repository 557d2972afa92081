package admin

import (
	"github.com/gosio/gosio/sio/socketio"
)

// The UI's commands, which act on the sockets of the whole cluster through
// the namespace's adapter, as Node's instrument() does with socket.io v4:
//
//	emit(nsp, filter, event, ...args)  emit to the namespace, or to room filter
//	join(nsp, room, filter)            make the sockets (in filter) join room
//	leave(nsp, room, filter)           make the sockets (in filter) leave room
//	_disconnect(nsp, close, filter)    disconnect the sockets (in filter)
//
// filter is a room, a socket id for one socket, or null for every socket
// of the namespace. A command naming a namespace that does not exist is
// ignored, rather than creating it; one whose arguments have the wrong
// types is ignored.

// registerCommands installs the command handlers on a UI's socket.
func (a *Admin) registerCommands(s *socketio.NamespaceSocket) {
	s.On("emit", a.cmdEmit)
	s.On("join", func(e *socketio.Event) { a.cmdRooms(e, true) })
	s.On("leave", func(e *socketio.Event) { a.cmdRooms(e, false) })
	s.On("_disconnect", a.cmdDisconnect)
}

// target returns the operator of a command: the namespace named by
// argument 0 restricted to the room of argument filterAt when it is a
// non-empty string; ok is false for a namespace that does not exist.
func (a *Admin) target(e *socketio.Event, filterAt int) (op socketio.BroadcastOperator, ok bool) {
	var name string
	if e.DecodeAt(0, &name) != nil {
		return op, false
	}
	n := namespaceByName(a.srv, name)
	if n == nil {
		return op, false
	}
	var filter *string
	if e.Len() > filterAt {
		_ = e.DecodeAt(filterAt, &filter)
	}
	if filter != nil && *filter != "" {
		return n.In(*filter), true
	}
	return n.To(), true
}

// cmdEmit is emit(nsp, filter, event, ...args).
func (a *Admin) cmdEmit(e *socketio.Event) {
	var event string
	if e.Len() < 3 || e.DecodeAt(2, &event) != nil {
		return
	}
	op, ok := a.target(e, 1)
	if !ok {
		return
	}
	if err := op.Emit(event, e.RawArgs()[3:]...); err != nil {
		a.log.Debug("admin: emit command", "event", event, "err", err)
	}
}

// cmdRooms is join(nsp, room, filter) and leave(nsp, room, filter).
func (a *Admin) cmdRooms(e *socketio.Event, join bool) {
	var room string
	if e.DecodeAt(1, &room) != nil || room == "" {
		return
	}
	op, ok := a.target(e, 2)
	if !ok {
		return
	}
	if join {
		op.SocketsJoin(room)
	} else {
		op.SocketsLeave(room)
	}
}

// cmdDisconnect is _disconnect(nsp, close, filter).
func (a *Admin) cmdDisconnect(e *socketio.Event) {
	var closeConn bool
	if e.Len() > 1 {
		_ = e.DecodeAt(1, &closeConn)
	}
	op, ok := a.target(e, 2)
	if !ok {
		return
	}
	op.DisconnectSockets(closeConn)
}
