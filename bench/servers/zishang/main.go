// Command zishang is the benchmark's server on github.com/zishang520/socket.io
// (v3, module github.com/zishang520/socket.io/servers/socket/v3), the most
// complete Socket.IO server for Go besides gosio. Same handlers as every other
// server of the benchmark; listens on 127.0.0.1:$PORT (or -addr), path
// /socket.io/, prints "ready" once listening.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/zishang520/socket.io/servers/socket/v3"
)

func main() {
	addr := flag.String("addr", "", "listen address (default 127.0.0.1:$PORT)")
	flag.Parse()
	if *addr == "" {
		port := os.Getenv("PORT")
		if port == "" {
			port = "3000"
		}
		*addr = "127.0.0.1:" + port
	}

	opts := socket.DefaultServerOptions()
	opts.SetServeClient(false)
	opts.SetPingInterval(25 * time.Second)
	opts.SetPingTimeout(20 * time.Second)
	opts.SetMaxHttpBufferSize(1e6)
	io := socket.NewServer(nil, opts)

	io.On("connection", func(clients ...any) {
		s := clients[0].(*socket.Socket)
		// Text and binary alike: emit the same arguments back.
		_ = s.On("echo", func(args ...any) {
			_ = s.Emit("echo", args...)
		})
		_ = s.On("echo-ack", func(args ...any) {
			if len(args) == 0 {
				return
			}
			if ack, ok := args[len(args)-1].(socket.Ack); ok {
				ack(args[:len(args)-1], nil)
			}
		})
		_ = s.On("join", func(args ...any) {
			if len(args) == 0 {
				return
			}
			if room, ok := args[0].(string); ok {
				s.Join(socket.Room(room))
			}
			if ack, ok := args[len(args)-1].(socket.Ack); ok {
				ack(nil, nil)
			}
		})
		_ = s.On("broadcast", func(args ...any) {
			if len(args) < 2 {
				return
			}
			if room, ok := args[0].(string); ok {
				_ = io.To(socket.Room(room)).Emit("bcast", args[1])
			}
		})
	})

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/socket.io/", io.ServeHandler(nil))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		ch := make(chan os.Signal, 1)
		signal.Notify(ch, syscall.SIGTERM, syscall.SIGINT)
		<-ch
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		os.Exit(0)
	}()
	fmt.Println("ready")
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
}
