package main

import (
	"context"
	"embed"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/gosio/gosio/admin"
	"github.com/gosio/gosio/metrics"
	"github.com/gosio/gosio/routing"
	"github.com/gosio/gosio/sio/engineio"
	"github.com/gosio/gosio/sio/socketio"
)

//go:embed static
var staticFiles embed.FS

// clientDist is where the socket.io-client npm package keeps its browser
// bundles, under node_modules.
const clientDist = "socket.io-client/dist"

// config is what main's flags set.
type config struct {
	// NodeModules is a node_modules folder holding socket.io-client; ""
	// looks for one in the working directory and its parents.
	NodeModules string
	// Logf logs requests and events; nil is silent.
	Logf func(format string, args ...any)
	// Metrics serves the server's Prometheus metrics at /metrics
	// (package metrics), with the Go runtime's and the process's.
	Metrics bool
	// LeaveGrace is how long a departed client has to come back before
	// its room sees "X left". Default 10s.
	LeaveGrace time.Duration
	// Admin, when set, serves the Socket.IO Admin UI's namespace
	// (package admin) with these options. Default nil: no Admin UI.
	Admin *admin.Options
	// AdminOrigins are the origins of the Admin UI pages allowed to
	// connect, with credentials (https://admin.socket.io, or a local copy
	// of the npm package's ui/dist).
	AdminOrigins []string
}

// app is the chat server: the HTTP handler of the page and of Socket.IO.
type app struct {
	http.Handler
	sio   *socketio.SocketIOServer
	hub   *hub
	admin *admin.Admin // nil without the Admin UI
}

// Shutdown disconnects every socket, waits for their handlers, and drops
// the "left" notices not yet posted.
func (a *app) Shutdown(ctx context.Context) error {
	if a.admin != nil {
		a.admin.Close()
	}
	err := a.sio.Shutdown(ctx)
	a.hub.users.close()
	return err
}

// newServer builds the chat: a Socket.IO server with connection state
// recovery and the in-memory adapter, the Chat consumer on namespace
// /chat, and a chi router serving the page and, through routing, the
// server at /socket.io/.
func newServer(cfg config) (*app, error) {
	// The page loads socket.io-client from the server, as a Node.js
	// server's page loads /socket.io/socket.io.min.js (serveClient), out of
	// the npm package that `npm ci` installs.
	var clientFiles fs.FS
	if dist := findClientDist(cfg.NodeModules); dist != "" {
		clientFiles = os.DirFS(dist)
	}
	// Images travel as binary attachments of up to maxImageBytes.
	engine := &engineio.Options{MaxPayload: maxImageBytes + 1<<20}
	if cfg.Admin != nil && len(cfg.AdminOrigins) > 0 {
		// The Admin UI is a page of another origin that connects with
		// credentials: its origins are allowed by name. The chat's own
		// page is of the server's origin and needs no CORS.
		engine.CORS = &engineio.CORSOptions{Origins: cfg.AdminOrigins, Credentials: true}
	}
	srv := socketio.NewServer(&socketio.ServerOptions{
		ClientFiles: clientFiles,
		Engine:      engine,
		// A client that reconnects within two minutes gets its socket id,
		// rooms and Data back, and the events it missed. RunMiddlewares:
		// the consumer's Connect runs as a namespace middleware, and it is
		// what gives a recovered socket its handlers.
		ConnectionStateRecovery: &socketio.RecoveryOptions{RunMiddlewares: true},
	})
	h := newHub(srv.Of(chatNamespace), 200, 16<<20)
	grace := cfg.LeaveGrace
	if grace <= 0 {
		grace = defaultLeaveGrace
	}
	h.users = newUsers(grace, func(nick, room string) {
		h.post(Message{ID: messageID(""), Room: room, Kind: "notice", Text: nick + " left"}, h.nsp.To(roomKey(room)))
		h.announce(room)
	})
	prototype := &Chat{Namespace: chatNamespace, hub: h}

	page, err := staticFiles.ReadFile("static/index.html")
	if err != nil {
		return nil, err
	}
	r := chi.NewRouter()
	r.Use(middleware.Recoverer)
	if cfg.Logf != nil {
		r.Use(requestLogger(cfg.Logf))
	}
	r.Get("/", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-cache")
		_, _ = w.Write(page)
	})
	static, _ := fs.Sub(staticFiles, "static")
	r.Handle("/static/*", http.StripPrefix("/static/", http.FileServerFS(static)))
	if cfg.Metrics {
		reg := prometheus.NewRegistry()
		reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
		m, err := metrics.New(srv, &metrics.Options{Registerer: reg})
		if err != nil {
			return nil, err
		}
		r.Handle("/metrics", m.Handler())
	}
	routing.MountServer(r, "/socket.io/", srv, prototype)
	a := &app{Handler: r, sio: srv, hub: h}
	if cfg.Admin != nil {
		// After the chat's namespace exists, so that the Admin UI watches
		// it from the start.
		if a.admin, err = admin.Instrument(srv, cfg.Admin); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// findClientDist returns the socket.io-client dist folder under
// nodeModules, or, when nodeModules is "", under a node_modules folder of
// the working directory or one of its parents (so that `go run
// ./example/chat` from the repository root, and the tests from their own
// folder, find the repository's). It returns "" when there is none.
func findClientDist(nodeModules string) string {
	ok := func(dist string) bool {
		st, err := os.Stat(filepath.Join(dist, "socket.io.min.js"))
		return err == nil && st.Mode().IsRegular()
	}
	if nodeModules != "" {
		if d := filepath.Join(nodeModules, clientDist); ok(d) {
			return d
		}
		return ""
	}
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if d := filepath.Join(dir, "node_modules", clientDist); ok(d) {
			return d
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// requestLogger logs each request but the Socket.IO transports' (one
// per long-polling round trip).
func requestLogger(logf func(string, ...any)) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasPrefix(r.URL.Path, "/socket.io/") {
				next.ServeHTTP(w, r)
				return
			}
			start := time.Now()
			ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
			next.ServeHTTP(ww, r)
			logf("%s %s %d %s", r.Method, r.URL.Path, ww.Status(), time.Since(start).Round(time.Microsecond))
		})
	}
}
