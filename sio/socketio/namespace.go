package socketio

import (
	"context"
	"encoding/json"
	"log/slog"
	"regexp"
	"slices"
	"sync"
	"sync/atomic"
)

// Namespace is a communication channel multiplexed over the clients'
// connections ("/" is the main one), with its own middlewares, connection
// handlers, sockets and adapter. Its methods are safe for concurrent use.
type Namespace struct {
	srv     *SocketIOServer
	name    string
	adapter Adapter
	ackIDs  atomic.Int64

	// parent is the parent namespace of a child, set before the child is
	// published and read-only after; nil for the others.
	parent *ParentNamespace
	// joins counts the connections lookupNamespace found this namespace
	// for that have not yet been through runConnect: a child with joins in
	// flight is not released. Incremented under srv.mu (read or write
	// lock), checked under its write lock.
	joins atomic.Int64

	mu           sync.RWMutex
	sockets      map[SocketID]*NamespaceSocket
	middlewares  []func(*NamespaceSocket) error
	connHandlers []func(*NamespaceSocket)

	serverSide serverSideHandlers // events from the other servers of a cluster (cluster.go)

	// ready is closed once the OnNewNamespace listeners have seen the
	// namespace: connections wait for it (lookupNamespace).
	ready chan struct{}
	rooms roomHooks // the listeners of room events (server_hooks.go)
}

func newNamespace(srv *SocketIOServer, name string) *Namespace {
	n := &Namespace{srv: srv, name: name, sockets: make(map[SocketID]*NamespaceSocket), ready: make(chan struct{})}
	n.adapter = srv.opts.Adapter(n)
	if err := n.adapter.Init(); err != nil {
		srv.opts.Logger.Warn("socketio: the adapter did not start", slog.String("namespace", name), slog.Any("err", err))
	}
	return n
}

// Name returns the namespace's name, such as "/" or "/chat".
func (n *Namespace) Name() string { return n.name }

// Server returns the namespace's server.
func (n *Namespace) Server() *SocketIOServer { return n.srv }

// Adapter returns the namespace's adapter.
func (n *Namespace) Adapter() Adapter { return n.adapter }

// Use adds a connection middleware: it runs for each socket before it
// connects, and an error rejects the connection with a CONNECT_ERROR
// packet (a *ConnectError carries data to the client).
func (n *Namespace) Use(fn func(s *NamespaceSocket) error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.middlewares = append(n.middlewares, fn)
}

// OnConnection adds a handler run for each socket that connects, on the
// socket's own handler queue: the first of its handlers.
func (n *Namespace) OnConnection(fn func(s *NamespaceSocket)) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.connHandlers = append(n.connHandlers, fn)
}

func (n *Namespace) middlewareList() []func(*NamespaceSocket) error {
	n.mu.RLock()
	defer n.mu.RUnlock()
	return slices.Clone(n.middlewares)
}

func (n *Namespace) connectionHandlers() []func(*NamespaceSocket) {
	n.mu.RLock()
	defer n.mu.RUnlock()
	return slices.Clone(n.connHandlers)
}

// Sockets returns this server's sockets of the namespace.
func (n *Namespace) Sockets() []*NamespaceSocket {
	n.mu.RLock()
	defer n.mu.RUnlock()
	out := make([]*NamespaceSocket, 0, len(n.sockets))
	for _, s := range n.sockets {
		out = append(out, s)
	}
	return out
}

// Socket returns this server's socket with the given id, or nil.
func (n *Namespace) Socket(id SocketID) *NamespaceSocket { return n.localSocket(id) }

func (n *Namespace) localSocket(id SocketID) *NamespaceSocket {
	n.mu.RLock()
	defer n.mu.RUnlock()
	return n.sockets[id]
}

// localSockets returns the sockets of ids that are connected here, in
// order, under one hold of the lock.
func (n *Namespace) localSockets(ids []SocketID) []*NamespaceSocket {
	out := make([]*NamespaceSocket, 0, len(ids))
	n.mu.RLock()
	for _, id := range ids {
		if s := n.sockets[id]; s != nil {
			out = append(out, s)
		}
	}
	n.mu.RUnlock()
	return out
}

func (n *Namespace) addSocket(s *NamespaceSocket) {
	n.mu.Lock()
	n.sockets[s.id] = s
	n.mu.Unlock()
}

func (n *Namespace) removeSocket(s *NamespaceSocket) {
	n.mu.Lock()
	if n.sockets[s.id] == s {
		delete(n.sockets, s.id)
	}
	n.mu.Unlock()
	n.releaseIfEmpty()
}

// beginJoin counts a connection on its way in; the caller holds srv.mu.
func (n *Namespace) beginJoin() {
	if n.parent != nil {
		n.joins.Add(1)
	}
}

// endJoin ends what beginJoin counted, once the connection has joined
// (or was refused).
func (n *Namespace) endJoin() {
	if n.parent != nil {
		n.joins.Add(-1)
		n.releaseIfEmpty()
	}
}

// releaseIfEmpty removes a child namespace from the server and its parent
// and closes its adapter, when CleanupEmptyChildNamespaces is set and it
// has neither sockets nor joins in flight. Lock order: srv.mu, n.mu, the
// parent's mu.
func (n *Namespace) releaseIfEmpty() {
	if n.parent == nil || !n.srv.opts.CleanupEmptyChildNamespaces {
		return
	}
	srv := n.srv
	srv.mu.Lock()
	n.mu.RLock()
	empty := len(n.sockets) == 0 && n.joins.Load() == 0
	n.mu.RUnlock()
	release := empty && srv.nsps[n.name] == n
	if release {
		delete(srv.nsps, n.name)
		n.parent.forget(n)
	}
	srv.mu.Unlock()
	if release {
		if err := n.adapter.Close(); err != nil {
			srv.opts.Logger.Warn("socketio: the adapter did not close", slog.String("namespace", n.name), slog.Any("err", err))
		}
	}
}

func (n *Namespace) nextAckID() int64 { return n.ackIDs.Add(1) - 1 }

// To returns a broadcast to rooms.
func (n *Namespace) To(rooms ...Room) BroadcastOperator {
	return newBroadcastOperator(n).To(rooms...)
}

// In is To.
func (n *Namespace) In(rooms ...Room) BroadcastOperator { return n.To(rooms...) }

// Except returns a broadcast to everyone but the sockets in rooms.
func (n *Namespace) Except(rooms ...Room) BroadcastOperator {
	return newBroadcastOperator(n).Except(rooms...)
}

// Local returns a broadcast restricted to this server.
func (n *Namespace) Local() BroadcastOperator { return newBroadcastOperator(n).Local() }

// Volatile returns a volatile broadcast.
func (n *Namespace) Volatile() BroadcastOperator { return newBroadcastOperator(n).Volatile() }

// Compress returns a broadcast with the compression flag set.
func (n *Namespace) Compress(c bool) BroadcastOperator {
	return newBroadcastOperator(n).Compress(c)
}

// Emit sends an event to every socket of the namespace.
func (n *Namespace) Emit(event string, args ...any) error {
	return newBroadcastOperator(n).Emit(event, args...)
}

// Send emits the "message" event to every socket of the namespace.
func (n *Namespace) Send(args ...any) error { return n.Emit("message", args...) }

// EmitWithAck emits to every socket and collects their acknowledgements.
func (n *Namespace) EmitWithAck(ctx context.Context, event string, args ...any) ([]Args, error) {
	return newBroadcastOperator(n).EmitWithAck(ctx, event, args...)
}

// FetchSockets returns views of every socket of the namespace.
func (n *Namespace) FetchSockets(ctx context.Context) ([]*RemoteSocket, error) {
	return newBroadcastOperator(n).FetchSockets(ctx)
}

// SocketsJoin makes every socket join rooms.
func (n *Namespace) SocketsJoin(rooms ...Room) { newBroadcastOperator(n).SocketsJoin(rooms...) }

// SocketsLeave makes every socket leave rooms.
func (n *Namespace) SocketsLeave(rooms ...Room) { newBroadcastOperator(n).SocketsLeave(rooms...) }

// DisconnectSockets disconnects every socket of the namespace.
func (n *Namespace) DisconnectSockets(close bool) {
	newBroadcastOperator(n).DisconnectSockets(close)
}

// ServerSideEmit sends an event to the other servers of a cluster.
func (n *Namespace) ServerSideEmit(ctx context.Context, event string, args ...any) error {
	if err := checkEventName(event); err != nil {
		return err
	}
	err := n.adapter.ServerSideEmit(ctx, event, args)
	n.observeRequest(AdapterServerSideEmit, err)
	return err
}

// ParentNamespace creates child namespaces on demand for the names it
// matches (Node's dynamic namespaces). Middlewares and connection handlers
// added to it apply to every child; Emit reaches every child.
type ParentNamespace struct {
	srv   *SocketIOServer
	match func(name string, auth json.RawMessage) bool

	mu           sync.RWMutex
	middlewares  []func(*NamespaceSocket) error
	connHandlers []func(*NamespaceSocket)
	children     []*Namespace
}

// Use adds a connection middleware to every child, present and future.
func (p *ParentNamespace) Use(fn func(s *NamespaceSocket) error) {
	p.mu.Lock()
	p.middlewares = append(p.middlewares, fn)
	children := slices.Clone(p.children)
	p.mu.Unlock()
	for _, c := range children {
		c.Use(fn)
	}
}

// OnConnection adds a connection handler to every child, present and future.
func (p *ParentNamespace) OnConnection(fn func(s *NamespaceSocket)) {
	p.mu.Lock()
	p.connHandlers = append(p.connHandlers, fn)
	children := slices.Clone(p.children)
	p.mu.Unlock()
	for _, c := range children {
		c.OnConnection(fn)
	}
}

// Children returns the namespaces created so far.
func (p *ParentNamespace) Children() []*Namespace {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return slices.Clone(p.children)
}

// Emit sends an event to every socket of every child.
func (p *ParentNamespace) Emit(event string, args ...any) error {
	for _, c := range p.Children() {
		if err := c.Emit(event, args...); err != nil {
			return err
		}
	}
	return nil
}

// adopt sets up a new child with the parent's middlewares and handlers.
func (p *ParentNamespace) adopt(n *Namespace) {
	p.mu.Lock()
	defer p.mu.Unlock()
	n.middlewares = slices.Clone(p.middlewares)
	n.connHandlers = slices.Clone(p.connHandlers)
	n.parent = p
	p.children = append(p.children, n)
}

// forget removes a released child.
func (p *ParentNamespace) forget(n *Namespace) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if i := slices.Index(p.children, n); i >= 0 {
		p.children = slices.Delete(p.children, i, i+1)
	}
}

func regexpMatcher(re *regexp.Regexp) func(string, json.RawMessage) bool {
	return func(name string, _ json.RawMessage) bool { return re.MatchString(name) }
}
