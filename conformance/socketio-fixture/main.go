// Command socketio-fixture is the Socket.IO server that the official v5
// test suite expects: port 3000, path /socket.io/, pingInterval 300 ms,
// pingTimeout 200 ms, maxPayload 1e6, connectTimeout 1 s, CORS for any
// origin. The main namespace and "/custom" emit "auth" with the handshake's
// auth on connect, echo "message" as "message-back" with all its arguments,
// and acknowledge "message-with-ack" with its arguments.
package main

import (
	"context"
	"flag"
	"log"
	"net/http"
	"os/signal"
	"syscall"
	"time"

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

	mux := http.NewServeMux()
	mux.Handle("/socket.io/", srv)
	hs := &http.Server{Addr: *addr, Handler: mux}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
		_ = hs.Shutdown(sctx)
	}()
	log.Printf("socket.io fixture listening on %s", *addr)
	if err := hs.ListenAndServe(); err != nil && err != http.ErrServerClosed {
		log.Fatal(err)
	}
}
