package socketio

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/vmihailenco/msgpack/v5"
	"github.com/vmihailenco/msgpack/v5/msgpcode"
)

// This file owns the decoder of the msgpack format (see msgpack_encode.go):
// one binary message is one packet, the map {type, nsp, data, id} (other
// keys, such as the client's "options", are ignored), checked as
// socket.io-msgpack-parser's Decoder.checkPacket does. The payload is
// transcoded to JSON, bin values becoming placeholders for attachments, so
// that the packet is the one DefaultParser would have produced.

// ErrInvalidMsgpack reports a message that is not one well-formed msgpack
// value, or a packet map with a field of the wrong type.
var ErrInvalidMsgpack = newPacketError("invalid msgpack")

// msgpackDecoder decodes the packets of one connection; it has no state
// between messages, as every packet is one message.
type msgpackDecoder struct {
	maxPayload int64
}

func (msgpackParser) NewDecoder(opts *ParserOptions) PacketDecoder {
	d := &msgpackDecoder{}
	if opts != nil && opts.MaxPayload > 0 {
		d.maxPayload = opts.MaxPayload
	}
	return d
}

// Add decodes one message, which must be binary: each packet is one.
func (d *msgpackDecoder) Add(data []byte, binary bool) (*SocketIOPacket, error) {
	if !binary {
		return nil, fmt.Errorf("%w: text message, the msgpack parser sends binary ones", ErrInvalidMsgpack)
	}
	if d.maxPayload > 0 && int64(len(data)) > d.maxPayload {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", errPayloadTooLarge, len(data), d.maxPayload)
	}
	return decodeMsgpackPacket(data)
}

// mpReader reads msgpack values from one message with vmihailenco/msgpack,
// bounding every length by the bytes left so that a forged header cannot
// make it allocate more than the message's size.
type mpReader struct {
	data []byte
	r    *bytes.Reader
	d    *msgpack.Decoder
}

func (m *mpReader) left() int { return m.r.Len() }

// peek2 returns the byte after the next one, or -1.
func (m *mpReader) peekAt(k int) int {
	off := len(m.data) - m.r.Len() + k
	if off < len(m.data) {
		return int(m.data[off])
	}
	return -1
}

// raw reads n bytes, n having been announced by a header.
func (m *mpReader) raw(n int) ([]byte, error) {
	if n < 0 || n > m.left() {
		return nil, fmt.Errorf("%w: length %d exceeds the message", ErrInvalidMsgpack, n)
	}
	b := make([]byte, n)
	if err := m.d.ReadFull(b); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidMsgpack, err)
	}
	return b, nil
}

// strOrBin reads a str or bin value.
func (m *mpReader) strOrBin() ([]byte, error) {
	n, err := m.d.DecodeBytesLen()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidMsgpack, err)
	}
	return m.raw(n)
}

// container reads an array or map header and checks its count against the
// bytes left (each element takes at least one).
func (m *mpReader) container(isMap bool) (int, error) {
	var n int
	var err error
	if isMap {
		n, err = m.d.DecodeMapLen()
	} else {
		n, err = m.d.DecodeArrayLen()
	}
	if err != nil {
		return 0, fmt.Errorf("%w: %v", ErrInvalidMsgpack, err)
	}
	if n < 0 || n > m.left() {
		return 0, fmt.Errorf("%w: count %d exceeds the message", ErrInvalidMsgpack, n)
	}
	return n, nil
}

// isUndefined reports whether the next value is notepack.io's undefined,
// the fixext 1 of type 0.
func (m *mpReader) isUndefined() bool {
	return m.peekAt(0) == int(msgpcode.FixExt1) && m.peekAt(1) == 0
}

// number reads an integer or float value as a float64 (JS's view of it).
func (m *mpReader) number() (float64, bool) {
	c, err := m.d.PeekCode()
	if err != nil {
		return 0, false
	}
	switch {
	case msgpcode.IsFixedNum(c), c == msgpcode.Int8, c == msgpcode.Int16, c == msgpcode.Int32, c == msgpcode.Int64,
		c == msgpcode.Uint8, c == msgpcode.Uint16, c == msgpcode.Uint32:
		i, err := m.d.DecodeInt64()
		return float64(i), err == nil
	case c == msgpcode.Uint64:
		u, err := m.d.DecodeUint64()
		return float64(u), err == nil
	case c == msgpcode.Float, c == msgpcode.Double:
		f, err := m.d.DecodeFloat64()
		return f, err == nil
	}
	return 0, false
}

// msgpackPacketFields are the members of a packet map, as read.
type msgpackPacketFields struct {
	typ, id         float64
	hasType, hasID  bool
	nsp             string
	hasNsp, hasData bool
	data            []byte // JSON
	attachments     [][]byte
}

func decodeMsgpackPacket(data []byte) (*SocketIOPacket, error) {
	r := bytes.NewReader(data)
	m := &mpReader{data: data, r: r, d: msgpack.NewDecoder(r)}
	c, err := m.d.PeekCode()
	if err != nil {
		return nil, fmt.Errorf("%w: empty message", ErrInvalidMsgpack)
	}
	if !msgpcode.IsFixedMap(c) && c != msgpcode.Map16 && c != msgpcode.Map32 {
		return nil, fmt.Errorf("%w: a packet is a map", ErrInvalidMsgpack)
	}
	n, err := m.container(true)
	if err != nil {
		return nil, err
	}
	var f msgpackPacketFields
	t := jsonTranscoder{m: m}
	for range n {
		key, err := t.key()
		if err != nil {
			return nil, err
		}
		undefined := m.isUndefined()
		switch {
		case undefined:
			// notepack.io's undefined: as if the member were absent.
			if _, err := t.skip(); err != nil {
				return nil, err
			}
			switch key {
			case "type":
				f.hasType = false
			case "nsp":
				f.hasNsp = false
			case "data":
				f.hasData, f.data, f.attachments = false, nil, nil
			case "id":
				f.hasID = false
			}
		case key == "type":
			if f.typ, f.hasType = m.number(); !f.hasType {
				return nil, fmt.Errorf("%w: type is not a number", errUnknownType)
			}
		case key == "id":
			if f.id, f.hasID = m.number(); !f.hasID {
				return nil, fmt.Errorf("%w: id is not a number", errBadAckID)
			}
		case key == "nsp":
			if c, _ := m.d.PeekCode(); !msgpcode.IsString(c) {
				return nil, fmt.Errorf("%w: nsp is not a string", errBadNamespace)
			}
			b, err := m.strOrBin()
			if err != nil {
				return nil, err
			}
			f.nsp, f.hasNsp = string(b), true
		case key == "data":
			t.out, t.attachments = nil, nil
			if err := t.value(0); err != nil {
				return nil, err
			}
			f.hasData, f.data, f.attachments = true, t.out, t.attachments
		default:
			if _, err := t.skip(); err != nil {
				return nil, err
			}
		}
	}
	if m.left() != 0 {
		return nil, fmt.Errorf("%w: %d trailing bytes", ErrInvalidMsgpack, m.left())
	}
	return f.packet()
}

// packet checks the fields as socket.io-msgpack-parser does (type 0..4, a
// string nsp, an integer id if any), then the payload as DefaultParser
// does.
func (f *msgpackPacketFields) packet() (*SocketIOPacket, error) {
	if !f.hasType || f.typ != math.Trunc(f.typ) || f.typ < 0 || f.typ > float64(PacketConnectError) {
		return nil, fmt.Errorf("%w: msgpack packet type must be 0..4", errUnknownType)
	}
	if !f.hasNsp {
		return nil, fmt.Errorf("%w: missing", errBadNamespace)
	}
	if err := checkNamespace([]byte(f.nsp)); err != nil {
		return nil, err
	}
	// DefaultParser cannot carry a ',' in a namespace: refused here too,
	// so that every namespace the server knows fits both formats.
	if strings.IndexByte(f.nsp, ',') >= 0 {
		return nil, fmt.Errorf("%w: ',' in %q", errBadNamespace, f.nsp)
	}
	p := &SocketIOPacket{Type: PacketType(f.typ), Namespace: f.nsp, ID: NoAckID}
	if f.hasID {
		if f.id != math.Trunc(f.id) || f.id < 0 || f.id >= math.MaxInt64 {
			return nil, fmt.Errorf("%w: %v", errBadAckID, f.id)
		}
		p.ID = int64(f.id)
	}
	if f.hasData {
		p.Data = f.data
	}
	if len(f.attachments) > 0 {
		switch p.Type {
		case PacketEvent:
			p.Type, p.Attachments = PacketBinaryEvent, f.attachments
		case PacketAck:
			p.Type, p.Attachments = PacketBinaryAck, f.attachments
		default:
			// Only events and acks carry attachments: binary in a
			// CONNECT's auth (or a CONNECT_ERROR) becomes base64 text,
			// which encoding/json decodes into a []byte as well.
			inlined, _, err := inlineAttachments(p.Data, f.attachments)
			if err != nil {
				return nil, err
			}
			p.Data = inlined
		}
	}
	if err := checkPayloadShape(p.Type, p.Data, false); err != nil {
		return nil, err
	}
	// In a packet with bin values, a map the client wrote as
	// {_placeholder: true, num: n} must name one of them, as with
	// DefaultParser's binary packets.
	if len(p.Attachments) > 0 && mayHoldPlaceholder(p.Data) {
		if err := checkPlaceholders(p.Data, len(p.Attachments)); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// jsonTranscoder writes msgpack values as JSON to out, bin values as
// placeholders for attachments, the way JSON.stringify would write the
// value notepack.io decodes (undefined as null in arrays, left out of
// objects; a Date as its ISO text).
type jsonTranscoder struct {
	m           *mpReader
	out         []byte
	attachments [][]byte
}

// skip reads a value and drops it.
func (t *jsonTranscoder) skip() ([]byte, error) {
	saved, savedAtt := t.out, t.attachments
	t.out, t.attachments = nil, nil
	err := t.value(0)
	t.out, t.attachments = saved, savedAtt
	return nil, err
}

// key reads a map key: JS makes a string of any key, here strings and
// numbers are accepted.
func (t *jsonTranscoder) key() (string, error) {
	c, err := t.m.d.PeekCode()
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrInvalidMsgpack, err)
	}
	if msgpcode.IsString(c) {
		b, err := t.m.strOrBin()
		return string(b), err
	}
	if f, ok := t.m.number(); ok {
		return strconv.FormatFloat(f, 'g', -1, 64), nil
	}
	return "", fmt.Errorf("%w: map key of code %#x", ErrInvalidMsgpack, c)
}

func (t *jsonTranscoder) value(depth int) error {
	if depth > maxJSONDepth {
		return fmt.Errorf("%w: nested deeper than %d", ErrInvalidMsgpack, maxJSONDepth)
	}
	m := t.m
	c, err := m.d.PeekCode()
	if err != nil {
		return fmt.Errorf("%w: %v", ErrInvalidMsgpack, err)
	}
	switch {
	case c == msgpcode.Nil:
		_ = m.d.DecodeNil()
		t.out = append(t.out, "null"...)
	case c == msgpcode.True || c == msgpcode.False:
		b, _ := m.d.DecodeBool()
		t.out = strconv.AppendBool(t.out, b)
	case c == msgpcode.Uint64:
		u, err := m.d.DecodeUint64()
		if err != nil {
			return fmt.Errorf("%w: %v", ErrInvalidMsgpack, err)
		}
		t.out = strconv.AppendUint(t.out, u, 10)
	case msgpcode.IsFixedNum(c), c == msgpcode.Int8, c == msgpcode.Int16, c == msgpcode.Int32, c == msgpcode.Int64,
		c == msgpcode.Uint8, c == msgpcode.Uint16, c == msgpcode.Uint32:
		i, err := m.d.DecodeInt64()
		if err != nil {
			return fmt.Errorf("%w: %v", ErrInvalidMsgpack, err)
		}
		t.out = strconv.AppendInt(t.out, i, 10)
	case c == msgpcode.Float || c == msgpcode.Double:
		f, err := m.d.DecodeFloat64()
		if err != nil {
			return fmt.Errorf("%w: %v", ErrInvalidMsgpack, err)
		}
		t.float(f)
	case msgpcode.IsString(c):
		b, err := m.strOrBin()
		if err != nil {
			return err
		}
		t.out = appendJSONString(t.out, string(b))
	case msgpcode.IsBin(c):
		b, err := m.strOrBin()
		if err != nil {
			return err
		}
		t.binary(b)
	case msgpcode.IsFixedArray(c) || c == msgpcode.Array16 || c == msgpcode.Array32:
		n, err := m.container(false)
		if err != nil {
			return err
		}
		t.out = append(t.out, '[')
		for i := range n {
			if i > 0 {
				t.out = append(t.out, ',')
			}
			if err := t.value(depth + 1); err != nil {
				return err
			}
		}
		t.out = append(t.out, ']')
	case msgpcode.IsFixedMap(c) || c == msgpcode.Map16 || c == msgpcode.Map32:
		n, err := m.container(true)
		if err != nil {
			return err
		}
		t.out = append(t.out, '{')
		first := true
		for range n {
			k, err := t.key()
			if err != nil {
				return err
			}
			if m.isUndefined() {
				if _, err := t.skip(); err != nil {
					return err
				}
				continue
			}
			if !first {
				t.out = append(t.out, ',')
			}
			first = false
			t.out = appendJSONString(t.out, k)
			t.out = append(t.out, ':')
			if err := t.value(depth + 1); err != nil {
				return err
			}
		}
		t.out = append(t.out, '}')
	case msgpcode.IsExt(c):
		return t.ext(c)
	default:
		return fmt.Errorf("%w: code %#x", ErrInvalidMsgpack, c)
	}
	return nil
}

// ext writes an extension value as notepack.io decodes it: type 0 is
// undefined (fixext 1), a Date (fixext 8, milliseconds since the epoch) or
// an ArrayBuffer (ext 8/16/32); any other is the array [type, bytes].
func (t *jsonTranscoder) ext(c byte) error {
	id, n, err := t.m.d.DecodeExtHeader()
	if err != nil {
		return fmt.Errorf("%w: %v", ErrInvalidMsgpack, err)
	}
	b, err := t.m.raw(n)
	if err != nil {
		return err
	}
	switch {
	case id == 0 && c == msgpcode.FixExt1:
		t.out = append(t.out, "null"...)
	case id == 0 && c == msgpcode.FixExt8:
		hi := int64(int32(uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])))
		lo := int64(uint32(b[4])<<24 | uint32(b[5])<<16 | uint32(b[6])<<8 | uint32(b[7]))
		ms := hi<<32 + lo
		const maxDate = 8.64e15 // JS's largest Date
		if ms > maxDate || ms < -maxDate {
			t.out = append(t.out, "null"...) // an Invalid Date stringifies as null
			return nil
		}
		text := time.UnixMilli(ms).UTC().Format("2006-01-02T15:04:05.000Z")
		t.out = appendJSONString(t.out, text)
	case id == 0 && (c == msgpcode.Ext8 || c == msgpcode.Ext16 || c == msgpcode.Ext32):
		t.binary(b)
	default:
		t.out = append(t.out, '[')
		t.out = strconv.AppendInt(t.out, int64(id), 10)
		t.out = append(t.out, ',')
		t.binary(b)
		t.out = append(t.out, ']')
	}
	return nil
}

// binary writes a placeholder for b, which becomes the next attachment.
func (t *jsonTranscoder) binary(b []byte) {
	t.out = appendPlaceholder(t.out, len(t.attachments))
	t.attachments = append(t.attachments, b)
}

// float writes f as JSON.stringify does: NaN and the infinities are null.
func (t *jsonTranscoder) float(f float64) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		t.out = append(t.out, "null"...)
		return
	}
	t.out = strconv.AppendFloat(t.out, f, 'g', -1, 64)
}
