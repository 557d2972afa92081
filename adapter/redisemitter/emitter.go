// Package redisemitter sends events to the sockets of a Socket.IO cluster
// from any process that can reach its Redis, without being a server of
// it, on the wire of Node's @socket.io/redis-emitter 5.1: it drives gosio
// servers on redisadapter and Node.js servers on @socket.io/redis-adapter
// alike.
//
//	e := redisemitter.New(rdb, nil)
//	err := e.To("room1").Except("room2").Emit(ctx, "news", "hello")
//
// An emitter does not subscribe: it cannot wait for acknowledgements or
// fetch sockets, as Node's cannot.
package redisemitter

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/redis/go-redis/v9"

	"github.com/gosio/gosio/internal/rediswire"
	"github.com/gosio/gosio/sio/socketio"
)

// uid is the sender id of every emitter's messages, as Node's emitter
// sends it; no server has it, so every server delivers them.
const uid = "emitter"

// Options configures an emitter. A nil *Options means every default.
type Options struct {
	// Key is the prefix of the channels, the servers' adapter key.
	// Default "socket.io".
	Key string
	// Parser encodes the broadcasts; it must be the servers' parser.
	// Default MessagePack.
	Parser rediswire.Parser
}

// ErrReservedEvent is returned for an event name the protocol keeps
// ("connect", "disconnect", ...).
var ErrReservedEvent = errors.New("redisemitter: reserved event name")

// Emitter publishes to one namespace of a cluster (the main one, "/",
// unless made by Of). It is an immutable value, safe for concurrent use.
type Emitter struct {
	rdb  redis.UniversalClient
	opts Options
	nsp  string
}

// New returns an emitter to the main namespace over rdb, which stays the
// caller's to close.
func New(rdb redis.UniversalClient, opts *Options) *Emitter {
	o := Options{}
	if opts != nil {
		o = *opts
	}
	if o.Key == "" {
		o.Key = "socket.io"
	}
	if o.Parser == nil {
		o.Parser = rediswire.MsgpackParser{}
	}
	return &Emitter{rdb: rdb, opts: o, nsp: "/"}
}

// Of returns an emitter to the namespace nsp; a missing leading slash is
// added.
func (e *Emitter) Of(nsp string) *Emitter {
	if nsp == "" || nsp[0] != '/' {
		nsp = "/" + nsp
	}
	c := *e
	c.nsp = nsp
	return &c
}

func (e *Emitter) op() Operator { return Operator{e: e} }

// To returns a broadcast to the sockets in any of rooms.
func (e *Emitter) To(rooms ...string) Operator { return e.op().To(rooms...) }

// In is To.
func (e *Emitter) In(rooms ...string) Operator { return e.op().To(rooms...) }

// Except returns a broadcast to every socket but those in rooms.
func (e *Emitter) Except(rooms ...string) Operator { return e.op().Except(rooms...) }

// Volatile returns a broadcast that clients not ready for may miss.
func (e *Emitter) Volatile() Operator { return e.op().Volatile() }

// Compress returns a broadcast with the compression flag set.
func (e *Emitter) Compress(c bool) Operator { return e.op().Compress(c) }

// Emit sends an event to every socket of the namespace.
func (e *Emitter) Emit(ctx context.Context, event string, args ...any) error {
	return e.op().Emit(ctx, event, args...)
}

// SocketsJoin makes every socket of the namespace join rooms.
func (e *Emitter) SocketsJoin(ctx context.Context, rooms ...string) error {
	return e.op().SocketsJoin(ctx, rooms...)
}

// SocketsLeave makes every socket of the namespace leave rooms.
func (e *Emitter) SocketsLeave(ctx context.Context, rooms ...string) error {
	return e.op().SocketsLeave(ctx, rooms...)
}

// DisconnectSockets disconnects every socket of the namespace; close also
// closes their connections.
func (e *Emitter) DisconnectSockets(ctx context.Context, close bool) error {
	return e.op().DisconnectSockets(ctx, close)
}

// ServerSideEmit sends an event to the servers' server-side handlers
// (socketio.Namespace.OnServerSideEmit, Node's io.on). The arguments travel
// as JSON; acknowledgements are not supported, as with Node's emitter.
func (e *Emitter) ServerSideEmit(ctx context.Context, event string, args ...any) error {
	if err := checkEvent(event); err != nil {
		return err
	}
	return e.publishJSON(ctx, map[string]any{
		"uid": uid, "type": rediswire.RequestServerSideEmit, "data": append([]any{event}, args...),
	})
}

func (e *Emitter) publishJSON(ctx context.Context, msg map[string]any) error {
	b, err := json.Marshal(msg)
	if err != nil {
		return fmt.Errorf("redisemitter: encoding: %w", err)
	}
	return e.publish(ctx, rediswire.RequestChannel(e.opts.Key, e.nsp), b)
}

func (e *Emitter) publish(ctx context.Context, channel string, b []byte) error {
	if err := e.rdb.Publish(ctx, channel, b).Err(); err != nil {
		return fmt.Errorf("redisemitter: publish: %w", err)
	}
	return nil
}

// Operator selects sockets of a namespace, as Node's emitter's
// BroadcastOperator. It is an immutable value: each modifier returns a
// copy.
type Operator struct {
	e      *Emitter
	rooms  []string
	except []string
	flags  socketio.BroadcastFlags
}

// To returns a copy that also targets rooms.
func (o Operator) To(rooms ...string) Operator {
	o.rooms = appendNew(o.rooms, rooms)
	return o
}

// In is To.
func (o Operator) In(rooms ...string) Operator { return o.To(rooms...) }

// Except returns a copy that excludes the sockets in rooms.
func (o Operator) Except(rooms ...string) Operator {
	o.except = appendNew(o.except, rooms)
	return o
}

// Volatile returns a copy whose events clients not ready may miss.
func (o Operator) Volatile() Operator { o.flags.Volatile = true; return o }

// Compress returns a copy with the compression flag set.
func (o Operator) Compress(c bool) Operator { o.flags.Compress = &c; return o }

// appendNew appends the rooms not yet in list (Node keeps them in a Set),
// to a copy.
func appendNew(list, rooms []string) []string {
	out := slices.Clip(list)
	for _, r := range rooms {
		if !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out
}

func (o Operator) opts() *socketio.BroadcastOptions {
	return &socketio.BroadcastOptions{Rooms: o.rooms, Except: o.except, Flags: o.flags}
}

// Emit sends an event to the selected sockets of every server. Binary
// arguments ([]byte) are carried as such.
func (o Operator) Emit(ctx context.Context, event string, args ...any) error {
	if err := checkEvent(event); err != nil {
		return err
	}
	p, err := socketio.EventPacket(o.e.nsp, event, args...)
	if err != nil {
		return fmt.Errorf("redisemitter: encoding %q: %w", event, err)
	}
	pv, err := rediswire.PacketValue(p)
	if err != nil {
		return fmt.Errorf("redisemitter: encoding %q: %w", event, err)
	}
	opts := o.opts()
	b, err := o.e.opts.Parser.Encode([]any{uid, pv, rediswire.OptsValue(opts)})
	if err != nil {
		return fmt.Errorf("redisemitter: encoding %q: %w", event, err)
	}
	return o.e.publish(ctx, rediswire.BroadcastChannel(o.e.opts.Key, o.e.nsp, opts), b)
}

// SocketsJoin makes the selected sockets join rooms.
func (o Operator) SocketsJoin(ctx context.Context, rooms ...string) error {
	return o.e.publishJSON(ctx, map[string]any{
		"uid": uid, "type": rediswire.RequestRemoteJoin,
		"opts": rediswire.RoomsValue(o.opts()), "rooms": rediswire.Strings(rooms),
	})
}

// SocketsLeave makes the selected sockets leave rooms.
func (o Operator) SocketsLeave(ctx context.Context, rooms ...string) error {
	return o.e.publishJSON(ctx, map[string]any{
		"uid": uid, "type": rediswire.RequestRemoteLeave,
		"opts": rediswire.RoomsValue(o.opts()), "rooms": rediswire.Strings(rooms),
	})
}

// DisconnectSockets disconnects the selected sockets; close also closes
// their connections.
func (o Operator) DisconnectSockets(ctx context.Context, close bool) error {
	return o.e.publishJSON(ctx, map[string]any{
		"uid": uid, "type": rediswire.RequestRemoteDisconnect,
		"opts": rediswire.RoomsValue(o.opts()), "close": close,
	})
}

func checkEvent(event string) error {
	if socketio.IsReservedEvent(event) {
		return fmt.Errorf("%w: %q", ErrReservedEvent, event)
	}
	return nil
}
