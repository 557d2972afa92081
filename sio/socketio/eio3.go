package socketio

import (
	"encoding/json"
	"net/url"
	"strings"
)

// This file owns what differs for the clients of Socket.IO protocol v4
// (socket.io-client 2.x), which come over Engine.IO v3 sessions when
// engineio.Options.AllowEIO3 lets them in, as Node's socket.io server
// treats a connection whose conn.protocol is 3:
//   - the main namespace is joined as soon as the session opens, without
//     a CONNECT from the client (client.onOpen);
//   - a CONNECT carries no payload: its namespace may carry a query
//     ("/admin?token=abc"), which becomes the socket's auth
//     (withoutNamespaceQuery);
//   - the server's CONNECT carries no payload (runConnect) and a
//     middleware's refusal is the error's data, or else its message, as
//     the CONNECT_ERROR's payload (v3ConnectError), which the client
//     emits as its "error" event;
//   - a socket's id is the Engine.IO session's id, prefixed with
//     "<namespace>#" outside the main namespace (v3SocketID).

// withoutNamespaceQuery returns p with the query of its namespace
// removed: a CONNECT's query becomes its auth, as the Node.js server,
// which parses every packet's namespace as a URL, makes it.
func withoutNamespaceQuery(p *SocketIOPacket) *SocketIOPacket {
	name, rawQuery, _ := strings.Cut(p.Namespace, "?")
	if name == "" {
		name = mainNamespace
	}
	q := *p
	q.Namespace = name
	if p.Type == PacketConnect {
		auth := map[string]string{}
		if vals, err := url.ParseQuery(rawQuery); err == nil {
			for k, v := range vals {
				auth[k] = v[len(v)-1] // the last value, as Object.fromEntries keeps
			}
		}
		q.Data, _ = json.Marshal(auth)
	}
	return &q
}

// v3SocketID is the id of a protocol v4 client's socket in namespace nsp.
func v3SocketID(nsp, engineID string) SocketID {
	if nsp == mainNamespace {
		return SocketID(engineID)
	}
	return SocketID(nsp + "#" + engineID)
}

// v3ConnectError is the payload of the CONNECT_ERROR sent to a protocol
// v4 client: the error's data when it has some, its message otherwise.
func v3ConnectError(ce *ConnectError) any {
	if ce.Data != nil {
		return ce.Data
	}
	return ce.Message
}
