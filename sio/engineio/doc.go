// Package engineio is an Engine.IO protocol v4 server: the transport layer
// under Socket.IO, usable on its own.
//
// A Server is an http.Handler. It answers the handshake, keeps one
// EngineIOSession per connection, and moves each session between its two
// transports: LongPollingConsumer (HTTP requests) and
// EngineIOWebSocketConsumer (a websocket, also reached by upgrading a
// long-polling session). The application sees a session as an
// EngineIOSocket: Send, OnMessage, OnClose, Close.
//
// Goroutines. A websocket connection has one goroutine of its own, its
// reader; the HTTP handler that accepted it returns, so that net/http frees
// the request. A session's writer is a goroutine that exists only while its
// queue has something to write, and writes to that session alone: senders
// never write or wait, and a client that stops reading blocks nothing but
// its own writer (writer.go states the rules). A long-polling session has
// no goroutine between requests. The heartbeat of every session is one
// timer. Every goroutine is counted by the server, and Shutdown waits for
// them.
//
// Memory. An idle websocket session holds its reader's stack, 512-byte read
// and write buffers in place of net/http's 4 KiB ones, and no part of the
// HTTP request but its headers and query.
package engineio
