// Package rediswire holds the wire format shared by gosio's Redis adapter
// and emitter, that of @socket.io/redis-adapter 8.3 and
// @socket.io/redis-emitter 5.1: channel names, request types, and the
// conversion of Socket.IO packets to and from the generic values (maps,
// arrays, strings, numbers, []byte) that the bus's parser (MessagePack by
// default) carries.
package rediswire

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/gosio/gosio/sio/socketio"
)

// Request types of the messages between servers (redis-adapter's
// RequestType).
const (
	RequestSockets              = 0
	RequestAllRooms             = 1
	RequestRemoteJoin           = 2
	RequestRemoteLeave          = 3
	RequestRemoteDisconnect     = 4
	RequestRemoteFetch          = 5
	RequestServerSideEmit       = 6
	RequestBroadcast            = 7
	RequestBroadcastClientCount = 8
	RequestBroadcastAck         = 9
)

// Parser encodes and decodes the messages put on Redis, as the adapter's
// parser option of Node's (notepack.io's MessagePack by default). Encode
// receives generic values: map[string]any, []any, string, bool, numbers,
// []byte and nil; Decode must give them back in the same kinds.
type Parser interface {
	Encode(v any) ([]byte, error)
	Decode(data []byte) (any, error)
}

// MsgpackParser is the default Parser: MessagePack as notepack.io writes
// it (integers compact, integral floats as integers, []byte as bin).
type MsgpackParser struct{}

// Encode encodes v as MessagePack.
func (MsgpackParser) Encode(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := msgpack.NewEncoder(&buf)
	enc.UseCompactInts(true)
	enc.UseCompactFloats(true)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Decode decodes one MessagePack value, maps as map[string]any, bin as
// []byte, integers as int64 (uint64 beyond), floats as float64, ext
// values (notepack's undefined) as nil. Lengths that claim more than the
// message holds, and trailing bytes, are errors.
func (MsgpackParser) Decode(data []byte) (any, error) {
	if err := checkMsgpack(data); err != nil {
		return nil, err
	}
	d := msgpackDecoder{b: data}
	return d.value(0)
}

// maxDepth bounds the nesting of a decoded message.
const maxDepth = 1000

func fmtKey(v any) string { return fmt.Sprint(v) }

// DecodeMessage decodes a message of a request or response channel: JSON
// when it starts with '{' (as Node's adapter tells them apart), the parser
// otherwise.
func DecodeMessage(p Parser, msg []byte) (map[string]any, error) {
	var v any
	if len(msg) > 0 && msg[0] == '{' {
		if err := json.Unmarshal(msg, &v); err != nil {
			return nil, err
		}
	} else {
		var err error
		if v, err = p.Decode(msg); err != nil {
			return nil, err
		}
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("rediswire: a request is an object, got %T", v)
	}
	return m, nil
}

// Channel is the broadcast channel of a namespace under a key prefix.
func Channel(key, nsp string) string { return key + "#" + nsp + "#" }

// RoomChannel is the channel of the broadcasts to one room.
func RoomChannel(key, nsp, room string) string { return key + "#" + nsp + "#" + room + "#" }

// RequestChannel is the channel of the requests between servers.
func RequestChannel(key, nsp string) string { return key + "-request#" + nsp + "#" }

// ResponseChannel is the channel of the answers to those requests.
func ResponseChannel(key, nsp string) string { return key + "-response#" + nsp + "#" }

// BroadcastChannel is where a broadcast with opts is published: the
// room's own channel when it targets exactly one room, as Node's adapter
// does.
func BroadcastChannel(key, nsp string, opts *socketio.BroadcastOptions) string {
	if len(opts.Rooms) == 1 {
		return RoomChannel(key, nsp, opts.Rooms[0])
	}
	return Channel(key, nsp)
}

// UID returns n random alphanumeric characters, as Node's uid2.
func UID(n int) string {
	const chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = chars[int(b[i])%len(chars)]
	}
	return string(b)
}

// PacketValue returns a packet as socket.io-parser's packet object:
// {type, data, nsp[, id]}, binary attachments inlined as []byte, the type
// EVENT (2) or ACK (3) whatever the attachments (the receiving encoder
// decides on the binary types).
func PacketValue(p *socketio.SocketIOPacket) (map[string]any, error) {
	args, err := socketio.PacketArgs(p)
	if err != nil {
		return nil, err
	}
	data := make([]any, args.Len())
	for i := range data {
		if err := args.DecodeAt(i, &data[i]); err != nil {
			return nil, err
		}
	}
	t := p.Type
	switch t {
	case socketio.PacketBinaryEvent:
		t = socketio.PacketEvent
	case socketio.PacketBinaryAck:
		t = socketio.PacketAck
	}
	nsp := p.Namespace
	if nsp == "" {
		nsp = "/"
	}
	m := map[string]any{"type": int(t), "data": data, "nsp": nsp}
	if p.ID >= 0 {
		m["id"] = p.ID
	}
	return m, nil
}

// PacketFromValue makes a packet of socket.io-parser's packet object. The
// namespace defaults to "/"; the acknowledgement id is left to the caller.
func PacketFromValue(v any) (*socketio.SocketIOPacket, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("rediswire: a packet is an object, got %T", v)
	}
	typ, ok := Int(m["type"])
	if !ok || (typ != int64(socketio.PacketEvent) && typ != int64(socketio.PacketBinaryEvent)) {
		return nil, fmt.Errorf("rediswire: packet type %v is not an event", m["type"])
	}
	arr, ok := m["data"].([]any)
	if !ok || len(arr) == 0 {
		return nil, errors.New("rediswire: packet data is not a non-empty array")
	}
	event, ok := arr[0].(string)
	if !ok {
		return nil, errors.New("rediswire: packet event name is not a string")
	}
	nsp, _ := m["nsp"].(string)
	if nsp == "" {
		nsp = "/"
	}
	return socketio.EventPacket(nsp, event, arr[1:]...)
}

// OptsValue returns broadcast options as Node's adapters send them.
func OptsValue(o *socketio.BroadcastOptions) map[string]any {
	flags := map[string]any{}
	if o.Flags.Volatile {
		flags["volatile"] = true
	}
	if o.Flags.Compress != nil {
		flags["compress"] = *o.Flags.Compress
	}
	if o.Flags.Local {
		flags["local"] = true
	}
	if o.Flags.Timeout > 0 {
		flags["timeout"] = o.Flags.Timeout.Milliseconds()
	}
	return map[string]any{"rooms": Strings(o.Rooms), "except": Strings(o.Except), "flags": flags}
}

// RoomsValue returns the {rooms, except} of a request's opts.
func RoomsValue(o *socketio.BroadcastOptions) map[string]any {
	return map[string]any{"rooms": Strings(o.Rooms), "except": Strings(o.Except)}
}

// OptsFromValue reads broadcast options sent by another server; a missing
// or malformed part is left empty.
func OptsFromValue(v any) *socketio.BroadcastOptions {
	o := &socketio.BroadcastOptions{}
	m, _ := v.(map[string]any)
	o.Rooms = StringList(m["rooms"])
	o.Except = StringList(m["except"])
	if f, ok := m["flags"].(map[string]any); ok {
		o.Flags.Volatile, _ = f["volatile"].(bool)
		o.Flags.Local, _ = f["local"].(bool)
		if c, ok := f["compress"].(bool); ok {
			o.Flags.Compress = &c
		}
		if ms, ok := Int(f["timeout"]); ok && ms > 0 {
			o.Flags.Timeout = msDuration(ms)
		}
	}
	return o
}

// Strings returns s, or an empty list for nil (JSON [] rather than null).
func Strings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// StringList reads a list of room names; numbers (rooms of Node that are
// numbers) are written as Node would print them.
func StringList(v any) []string {
	arr, _ := v.([]any)
	out := make([]string, 0, len(arr))
	for _, e := range arr {
		switch t := e.(type) {
		case string:
			out = append(out, t)
		case float64, int64, uint64:
			out = append(out, fmt.Sprint(t))
		}
	}
	return out
}

// Int reads an integer sent as any MessagePack or JSON number.
func Int(v any) (int64, bool) {
	switch t := v.(type) {
	case int64:
		return t, true
	case uint64:
		if t > math.MaxInt64 {
			return 0, false
		}
		return int64(t), true
	case float64:
		if t != math.Trunc(t) || math.Abs(t) > 1<<53 {
			return 0, false
		}
		return int64(t), true
	case int:
		return int64(t), true
	}
	return 0, false
}

func msDuration(ms int64) time.Duration { return time.Duration(ms) * time.Millisecond }

// ServerSideEvent decodes the packet of a server-side emit as Node's
// adapters send it, [event, ...args], into the event name and its
// arguments.
func ServerSideEvent(v any) (string, socketio.Args, error) {
	arr, ok := v.([]any)
	if !ok || len(arr) == 0 {
		return "", socketio.Args{}, errors.New("server-side emit without a packet")
	}
	event, ok := arr[0].(string)
	if !ok {
		return "", socketio.Args{}, errors.New("server-side emit without an event name")
	}
	args, err := socketio.ArgsOf(arr[1:]...)
	return event, args, err
}
