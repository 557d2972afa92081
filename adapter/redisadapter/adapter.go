package redisadapter

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"golang.org/x/sync/singleflight"

	"github.com/gosio/gosio/internal/clusterreq"
	"github.com/gosio/gosio/internal/rediswire"
	"github.com/gosio/gosio/sio/socketio"
)

// Options configures the adapter. A nil *Options means every default; the
// defaults are those of Node's @socket.io/redis-adapter.
type Options struct {
	// Key is the prefix of the channels. Default "socket.io".
	Key string
	// RequestsTimeout bounds the wait for the other servers' answers to a
	// request (FetchSockets, ServerSideEmitWithAck). Default 5 s.
	RequestsTimeout time.Duration
	// PublishOnSpecificResponseChannel publishes the answers to a request
	// on the requesting server's own response channel. Default false.
	PublishOnSpecificResponseChannel bool
	// Parser encodes the broadcasts. Default MessagePack (notepack.io's).
	Parser Parser
	// Logger receives the adapter's log records: an outage of Redis at
	// Warn, once when it begins (Info when it ends), a message it cannot
	// decode at Warn. Default the server's (socketio.ServerOptions.Logger).
	Logger *slog.Logger
}

// Parser encodes and decodes the messages put on Redis (Node's parser
// option). See rediswire.Parser for the values it must handle.
type Parser = rediswire.Parser

// ErrRequestTimeout is wrapped by the error of a request that did not get
// every server's answer within RequestsTimeout; the answers that came are
// returned with it.
var ErrRequestTimeout = errors.New("redisadapter: timeout reached while waiting for responses")

var errClosed = errors.New("redisadapter: closed")

func (o *Options) withDefaults() Options {
	c := Options{}
	if o != nil {
		c = *o
	}
	if c.Key == "" {
		c.Key = "socket.io"
	}
	if c.RequestsTimeout <= 0 {
		c.RequestsTimeout = 5 * time.Second
	}
	if c.Parser == nil {
		c.Parser = rediswire.MsgpackParser{}
	}
	return c
}

// New returns the AdapterFactory of Redis adapters on rdb. Each namespace
// gets one adapter with its own subscription (one connection of rdb's).
// rdb stays the caller's: close it after the servers' Shutdown.
func New(rdb redis.UniversalClient, opts *Options) socketio.AdapterFactory {
	o := opts.withDefaults()
	return func(nsp *socketio.Namespace) socketio.Adapter {
		return newAdapter(nsp, rdb, o)
	}
}

// Adapter is the Redis adapter of one namespace. The local rooms index and
// deliveries are the embedded in-memory adapter's; the methods below add
// the other servers. Its methods are safe for concurrent use.
type Adapter struct {
	socketio.Adapter // the in-memory adapter (NewInMemoryAdapter): this server's rooms and sockets

	nsp  *socketio.Namespace
	rdb  redis.UniversalClient
	opts Options
	uid  string

	channel, requestChannel, responseChannel, specificResponseChannel string

	// ctx ends with Close; the receive loop (started by Init, ended by
	// Close, which waits for done) is the only reader of ps.
	ctx       context.Context
	cancel    context.CancelFunc
	ps        *redis.PubSub
	ready     chan struct{} // closed once the request channel is subscribed
	readyOnce sync.Once
	done      chan struct{}
	closeOnce sync.Once

	health health
	counts singleflight.Group // concurrent ServerCount calls share one PUBSUB NUMSUB

	// reqs holds this server's requests waiting for answers and the routes
	// of its broadcasts with acks.
	reqs *clusterreq.Table
}

var (
	_ socketio.Adapter         = (*Adapter)(nil)
	_ socketio.ServerSideAcker = (*Adapter)(nil)
)

func newAdapter(nsp *socketio.Namespace, rdb redis.UniversalClient, o Options) *Adapter {
	if o.Logger == nil {
		o.Logger = nsp.Server().Logger()
	}
	ctx, cancel := context.WithCancel(context.Background())
	a := &Adapter{
		Adapter: socketio.NewInMemoryAdapter(nsp),
		nsp:     nsp, rdb: rdb, opts: o, uid: rediswire.UID(6),
		channel:         rediswire.Channel(o.Key, nsp.Name()),
		requestChannel:  rediswire.RequestChannel(o.Key, nsp.Name()),
		responseChannel: rediswire.ResponseChannel(o.Key, nsp.Name()),
		ctx:             ctx, cancel: cancel,
		ready: make(chan struct{}),
		done:  make(chan struct{}),
		reqs:  clusterreq.New(nsp, ErrRequestTimeout, errClosed),
	}
	a.specificResponseChannel = a.responseChannel + a.uid + "#"
	a.health.logger = o.Logger
	return a
}

// UID returns the adapter's id on the bus.
func (a *Adapter) UID() string { return a.uid }

// Init subscribes to the namespace's channels and starts the receive loop.
// It waits, at most RequestsTimeout, for the subscription to be in place,
// so that the other servers count this one at once; if Redis is not
// reachable it returns an error, and keeps trying in the background.
func (a *Adapter) Init() error {
	a.ps = a.rdb.PSubscribe(a.ctx, a.channel+"*")
	go a.receive()
	if err := a.ps.Subscribe(a.ctx, a.requestChannel, a.responseChannel, a.specificResponseChannel); err != nil {
		a.health.fail("subscribe", err)
	}
	t := time.NewTimer(a.opts.RequestsTimeout)
	defer t.Stop()
	select {
	case <-a.ready:
		return nil
	case <-t.C:
		return fmt.Errorf("redisadapter: not subscribed after %v", a.opts.RequestsTimeout)
	}
}

// Close unsubscribes, ends the receive loop and fails the requests in
// flight. It is idempotent.
func (a *Adapter) Close() error {
	a.closeOnce.Do(func() {
		a.cancel()
		if a.ps != nil {
			_ = a.ps.Close()
			<-a.done
		}
		a.reqs.Close()
		_ = a.Adapter.Close()
	})
	return nil
}

// receive reads the subscription until Close. On an error it waits and
// reads again: go-redis reconnects and subscribes again on the next read.
func (a *Adapter) receive() {
	defer close(a.done)
	backoff := 50 * time.Millisecond
	for {
		msg, err := a.ps.Receive(a.ctx)
		if err != nil {
			if a.ctx.Err() != nil {
				return
			}
			a.health.fail("subscription", err)
			select {
			case <-a.ctx.Done():
				return
			case <-time.After(backoff):
			}
			backoff = min(backoff*2, 2*time.Second)
			continue
		}
		backoff = 50 * time.Millisecond
		switch m := msg.(type) {
		case *redis.Subscription:
			if m.Channel == a.requestChannel && m.Kind == "subscribe" {
				a.readyOnce.Do(func() { close(a.ready) })
				a.checkBack()
			}
		case *redis.Message:
			a.dispatch(m.Channel, []byte(m.Payload))
		}
	}
}

// checkBack ends an outage once the subscription is back and a command
// through rdb's pool succeeds too: the pool may refuse commands for a while
// after the server returns (go-redis retries its dials once a second), and
// an outage is logged once, not once per flap.
func (a *Adapter) checkBack() {
	if !a.health.isDown() {
		return
	}
	ctx, cancel := context.WithTimeout(a.ctx, time.Second)
	defer cancel()
	if a.rdb.Ping(ctx).Err() == nil {
		a.health.ok()
	}
}

// dispatch handles one message of the subscription, dropping (with a log
// line) what it cannot decode, and never panicking on it.
func (a *Adapter) dispatch(channel string, payload []byte) {
	defer func() {
		if r := recover(); r != nil {
			a.opts.Logger.Warn("redisadapter: dropped a message", slog.String("namespace", a.nsp.Name()),
				slog.String("channel", channel), slog.Any("panic", r))
		}
	}()
	var err error
	switch {
	case channel == a.requestChannel:
		err = a.onRequest(payload)
	case channel == a.responseChannel || channel == a.specificResponseChannel:
		err = a.onResponse(payload)
	case strings.HasPrefix(channel, a.channel):
		err = a.onBroadcast(payload)
	}
	if err != nil {
		a.opts.Logger.Warn("redisadapter: dropped a message", slog.String("namespace", a.nsp.Name()),
			slog.String("channel", channel), slog.Int("bytes", len(payload)), slog.Any("err", err))
	}
}

// onBroadcast delivers a broadcast of another server to the local sockets.
func (a *Adapter) onBroadcast(payload []byte) error {
	v, err := a.opts.Parser.Decode(payload)
	if err != nil {
		return err
	}
	arr, ok := v.([]any)
	if !ok || len(arr) < 2 {
		return errors.New("a broadcast is [uid, packet, opts]")
	}
	if uid, _ := arr[0].(string); uid == a.uid {
		return nil
	}
	p, err := rediswire.PacketFromValue(arr[1])
	if err != nil {
		return err
	}
	if p.Namespace != a.nsp.Name() {
		return nil
	}
	var opts *socketio.BroadcastOptions
	if len(arr) > 2 {
		opts = rediswire.OptsFromValue(arr[2])
	} else {
		opts = &socketio.BroadcastOptions{}
	}
	a.Adapter.Broadcast(p, opts)
	return nil
}

// publish publishes a message, noting an outage once.
func (a *Adapter) publish(channel string, msg []byte) error {
	ctx, cancel := context.WithTimeout(a.ctx, a.opts.RequestsTimeout)
	defer cancel()
	if err := a.rdb.Publish(ctx, channel, msg).Err(); err != nil {
		if a.ctx.Err() == nil {
			a.health.fail("publish", err)
		}
		return fmt.Errorf("redisadapter: publish: %w", err)
	}
	a.health.ok()
	return nil
}

func (a *Adapter) publishJSON(channel string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("redisadapter: encoding a request: %w", err)
	}
	return a.publish(channel, b)
}

func (a *Adapter) publishEncoded(channel string, v any) error {
	b, err := a.opts.Parser.Encode(v)
	if err != nil {
		return fmt.Errorf("redisadapter: encoding a message: %w", err)
	}
	return a.publish(channel, b)
}

// Broadcast publishes the packet for the other servers (unless Local) and
// delivers it here.
func (a *Adapter) Broadcast(p *socketio.SocketIOPacket, opts *socketio.BroadcastOptions) {
	if !opts.Flags.Local {
		if pv, err := rediswire.PacketValue(p); err == nil {
			pv["nsp"] = a.nsp.Name()
			_ = a.publishEncoded(rediswire.BroadcastChannel(a.opts.Key, a.nsp.Name(), opts),
				[]any{a.uid, pv, rediswire.OptsValue(opts)})
		}
	}
	a.Adapter.Broadcast(p, opts)
}

// BroadcastWithAck sends the packet to the other servers as a BROADCAST
// request (unless Local), whose client counts and acknowledgements come
// back on the response channel, and delivers it here.
func (a *Adapter) BroadcastWithAck(p *socketio.SocketIOPacket, opts *socketio.BroadcastOptions, clientCount func(int), ack func(socketio.Args)) {
	if !opts.Flags.Local {
		a.remoteBroadcastWithAck(p, opts, clientCount, ack)
	}
	a.Adapter.BroadcastWithAck(p, opts, clientCount, ack)
}

func (a *Adapter) remoteBroadcastWithAck(p *socketio.SocketIOPacket, opts *socketio.BroadcastOptions, clientCount func(int), ack func(socketio.Args)) {
	pv, err := rediswire.PacketValue(p)
	if err != nil {
		return
	}
	pv["nsp"] = a.nsp.Name()
	id := rediswire.UID(6)
	// As Node's adapter, the route of the answers is kept for the
	// broadcast's timeout (RequestsTimeout without one): nothing tells when
	// the last client of another server has answered.
	keep := opts.Flags.Timeout
	if keep <= 0 {
		keep = a.opts.RequestsTimeout
	}
	if !a.reqs.TrackAcks(id, keep, clientCount, ack) {
		return
	}
	_ = a.publishEncoded(a.requestChannel, map[string]any{
		"uid": a.uid, "requestId": id, "type": rediswire.RequestBroadcast,
		"packet": pv, "opts": rediswire.OptsValue(opts),
	})
}

// ServerCount returns the number of servers subscribed to the namespace's
// request channel.
//
// Concurrent calls share one PUBSUB NUMSUB (singleflight), run under the
// adapter's own context and RequestsTimeout, so that a caller whose ctx
// ends early fails alone.
func (a *Adapter) ServerCount(ctx context.Context) (int, error) {
	ch := a.counts.DoChan("", func() (any, error) {
		ctx, cancel := context.WithTimeout(a.ctx, a.opts.RequestsTimeout)
		defer cancel()
		return a.serverCount(ctx)
	})
	select {
	case r := <-ch:
		return r.Val.(int), r.Err
	case <-ctx.Done():
		return 1, ctx.Err()
	}
}

func (a *Adapter) serverCount(ctx context.Context) (int, error) {
	n, err := numSub(ctx, a.rdb, a.requestChannel)
	if err != nil {
		if a.ctx.Err() == nil {
			a.health.fail("PUBSUB NUMSUB", err)
		}
		return 1, fmt.Errorf("redisadapter: PUBSUB NUMSUB: %w", err)
	}
	a.health.ok()
	return n, nil
}

// numSub counts the subscribers of a channel. On a Redis Cluster each
// server's subscription is on one node of its client's choosing (a PUBLISH
// reaches every node), so the count is the sum over the masters, asked at
// once (go-redis's ForEachMaster runs them concurrently), as Node's
// adapters sum them.
func numSub(ctx context.Context, rdb redis.UniversalClient, channel string) (int, error) {
	cc, ok := rdb.(*redis.ClusterClient)
	if !ok {
		res, err := rdb.PubSubNumSub(ctx, channel).Result()
		return int(res[channel]), err
	}
	var sum atomic.Int64
	err := cc.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error {
		res, err := c.PubSubNumSub(ctx, channel).Result()
		sum.Add(res[channel])
		return err
	})
	return int(sum.Load()), err
}

// FetchSockets returns the selected sockets of every server. Without every
// server's answer within RequestsTimeout, it returns those it has with an
// error wrapping ErrRequestTimeout.
func (a *Adapter) FetchSockets(ctx context.Context, opts *socketio.BroadcastOptions) ([]*socketio.RemoteSocket, error) {
	local, err := a.Adapter.FetchSockets(ctx, opts)
	if err != nil || opts.Flags.Local {
		return local, err
	}
	n, err := a.ServerCount(ctx)
	if err != nil || n <= 1 {
		return local, nil
	}
	id := rediswire.UID(6)
	return a.reqs.FetchSockets(ctx, id, n-1, local, a.opts.RequestsTimeout, func() error {
		return a.publishJSON(a.requestChannel, map[string]any{
			"uid": a.uid, "requestId": id, "type": rediswire.RequestRemoteFetch,
			"opts": rediswire.RoomsValue(opts),
		})
	})
}

// AddSockets makes the selected sockets of every server join rooms.
func (a *Adapter) AddSockets(opts *socketio.BroadcastOptions, rooms []socketio.Room) {
	a.Adapter.AddSockets(opts, rooms)
	if !opts.Flags.Local {
		_ = a.publishJSON(a.requestChannel, map[string]any{
			"uid": a.uid, "type": rediswire.RequestRemoteJoin,
			"opts": rediswire.RoomsValue(opts), "rooms": rediswire.Strings(rooms),
		})
	}
}

// DelSockets makes the selected sockets of every server leave rooms.
func (a *Adapter) DelSockets(opts *socketio.BroadcastOptions, rooms []socketio.Room) {
	a.Adapter.DelSockets(opts, rooms)
	if !opts.Flags.Local {
		_ = a.publishJSON(a.requestChannel, map[string]any{
			"uid": a.uid, "type": rediswire.RequestRemoteLeave,
			"opts": rediswire.RoomsValue(opts), "rooms": rediswire.Strings(rooms),
		})
	}
}

// DisconnectSockets disconnects the selected sockets of every server.
func (a *Adapter) DisconnectSockets(opts *socketio.BroadcastOptions, close bool) {
	if !opts.Flags.Local {
		_ = a.publishJSON(a.requestChannel, map[string]any{
			"uid": a.uid, "type": rediswire.RequestRemoteDisconnect,
			"opts": rediswire.RoomsValue(opts), "close": close,
		})
	}
	a.Adapter.DisconnectSockets(opts, close)
}

// ServerSideEmit sends an event to the other servers' handlers
// (Namespace.OnServerSideEmit, Node's io.on). The arguments travel as JSON.
func (a *Adapter) ServerSideEmit(_ context.Context, event string, args []any) error {
	return a.publishJSON(a.requestChannel, map[string]any{
		"uid": a.uid, "type": rediswire.RequestServerSideEmit,
		"data": append([]any{event}, args...),
	})
}

// ServerSideEmitWithAck sends an event to the other servers and returns
// one answer per server; short of every answer within RequestsTimeout, it
// returns those that came with an error wrapping socketio.ErrAckTimeout.
func (a *Adapter) ServerSideEmitWithAck(ctx context.Context, event string, args []any) ([]socketio.Args, error) {
	n, err := a.ServerCount(ctx)
	if err != nil {
		return []socketio.Args{}, err
	}
	if n-1 <= 0 {
		return []socketio.Args{}, nil
	}
	id := rediswire.UID(6)
	answers, err := a.reqs.ServerSideEmit(ctx, id, n-1, a.opts.RequestsTimeout, func() error {
		return a.publishJSON(a.requestChannel, map[string]any{
			"uid": a.uid, "requestId": id, "type": rediswire.RequestServerSideEmit,
			"data": append([]any{event}, args...),
		})
	})
	if errors.Is(err, ErrRequestTimeout) {
		err = fmt.Errorf("%w: %w", socketio.ErrAckTimeout, err)
	}
	return answers, err
}
