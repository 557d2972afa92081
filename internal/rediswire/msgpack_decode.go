package rediswire

import (
	"encoding/binary"
	"errors"
	"math"
	"strconv"
)

// This file owns the decoding of MessagePack into generic values
// (map[string]any, []any, string, []byte, int64, uint64, float64, bool,
// nil) straight from the bytes, the counterpart of notepack.io's decode.
// It is the hot path of every message a server receives from the others,
// so it reads a byte slice in place (no reader, no reflection) and gives
// the map keys of the protocol without allocating them.

// commonKeys are the map keys of the adapters' messages, given as
// constants rather than allocated per message.
var commonKeys = map[string]string{}

func init() {
	for _, k := range []string{"type", "data", "nsp", "id", "rooms", "except", "flags", "volatile",
		"compress", "local", "timeout", "uid", "requestId", "packet", "opts", "clientCount", "sockets",
		"close", "sid", "room", "handshake", "pid"} {
		commonKeys[k] = k
	}
}

// msgpackDecoder reads values from b at i; checkMsgpack has made sure
// that every length fits in b, so reads need no bounds checks of their own
// beyond Go's.
type msgpackDecoder struct {
	b []byte
	i int
}

func (d *msgpackDecoder) byte1() byte { c := d.b[d.i]; d.i++; return c }

func (d *msgpackDecoder) uint(n int) uint64 {
	var v uint64
	switch n {
	case 1:
		v = uint64(d.b[d.i])
	case 2:
		v = uint64(binary.BigEndian.Uint16(d.b[d.i:]))
	case 4:
		v = uint64(binary.BigEndian.Uint32(d.b[d.i:]))
	default:
		v = binary.BigEndian.Uint64(d.b[d.i:])
	}
	d.i += n
	return v
}

func (d *msgpackDecoder) bytes(n int) []byte {
	out := d.b[d.i : d.i+n : d.i+n]
	d.i += n
	return out
}

// value decodes one value; depth bounds the nesting.
func (d *msgpackDecoder) value(depth int) (any, error) {
	if depth > maxDepth {
		return nil, errors.New("rediswire: MessagePack nested too deeply")
	}
	c := d.byte1()
	switch {
	case c <= 0x7f:
		return int64(c), nil
	case c >= 0xe0:
		return int64(int8(c)), nil
	case c >= 0x80 && c <= 0x8f:
		return d.mapOf(int(c&0x0f), depth)
	case c >= 0x90 && c <= 0x9f:
		return d.arrayOf(int(c&0x0f), depth)
	case c >= 0xa0 && c <= 0xbf:
		return string(d.bytes(int(c & 0x1f))), nil
	}
	switch c {
	case 0xc0:
		return nil, nil
	case 0xc2:
		return false, nil
	case 0xc3:
		return true, nil
	case 0xc4, 0xc5, 0xc6:
		n := int(d.uint(1 << (c - 0xc4)))
		return append([]byte(nil), d.bytes(n)...), nil
	case 0xca:
		return float64(math.Float32frombits(uint32(d.uint(4)))), nil
	case 0xcb:
		return math.Float64frombits(d.uint(8)), nil
	case 0xcc, 0xcd, 0xce:
		return int64(d.uint(1 << (c - 0xcc))), nil
	case 0xcf:
		v := d.uint(8)
		if v <= math.MaxInt64 {
			return int64(v), nil
		}
		return v, nil
	case 0xd0:
		return int64(int8(d.uint(1))), nil
	case 0xd1:
		return int64(int16(d.uint(2))), nil
	case 0xd2:
		return int64(int32(d.uint(4))), nil
	case 0xd3:
		return int64(d.uint(8)), nil
	case 0xd9, 0xda, 0xdb:
		n := int(d.uint(1 << (c - 0xd9)))
		return string(d.bytes(n)), nil
	case 0xdc, 0xdd:
		return d.arrayOf(int(d.uint(2<<(c-0xdc))), depth)
	case 0xde, 0xdf:
		return d.mapOf(int(d.uint(2<<(c-0xde))), depth)
	case 0xd4, 0xd5, 0xd6, 0xd7, 0xd8:
		// fixext: notepack writes none but undefined (fixext 1, type 0);
		// read as nil.
		d.i += 1 + 1<<(c-0xd4)
		return nil, nil
	case 0xc7, 0xc8, 0xc9:
		n := int(d.uint(1 << (c - 0xc7)))
		d.i += 1 + n
		return nil, nil
	}
	return nil, errBadMsgpack
}

func (d *msgpackDecoder) arrayOf(n, depth int) (any, error) {
	out := make([]any, n)
	for k := range out {
		v, err := d.value(depth + 1)
		if err != nil {
			return nil, err
		}
		out[k] = v
	}
	return out, nil
}

func (d *msgpackDecoder) mapOf(n, depth int) (any, error) {
	out := make(map[string]any, n)
	for range n {
		k, err := d.key(depth + 1)
		if err != nil {
			return nil, err
		}
		v, err := d.value(depth + 1)
		if err != nil {
			return nil, err
		}
		out[k] = v
	}
	return out, nil
}

// key decodes a map key: a string (one of commonKeys without allocating),
// or another value printed.
func (d *msgpackDecoder) key(depth int) (string, error) {
	c := d.b[d.i]
	if c >= 0xa0 && c <= 0xbf {
		d.i++
		raw := d.bytes(int(c & 0x1f))
		if k, ok := commonKeys[string(raw)]; ok {
			return k, nil
		}
		return string(raw), nil
	}
	v, err := d.value(depth)
	if err != nil {
		return "", err
	}
	switch t := v.(type) {
	case string:
		return t, nil
	case int64:
		return strconv.FormatInt(t, 10), nil
	case nil:
		return "null", nil
	}
	return fmtKey(v), nil
}
