package redisadapter

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gosio/gosio/adapter/clusteradapter"
	"github.com/gosio/gosio/sio/socketio"
)

// SubscriptionMode tells which channels the sharded adapter subscribes
// to, as Node's createShardedAdapter option.
type SubscriptionMode string

// The subscription modes of the sharded adapter.
const (
	// Static: one channel per namespace; every broadcast goes there.
	Static SubscriptionMode = "static"
	// Dynamic: also one channel per room with local members, except the
	// sockets' own rooms; a broadcast to one such room goes to its channel.
	Dynamic SubscriptionMode = "dynamic"
	// DynamicPrivate: Dynamic, the sockets' own rooms included.
	DynamicPrivate SubscriptionMode = "dynamic-private"
)

// ShardedOptions configures the sharded adapter. A nil *ShardedOptions
// means every default, those of Node's createShardedAdapter.
type ShardedOptions struct {
	// ChannelPrefix is the prefix of the channels. Default "socket.io".
	ChannelPrefix string
	// SubscriptionMode is Static, Dynamic or DynamicPrivate. Default
	// Dynamic.
	SubscriptionMode SubscriptionMode
	// RequestsTimeout bounds the wait for the other servers' answers.
	// Default 5 s.
	RequestsTimeout time.Duration
	// Logger receives the adapter's log records (see Options.Logger).
	// Default the server's (socketio.ServerOptions.Logger).
	Logger *slog.Logger
}

// NewSharded returns the AdapterFactory of sharded Redis adapters, on the
// wire of Node's createShardedAdapter (@socket.io/redis-adapter 8.3):
// SPUBLISH/SSUBSCRIBE (Redis 7), usable on a Redis Cluster through a
// *redis.ClusterClient; messages in socket.io-adapter's ClusterAdapter
// protocol, on "prefix#nsp#" (and "prefix#nsp#room#" in the dynamic
// modes), responses on "prefix#nsp#uid#"; the server count from PUBSUB
// SHARDNUMSUB.
func NewSharded(rdb redis.UniversalClient, opts *ShardedOptions) socketio.AdapterFactory {
	o := ShardedOptions{}
	if opts != nil {
		o = *opts
	}
	if o.ChannelPrefix == "" {
		o.ChannelPrefix = "socket.io"
	}
	if o.SubscriptionMode == "" {
		o.SubscriptionMode = Dynamic
	}
	return func(nsp *socketio.Namespace) socketio.Adapter { return newSharded(nsp, rdb, o) }
}

// ShardedAdapter is the sharded Redis adapter of one namespace: the
// ClusterAdapter protocol over Redis sharded pub/sub.
type ShardedAdapter struct {
	*clusteradapter.Adapter
	rdb     redis.UniversalClient
	opts    ShardedOptions
	channel string

	// Each channel has a subscription of its own, so that on a Redis
	// Cluster each goes to the shard of its slot; each has one receive
	// goroutine, started by subscribe and ended by unsubscribe or Close
	// (which waits for all in wg).
	ctx       context.Context
	cancel    context.CancelFunc
	subsMu    sync.Mutex
	subs      map[string]*shardSub
	wg        sync.WaitGroup
	ready     chan struct{} // closed once the namespace's channel is subscribed
	readyOnce sync.Once
	closeOnce sync.Once
	health    health

	// roomsMu guards members: the local members of each room that has a
	// channel of its own (dynamic modes).
	roomsMu sync.Mutex
	members map[string]int
}

var _ socketio.Adapter = (*ShardedAdapter)(nil)

// shardedBus is the Bus of a ShardedAdapter.
type shardedBus struct{ s *ShardedAdapter }

func newSharded(nsp *socketio.Namespace, rdb redis.UniversalClient, o ShardedOptions) *ShardedAdapter {
	if o.Logger == nil {
		o.Logger = nsp.Server().Logger()
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &ShardedAdapter{
		rdb: rdb, opts: o, channel: o.ChannelPrefix + "#" + nsp.Name() + "#",
		ctx: ctx, cancel: cancel, ready: make(chan struct{}),
		subs: make(map[string]*shardSub), members: make(map[string]int),
	}
	s.health.logger = o.Logger
	s.Adapter = clusteradapter.New(nsp, shardedBus{s}, &clusteradapter.Options{RequestsTimeout: o.RequestsTimeout, Logger: o.Logger})
	return s
}

func (b shardedBus) Publish(ctx context.Context, m clusteradapter.Message) (string, error) {
	return "", b.s.publish(ctx, b.s.channelOf(m), m)
}

func (b shardedBus) PublishResponse(ctx context.Context, uid string, m clusteradapter.Message) error {
	return b.s.publish(ctx, b.s.channel+uid+"#", m)
}

func (b shardedBus) ServerCount(ctx context.Context) (int, error) {
	var c redis.Cmdable = b.s.rdb
	if cc, ok := b.s.rdb.(*redis.ClusterClient); ok {
		// A shard channel's subscribers are counted by the shard that
		// owns its slot.
		m, err := cc.MasterForKey(ctx, b.s.channel)
		if err != nil {
			return 1, fmt.Errorf("redisadapter: shard of %s: %w", b.s.channel, err)
		}
		c = m
	}
	res, err := c.PubSubShardNumSub(ctx, b.s.channel).Result()
	if err != nil {
		return 1, fmt.Errorf("redisadapter: PUBSUB SHARDNUMSUB: %w", err)
	}
	return int(res[b.s.channel]), nil
}

func (s *ShardedAdapter) publish(ctx context.Context, channel string, m clusteradapter.Message) error {
	b, err := clusteradapter.Encode(m)
	if err != nil {
		return fmt.Errorf("redisadapter: encoding: %w", err)
	}
	if err := s.rdb.SPublish(ctx, channel, b).Err(); err != nil {
		if s.ctx.Err() == nil {
			s.health.fail("SPUBLISH", err)
		}
		return fmt.Errorf("redisadapter: SPUBLISH: %w", err)
	}
	s.health.ok()
	return nil
}

// channelOf is where a message goes: a broadcast without acks to exactly
// one room goes to the room's channel in the dynamic modes (a broadcast
// with acks cannot: the server count is that of the namespace's channel).
func (s *ShardedAdapter) channelOf(m clusteradapter.Message) string {
	if s.opts.SubscriptionMode == Static {
		return s.channel
	}
	typ, _ := m["type"].(int)
	data, _ := m["data"].(map[string]any)
	if typ != clusteradapter.Broadcast || data["requestId"] != nil {
		return s.channel
	}
	opts, _ := data["opts"].(map[string]any)
	rooms, _ := opts["rooms"].([]string)
	if len(rooms) != 1 || (s.opts.SubscriptionMode == Dynamic && len(rooms[0]) == 20) {
		return s.channel
	}
	return s.channel + rooms[0] + "#"
}

// Init subscribes to the namespace's and this server's response channel.
func (s *ShardedAdapter) Init() error {
	s.subscribe(s.channel)
	s.subscribe(s.channel + s.UID() + "#")
	t := time.NewTimer(5 * time.Second)
	defer t.Stop()
	select {
	case <-s.ready:
		return nil
	case <-t.C:
		return fmt.Errorf("redisadapter: not subscribed after 5s")
	}
}

// shardSub is the subscription of one channel.
type shardSub struct {
	ps     *redis.PubSub
	cancel context.CancelFunc
}

// subscribe starts the subscription of a channel, unless there is one.
func (s *ShardedAdapter) subscribe(channel string) {
	s.subsMu.Lock()
	defer s.subsMu.Unlock()
	if s.ctx.Err() != nil || s.subs[channel] != nil {
		return
	}
	ctx, cancel := context.WithCancel(s.ctx)
	sub := &shardSub{ps: s.rdb.SSubscribe(ctx, channel), cancel: cancel}
	s.subs[channel] = sub
	s.wg.Add(1)
	go s.receive(ctx, sub.ps, channel)
}

// unsubscribe ends the subscription of a channel.
func (s *ShardedAdapter) unsubscribe(channel string) {
	s.subsMu.Lock()
	sub := s.subs[channel]
	delete(s.subs, channel)
	s.subsMu.Unlock()
	if sub != nil {
		sub.cancel()
		_ = sub.ps.Close()
	}
}

// Close ends every subscription and waits for their goroutines. It is
// idempotent.
func (s *ShardedAdapter) Close() error {
	s.closeOnce.Do(func() {
		s.cancel()
		s.subsMu.Lock()
		subs := s.subs
		s.subs = map[string]*shardSub{}
		s.subsMu.Unlock()
		for _, sub := range subs {
			_ = sub.ps.Close()
		}
		s.wg.Wait()
		_ = s.Adapter.Close()
	})
	return nil
}

// receive reads one channel's subscription until its ctx ends; on an
// error it waits and reads again (go-redis subscribes again).
func (s *ShardedAdapter) receive(ctx context.Context, ps *redis.PubSub, channel string) {
	defer s.wg.Done()
	backoff := 50 * time.Millisecond
	for {
		msg, err := ps.Receive(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			s.health.fail("subscription", err)
			select {
			case <-ctx.Done():
				return
			case <-time.After(backoff):
			}
			backoff = min(backoff*2, 2*time.Second)
			continue
		}
		backoff = 50 * time.Millisecond
		switch m := msg.(type) {
		case *redis.Subscription:
			if channel == s.channel {
				s.readyOnce.Do(func() { close(s.ready) })
			}
		case *redis.Message:
			cm, err := clusteradapter.Decode([]byte(m.Payload))
			if err != nil {
				s.opts.Logger.Warn("redisadapter: dropped a message", slog.String("channel", m.Channel),
					slog.Int("bytes", len(m.Payload)), slog.Any("err", err))
				continue
			}
			s.OnMessage(cm, "")
		}
	}
}

// separate reports whether a room of socket id has a channel of its own.
func (s *ShardedAdapter) separate(id socketio.SocketID, room socketio.Room) bool {
	switch s.opts.SubscriptionMode {
	case Dynamic:
		return room != id
	case DynamicPrivate:
		return true
	}
	return false
}

// AddAll adds a socket to rooms, subscribing to the channels of the rooms
// it is the first local member of (dynamic modes).
func (s *ShardedAdapter) AddAll(id socketio.SocketID, rooms []socketio.Room) {
	if s.opts.SubscriptionMode == Static {
		s.Adapter.AddAll(id, rooms)
		return
	}
	had := s.Adapter.SocketRooms(id)
	s.Adapter.AddAll(id, rooms)
	var subscribe []string
	s.roomsMu.Lock()
	for _, r := range rooms {
		if slices.Contains(had, r) || !s.separate(id, r) {
			continue
		}
		had = append(had, r)
		s.members[r]++
		if s.members[r] == 1 {
			subscribe = append(subscribe, s.channel+r+"#")
		}
	}
	s.roomsMu.Unlock()
	for _, ch := range subscribe {
		s.subscribe(ch)
	}
}

// Del removes a socket from a room.
func (s *ShardedAdapter) Del(id socketio.SocketID, room socketio.Room) {
	had := s.Adapter.SocketRooms(id)
	s.Adapter.Del(id, room)
	if slices.Contains(had, room) {
		s.left(id, []socketio.Room{room})
	}
}

// DelAll removes a socket from every room.
func (s *ShardedAdapter) DelAll(id socketio.SocketID) {
	had := s.Adapter.SocketRooms(id)
	s.Adapter.DelAll(id)
	s.left(id, had)
}

// left unsubscribes from the channels of the rooms a socket was the last
// local member of.
func (s *ShardedAdapter) left(id socketio.SocketID, rooms []socketio.Room) {
	if s.opts.SubscriptionMode == Static {
		return
	}
	var unsubscribe []string
	s.roomsMu.Lock()
	for _, r := range rooms {
		if !s.separate(id, r) || s.members[r] == 0 {
			continue
		}
		s.members[r]--
		if s.members[r] == 0 {
			delete(s.members, r)
			unsubscribe = append(unsubscribe, s.channel+r+"#")
		}
	}
	s.roomsMu.Unlock()
	for _, ch := range unsubscribe {
		s.unsubscribe(ch)
	}
}
