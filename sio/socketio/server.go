package socketio

import (
	"context"
	"encoding/json"
	"io/fs"
	"log/slog"
	"net/http"
	"regexp"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gosio/gosio/internal/listeners"
	"github.com/gosio/gosio/internal/optcheck"
	"github.com/gosio/gosio/sio/engineio"
)

// ServerOptions configures a SocketIOServer. A nil *ServerOptions means
// every default; zero fields take the defaults documented on them, which
// are those of the Node.js socket.io server.
type ServerOptions struct {
	// Engine configures the Engine.IO server underneath. Its Path defaults
	// to "/socket.io/" here.
	Engine *engineio.Options
	// ConnectTimeout closes a connection that joins no namespace in time.
	// Default 45s.
	ConnectTimeout time.Duration
	// Adapter makes each namespace's adapter. Default NewInMemoryAdapter.
	Adapter AdapterFactory
	// Parser limits the decoding of client packets. Default: at most 10
	// attachments per packet, and the engine's MaxPayload per packet.
	Parser *ParserOptions
	// PacketParser is the wire format of the packets, Node's `parser`
	// option: DefaultParser (the default) or MsgpackParser, for clients
	// configured with socket.io-msgpack-parser. Every client of the server
	// must use the same format.
	PacketParser Parser
	// ConnectionStateRecovery, when set, lets a client that lost its
	// connection get its id, rooms, data and missed events back. Default
	// nil: off.
	ConnectionStateRecovery *RecoveryOptions
	// CleanupEmptyChildNamespaces releases a child namespace of a parent
	// (OfRegexp, OfFunc) once its last socket has left, closing its
	// adapter (Node's cleanupEmptyChildNamespaces); a child whose only
	// connection was refused is released too. The next CONNECT to the name
	// creates it afresh, with the parent's middlewares and handlers, but
	// what was set on the child itself, and the sessions it kept for
	// recovery, are gone. Default false: children are kept for the life of
	// the server, as with the Node.js server, which lets a client that
	// connects to many names grow the server's memory without bound.
	CleanupEmptyChildNamespaces bool
	// ClientFiles, when set, is served beside the transports as the Node.js
	// server's serveClient does: the browser bundles of socket.io-client
	// (socket.io.js, socket.io.min.js, socket.io.esm.min.js,
	// socket.io.msgpack.min.js and their .map files) at the server's path,
	// as /socket.io/socket.io.min.js. Give it the npm package's dist folder:
	// os.DirFS("node_modules/socket.io-client/dist"). The ETag is the
	// client's version, read from the bundle's banner; a matching
	// If-None-Match gets 304; Cache-Control is "public, max-age=0".
	// Default nil: no client files (Node serves them by default, from its
	// own dependency; a Go server has none to serve).
	ClientFiles fs.FS
	// Logger receives the server's log records, with attributes such as
	// sid, namespace, reason and err: a handler's recovered panic at Error,
	// an adapter's failure at Warn, and what a client causes (a packet that
	// does not decode, a flood of events) at Debug only. It is also the
	// engine's Logger when Engine.Logger is unset, and the default of the
	// adapters that log (see Logger). Default slog.Default() (as it is when
	// NewServer runs).
	Logger *slog.Logger
}

// RecoveryOptions configures connection state recovery.
type RecoveryOptions struct {
	// MaxDisconnectionDuration is how long a departed session is kept.
	// Default 2 minutes.
	MaxDisconnectionDuration time.Duration
	// RunMiddlewares runs the namespace middlewares for recovered sockets
	// too. Default false (Node's skipMiddlewares: true).
	RunMiddlewares bool
	// MaxMissedPackets bounds the replay of a recovery: a client that
	// missed more Engine.IO packets than this (an event with attachments
	// counts one per attachment and one for itself) is not recovered, but
	// gets a new session (Recovered false, the client's socket.recovered
	// false) and none of them, rather than a replay that could take its
	// unread bytes past engineio.Options.MaxQueuedBytes (default 16 MiB)
	// and be closed halfway. The Node.js server has no such limit. Default
	// 1000; a negative value removes the limit, which is then the queue's.
	MaxMissedPackets int
}

// validate reports a setup mistake in o (the engine's options are
// engineio.NewServer's to check): a negative duration, or one below a
// millisecond.
func (o *ServerOptions) validate() error {
	if o == nil {
		return nil
	}
	if err := optcheck.Duration("socketio: ServerOptions.ConnectTimeout", o.ConnectTimeout, 45*time.Second); err != nil {
		return err
	}
	if r := o.ConnectionStateRecovery; r != nil {
		if err := optcheck.Duration("socketio: RecoveryOptions.MaxDisconnectionDuration", r.MaxDisconnectionDuration, 2*time.Minute); err != nil {
			return err
		}
	}
	return nil
}

func (o *ServerOptions) withDefaults() *ServerOptions {
	c := ServerOptions{}
	if o != nil {
		c = *o
	}
	eng := engineio.Options{}
	if c.Engine != nil {
		eng = *c.Engine
	}
	if eng.Path == "" {
		eng.Path = "/socket.io/"
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if eng.Logger == nil {
		eng.Logger = c.Logger
	}
	c.Engine = &eng
	if c.ConnectTimeout <= 0 {
		c.ConnectTimeout = 45 * time.Second
	}
	if c.Adapter == nil {
		c.Adapter = NewInMemoryAdapter
	}
	p := ParserOptions{}
	if c.Parser != nil {
		p = *c.Parser
	}
	if p.MaxPayload == 0 {
		p.MaxPayload = eng.MaxPayload
		if p.MaxPayload <= 0 {
			p.MaxPayload = 1_000_000
		}
	}
	c.Parser = &p
	if c.PacketParser == nil {
		c.PacketParser = DefaultParser
	}
	if c.ConnectionStateRecovery != nil {
		r := *c.ConnectionStateRecovery
		if r.MaxDisconnectionDuration <= 0 {
			r.MaxDisconnectionDuration = 2 * time.Minute
		}
		if r.MaxMissedPackets == 0 {
			r.MaxMissedPackets = 1000
		}
		c.ConnectionStateRecovery = &r
	}
	return &c
}

// SocketIOServer is a Socket.IO v5 server: namespaces, rooms, broadcasts,
// acknowledgements and adapters over an Engine.IO server. It is an
// http.Handler (mount it at Path()), and the Engine.IO server's
// application. Its methods are safe for concurrent use.
type SocketIOServer struct {
	opts     *ServerOptions
	engine   *engineio.Server
	recovery *RecoveryOptions
	client   *clientFiles // nil without ServerOptions.ClientFiles

	mu      sync.RWMutex
	nsps    map[string]*Namespace
	parents []*ParentNamespace

	observer atomic.Pointer[observerRef]      // SetObserver's, nil while none
	newNsp   listeners.List[func(*Namespace)] // OnNewNamespace (server_hooks.go)

	wg taskGroup // handler goroutines of the sockets' mailboxes, and the waits of callback emits

	// readerHold is the longest a connection's reader waits for room in a
	// full mailbox before it reads on (half the engine's PingTimeout, so
	// that pongs are read in time).
	readerHold time.Duration
}

var _ http.Handler = (*SocketIOServer)(nil)

// NewServer returns a server with its own Engine.IO server, for tests and
// for programs that want several. Most programs use GetSocketIOServer.
// It panics on a setup mistake in opts, with a message naming the field
// and the fix (see engineio.NewServer for the engine's options).
func NewServer(opts *ServerOptions) *SocketIOServer {
	if err := opts.validate(); err != nil {
		panic(err.Error())
	}
	o := opts.withDefaults()
	srv := &SocketIOServer{
		opts:     o,
		engine:   engineio.NewServer(o.Engine),
		recovery: o.ConnectionStateRecovery,
		nsps:     make(map[string]*Namespace),
	}
	if o.ClientFiles != nil {
		srv.client = &clientFiles{fsys: o.ClientFiles}
	}
	root := newNamespace(srv, "/")
	close(root.ready) // no listener can have been added yet
	srv.nsps["/"] = root
	srv.engine.SetEngineIOApp(engineio.ApplicationFunc(srv.onOpen))
	srv.readerHold = srv.engine.Options().PingTimeout / 2 // before any connection: NewServer has not returned
	return srv
}

var (
	processServerOnce sync.Once
	processServer     *SocketIOServer
)

// GetSocketIOServer returns the process-wide server, made with default
// options on first use and installed as its Engine.IO server's
// application. Consumers register their namespaces on it.
func GetSocketIOServer() *SocketIOServer {
	processServerOnce.Do(func() { processServer = NewServer(nil) })
	return processServer
}

// Engine returns the Engine.IO server underneath.
func (srv *SocketIOServer) Engine() *engineio.Server { return srv.engine }

// Logger returns the server's logger (ServerOptions.Logger), for the
// adapters and helpers that log on its behalf.
func (srv *SocketIOServer) Logger() *slog.Logger { return srv.opts.Logger }

// Path returns the path the server expects to be mounted at.
func (srv *SocketIOServer) Path() string { return srv.engine.Path() }

// ServeHTTP serves the Engine.IO transports, and the client files when
// ServerOptions.ClientFiles is set.
func (srv *SocketIOServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if srv.client.match(r) {
		srv.client.serve(w, r)
		return
	}
	srv.engine.ServeHTTP(w, r)
}

// Of returns the namespace with the given name, creating it when needed.
// A name without a leading slash gets one.
func (srv *SocketIOServer) Of(name string) *Namespace {
	if name == "" || name[0] != '/' {
		name = "/" + name
	}
	srv.mu.Lock()
	if n := srv.nsps[name]; n != nil {
		srv.mu.Unlock()
		return n
	}
	n := newNamespace(srv, name)
	srv.nsps[name] = n
	srv.mu.Unlock()
	srv.announce(n)
	return n
}

// OfFunc returns a parent namespace whose children are created for the
// names (and CONNECT payloads) that match accepts.
func (srv *SocketIOServer) OfFunc(accepts func(name string, auth json.RawMessage) bool) *ParentNamespace {
	p := &ParentNamespace{srv: srv, match: accepts}
	srv.mu.Lock()
	srv.parents = append(srv.parents, p)
	srv.mu.Unlock()
	return p
}

// OfRegexp returns a parent namespace whose children are created for the
// names that re matches.
func (srv *SocketIOServer) OfRegexp(re *regexp.Regexp) *ParentNamespace {
	return srv.OfFunc(regexpMatcher(re))
}

// lookupNamespace finds the namespace a CONNECT names, creating it from a
// parent namespace that accepts it; nil when there is none. A namespace
// returned counts the join until its endJoin (runConnect's end).
func (srv *SocketIOServer) lookupNamespace(name string, auth json.RawMessage) *Namespace {
	srv.mu.RLock()
	n := srv.nsps[name]
	parents := srv.parents
	if n != nil {
		n.beginJoin() // under mu: a release cannot come between
	}
	srv.mu.RUnlock()
	if n != nil {
		<-n.ready // its OnNewNamespace listeners have run
		return n
	}
	for _, p := range parents {
		if !p.match(name, auth) {
			continue
		}
		srv.mu.Lock()
		created := false
		if n = srv.nsps[name]; n == nil {
			n = newNamespace(srv, name)
			p.adopt(n)
			srv.nsps[name] = n
			created = true
		}
		n.beginJoin()
		srv.mu.Unlock()
		if created {
			srv.announce(n)
		}
		<-n.ready
		return n
	}
	return nil
}

// Sockets returns the main namespace's sockets on this server.
func (srv *SocketIOServer) Sockets() []*NamespaceSocket { return srv.Of("/").Sockets() }

// Use adds a connection middleware to the main namespace.
func (srv *SocketIOServer) Use(fn func(s *NamespaceSocket) error) { srv.Of("/").Use(fn) }

// OnConnection adds a connection handler to the main namespace.
func (srv *SocketIOServer) OnConnection(fn func(s *NamespaceSocket)) {
	srv.Of("/").OnConnection(fn)
}

// To returns a broadcast to rooms of the main namespace.
func (srv *SocketIOServer) To(rooms ...Room) BroadcastOperator { return srv.Of("/").To(rooms...) }

// In is To.
func (srv *SocketIOServer) In(rooms ...Room) BroadcastOperator { return srv.To(rooms...) }

// Except returns a broadcast to the main namespace but rooms.
func (srv *SocketIOServer) Except(rooms ...Room) BroadcastOperator {
	return srv.Of("/").Except(rooms...)
}

// Local returns a broadcast restricted to this server.
func (srv *SocketIOServer) Local() BroadcastOperator { return srv.Of("/").Local() }

// Volatile returns a volatile broadcast on the main namespace.
func (srv *SocketIOServer) Volatile() BroadcastOperator { return srv.Of("/").Volatile() }

// Compress returns a broadcast with the compression flag set.
func (srv *SocketIOServer) Compress(c bool) BroadcastOperator { return srv.Of("/").Compress(c) }

// Timeout returns a broadcast whose EmitWithAck waits at most d.
func (srv *SocketIOServer) Timeout(d time.Duration) BroadcastOperator {
	return newBroadcastOperator(srv.Of("/")).Timeout(d)
}

// Emit sends an event to every socket of the main namespace.
func (srv *SocketIOServer) Emit(event string, args ...any) error {
	return srv.Of("/").Emit(event, args...)
}

// Send emits the "message" event on the main namespace.
func (srv *SocketIOServer) Send(args ...any) error { return srv.Of("/").Send(args...) }

// EmitWithAck emits on the main namespace and collects acknowledgements.
func (srv *SocketIOServer) EmitWithAck(ctx context.Context, event string, args ...any) ([]Args, error) {
	return srv.Of("/").EmitWithAck(ctx, event, args...)
}

// FetchSockets returns views of the main namespace's sockets.
func (srv *SocketIOServer) FetchSockets(ctx context.Context) ([]*RemoteSocket, error) {
	return srv.Of("/").FetchSockets(ctx)
}

// SocketsJoin makes the main namespace's sockets join rooms.
func (srv *SocketIOServer) SocketsJoin(rooms ...Room) { srv.Of("/").SocketsJoin(rooms...) }

// SocketsLeave makes the main namespace's sockets leave rooms.
func (srv *SocketIOServer) SocketsLeave(rooms ...Room) { srv.Of("/").SocketsLeave(rooms...) }

// DisconnectSockets disconnects the main namespace's sockets.
func (srv *SocketIOServer) DisconnectSockets(close bool) { srv.Of("/").DisconnectSockets(close) }

// ServerSideEmit sends an event to the other servers of a cluster.
func (srv *SocketIOServer) ServerSideEmit(ctx context.Context, event string, args ...any) error {
	return srv.Of("/").ServerSideEmit(ctx, event, args...)
}

// Shutdown disconnects every socket with reason "server shutting down",
// closes the Engine.IO sessions, and waits for the handlers to finish or
// ctx to end.
func (srv *SocketIOServer) Shutdown(ctx context.Context) error {
	err := srv.engine.Shutdown(ctx)
	srv.wg.runners.close() // idle runners would hold the wait below
	select {
	case <-srv.wg.idleCh():
	case <-ctx.Done():
		if err == nil {
			err = ctx.Err()
		}
	}
	srv.mu.RLock()
	nsps := make([]*Namespace, 0, len(srv.nsps))
	for _, n := range srv.nsps {
		nsps = append(nsps, n)
	}
	srv.mu.RUnlock()
	for _, n := range nsps {
		_ = n.adapter.Close()
	}
	return err
}
