// Command socketio-fixture is the Socket.IO server that the official v5
// test suite expects: port 3000, path /socket.io/, pingInterval 300 ms,
// pingTimeout 200 ms, maxPayload 1e6, connectTimeout 1 s, CORS for any
// origin. The main namespace and "/custom" emit "auth" with the handshake's
// auth on connect, echo "message" as "message-back" with all its arguments,
// and acknowledge "message-with-ack" with its arguments.
package main

import (
	"flag"
	"time"

	"github.com/gosio/gosio/conformance/internal/fixture"
	"github.com/gosio/gosio/sio/engineio"
	"github.com/gosio/gosio/sio/socketio"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:3000", "listen address")
	flag.Parse()

	srv := socketio.NewServer(&socketio.ServerOptions{
		Engine: &engineio.Options{
			PingInterval: 300 * time.Millisecond,
			PingTimeout:  200 * time.Millisecond,
			MaxPayload:   1_000_000,
			CORS:         &engineio.CORSOptions{Origins: []string{"*"}},
		},
		ConnectTimeout: time.Second,
	})
	onConnection := func(s *socketio.NamespaceSocket) {
		auth := s.Handshake().Auth
		if auth == nil {
			auth = map[string]any{}
		}
		_ = s.Emit("auth", auth)
		s.On("message", func(e *socketio.Event) {
			_ = s.Emit("message-back", e.RawArgs()...)
		})
		s.On("message-with-ack", func(e *socketio.Event) {
			_ = e.Ack(e.RawArgs()...)
		})
	}
	srv.Of("/").OnConnection(onConnection)
	srv.Of("/custom").OnConnection(onConnection)

	fixture.Serve("socket.io", *addr, "/socket.io/", srv, srv.Shutdown)
}
