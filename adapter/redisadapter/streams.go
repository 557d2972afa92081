package redisadapter

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf16"

	"github.com/redis/go-redis/v9"

	"github.com/gosio/gosio/adapter/clusteradapter"
	"github.com/gosio/gosio/internal/rediswire"
	"github.com/gosio/gosio/sio/socketio"
)

// StreamsOptions configures the streams adapter. A nil *StreamsOptions
// means every default, those of Node's @socket.io/redis-streams-adapter
// 0.3.
type StreamsOptions struct {
	// StreamName is the Redis stream. Default "socket.io".
	StreamName string
	// StreamCount spreads the namespaces over several streams,
	// StreamName-0 to StreamName-(n-1), by the hash of their name as
	// Node's adapter does. Default 1: StreamName itself.
	StreamCount int
	// ChannelPrefix is the prefix of the pub/sub channels of the ephemeral
	// messages. Default "socket.io".
	ChannelPrefix string
	// MaxLen trims the stream (MAXLEN ~). Default 10,000.
	MaxLen int64
	// ReadCount is the XREAD COUNT. Default 100.
	ReadCount int64
	// BlockTime is the XREAD BLOCK, and so the longest Close waits for the
	// reader. Default 5 s.
	BlockTime time.Duration
	// SessionKeyPrefix prefixes the keys of the sessions kept for
	// connection state recovery. Default "sio:session:".
	SessionKeyPrefix string
	// OnlyPlaintext writes every stream entry's data as JSON, binary
	// included. Default false: binary data as base64 MessagePack.
	OnlyPlaintext bool
	// RequestsTimeout bounds the wait for the other servers' answers.
	// Default 5 s.
	RequestsTimeout time.Duration
	// Logger receives the adapter's log records (see Options.Logger).
	// Default the server's (socketio.ServerOptions.Logger).
	Logger *slog.Logger
}

// NewStreams returns the AdapterFactory of Redis streams adapters, on the
// wire of Node's @socket.io/redis-streams-adapter 0.3: broadcasts,
// socketsJoin/Leave and disconnectSockets are entries of one Redis stream
// (XADD, read with XREAD), the ephemeral messages (broadcasts with acks,
// fetchSockets, serverSideEmit) and responses go through pub/sub. With
// connection state recovery on, the sessions are kept in Redis and the
// stream entry ids are the offsets, so a client recovers its session on
// any server, Go or Node.js.
func NewStreams(rdb redis.UniversalClient, opts *StreamsOptions) socketio.AdapterFactory {
	o := StreamsOptions{}
	if opts != nil {
		o = *opts
	}
	if o.StreamName == "" {
		o.StreamName = "socket.io"
	}
	if o.ChannelPrefix == "" {
		o.ChannelPrefix = "socket.io"
	}
	if o.StreamCount <= 0 {
		o.StreamCount = 1
	}
	if o.MaxLen <= 0 {
		o.MaxLen = 10_000
	}
	if o.ReadCount <= 0 {
		o.ReadCount = 100
	}
	if o.BlockTime <= 0 {
		o.BlockTime = 5 * time.Second
	}
	if o.SessionKeyPrefix == "" {
		o.SessionKeyPrefix = "sio:session:"
	}
	return func(nsp *socketio.Namespace) socketio.Adapter { return newStreams(nsp, rdb, o) }
}

// StreamsAdapter is the Redis streams adapter of one namespace.
type StreamsAdapter struct {
	*clusteradapter.Adapter
	nsp           *socketio.Namespace
	rdb           redis.UniversalClient
	opts          StreamsOptions
	stream        string // the namespace's stream
	publicChannel string

	// The stream reader and the subscription reader are started by Init
	// and ended by Close, which waits for both.
	ctx       context.Context
	cancel    context.CancelFunc
	ps        *redis.PubSub
	ready     chan struct{}
	readyOnce sync.Once
	wg        sync.WaitGroup
	closeOnce sync.Once
	health    health
}

var _ socketio.Adapter = (*StreamsAdapter)(nil)

type streamsBus struct{ s *StreamsAdapter }

func newStreams(nsp *socketio.Namespace, rdb redis.UniversalClient, o StreamsOptions) *StreamsAdapter {
	if o.Logger == nil {
		o.Logger = nsp.Server().Logger()
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &StreamsAdapter{
		nsp: nsp, rdb: rdb, opts: o, stream: streamOf(nsp.Name(), o),
		publicChannel: o.ChannelPrefix + "#" + nsp.Name() + "#",
		ctx:           ctx, cancel: cancel, ready: make(chan struct{}),
	}
	s.health.logger = o.Logger
	s.Adapter = clusteradapter.New(nsp, streamsBus{s}, &clusteradapter.Options{RequestsTimeout: o.RequestsTimeout, Logger: o.Logger})
	return s
}

// streamOf is the stream of a namespace: each namespace's messages stay
// in order on one stream.
func streamOf(nsp string, o StreamsOptions) string {
	if o.StreamCount == 1 {
		return o.StreamName
	}
	return o.StreamName + "-" + strconv.Itoa(int(hashCode(nsp)%int32(o.StreamCount)))
}

// hashCode is Node's adapter's string hash: 31*h + c over the UTF-16 code
// units, in 32-bit arithmetic (so possibly negative, as the stream index
// then is too).
func hashCode(s string) int32 {
	var h int32
	for _, c := range utf16.Encode([]rune(s)) {
		h = h*31 + int32(c)
	}
	return h
}

// ephemeral messages go through pub/sub: they mean nothing to a client
// that comes back later.
func ephemeral(m clusteradapter.Message) bool {
	typ, _ := m["type"].(int)
	data, _ := m["data"].(map[string]any)
	return (typ == clusteradapter.Broadcast && data["requestId"] != nil) ||
		typ == clusteradapter.ServerSideEmit || typ == clusteradapter.FetchSockets
}

func (b streamsBus) Publish(ctx context.Context, m clusteradapter.Message) (string, error) {
	s := b.s
	if ephemeral(m) {
		return "", s.publishMsgpack(ctx, s.publicChannel, m)
	}
	values := map[string]any{"uid": m["uid"], "nsp": m["nsp"], "type": strconv.Itoa(m["type"].(int))}
	if data, ok := m["data"]; ok {
		enc, err := s.encodeData(data)
		if err != nil {
			return "", err
		}
		values["data"] = enc
	}
	id, err := s.rdb.XAdd(ctx, &redis.XAddArgs{Stream: s.stream, MaxLen: s.opts.MaxLen, Approx: true, Values: values}).Result()
	if err != nil {
		if s.ctx.Err() == nil {
			s.health.fail("XADD", err)
		}
		return "", fmt.Errorf("redisadapter: XADD: %w", err)
	}
	s.health.ok()
	return id, nil
}

func (b streamsBus) PublishResponse(ctx context.Context, uid string, m clusteradapter.Message) error {
	return b.s.publishMsgpack(ctx, b.s.opts.ChannelPrefix+"#"+b.s.nsp.Name()+"#"+uid+"#", m)
}

func (b streamsBus) ServerCount(ctx context.Context) (int, error) {
	n, err := numSub(ctx, b.s.rdb, b.s.publicChannel)
	if err != nil {
		return 1, fmt.Errorf("redisadapter: PUBSUB NUMSUB: %w", err)
	}
	return n, nil
}

func (s *StreamsAdapter) publishMsgpack(ctx context.Context, channel string, m clusteradapter.Message) error {
	b, err := rediswire.MsgpackParser{}.Encode(m)
	if err != nil {
		return fmt.Errorf("redisadapter: encoding: %w", err)
	}
	if err := s.rdb.Publish(ctx, channel, b).Err(); err != nil {
		if s.ctx.Err() == nil {
			s.health.fail("publish", err)
		}
		return fmt.Errorf("redisadapter: publish: %w", err)
	}
	s.health.ok()
	return nil
}

// encodeData writes a stream entry's data: JSON, or base64 MessagePack
// when it carries binary.
func (s *StreamsAdapter) encodeData(data any) (string, error) {
	if !s.opts.OnlyPlaintext && hasBinaryValue(data) {
		b, err := rediswire.MsgpackParser{}.Encode(data)
		if err != nil {
			return "", err
		}
		return base64.StdEncoding.EncodeToString(b), nil
	}
	b, err := json.Marshal(data)
	return string(b), err
}

func hasBinaryValue(v any) bool {
	switch t := v.(type) {
	case []byte:
		return true
	case map[string]any:
		for _, e := range t {
			if hasBinaryValue(e) {
				return true
			}
		}
	case []any:
		for _, e := range t {
			if hasBinaryValue(e) {
				return true
			}
		}
	}
	return false
}

// decodeEntry reads a stream entry as a message.
func decodeEntry(values map[string]any) (clusteradapter.Message, error) {
	typ, err := strconv.Atoi(fmt.Sprint(values["type"]))
	if err != nil {
		return nil, fmt.Errorf("entry type: %w", err)
	}
	m := clusteradapter.Message{"uid": values["uid"], "nsp": values["nsp"], "type": int64(typ)}
	raw, _ := values["data"].(string)
	switch {
	case raw == "":
	case strings.HasPrefix(raw, "{"):
		var data any
		if err := json.Unmarshal([]byte(raw), &data); err != nil {
			return nil, err
		}
		m["data"] = data
	default:
		b, err := base64.StdEncoding.DecodeString(raw)
		if err != nil {
			return nil, err
		}
		data, err := rediswire.MsgpackParser{}.Decode(b)
		if err != nil {
			return nil, err
		}
		m["data"] = data
	}
	return m, nil
}

// Init subscribes to the public and private channels and starts reading
// the stream after its last entry.
func (s *StreamsAdapter) Init() error {
	s.ps = s.rdb.Subscribe(s.ctx, s.publicChannel, s.opts.ChannelPrefix+"#"+s.nsp.Name()+"#"+s.UID()+"#")
	offset := "$"
	if last, err := s.rdb.XRevRangeN(s.ctx, s.stream, "+", "-", 1).Result(); err == nil {
		offset = "0-0"
		if len(last) == 1 {
			offset = last[0].ID
		}
	}
	s.wg.Add(2)
	go s.receive()
	go s.readStream(offset)
	t := time.NewTimer(5 * time.Second)
	defer t.Stop()
	select {
	case <-s.ready:
		return nil
	case <-t.C:
		return errors.New("redisadapter: not subscribed after 5s")
	}
}

// Close ends both readers (the stream's within BlockTime). Idempotent.
func (s *StreamsAdapter) Close() error {
	s.closeOnce.Do(func() {
		s.cancel()
		if s.ps != nil {
			_ = s.ps.Close()
		}
		s.wg.Wait()
		_ = s.Adapter.Close()
	})
	return nil
}

func (s *StreamsAdapter) receive() {
	defer s.wg.Done()
	backoff := 50 * time.Millisecond
	for {
		msg, err := s.ps.Receive(s.ctx)
		if err != nil {
			if s.ctx.Err() != nil {
				return
			}
			s.health.fail("subscription", err)
			if !s.sleep(backoff) {
				return
			}
			backoff = min(backoff*2, 2*time.Second)
			continue
		}
		backoff = 50 * time.Millisecond
		switch m := msg.(type) {
		case *redis.Subscription:
			if m.Channel == s.publicChannel {
				s.readyOnce.Do(func() { close(s.ready) })
			}
		case *redis.Message:
			v, err := rediswire.DecodeMessage(rediswire.MsgpackParser{}, []byte(m.Payload))
			if err != nil {
				s.opts.Logger.Warn("redisadapter: dropped a message", slog.String("channel", m.Channel),
					slog.Int("bytes", len(m.Payload)), slog.Any("err", err))
				continue
			}
			s.OnMessage(v, "")
		}
	}
}

func (s *StreamsAdapter) sleep(d time.Duration) bool {
	select {
	case <-s.ctx.Done():
		return false
	case <-time.After(d):
		return true
	}
}

// readStream reads the stream's entries after offset until Close.
func (s *StreamsAdapter) readStream(offset string) {
	defer s.wg.Done()
	backoff := 50 * time.Millisecond
	for s.ctx.Err() == nil {
		res, err := s.rdb.XRead(s.ctx, &redis.XReadArgs{
			Streams: []string{s.stream, offset}, Count: s.opts.ReadCount, Block: s.opts.BlockTime,
		}).Result()
		if errors.Is(err, redis.Nil) {
			continue
		}
		if err != nil {
			if s.ctx.Err() != nil {
				return
			}
			s.health.fail("XREAD", err)
			if !s.sleep(backoff) {
				return
			}
			backoff = min(backoff*2, 2*time.Second)
			continue
		}
		backoff = 50 * time.Millisecond
		for _, st := range res {
			for _, e := range st.Messages {
				offset = e.ID
				if e.Values["nsp"] != s.nsp.Name() {
					continue
				}
				m, err := decodeEntry(e.Values)
				if err != nil {
					s.opts.Logger.Warn("redisadapter: dropped a stream entry", slog.String("stream", s.stream),
						slog.String("id", e.ID), slog.Any("err", err))
					continue
				}
				s.OnMessage(m, e.ID)
			}
		}
	}
}

// PersistSession keeps a departed socket's session in Redis, as Node's
// streams adapter does (base64 MessagePack of {sid, pid, rooms, data},
// expiring after the recovery's MaxDisconnectionDuration).
func (s *StreamsAdapter) PersistSession(ps *socketio.PersistedSession) {
	rec := s.nsp.Server().ConnectionStateRecovery()
	if rec == nil {
		return
	}
	data := map[string]any{}
	if ps.Data != nil {
		if v, err := jsonValue(ps.Data); err == nil {
			data, _ = v.(map[string]any)
		}
	}
	b, err := rediswire.MsgpackParser{}.Encode(map[string]any{
		"sid": ps.SID, "pid": ps.PID, "rooms": rediswire.Strings(ps.Rooms), "data": data,
	})
	if err != nil {
		return
	}
	ctx, cancel := context.WithTimeout(s.ctx, 5*time.Second)
	defer cancel()
	_ = s.rdb.Set(ctx, s.opts.SessionKeyPrefix+ps.PID, base64.StdEncoding.EncodeToString(b), rec.MaxDisconnectionDuration).Err()
}

func jsonValue(v any) (any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var out any
	err = json.Unmarshal(b, &out)
	return out, err
}

var streamOffset = regexp.MustCompile(`^[0-9]+-[0-9]+$`)

// restoreMaxRanges bounds the XRANGE calls of one restoration (Node's
// RESTORE_SESSION_MAX_XRANGE_CALLS).
const restoreMaxRanges = 100

// RestoreSession takes the session kept under pid and the events of the
// stream after offset that its rooms select; nil when either is unknown.
func (s *StreamsAdapter) RestoreSession(pid, offset string) (*socketio.PersistedSession, error) {
	if !streamOffset.MatchString(offset) {
		return nil, nil
	}
	ctx, cancel := context.WithTimeout(s.ctx, 5*time.Second)
	defer cancel()
	raw, err := s.rdb.GetDel(ctx, s.opts.SessionKeyPrefix+pid).Result()
	if err != nil {
		return nil, nil
	}
	if at, err := s.rdb.XRange(ctx, s.stream, offset, offset).Result(); err != nil || len(at) == 0 {
		return nil, nil
	}
	b, err := base64.StdEncoding.DecodeString(raw)
	if err != nil {
		return nil, nil
	}
	v, err := rediswire.MsgpackParser{}.Decode(b)
	sess, _ := v.(map[string]any)
	if err != nil || sess == nil {
		return nil, nil
	}
	out := &socketio.PersistedSession{PID: pid, Rooms: rediswire.StringList(sess["rooms"])}
	out.SID, _ = sess["sid"].(string)
	out.Data, _ = sess["data"].(map[string]any)
	for range restoreMaxRanges {
		entries, err := s.rdb.XRange(ctx, s.stream, "("+offset, "+").Result()
		if err != nil || len(entries) == 0 {
			break
		}
		for _, e := range entries {
			offset = e.ID
			if e.Values["nsp"] != s.nsp.Name() || fmt.Sprint(e.Values["type"]) != strconv.Itoa(clusteradapter.Broadcast) {
				continue
			}
			m, err := decodeEntry(e.Values)
			if err != nil {
				continue
			}
			data, _ := m["data"].(map[string]any)
			opts := rediswire.OptsFromValue(data["opts"])
			if !sessionIncludes(out.Rooms, opts) {
				continue
			}
			p, err := rediswire.PacketFromValue(data["packet"])
			if err != nil {
				continue
			}
			out.MissedPackets = append(out.MissedPackets, &socketio.StoredPacket{Offset: e.ID, Opts: *opts, Packet: socketio.WithOffset(p, e.ID)})
		}
	}
	return out, nil
}

// sessionIncludes applies a broadcast's rooms to a departed session's, as
// Node's shouldIncludePacket.
func sessionIncludes(rooms []string, opts *socketio.BroadcastOptions) bool {
	included := len(opts.Rooms) == 0
	for _, r := range rooms {
		for _, e := range opts.Except {
			if e == r {
				return false
			}
		}
		for _, t := range opts.Rooms {
			if t == r {
				included = true
			}
		}
	}
	return included
}
