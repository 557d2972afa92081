// Package socketio is a Socket.IO protocol v5 server on package engineio.
//
// SocketIOServer is the Engine.IO application: it decodes packets
// (SocketIOParser, binary attachments included), owns the namespaces
// (Namespace, dynamic ones included), and gives each client's connection
// to a namespace a NamespaceSocket: Emit, Send, acknowledgements, rooms
// (Join, Leave), Disconnect. BroadcastOperator reaches many sockets at
// once through the namespace's Adapter; InMemoryAdapter is the default.
// GetSocketIOServer is the process-wide server, NewServer makes others.
//
// Client files. With ServerOptions.ClientFiles (the socket.io-client npm
// package's dist folder, as an fs.FS) the server also serves the browser
// bundles at its path, /socket.io/socket.io.min.js and the others, as the
// Node.js server's serveClient option does.
//
// Handlers. A socket's handlers run one at a time, in the order their
// packets arrived, on the socket's mailbox: a goroutine that exists only
// while the socket has work queued, so that a handler may block (on a
// database, or on EmitWithAck waiting for the same client) without holding
// up the connection's reads or other sockets. The mailbox is bounded; a
// client that sends faster than its handlers run has its reads paused.
// What a handler sends is written by the mailbox's goroutine when the
// handler returns, or, if the handler blocks, by the engine's writers after
// a few milliseconds.
//
// A broadcast is encoded once, and the same bytes are queued for every
// recipient.
package socketio
