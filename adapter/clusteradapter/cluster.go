// Package clusteradapter is socket.io-adapter's ClusterAdapter protocol
// (packages/socket.io-adapter/lib/cluster-adapter.ts) written once over
// any message bus: an adapter of a new bus (Redis sharded pub/sub, Redis
// streams, Postgres, NATS) supplies a Bus, which only carries messages,
// and gets broadcasts, broadcasts with acks, fetchSockets,
// socketsJoin/Leave, disconnectSockets and serverSideEmit across servers
// with Node's semantics and wire.
//
// Messages are {uid, nsp, type, data} objects (MessageType below); a Bus
// encodes them with Encode (JSON, or MessagePack when they carry binary)
// and hands what it receives to Adapter.OnMessage.
package clusteradapter

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/gosio/gosio/internal/clusterreq"
	"github.com/gosio/gosio/internal/rediswire"
	"github.com/gosio/gosio/sio/socketio"
)

// Message types of the protocol (cluster-adapter.ts MessageType).
const (
	InitialHeartbeat       = 1
	Heartbeat              = 2
	Broadcast              = 3
	SocketsJoin            = 4
	SocketsLeave           = 5
	DisconnectSockets      = 6
	FetchSockets           = 7
	FetchSocketsResponse   = 8
	ServerSideEmit         = 9
	ServerSideEmitResponse = 10
	BroadcastClientCount   = 11
	BroadcastAck           = 12
	AdapterClose           = 13
)

// Message is one message of the protocol: uid, nsp, type and data.
type Message = map[string]any

// Bus carries the messages of one namespace between servers.
type Bus interface {
	// Publish sends a message to every other server of the namespace and
	// returns its offset on the bus ("" for a bus without offsets), which
	// connection state recovery appends to the events it delivers.
	Publish(ctx context.Context, m Message) (offset string, err error)
	// PublishResponse sends a response to the server uid.
	PublishResponse(ctx context.Context, uid string, m Message) error
	// ServerCount returns the number of servers, this one included.
	ServerCount(ctx context.Context) (int, error)
}

// ErrTimeout is wrapped by the error of a request that did not get every
// server's answer in time; the answers that came are returned with it.
var ErrTimeout = errors.New("clusteradapter: timeout reached while waiting for responses")

var errClosed = errors.New("clusteradapter: closed")

// Options of the protocol.
type Options struct {
	// RequestsTimeout bounds the wait for the other servers' answers.
	// Default 5 s (cluster-adapter.ts DEFAULT_TIMEOUT).
	RequestsTimeout time.Duration
	// Logger receives the records of dropped messages, at Warn. Default
	// the server's (socketio.ServerOptions.Logger).
	Logger *slog.Logger
	// Heartbeat, when set, counts the servers by their heartbeats
	// (ClusterAdapterWithHeartbeat) instead of asking the bus; the bus's
	// adapter then calls Start once subscribed. Default nil: the bus counts.
	Heartbeat *HeartbeatOptions
}

// Adapter is the protocol's side of one namespace: the local rooms index
// and deliveries are the embedded in-memory adapter's. It is made by a
// bus's adapter, which calls OnMessage with what it receives; its methods
// are safe for concurrent use.
type Adapter struct {
	socketio.Adapter // the in-memory adapter (NewInMemoryAdapter): this server's rooms and sockets
	nsp              *socketio.Namespace
	bus              Bus
	opts             Options
	uid              string

	ctx    context.Context // ends with Close
	cancel context.CancelFunc

	hb     *heartbeat         // nil without Options.Heartbeat
	counts singleflight.Group // concurrent ServerCount calls share one question to the bus

	// reqs holds this server's requests waiting for answers and the routes
	// of its broadcasts with acks.
	reqs *clusterreq.Table
}

var (
	_ socketio.Adapter         = (*Adapter)(nil)
	_ socketio.ServerSideAcker = (*Adapter)(nil)
)

// New returns the protocol's adapter of nsp over bus.
func New(nsp *socketio.Namespace, bus Bus, opts *Options) *Adapter {
	o := Options{}
	if opts != nil {
		o = *opts
	}
	if o.RequestsTimeout <= 0 {
		o.RequestsTimeout = 5 * time.Second
	}
	if o.Logger == nil {
		o.Logger = nsp.Server().Logger()
	}
	ctx, cancel := context.WithCancel(context.Background())
	a := &Adapter{
		Adapter: socketio.NewInMemoryAdapter(nsp),
		nsp:     nsp, bus: bus, opts: o, uid: randomID(),
		ctx: ctx, cancel: cancel,
		reqs: clusterreq.New(nsp, ErrTimeout, errClosed),
	}
	if o.Heartbeat != nil {
		h := *o.Heartbeat
		if h.Interval <= 0 {
			h.Interval = 5 * time.Second
		}
		if h.Timeout <= 0 {
			h.Timeout = 10 * time.Second
		}
		a.hb = &heartbeat{opts: h, nodes: make(map[string]time.Time)}
	}
	return a
}

// randomID is 16 hex digits, as Node's randomBytes(8).toString("hex").
func randomID() string {
	const hex = "0123456789abcdef"
	b := []byte(rediswire.UID(16))
	for i := range b {
		b[i] = hex[int(b[i])%16]
	}
	return string(b)
}

// UID returns this server's id in the protocol.
func (a *Adapter) UID() string { return a.uid }

// Close stops the pending timers and the in-memory adapter. The bus's
// adapter closes its own resources.
func (a *Adapter) Close() error {
	if a.ctx.Err() != nil {
		return nil
	}
	a.stopHeartbeat()
	a.cancel()
	a.reqs.Close()
	return a.Adapter.Close()
}

func (a *Adapter) publish(typ int, data map[string]any) error {
	_, err := a.publishOffset(typ, data)
	return err
}

func (a *Adapter) publishOffset(typ int, data map[string]any) (string, error) {
	m := Message{"uid": a.uid, "nsp": a.nsp.Name(), "type": typ}
	if data != nil {
		m["data"] = data
	}
	ctx, cancel := context.WithTimeout(a.ctx, a.opts.RequestsTimeout)
	defer cancel()
	a.published()
	return a.bus.Publish(ctx, m)
}

func (a *Adapter) respond(uid string, typ int, data map[string]any) {
	ctx, cancel := context.WithTimeout(a.ctx, a.opts.RequestsTimeout)
	defer cancel()
	_ = a.bus.PublishResponse(ctx, uid, Message{"uid": a.uid, "nsp": a.nsp.Name(), "type": typ, "data": data})
}

// Broadcast publishes the packet (unless Local) and delivers it here,
// with the bus's offset when connection state recovery is on.
func (a *Adapter) Broadcast(p *socketio.SocketIOPacket, opts *socketio.BroadcastOptions) {
	offset := ""
	if !opts.Flags.Local {
		if pv, err := rediswire.PacketValue(p); err == nil {
			pv["nsp"] = a.nsp.Name()
			offset, _ = a.publishOffset(Broadcast, map[string]any{"packet": pv, "opts": rediswire.OptsValue(opts)})
		}
	}
	a.deliver(p, opts, offset)
}

// deliver broadcasts a packet to the local sockets. An event that
// recovery keeps, with an offset from the bus, carries that offset; with
// none, the in-memory adapter keeps it under its own.
func (a *Adapter) deliver(p *socketio.SocketIOPacket, opts *socketio.BroadcastOptions, offset string) {
	recoverable := a.nsp.Server().ConnectionStateRecovery() != nil && p.ID == socketio.NoAckID &&
		!opts.Flags.Volatile && (p.Type == socketio.PacketEvent || p.Type == socketio.PacketBinaryEvent)
	if recoverable && offset != "" {
		socketio.DeliverLocal(a.Adapter, socketio.WithOffset(p, offset), opts)
		return
	}
	a.Adapter.Broadcast(p, opts)
}

// BroadcastWithAck publishes the packet with a request id (unless Local),
// whose counts and acks come back as responses, and delivers it here.
func (a *Adapter) BroadcastWithAck(p *socketio.SocketIOPacket, opts *socketio.BroadcastOptions, clientCount func(int), ack func(socketio.Args)) {
	if !opts.Flags.Local {
		if pv, err := rediswire.PacketValue(p); err == nil {
			pv["nsp"] = a.nsp.Name()
			id := randomID()
			if a.reqs.TrackAcks(id, a.timeout(opts.Flags.Timeout), clientCount, ack) {
				_ = a.publish(Broadcast, map[string]any{"packet": pv, "requestId": id, "opts": rediswire.OptsValue(opts)})
			}
		}
	}
	a.Adapter.BroadcastWithAck(p, opts, clientCount, ack)
}

// AddSockets makes the selected sockets of every server join rooms.
func (a *Adapter) AddSockets(opts *socketio.BroadcastOptions, rooms []socketio.Room) {
	if !opts.Flags.Local {
		_ = a.publish(SocketsJoin, map[string]any{"opts": rediswire.OptsValue(opts), "rooms": rediswire.Strings(rooms)})
	}
	a.Adapter.AddSockets(opts, rooms)
}

// DelSockets makes the selected sockets of every server leave rooms.
func (a *Adapter) DelSockets(opts *socketio.BroadcastOptions, rooms []socketio.Room) {
	if !opts.Flags.Local {
		_ = a.publish(SocketsLeave, map[string]any{"opts": rediswire.OptsValue(opts), "rooms": rediswire.Strings(rooms)})
	}
	a.Adapter.DelSockets(opts, rooms)
}

// DisconnectSockets disconnects the selected sockets of every server.
func (a *Adapter) DisconnectSockets(opts *socketio.BroadcastOptions, close bool) {
	if !opts.Flags.Local {
		_ = a.publish(DisconnectSockets, map[string]any{"opts": rediswire.OptsValue(opts), "close": close})
	}
	a.Adapter.DisconnectSockets(opts, close)
}

// ServerCount is the bus's, or with heartbeats 1 + the servers heard from.
func (a *Adapter) ServerCount(ctx context.Context) (int, error) {
	if a.hb != nil {
		return a.heartbeatCount(), nil
	}
	// Concurrent calls share one question to the bus (singleflight), asked
	// under the adapter's own context and RequestsTimeout, so that a caller
	// whose ctx ends early fails alone.
	ch := a.counts.DoChan("", func() (any, error) {
		ctx, cancel := context.WithTimeout(a.ctx, a.opts.RequestsTimeout)
		defer cancel()
		return a.bus.ServerCount(ctx)
	})
	select {
	case r := <-ch:
		return r.Val.(int), r.Err
	case <-ctx.Done():
		return 1, ctx.Err()
	}
}

// FetchSockets returns the selected sockets of every server; short of
// every answer within the timeout, those it has with an error wrapping
// ErrTimeout.
func (a *Adapter) FetchSockets(ctx context.Context, opts *socketio.BroadcastOptions) ([]*socketio.RemoteSocket, error) {
	local, err := a.Adapter.FetchSockets(ctx, opts)
	if err != nil || opts.Flags.Local {
		return local, err
	}
	n, err := a.ServerCount(ctx)
	if err != nil || n-1 <= 0 {
		return local, nil
	}
	id := randomID()
	return a.reqs.FetchSockets(ctx, id, n-1, local, a.timeout(opts.Flags.Timeout), func() error {
		return a.publish(FetchSockets, map[string]any{"opts": rediswire.OptsValue(opts), "requestId": id})
	})
}

// timeout is d, or RequestsTimeout without one.
func (a *Adapter) timeout(d time.Duration) time.Duration {
	if d <= 0 {
		return a.opts.RequestsTimeout
	}
	return d
}

// ServerSideEmit publishes an event for the other servers' handlers.
func (a *Adapter) ServerSideEmit(_ context.Context, event string, args []any) error {
	packet, err := jsonValues(append([]any{event}, args...))
	if err != nil {
		return err
	}
	return a.publish(ServerSideEmit, map[string]any{"packet": packet})
}

// ServerSideEmitWithAck publishes an event and collects one answer per
// other server.
func (a *Adapter) ServerSideEmitWithAck(ctx context.Context, event string, args []any) ([]socketio.Args, error) {
	n, err := a.ServerCount(ctx)
	if err != nil || n-1 <= 0 {
		return []socketio.Args{}, err
	}
	packet, err := jsonValues(append([]any{event}, args...))
	if err != nil {
		return []socketio.Args{}, err
	}
	id := randomID()
	answers, err := a.reqs.ServerSideEmit(ctx, id, n-1, a.opts.RequestsTimeout, func() error {
		return a.publish(ServerSideEmit, map[string]any{"packet": packet, "requestId": id})
	})
	if errors.Is(err, ErrTimeout) {
		err = fmt.Errorf("%w: %w", socketio.ErrAckTimeout, err)
	}
	return answers, err
}

// jsonValues turns Go values into the generic values of their JSON, the
// form every bus's encoding carries.
func jsonValues(v []any) (any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("clusteradapter: encoding: %w", err)
	}
	var out any
	err = json.Unmarshal(b, &out)
	return out, err
}
