// Package socketio is a Socket.IO protocol v5 server on package engineio.
// Clients of protocol v4 (socket.io-client 2.x) connect too when the
// engine allows Engine.IO v3 (engineio.Options.AllowEIO3), with what
// differs for them done as the Node.js server does (eio3.go).
//
// SocketIOServer is the Engine.IO application: it decodes packets
// (SocketIOParser, binary attachments included), owns the namespaces
// (Namespace, dynamic ones included), and gives each client's connection
// to a namespace a NamespaceSocket: Emit, Send, acknowledgements, rooms
// (Join, Leave), Disconnect. BroadcastOperator reaches many sockets at
// once through the namespace's Adapter, by default the in-memory one
// (NewInMemoryAdapter).
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
// up the connection's reads or other sockets. EmitWithAckFunc is the form
// that does not block: its callback runs later on the same mailbox, one at
// a time with the handlers.
//
// An event that finds its socket's mailbox idle is run by the connection's
// websocket reader itself, between two reads, as a Node.js server runs it
// in the turn of its loop that read it: a request and its reply then cost
// one goroutine. Such a handler may block all the same: the blocking
// acknowledgement waits (EmitWithAck and the broadcast and server-side
// forms) hand the reading to a new goroutine at once, and any other
// handler that runs 10 to 20 ms has its reading handed on by the engine's
// watch; until then that connection's next messages wait in its socket.
// The events queued meanwhile run after it, in order, on the mailbox.
//
// The mailbox's rules. The connection's reader (one per connection) hands
// each event to its socket's mailbox; acknowledgements from the client are
// handled on the reader itself, never queued behind events, and pongs by
// the engine. Below 1,024 queued events the reader goes on at once. At
// 1,024 it holds the client back, reading nothing more, until the mailbox
// has room; that wait also ends when the session ends or the socket leaves
// its namespace (the event is then dropped), and it is not kept while an
// acknowledgement is awaited from that connection (only the reader can read
// it), nor longer than half the engine's PingTimeout (its pongs must be
// read). Then the reader reads on, queueing up to 4,096 events, and closes
// the connection ("forced close") of a client that floods past that. No
// wait of the reader can be ended by the client alone; Shutdown waits for
// running handlers until its context ends.
// What a handler sends is written at once, never waiting for the client:
// the first packet after a message from that client (the reply) by the
// handler's own goroutine, the others by the engine's writers.
//
// A broadcast is encoded once, and the same bytes are queued for every
// recipient.
//
// # Writing an adapter or a parser
//
// Applications need none of the following; the authors of adapters (see
// adapter/redisadapter and adapter/clusteradapter) and of wire formats do.
// An Adapter usually embeds the Adapter that NewInMemoryAdapter returns,
// for this server's rooms and sockets, and adds the other servers: it
// forwards packets (SocketIOPacket, PacketType, BroadcastOptions), reads
// them with PacketArgs and builds them with EventPacket and ArgsOf, gives
// the broadcasts of its bus their offset with WithOffset and delivers them
// here with DeliverLocal, answers ServerSideEmitWithAck by implementing
// ServerSideAcker, hands the other servers' events to
// Namespace.ReceiveServerSideEmit, takes ack ids from Namespace.NextAckID,
// binds fetched sockets with RemoteSocket.Bind, and keeps sessions through
// PersistSession and RestoreSession (PersistedSession, StoredPacket). A
// wire format is a Parser with its PacketDecoder, whose errors wrap
// ErrInvalidPacket.
package socketio
