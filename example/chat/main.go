// Command chat is a chat web app on gosio: nicknames, rooms with member
// lists, a typing indicator, delivery ticks, image sharing and reconnects
// that keep the conversation. Run it from the repository root with
//
//	go run ./example/chat
//
// and open http://127.0.0.1:8080 in two browser windows.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on")
	nodeModules := flag.String("node-modules", "", "node_modules folder holding socket.io-client (default: the first node_modules found from the working directory up; without one the page loads the client from the CDN)")
	quiet := flag.Bool("quiet", false, "do not log requests")
	flag.Parse()
	if err := run(*addr, *nodeModules, *quiet); err != nil {
		fmt.Fprintln(os.Stderr, "chat:", err)
		os.Exit(1)
	}
}

func run(addr, nodeModules string, quiet bool) error {
	cfg := config{NodeModules: nodeModules}
	if !quiet {
		cfg.Logf = log.Printf
	}
	a, err := newServer(cfg)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	if findClientDist(nodeModules) != "" {
		log.Printf("serving socket.io-client from %s", findClientDist(nodeModules))
	} else {
		log.Printf("no node_modules/socket.io-client found: the page loads the client from %s", cdnClient)
	}
	log.Printf("chat on http://%s", ln.Addr())
	hs := newHTTPServer(a)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Printf("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	// http.Server.Shutdown does not reach hijacked websockets: the
	// Socket.IO server closes them.
	_ = a.Shutdown(sctx)
	if err := hs.Shutdown(sctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return nil
}
