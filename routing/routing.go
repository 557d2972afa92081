package routing

import (
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/gosio/gosio/consumer"
	"github.com/gosio/gosio/sio/socketio"
)

// DefaultPath is where Mount and MountServer mount the server when given
// an empty path: the socket.io client's default path.
const DefaultPath = "/socket.io/"

// Mount registers each consumer (a prototype, as consumer.AsASGI takes) on
// the process-wide socketio.GetSocketIOServer(), and mounts that server on
// r at path (DefaultPath when empty), beside the router's other routes and
// under its middlewares. Requests to the path with or without its trailing
// slash reach the server, whatever their query ("/socket.io",
// "/socket.io/", "/socket.io/?EIO=4&transport=polling").
//
// It panics, at setup, for what consumer.AsASGI panics for, and when r
// already has something mounted at path (chi's rule).
func Mount(r chi.Router, path string, consumers ...any) {
	MountServer(r, path, socketio.GetSocketIOServer(), consumers...)
}

// MountServer is Mount with a server of the caller's: the consumers are
// registered on srv, and srv is mounted. Mounting one server at two paths
// is allowed; registering a consumer type again on its namespace replaces
// its prototype (see consumer.AsASGI).
func MountServer(r chi.Router, path string, srv *socketio.SocketIOServer, consumers ...any) {
	for _, c := range consumers {
		consumer.AsASGI(c, consumer.WithServer(srv))
	}
	r.Mount(mountPattern(path), srv)
}

// mountPattern turns a path into chi's Mount pattern: a leading slash, no
// trailing one (Mount then routes the path with and without it, and
// everything under it).
func mountPattern(path string) string {
	if path == "" {
		path = DefaultPath
	}
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	if p := strings.TrimRight(path, "/"); p != "" {
		return p
	}
	return "/"
}
