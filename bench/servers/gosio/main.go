// Command gosio is the benchmark's server on this repository's library
// (github.com/gosio/gosio/sio/socketio). Same handlers as every other server
// of the benchmark; listens on 127.0.0.1:$PORT (or -addr), path /socket.io/,
// prints "ready" once listening. With REDIS_ADDR set (host:port) the server
// joins a cluster on that Redis through adapter/redisadapter (scenario S8).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gosio/gosio/adapter/redisadapter"
	"github.com/gosio/gosio/sio/engineio"
	"github.com/gosio/gosio/sio/socketio"
)

func main() {
	addr := flag.String("addr", "", "listen address (default 127.0.0.1:$PORT)")
	flag.Parse()
	// GOSIO_PPROF=127.0.0.1:6062 serves net/http/pprof there, for profiling
	// a scenario by hand; the runner never sets it.
	if p := os.Getenv("GOSIO_PPROF"); p != "" {
		go func() { log.Println(http.ListenAndServe(p, nil)) }()
	}
	if *addr == "" {
		port := os.Getenv("PORT")
		if port == "" {
			port = "3000"
		}
		*addr = "127.0.0.1:" + port
	}

	// Engine defaults: PingInterval 25 s, PingTimeout 20 s, MaxPayload 1e6.
	opts := &socketio.ServerOptions{Engine: &engineio.Options{}}
	var rdb *redis.Client
	if ra := os.Getenv("REDIS_ADDR"); ra != "" {
		rdb = redis.NewClient(&redis.Options{Addr: ra})
		opts.Adapter = redisadapter.New(rdb, nil)
	}
	srv := socketio.NewServer(opts)
	srv.Of("/").OnConnection(func(s *socketio.NamespaceSocket) {
		// Text and binary alike: emit the same arguments back.
		s.On("echo", func(e *socketio.Event) { s.Emit("echo", e.RawArgs()...) })
		s.On("echo-ack", func(e *socketio.Event) { e.Ack(e.RawArgs()...) })
		s.On("join", func(e *socketio.Event) {
			var room string
			_ = e.Decode(&room)
			s.Join(room)
			e.Ack()
		})
		s.On("broadcast", func(e *socketio.Event) {
			var room string
			var payload json.RawMessage
			_ = e.Decode(&room, &payload)
			srv.To(room).Emit("bcast", payload)
		})
	})

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/socket.io/", srv)
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		ch := make(chan os.Signal, 1)
		signal.Notify(ch, syscall.SIGTERM, syscall.SIGINT)
		<-ch
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		_ = hs.Shutdown(ctx)
		if rdb != nil {
			_ = rdb.Close()
		}
		os.Exit(0)
	}()
	fmt.Println("ready")
	if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
}
