package admin

import (
	"context"
	"encoding/json"
	"time"

	"github.com/gosio/gosio/sio/socketio"
)

// Development mode: what happens to the sockets of every namespace is told
// to the UI as it happens (Node's registerVerboseListeners).
//
//	socket_connected(socket, time)            a socket connected
//	socket_updated({id, nsp, transport|data}) its transport upgraded, its Data changed
//	socket_disconnected(nsp, id, reason, time)
//	room_joined(nsp, room, id, time), room_left(nsp, room, id, time)
//	event_received(nsp, id, [event, ...args], time)
//	event_sent(nsp, id, [event, ...args], time)
//
// The events of the admin namespace's own sockets are not told (they would
// tell themselves); their connections and rooms are, as in Node.

// watchNamespaces watches every namespace, present and future.
func (a *Admin) watchNamespaces() {
	for _, n := range namespaces(a.srv) {
		a.watchNamespace(n)
	}
	a.onClose(a.srv.OnNewNamespace(a.watchNamespace))
}

// watchNamespace installs the development-mode listeners of one namespace.
func (a *Admin) watchNamespace(n *socketio.Namespace) {
	name := n.Name()
	n.OnConnection(func(s *socketio.NamespaceSocket) { a.onSocket(n, s) })
	a.onClose(n.OnJoinRoom(func(room socketio.Room, id socketio.SocketID) {
		a.emit("room_joined", name, room, id, timestamp(time.Now()))
	}))
	a.onClose(n.OnLeaveRoom(func(room socketio.Room, id socketio.SocketID) {
		a.emit("room_left", name, room, id, timestamp(time.Now()))
	}))
}

// onSocket tells the UI of a socket that connected and watches it.
func (a *Admin) onSocket(n *socketio.Namespace, s *socketio.NamespaceSocket) {
	if a.closed() {
		return
	}
	name, id := n.Name(), s.ID()
	s.Data.Set(adminDataKey, map[string]any{"clientId": clientID(s), "transport": s.Transport()})
	if r, ok := localSocket(n, id); ok {
		v := serialize(r, name)
		a.rememberData(socketKey{name, id}, v.Data)
		a.emit("socket_connected", v, timestamp(time.Now()))
	}
	s.OnUpgrade(func(transport string) {
		s.Data.Set(adminDataKey, map[string]any{"clientId": clientID(s), "transport": transport})
		a.emit("socket_updated", map[string]any{"id": id, "nsp": name, "transport": transport})
	})
	if n != a.nsp {
		s.OnAny(func(e *socketio.Event) {
			a.emit("event_received", name, id, eventArgs(e.Name, e.Args), timestamp(time.Now()))
		})
		s.OnAnyOutgoing(func(event string, args socketio.Args) {
			a.emit("event_sent", name, id, eventArgs(event, args), timestamp(time.Now()))
		})
	}
	s.OnDisconnect(func(reason socketio.DisconnectReason) {
		a.forgetData(socketKey{name, id})
		a.emit("socket_disconnected", name, id, string(reason), timestamp(time.Now()))
	})
}

// clientID is what the UI calls the socket's client: the first 12
// characters of its Engine.IO session id, as Node's instrument() shows.
func clientID(s *socketio.NamespaceSocket) string {
	id := s.ConnID()
	return id[:min(12, len(id))]
}

// eventArgs is [event, ...args] as the UI shows it; binary attachments are
// sent as they are (the UI shows a Buffer's bytes).
func eventArgs(event string, args socketio.Args) []any {
	out := make([]any, 0, 1+args.Len())
	out = append(out, event)
	return append(out, args.RawArgs()...)
}

// rememberData records the Data last sent to the UI for a socket.
func (a *Admin) rememberData(k socketKey, data map[string]any) {
	b, _ := json.Marshal(data)
	a.dataMu.Lock()
	a.lastData[k] = string(b)
	a.dataMu.Unlock()
}

// forgetData drops a departed socket's record.
func (a *Admin) forgetData(k socketKey) {
	a.dataMu.Lock()
	delete(a.lastData, k)
	a.dataMu.Unlock()
}

// sendDataChanges tells the UI of the local sockets whose Data changed
// since it was last sent (Node notices each change through a Proxy on
// socket.data; SocketData is compared every 2 seconds instead).
func (a *Admin) sendDataChanges() {
	for _, n := range namespaces(a.srv) {
		ctx, cancel := context.WithTimeout(context.Background(), fetchTimeout)
		rs, err := n.Local().FetchSockets(ctx)
		cancel()
		if err != nil {
			continue
		}
		for _, r := range rs {
			k := socketKey{n.Name(), r.ID}
			data := userData(r.Data)
			b, err := json.Marshal(data)
			if err != nil {
				continue
			}
			a.dataMu.Lock()
			last, known := a.lastData[k]
			changed := known && last != string(b)
			if changed {
				a.lastData[k] = string(b)
			}
			a.dataMu.Unlock()
			if changed {
				a.emit("socket_updated", map[string]any{"id": r.ID, "nsp": n.Name(), "data": data})
			}
		}
	}
}
