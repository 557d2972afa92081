// Command engineio-fixture is the Engine.IO server that the official v4
// test suite expects: port 3000, path /engine.io/, pingInterval 300 ms,
// pingTimeout 200 ms, maxPayload 1e6, CORS for any origin, every message
// echoed back as it came (text or binary).
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
)

func main() {
	addr := flag.String("addr", "127.0.0.1:3000", "listen address")
	flag.Parse()

	srv := engineio.NewServer(&engineio.Options{
		PingInterval: 300 * time.Millisecond,
		PingTimeout:  200 * time.Millisecond,
		MaxPayload:   1_000_000,
		CORS:         &engineio.CORSOptions{Origins: []string{"*"}},
	})
	srv.OnConnection(func(sock *engineio.EngineIOSocket) {
		sock.OnMessage(func(data []byte, binary bool) {
			_ = sock.Send(data, binary)
		})
	})
	mux := http.NewServeMux()
	mux.Handle("/engine.io/", srv)
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
	log.Printf("engine.io fixture listening on %s", *addr)
	if err := hs.ListenAndServe(); err != nil && err != http.ErrServerClosed {
		log.Fatal(err)
	}
}
