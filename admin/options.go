package admin

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"golang.org/x/crypto/bcrypt"
)

// Mode chooses how much the Admin UI is told, as the Node.js instrument()'s
// mode option does.
type Mode string

const (
	// Development sends everything: the list of sockets, and one event per
	// socket connected, updated, disconnected, room joined or left, and
	// event received or sent (the UI's Sockets, Rooms and Events pages).
	// It costs an admin broadcast per application event: for development
	// and small deployments.
	Development Mode = "development"
	// Production sends only the server statistics every 2 seconds, with the
	// aggregated counts of connections, disconnections, packets and bytes.
	Production Mode = "production"
)

// BasicAuth is the username and password the UI must send. Password is a
// bcrypt hash, never the password itself: make one with
// bcrypt.GenerateFromPassword (golang.org/x/crypto/bcrypt), or
// `htpasswd -bnBC 10 "" password | tr -d ':\n'`.
type BasicAuth struct {
	Username string
	// PasswordHash is the bcrypt hash of the password ($2a$, $2b$ or $2y$).
	PasswordHash string
}

// Options configures Instrument. The fields are those of the Node.js
// instrument()'s options.
type Options struct {
	// NamespaceName is the namespace the UI connects to. Default "/admin".
	NamespaceName string
	// Auth, when set, makes the UI log in with a username and password;
	// a UI that logged in gets a session id (the "session" event) that it
	// sends instead on its next connections. Either Auth is set or
	// NoAuth is true: Instrument refuses to guess, as Node's refuses an
	// unspecified auth.
	Auth *BasicAuth
	// NoAuth lets anyone who can reach the namespace in: only for a
	// server on a private network.
	NoAuth bool
	// ReadOnly refuses the UI's commands (emit, join, leave, disconnect):
	// it only watches.
	ReadOnly bool
	// ServerID names this server in the UI. Default: the host name.
	// Servers of a cluster must have distinct ids: run them on distinct
	// hosts or set it.
	ServerID string
	// Mode is Development (the default, as in Node when NODE_ENV is not
	// set) or Production.
	Mode Mode
	// Store keeps the session ids given to logged-in UIs. Default: in
	// memory, for 24 hours. In a cluster, use a shared store (NewRedisStore)
	// so that a UI may reconnect to any server.
	Store SessionStore
	// Logger receives the admin's warnings (a failing session store) and,
	// at Debug, the events it could not send. Default slog.Default().
	Logger *slog.Logger
}

// withDefaults checks opts and returns a copy with the defaults filled in.
func (o *Options) withDefaults() (Options, error) {
	var out Options
	if o != nil {
		out = *o
	}
	if out.NamespaceName == "" {
		out.NamespaceName = "/admin"
	}
	if !strings.HasPrefix(out.NamespaceName, "/") {
		out.NamespaceName = "/" + out.NamespaceName
	}
	switch {
	case out.Auth == nil && !out.NoAuth:
		return out, errors.New("admin: Options.Auth must be set, or Options.NoAuth true to let anyone in")
	case out.Auth != nil && out.NoAuth:
		return out, errors.New("admin: Options.Auth and Options.NoAuth are both set")
	case out.Auth != nil:
		if _, err := bcrypt.Cost([]byte(out.Auth.PasswordHash)); err != nil {
			return out, fmt.Errorf("admin: Options.Auth.PasswordHash must be a bcrypt hash: %w", err)
		}
		a := *out.Auth
		out.Auth = &a
	}
	switch out.Mode {
	case "":
		out.Mode = Development
	case Development, Production:
	default:
		return out, fmt.Errorf("admin: Options.Mode %q is neither Development nor Production", out.Mode)
	}
	if out.ServerID == "" {
		out.ServerID = hostname()
	}
	if out.Logger == nil {
		out.Logger = slog.Default()
	}
	if out.Store == nil {
		out.Store = NewMemoryStore(0)
	}
	return out, nil
}

// hostname returns the host name, or "gosio" when the system has none.
func hostname() string {
	h, err := os.Hostname()
	if err != nil || h == "" {
		return "gosio"
	}
	return h
}
