package socketio

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/gosio/gosio/sio/engineio"
)

// This file owns the encoder of the msgpack format of socket.io-msgpack-parser
// 3.x: a packet is ONE binary Engine.IO message, the msgpack map
// {type, data, nsp, id} that notepack.io makes of the JS packet object,
// with binary values as msgpack bin and no attachment.
//
// The packet's payload is built as JSON first (EncodeArgs: encoding/json's
// field rules, json struct tags), then transcoded here, so that a handler
// emits the same values whichever parser the server uses.

// MsgpackParser is the format of the npm package socket.io-msgpack-parser
// (3.0.x), for clients made with `io(url, {parser:
// require("socket.io-msgpack-parser")})`. Numbers that are integers are
// sent as msgpack integers and others as float64, strings as str, []byte
// as bin, as notepack.io does; decoded packets reach handlers as the same
// Args as with DefaultParser ([]byte values decode from bin).
var MsgpackParser Parser = msgpackParser{}

type msgpackParser struct{}

// errMsgpackEncode reports a payload the encoder cannot transcode: not
// valid JSON, which only a json.RawMessage argument can bring.
var errMsgpackEncode = errors.New("socketio: msgpack: payload is not valid JSON")

func (msgpackParser) Encode(p *SocketIOPacket) (engineio.Message, [][]byte, error) {
	var buf bytes.Buffer
	buf.Grow(16 + len(p.Namespace) + len(p.Data) + attachmentsLen(p.Attachments))
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
		dec := json.NewDecoder(bytes.NewReader(p.Data))
		dec.UseNumber()
		v, err := readJSONNode(dec, 0)
		if err != nil {
			return engineio.Message{}, nil, fmt.Errorf("%w: %v", errMsgpackEncode, err)
		}
		if len(bytes.TrimSpace(p.Data[dec.InputOffset():])) > 0 {
			return engineio.Message{}, nil, fmt.Errorf("%w: trailing data", errMsgpackEncode)
		}
		if err := v.encode(enc, p.Attachments); err != nil {
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
	return engineio.Message{Data: buf.Bytes(), Binary: true}, nil, nil
}

func attachmentsLen(a [][]byte) int {
	n := 0
	for _, b := range a {
		n += len(b) + 5
	}
	return n
}

// jsonNode is one JSON value read in order: objects keep their members'
// order, which a Go map would lose.
type jsonNode struct {
	kind  byte // 'n' null, 'b' bool, '0' number, 's' string, '[' array, '{' object
	b     bool
	s     string // string value, or number text
	keys  []string
	elems []jsonNode
}

// readJSONNode reads one value from dec, which uses json.Number.
func readJSONNode(dec *json.Decoder, depth int) (jsonNode, error) {
	if depth > maxJSONDepth {
		return jsonNode{}, errors.New("nested too deeply")
	}
	tok, err := dec.Token()
	if err != nil {
		return jsonNode{}, err
	}
	switch tok := tok.(type) {
	case nil:
		return jsonNode{kind: 'n'}, nil
	case bool:
		return jsonNode{kind: 'b', b: tok}, nil
	case json.Number:
		return jsonNode{kind: '0', s: string(tok)}, nil
	case string:
		return jsonNode{kind: 's', s: tok}, nil
	case json.Delim:
		switch tok {
		case '[':
			n := jsonNode{kind: '['}
			for dec.More() {
				e, err := readJSONNode(dec, depth+1)
				if err != nil {
					return jsonNode{}, err
				}
				n.elems = append(n.elems, e)
			}
			_, err := dec.Token() // ']'
			return n, err
		case '{':
			n := jsonNode{kind: '{'}
			for dec.More() {
				k, err := dec.Token()
				if err != nil {
					return jsonNode{}, err
				}
				e, err := readJSONNode(dec, depth+1)
				if err != nil {
					return jsonNode{}, err
				}
				n.keys = append(n.keys, k.(string))
				n.elems = append(n.elems, e)
			}
			_, err := dec.Token() // '}'
			return n, err
		}
	}
	return jsonNode{}, fmt.Errorf("unexpected token %v", tok)
}

// placeholder returns the attachment index n stands for, if n is a
// {"_placeholder":true,"num":k} object and k indexes an attachment.
func (n *jsonNode) placeholder(attachments [][]byte) (int, bool) {
	if n.kind != '{' || len(n.keys) != 2 || len(attachments) == 0 {
		return 0, false
	}
	flag, num := -1, -1
	for i, k := range n.keys {
		switch k {
		case "_placeholder":
			flag = i
		case "num":
			num = i
		}
	}
	if flag < 0 || num < 0 || n.elems[flag].kind != 'b' || !n.elems[flag].b || n.elems[num].kind != '0' {
		return 0, false
	}
	k, err := strconv.Atoi(n.elems[num].s)
	if err != nil || k < 0 || k >= len(attachments) {
		return 0, false
	}
	return k, true
}

// encode writes n as notepack.io would write the JS value JSON.parse makes
// of it, placeholders replaced by their attachments as bin.
func (n *jsonNode) encode(enc *msgpack.Encoder, attachments [][]byte) error {
	switch n.kind {
	case 'n':
		return enc.EncodeNil()
	case 'b':
		return enc.EncodeBool(n.b)
	case 's':
		return enc.EncodeString(n.s)
	case '0':
		return encodeJSONNumber(enc, n.s)
	case '[':
		if err := enc.EncodeArrayLen(len(n.elems)); err != nil {
			return err
		}
		for i := range n.elems {
			if err := n.elems[i].encode(enc, attachments); err != nil {
				return err
			}
		}
		return nil
	default: // '{'
		if k, ok := n.placeholder(attachments); ok {
			return enc.EncodeBytes(attachments[k])
		}
		if err := enc.EncodeMapLen(len(n.keys)); err != nil {
			return err
		}
		for i, k := range n.keys {
			if err := enc.EncodeString(k); err != nil {
				return err
			}
			if err := n.elems[i].encode(enc, attachments); err != nil {
				return err
			}
		}
		return nil
	}
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
