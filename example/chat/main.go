// Command chat is a chat web app on gosio: nicknames, rooms with member
// lists, a typing indicator, delivery ticks, image sharing and reconnects
// that keep the conversation. Run it from the repository root with
//
//	npm ci --no-audit --no-fund && go run ./example/chat
//
// (npm ci installs socket.io-client, whose browser bundle the server
// serves to the page at /socket.io/socket.io.min.js)
// and open http://127.0.0.1:8080 in two browser windows. Its Prometheus
// metrics are at http://127.0.0.1:8080/metrics (-no-metrics turns them
// off); -debug logs what each client causes.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/gosio/gosio/admin"
)

func main() {
	defaultAddr := "127.0.0.1:8080"
	if a := os.Getenv("CHAT_ADDR"); a != "" {
		defaultAddr = a
	}
	addr := flag.String("addr", defaultAddr, "address to listen on (default $CHAT_ADDR or 127.0.0.1:8080)")
	nodeModules := flag.String("node-modules", "", "node_modules folder holding socket.io-client, which `npm ci` installs (default: the first node_modules found from the working directory up)")
	quiet := flag.Bool("quiet", false, "do not log requests")
	noMetrics := flag.Bool("no-metrics", false, "do not serve Prometheus metrics at /metrics")
	debug := flag.Bool("debug", false, "log at Debug level: what each client causes (refused requests, bad packets, closed sessions)")
	adminUI := flag.Bool("admin", os.Getenv("CHAT_ADMIN") != "", "serve the Socket.IO Admin UI's namespace /admin (default true when $CHAT_ADMIN is set); log in with $CHAT_ADMIN_USER and the password whose bcrypt hash is $CHAT_ADMIN_PASSWORD_HASH, or with no login when they are unset")
	adminOrigin := flag.String("admin-origin", "https://admin.socket.io", "comma-separated origins of the Admin UI pages allowed to connect")
	flag.Parse()
	if *debug {
		slog.SetLogLoggerLevel(slog.LevelDebug)
	}
	cfg := config{NodeModules: *nodeModules, Metrics: !*noMetrics}
	if *adminUI {
		cfg.Admin = adminOptions(os.Getenv("CHAT_ADMIN_USER"), os.Getenv("CHAT_ADMIN_PASSWORD_HASH"))
		cfg.AdminOrigins = strings.Split(*adminOrigin, ",")
	}
	if err := run(*addr, cfg, *quiet); err != nil {
		fmt.Fprintln(os.Stderr, "chat:", err)
		os.Exit(1)
	}
}

// adminOptions are the Admin UI's options: basic authentication when a
// user and a bcrypt hash are given, none otherwise.
func adminOptions(user, hash string) *admin.Options {
	if user == "" || hash == "" {
		log.Printf("admin UI without authentication: anyone who reaches the server may use it")
		return &admin.Options{NoAuth: true}
	}
	return &admin.Options{Auth: &admin.BasicAuth{Username: user, PasswordHash: hash}}
}

func run(addr string, cfg config, quiet bool) error {
	nodeModules := cfg.NodeModules
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
	if dist := findClientDist(nodeModules); dist != "" {
		log.Printf("serving socket.io-client from %s at /socket.io/socket.io.min.js", dist)
	} else {
		log.Printf("no node_modules/socket.io-client found: the page cannot load the client; run `npm ci` in the repository first")
	}
	log.Printf("chat on http://%s", ln.Addr())
	if cfg.Metrics {
		log.Printf("Prometheus metrics on http://%s/metrics", ln.Addr())
	}
	if cfg.Admin != nil {
		log.Printf("admin UI: open %s, server URL http://%s (namespace /admin, path /socket.io)", cfg.AdminOrigins[0], ln.Addr())
	}
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
