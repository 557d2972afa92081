// Package admin is the server side of the official Socket.IO Admin UI
// (the npm package @socket.io/admin-ui 0.5.1, https://admin.socket.io):
// the Go counterpart of its instrument() function, so that the UI monitors
// a gosio server as it monitors a Node.js one.
//
//	a, err := admin.Instrument(srv, &admin.Options{
//		Auth: &admin.BasicAuth{Username: "admin", PasswordHash: hash},
//	})
//	defer a.Close()
//
// # Protocol
//
// The UI connects to the admin namespace ("/admin") with
// auth {username, password}, or {sessionId} once it has one. The server
// answers:
//
//   - session(id), after a login with BasicAuth, which the UI keeps;
//   - config({supportedFeatures}): EMIT, JOIN, LEAVE, DISCONNECT, MJOIN,
//     MLEAVE, MDISCONNECT (none of these when ReadOnly),
//     AGGREGATED_EVENTS, and ALL_EVENTS in Development mode;
//   - server_stats every 2 seconds: serverId, hostname, pid, uptime,
//     clientsCount, pollingClientsCount, aggregatedEvents (per second:
//     rawConnection, rawDisconnection by reason, packetsIn/Out,
//     bytesIn/Out) and the namespaces with their numbers of sockets;
//   - in Development mode, all_sockets on connection, then
//     socket_connected, socket_updated, socket_disconnected, room_joined,
//     room_left, event_received and event_sent as they happen.
//
// The UI's commands, emit, join, leave and _disconnect, act on the sockets
// of a namespace, or of a room or one socket of it.
//
// # Clusters
//
// Every server of a cluster calls Instrument with its own ServerID. Each
// sends its server_stats to the admin namespace, whose adapter (the Redis
// adapter, for instance) takes them to the UIs connected to any server, as
// with Node; all_sockets and the commands reach the sockets of every
// server through FetchSockets and the adapter. Give the servers a shared
// SessionStore, or the UI has to log in again when it reconnects to
// another server.
//
// # Cross-origin
//
// The UI is a page of its own origin that connects with credentials: allow
// that origin by name in engineio.Options.CORS, with Credentials true.
package admin
