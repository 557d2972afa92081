package socketio

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/gosio/gosio/sio/engineio"
)

// This file owns the encoder of the msgpack format of socket.io-msgpack-parser
// 3.x: a packet is ONE binary Engine.IO message, the msgpack map
// {type, data, nsp, id} that notepack.io makes of the JS packet object,
// with binary values as msgpack bin and no attachment.
//
// The packet's payload is built as JSON first (encodeArgs: encoding/json's
// field rules, json struct tags), then transcoded here, so that a handler
// emits the same values whichever parser the server uses.

// MsgpackParser is the format of the npm package socket.io-msgpack-parser
// (3.0.x), for clients made with `io(url, {parser:
// require("socket.io-msgpack-parser")})`. Numbers that are integers are
// sent as msgpack integers and others as float64, strings as str, []byte
// as bin, as notepack.io does; decoded packets reach handlers as the same
// Args as with DefaultParser: bin (a Node Buffer, a browser ArrayBuffer)
// and ext type 0 (an ArrayBuffer from Node) decode into []byte. As with a
// Node.js server, a typed array sent by the browser build arrives as an
// object of its indices ({"0":5,"1":6}): browsers should send ArrayBuffers.
// Binary inside a CONNECT's auth arrives as base64 text, which decodes
// into []byte too.
var MsgpackParser Parser = msgpackParser{}

type msgpackParser struct{}

// errMsgpackEncode reports a payload the encoder cannot transcode: not
// valid JSON, which only a json.RawMessage argument can bring.
var errMsgpackEncode = errors.New("socketio: msgpack: payload is not valid JSON")

func (msgpackParser) Encode(p *SocketIOPacket) (engineio.Message, [][]byte, error) {
	buf := make(mpBuf, 0, 16+len(p.Namespace)+len(p.Data)+attachmentsLen(p.Attachments))
	enc := msgpack.NewEncoder(&buf)
	n := 2
	if p.Data != nil {
		n++
	}
	if p.ID >= 0 {
		n++
	}
	// The msgpack parser knows no BINARY_* type: binary travels inline.
	t := p.Type
	switch t {
	case PacketBinaryEvent:
		t = PacketEvent
	case PacketBinaryAck:
		t = PacketAck
	}
	_ = enc.EncodeMapLen(n) // a bytes.Buffer does not fail
	_ = enc.EncodeString("type")
	_ = enc.EncodeInt(int64(t))
	if p.Data != nil {
		_ = enc.EncodeString("data")
		if err := transcodeJSON(&buf, enc, p.Data, p.Attachments); err != nil {
			return engineio.Message{}, nil, err
		}
	}
	_ = enc.EncodeString("nsp")
	nsp := p.Namespace // as the client wrote it, even without a leading '/'
	if nsp == "" {
		nsp = mainNamespace
	}
	_ = enc.EncodeString(nsp)
	if p.ID >= 0 {
		_ = enc.EncodeString("id")
		_ = enc.EncodeInt(p.ID)
	}
	return engineio.Message{Data: buf, Binary: true}, nil, nil
}

// transcodeJSON writes the JSON document data as msgpack, placeholders
// replaced by their attachments.
func transcodeJSON(out *mpBuf, enc *msgpack.Encoder, data []byte, attachments [][]byte) error {
	if !validJSON(data) {
		return errMsgpackEncode
	}
	t := jsonToMsgpack{in: data, out: out, enc: enc, attachments: attachments}
	if len(attachments) > 0 && mayHoldPlaceholder(data) {
		spans, err := findPlaceholders(data)
		if err != nil {
			return fmt.Errorf("%w: %v", errMsgpackEncode, err)
		}
		t.spans = spans
	}
	_, err := t.value(0)
	return err
}

func attachmentsLen(a [][]byte) int {
	n := 0
	for _, b := range a {
		n += len(b) + 5
	}
	return n
}

// mpBuf is the encoder's output; it is an io.ByteWriter, so that
// msgpack.Encoder writes to it directly, and the transcoder may patch it.
type mpBuf []byte

func (b *mpBuf) Write(p []byte) (int, error) { *b = append(*b, p...); return len(p), nil }

func (b *mpBuf) WriteByte(c byte) error { *b = append(*b, c); return nil }

// appendStr writes the msgpack str of the UTF-8 text s.
func (b *mpBuf) appendStr(s []byte) {
	n := len(s)
	switch {
	case n < 32:
		*b = append(*b, 0xa0|byte(n))
	case n <= math.MaxUint8:
		*b = append(*b, 0xd9, byte(n))
	case n <= math.MaxUint16:
		*b = append(*b, 0xda, byte(n>>8), byte(n))
	default:
		*b = append(*b, 0xdb, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
	*b = append(*b, s...)
}

// containerHeader returns the header of an array or map of n elements
// (msgpack spec: fixarray / array 16 / array 32, fixmap / map 16 / map 32),
// in an array of the largest size.
func containerHeader(n int, isMap bool) []byte {
	var h [maxContainerHeader]byte
	fix, c16, c32 := byte(0x90), byte(0xdc), byte(0xdd)
	if isMap {
		fix, c16, c32 = 0x80, 0xde, 0xdf
	}
	switch {
	case n < 16:
		h[0] = fix | byte(n)
		return h[:1]
	case n <= math.MaxUint16:
		h[0], h[1], h[2] = c16, byte(n>>8), byte(n)
		return h[:3]
	default:
		h[0], h[1], h[2], h[3], h[4] = c32, byte(n>>24), byte(n>>16), byte(n>>8), byte(n)
		return h[:5]
	}
}

// smallJSONInt parses a JSON integer of at most 18 digits, the common
// case, without the strconv round trip.
func smallJSONInt(b []byte) (int64, bool) {
	neg := len(b) > 0 && b[0] == '-'
	if neg {
		b = b[1:]
	}
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}

// jsonToMsgpack transcodes one valid JSON document (checked by the caller)
// in order: objects keep their members' order, and each placeholder of
// spans (document order) becomes its attachment as bin.
type jsonToMsgpack struct {
	in          []byte
	out         *mpBuf
	enc         *msgpack.Encoder
	attachments [][]byte
	spans       []placeholderSpan
}

// maxContainerHeader is the size of an array 32 or map 32 header.
const maxContainerHeader = 5

func (t *jsonToMsgpack) value(i int) (int, error) {
	i = skipJSONSpace(t.in, i)
	switch c := t.in[i]; {
	case c == '"':
		end, escaped, _ := scanJSONString(t.in, i)
		raw := t.in[i+1 : end-1]
		if escaped || !utf8.Valid(raw) {
			var s string
			if err := json.Unmarshal(t.in[i:end], &s); err != nil {
				return 0, fmt.Errorf("%w: %v", errMsgpackEncode, err)
			}
			return end, t.enc.EncodeString(s)
		}
		t.out.appendStr(raw)
		return end, nil
	case c == '[':
		return t.container(i, false)
	case c == '{':
		if len(t.spans) > 0 && t.spans[0].start == i {
			sp := t.spans[0]
			t.spans = t.spans[1:]
			if k, err := placeholderIndex(t.in, sp, len(t.attachments)); err == nil {
				return sp.end, t.enc.EncodeBytes(t.attachments[k])
			}
		}
		return t.container(i, true)
	case c == 't':
		return i + 4, t.enc.EncodeBool(true)
	case c == 'f':
		return i + 5, t.enc.EncodeBool(false)
	case c == 'n':
		return i + 4, t.enc.EncodeNil()
	default:
		end := scanJSONLiteral(t.in, i)
		if n, ok := smallJSONInt(t.in[i:end]); ok {
			return end, t.enc.EncodeInt(n)
		}
		return end, encodeJSONNumber(t.enc, string(t.in[i:end]))
	}
}

// container transcodes the array or object at in[i]. Its header, whose
// size depends on the count, is written once the count is known: room for
// the largest is kept, and the elements moved back over what is not used.
func (t *jsonToMsgpack) container(i int, isObject bool) (int, error) {
	start := len(*t.out)
	*t.out = append(*t.out, make([]byte, maxContainerHeader)...)
	closing := byte(']')
	if isObject {
		closing = '}'
	}
	n := 0
	i = skipJSONSpace(t.in, i+1)
	for t.in[i] != closing {
		if isObject {
			var err error
			if i, err = t.value(i); err != nil { // the member name
				return 0, err
			}
			i = skipJSONSpace(t.in, i) + 1 // ':'
		}
		var err error
		if i, err = t.value(i); err != nil {
			return 0, err
		}
		n++
		i = skipJSONSpace(t.in, i)
		if t.in[i] == ',' {
			i = skipJSONSpace(t.in, i+1)
		}
	}
	hdr := containerHeader(n, isObject)
	out := *t.out
	copy(out[start+len(hdr):], out[start+maxContainerHeader:])
	out = out[:len(out)-(maxContainerHeader-len(hdr))]
	copy(out[start:], hdr)
	*t.out = out
	return i + 1, nil
}

// maxSafeInteger is 2^53: the integers a float64 holds exactly.
const maxSafeInteger = 1 << 53

// encodeJSONNumber writes a JSON number as an integer when it is one (JS
// has one number type; notepack.io writes integral values as integers),
// else as a float64.
func encodeJSONNumber(enc *msgpack.Encoder, s string) error {
	if !strings.ContainsAny(s, ".eE") {
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			return enc.EncodeInt(i)
		}
		if u, err := strconv.ParseUint(s, 10, 64); err == nil {
			return enc.EncodeUint(u)
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return fmt.Errorf("%w: number %q", errMsgpackEncode, s)
	}
	if f == math.Trunc(f) && math.Abs(f) <= maxSafeInteger {
		return enc.EncodeInt(int64(f))
	}
	return enc.EncodeFloat64(f)
}
