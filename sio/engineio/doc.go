// Package engineio is an Engine.IO protocol v4 server: the transport layer
// under Socket.IO, usable on its own. With Options.AllowEIO3 it also
// speaks protocol v3 to older clients (engine.io-client 3.x), each session
// in the revision of its handshake.
//
// A Server is an http.Handler. It answers the handshake, keeps one
// EngineIOSession per connection, and moves each session between its two
// transports: LongPollingConsumer (HTTP requests) and
// EngineIOWebSocketConsumer (a websocket, also reached by upgrading a
// long-polling session). The application sees a session as an
// EngineIOSocket: Send, Close, and listeners of its events.
//
// Events. As Node's engine.on and socket.on, with several listeners per
// event, each removed by the function its registration returns: the
// server's OnConnection, OnConnectionError, OnInitialHeaders and OnHeaders
// (which may change the response headers), and a socket's OnMessage,
// OnPacket, OnPacketCreate, OnUpgrading, OnUpgrade and OnClose. An event
// with no listener costs a nil check.
//
// Goroutines. A websocket connection has one goroutine of its own, its
// reader; the HTTP handler that accepted it returns, so that net/http frees
// the request. Senders only queue; the server's writers, at most one per
// processor and only while sessions wait, write each waiting session's
// queue in turn, never waiting for a client: what a socket does not take
// at once is written by a goroutine of that session's own, which exists
// only while its client is behind (writer.go states the rules). A client
// that stops reading holds up nothing but that goroutine. A long-polling
// session has no goroutine between requests. The heartbeat of every session is one
// timer. Every goroutine is counted by the server, and Shutdown waits for
// them.
//
// Frames. Without permessage-deflate, a session frames the messages it
// sends itself (frames.go) and leaves the websocket library (coder/
// websocket) only its reads and its own control frames, pongs and close;
// with it, the library frames and compresses them all.
//
// Memory. An idle websocket session holds its reader's stack, a 512-byte
// read buffer and a 16-byte write buffer in place of net/http's 4 KiB
// ones, and no part of the HTTP request but its headers and query.
package engineio
