package socketio

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// fuzzParserOptions keeps the attachment limit small so that the fuzzer can
// reach the "complete binary packet" states.
var fuzzParserOptions = &ParserOptions{MaxAttachments: 4}

// FuzzDecode feeds a text message, then up to two binary messages, to a
// parser. Decoding must never panic; errors must wrap ErrInvalidPacket; a
// decoded packet must satisfy the codec invariants, re-encode to a frame
// that decodes to an equal packet, and its arguments must survive the
// argument helpers.
func FuzzDecode(f *testing.F) {
	for _, tc := range parserCases {
		var a0, a1 []byte
		if len(tc.attachments) > 0 {
			a0 = tc.attachments[0]
		}
		if len(tc.attachments) > 1 {
			a1 = tc.attachments[1]
		}
		f.Add([]byte(tc.wire), a0, a1, uint8(len(tc.attachments)))
	}
	for _, tc := range parserErrorCases {
		f.Add([]byte(tc.messages[0].data), []byte("x"), []byte("y"), uint8(len(tc.messages)-1))
	}
	f.Add([]byte(`2["a",{"_placeholder":true,"num":0}]`), []byte{}, []byte{}, uint8(0))
	f.Add([]byte(`52-/n,9["e",{"k":[{"_placeholder":true,"num":1}]},{"_placeholder":true,"num":0}]`), []byte{1}, []byte{2}, uint8(2))

	f.Fuzz(func(t *testing.T, text, att0, att1 []byte, count uint8) {
		atts := [][]byte{att0, att1}[:count%3]
		pkt, err := fuzzFeed(text, atts)
		if err != nil {
			if !errors.Is(err, ErrInvalidPacket) {
				t.Fatalf("error %v does not wrap ErrInvalidPacket", err)
			}
			return
		}
		if pkt == nil {
			return // still waiting for attachments
		}
		checkPacketInvariants(t, pkt)

		wire := encodeTextPacket(pkt)
		again, err := fuzzFeed(wire, pkt.Attachments)
		if err != nil || again == nil {
			t.Fatalf("re-decoding %q: packet %v, error %v", wire, again, err)
		}
		if !reflect.DeepEqual(pkt, again) {
			t.Fatalf("round trip changed the packet:\n%#v\n%#v", pkt, again)
		}
		if w2 := encodeTextPacket(again); !bytes.Equal(w2, wire) {
			t.Fatalf("encoding is not stable: %q then %q", wire, w2)
		}

		if pkt.Type == PacketEvent || pkt.Type == PacketAck || pkt.Type.isBinary() {
			checkArgs(t, pkt)
		}
	})
}

func fuzzFeed(text []byte, atts [][]byte) (*SocketIOPacket, error) {
	p := NewSocketIOParser(fuzzParserOptions)
	pkt, err := p.Add(text, false)
	for _, a := range atts {
		if err != nil || pkt != nil {
			break
		}
		pkt, err = p.Add(a, true)
	}
	return pkt, err
}

func checkPacketInvariants(t *testing.T, pkt *SocketIOPacket) {
	t.Helper()
	if !pkt.Type.valid() {
		t.Fatalf("invalid type %d", pkt.Type)
	}
	if !strings.HasPrefix(pkt.Namespace, "/") || strings.Contains(pkt.Namespace, ",") {
		t.Fatalf("bad namespace %q", pkt.Namespace)
	}
	if pkt.ID < NoAckID {
		t.Fatalf("bad id %d", pkt.ID)
	}
	if pkt.Data != nil && !json.Valid(pkt.Data) {
		t.Fatalf("invalid JSON payload %q", pkt.Data)
	}
	if !pkt.Type.isBinary() && pkt.Attachments != nil {
		t.Fatalf("attachments on %s", pkt.Type)
	}
	if pkt.Type.isBinary() {
		if err := checkPlaceholders(pkt.Data, len(pkt.Attachments)); err != nil {
			t.Fatalf("complete binary packet with bad placeholders: %v", err)
		}
	}
	if len(pkt.Attachments) > fuzzParserOptions.MaxAttachments {
		t.Fatalf("%d attachments", len(pkt.Attachments))
	}
}

// checkArgs runs the argument helpers over an EVENT or ACK payload.
func checkArgs(t *testing.T, pkt *SocketIOPacket) {
	t.Helper()
	args, err := splitArgs(pkt.Data)
	if err != nil {
		t.Fatalf("splitArgs on an accepted %s payload: %v", pkt.Type, err)
	}
	if (pkt.Type == PacketEvent || pkt.Type == PacketBinaryEvent) && len(args) == 0 {
		t.Fatalf("event without name accepted")
	}
	values := make([]any, 0, len(args))
	for _, arg := range args {
		v, err := decodeAny(arg, pkt.Attachments)
		if err != nil {
			if pkt.Type.isBinary() && errors.Is(err, errBadPlaceholder) {
				t.Fatalf("placeholder accepted by the parser rejected by decodeAny: %v", err)
			}
			return // e.g. a number beyond float64, or a fake placeholder in a text packet
		}
		// The scanner used for typed targets must agree with the tree.
		var viaScanner any
		if err := decodeArg(arg, pkt.Attachments, &viaScanner); err != nil {
			t.Fatalf("decodeArg(*any) failed where decodeAny succeeded: %v", err)
		}
		inlined, _, err := inlineAttachments(arg, pkt.Attachments)
		if err != nil {
			t.Fatalf("inlineAttachments failed where decodeAny succeeded: %v", err)
		}
		var typed any
		if err := json.Unmarshal(inlined, &typed); err != nil {
			t.Fatalf("inlined argument %q is not valid JSON: %v", inlined, err)
		}
		if !reflect.DeepEqual(bytesToBase64(v), typed) {
			t.Fatalf("scanner and tree disagree on %q:\n%#v\n%#v", arg, bytesToBase64(v), typed)
		}
		values = append(values, v)
		checkTypedTargets(t, arg, pkt.Attachments, v)
	}

	// Generic values re-encode to the same tree, binary included.
	data, atts, err := encodeArgs(values...)
	if err != nil {
		t.Fatalf("encodeArgs of decoded values: %v", err)
	}
	if anyBinary(values...) != (len(atts) > 0) {
		t.Fatalf("anyBinary disagrees with encodeArgs")
	}
	var back []any
	if err := decodeArg(data, atts, &back); err != nil {
		t.Fatalf("decoding re-encoded args %q: %v", data, err)
	}
	if len(values) == 0 {
		values = []any{}
	}
	if !reflect.DeepEqual(back, values) {
		t.Fatalf("args round trip:\n%#v\n%#v", values, back)
	}
}

// FuzzValidJSON checks that the package's validator accepts exactly what
// encoding/json accepts, and that splitArgs agrees with both.
func FuzzValidJSON(f *testing.F) {
	for _, s := range []string{`[1,"a",{"b":[true,null]}]`, `{"a":1e5}`, `"\u00e9"`, ` [ ] `, `-0.5E-3`, `[1,]`, `{"a"}`, "\"\x01\""} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		want := json.Valid(b)
		if got := validJSON(b); got != want {
			t.Fatalf("validJSON(%q) = %v, json.Valid = %v", b, got, want)
		}
		args, err := splitArgs(b)
		var arr []json.RawMessage
		arrErr := json.Unmarshal(b, &arr)
		isArray := arrErr == nil && arr != nil // JSON null leaves arr nil
		if (err == nil) != isArray {
			t.Fatalf("splitArgs(%q) error %v, json.Unmarshal error %v", b, err, arrErr)
		}
		if err == nil {
			if len(args) != len(arr) {
				t.Fatalf("splitArgs(%q): %d elements, want %d", b, len(args), len(arr))
			}
			for i := range args {
				if !bytes.Equal(args[i], arr[i]) {
					t.Fatalf("splitArgs(%q)[%d] = %q, want %q", b, i, args[i], arr[i])
				}
			}
		}
	})
}

// fuzzTarget has []byte and interface places at several depths, so that
// decodeArg exercises both the base64 rewrite and the interface restore.
type fuzzTarget struct {
	argsEmbedded
	S    string            `json:"s"`
	B    []byte            `json:"b"`
	A    any               `json:"a"`
	L    []any             `json:"l"`
	M    map[string]any    `json:"m"`
	K    map[argsKey][]any `json:"k"`
	P    *fuzzTarget       `json:"p"`
	Arr  [2]any            `json:"arr"`
	Ptrs []*struct{ V any }
}

// checkTypedTargets decodes one argument into typed targets: no panic, and
// where a generic target succeeds it must hold the decodeAny tree.
func checkTypedTargets(t *testing.T, arg json.RawMessage, atts [][]byte, tree any) {
	t.Helper()
	var st fuzzTarget
	_ = decodeArg(arg, atts, &st)
	if obj, ok := tree.(map[string]any); ok {
		var m map[string]any
		if err := decodeArg(arg, atts, &m); err != nil {
			t.Fatalf("decodeArg(*map[string]any) on an object: %v", err)
		}
		if !reflect.DeepEqual(m, obj) {
			t.Fatalf("map target differs from decodeAny:\n%#v\n%#v", m, obj)
		}
	}
	if b, ok := tree.([]byte); ok {
		var got []byte
		if err := decodeArg(arg, atts, &got); err != nil || !bytes.Equal(got, b) {
			t.Fatalf("decodeArg(*[]byte) = %v, %v; want %v", got, err, b)
		}
	}
}

// FuzzEncodeDecode is the other direction of FuzzDecode: it builds a valid
// packet from the fuzz values (any type, a namespace, an ack id, EVENT and
// ACK arguments made by encodeEvent and encodeArgs, binary included),
// encodes it, decodes the frame and its attachments, and wants the very
// packet back, with arguments that decode to the values encoded.
func FuzzEncodeDecode(f *testing.F) {
	f.Add(uint8(2), "", int64(-1), "message", "hello", 1.5, []byte(nil), true)
	f.Add(uint8(2), "/chat", int64(12), "e", "", -0.0, []byte{1, 2, 3}, false)
	f.Add(uint8(3), "/ñ", int64(1<<53+1), "", "\u2028<>&\"\\\xff", 1e300, []byte{}, true)
	f.Add(uint8(0), "/a?b=c", int64(0), "token", "x", 0.0, []byte(nil), true)
	f.Add(uint8(4), "/", int64(-1), "", "not authorized", 0.0, []byte(nil), false)
	f.Fuzz(func(t *testing.T, typ uint8, nsp string, id int64, name, str string, num float64, bin []byte, flag bool) {
		nsp = "/" + strings.ReplaceAll(strings.TrimPrefix(nsp, "/"), ",", "")
		if nsp == "/" && flag {
			nsp = "" // the encoder treats "" like "/"
		}
		pkt := &SocketIOPacket{Type: PacketType(typ % 7), Namespace: nsp, ID: NoAckID}
		var values []any
		switch pkt.Type {
		case PacketConnect:
			if flag {
				data, _, err := encodeArgs(map[string]any{name: str, "n": num})
				if err != nil {
					return // NaN or an infinity: not JSON
				}
				pkt.Data = data[1 : len(data)-1]
			}
		case PacketDisconnect:
		case PacketConnectError:
			data, _, _ := encodeArgs(map[string]any{"message": str})
			pkt.Data = data[1 : len(data)-1]
		case PacketEvent, PacketAck, PacketBinaryEvent, PacketBinaryAck:
			if id >= 0 {
				pkt.ID = id
			} else if pkt.Type == PacketAck || pkt.Type == PacketBinaryAck {
				pkt.ID = -(id + 1)
			}
			var b any = bin
			if bin == nil {
				b = nil // a nil []byte is encoded as null, as encoding/json does
			}
			values = []any{str, num, flag, map[string]any{"b": b, "l": []any{b, nil}}}
			if !flag {
				values = values[:1]
			}
			var err error
			if pkt.Type == PacketEvent || pkt.Type == PacketBinaryEvent {
				pkt.Data, pkt.Attachments, err = encodeEvent(name, values...)
			} else {
				pkt.Data, pkt.Attachments, err = encodeArgs(values...)
			}
			if err != nil {
				return // NaN or an infinity
			}
			switch {
			case len(pkt.Attachments) > 0 && pkt.Type == PacketEvent:
				pkt.Type = PacketBinaryEvent
			case len(pkt.Attachments) > 0 && pkt.Type == PacketAck:
				pkt.Type = PacketBinaryAck
			case len(pkt.Attachments) == 0 && pkt.Type == PacketBinaryEvent:
				pkt.Type = PacketEvent
			case len(pkt.Attachments) == 0 && pkt.Type == PacketBinaryAck:
				pkt.Type = PacketAck
			}
		}
		wire := encodeTextPacket(pkt)
		p := NewSocketIOParser(&ParserOptions{MaxAttachments: 8})
		got, err := p.Add(wire, false)
		for _, a := range pkt.Attachments {
			if err != nil || got != nil {
				break
			}
			got, err = p.Add(a, true)
		}
		if errors.Is(err, ErrReservedEvent) && (pkt.Type == PacketEvent || pkt.Type == PacketBinaryEvent) {
			return // "connect", "disconnect", ...: refused by design
		}
		if errors.Is(err, errBadNamespace) && checkNamespace([]byte(nsp)) != nil {
			return // invalid UTF-8 or a control character: refused by design
		}
		if err != nil || got == nil {
			t.Fatalf("decoding %q (+%d attachments): packet %v, error %v", wire, len(pkt.Attachments), got, err)
		}
		want := *pkt
		if want.Namespace == "" {
			want.Namespace = "/"
		}
		if len(want.Attachments) == 0 {
			want.Attachments = nil
		}
		if !reflect.DeepEqual(got, &want) {
			t.Fatalf("encode then decode changed the packet (wire %q):\n%#v\n%#v", wire, &want, got)
		}
		if values == nil {
			return
		}
		args, err := splitArgs(got.Data)
		if err != nil {
			t.Fatalf("splitArgs(%q): %v", got.Data, err)
		}
		if pkt.Type == PacketEvent || pkt.Type == PacketBinaryEvent {
			var gotName string
			var wantName string
			nameJSON, _ := json.Marshal(name) // invalid UTF-8 becomes U+FFFD
			_ = json.Unmarshal(nameJSON, &wantName)
			if err := decodeArg(args[0], got.Attachments, &gotName); err != nil || gotName != wantName {
				t.Fatalf("event name %q decoded as %q (%v)", name, gotName, err)
			}
			args = args[1:]
		}
		var back []any
		for _, a := range args {
			v, err := decodeAny(a, got.Attachments)
			if err != nil {
				t.Fatalf("decodeAny(%q): %v", a, err)
			}
			back = append(back, v)
		}
		// Compared as JSON trees: invalid UTF-8 became U+FFFD on the way.
		var wantTree, gotTree any
		wantValues, _ := json.Marshal(bytesToBase64(values))
		gotValues, _ := json.Marshal(bytesToBase64(back))
		_ = json.Unmarshal(wantValues, &wantTree)
		_ = json.Unmarshal(gotValues, &gotTree)
		if !reflect.DeepEqual(wantTree, gotTree) {
			t.Fatalf("arguments changed:\n%s\n%s", wantValues, gotValues)
		}
	})
}
