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

		wire := EncodePacket(pkt)
		again, err := fuzzFeed(wire, pkt.Attachments)
		if err != nil || again == nil {
			t.Fatalf("re-decoding %q: packet %v, error %v", wire, again, err)
		}
		if !reflect.DeepEqual(pkt, again) {
			t.Fatalf("round trip changed the packet:\n%#v\n%#v", pkt, again)
		}
		if w2 := EncodePacket(again); !bytes.Equal(w2, wire) {
			t.Fatalf("encoding is not stable: %q then %q", wire, w2)
		}

		if pkt.Type == PacketEvent || pkt.Type == PacketAck || pkt.Type.IsBinary() {
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
	if !pkt.Type.Valid() {
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
	if !pkt.Type.IsBinary() && pkt.Attachments != nil {
		t.Fatalf("attachments on %s", pkt.Type)
	}
	if pkt.Type.IsBinary() {
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
	args, err := SplitArgs(pkt.Data)
	if err != nil {
		t.Fatalf("SplitArgs on an accepted %s payload: %v", pkt.Type, err)
	}
	if (pkt.Type == PacketEvent || pkt.Type == PacketBinaryEvent) && len(args) == 0 {
		t.Fatalf("event without name accepted")
	}
	values := make([]any, 0, len(args))
	for _, arg := range args {
		v, err := DecodeAny(arg, pkt.Attachments)
		if err != nil {
			if pkt.Type.IsBinary() && errors.Is(err, ErrBadPlaceholder) {
				t.Fatalf("placeholder accepted by the parser rejected by DecodeAny: %v", err)
			}
			return // e.g. a number beyond float64, or a fake placeholder in a text packet
		}
		// The scanner used for typed targets must agree with the tree.
		var viaScanner any
		if err := DecodeArg(arg, pkt.Attachments, &viaScanner); err != nil {
			t.Fatalf("DecodeArg(*any) failed where DecodeAny succeeded: %v", err)
		}
		inlined, _, err := inlineAttachments(arg, pkt.Attachments)
		if err != nil {
			t.Fatalf("inlineAttachments failed where DecodeAny succeeded: %v", err)
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
	data, atts, err := EncodeArgs(values...)
	if err != nil {
		t.Fatalf("EncodeArgs of decoded values: %v", err)
	}
	if HasBinary(values...) != (len(atts) > 0) {
		t.Fatalf("HasBinary disagrees with EncodeArgs")
	}
	var back []any
	if err := DecodeArg(data, atts, &back); err != nil {
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
// encoding/json accepts, and that SplitArgs agrees with both.
func FuzzValidJSON(f *testing.F) {
	for _, s := range []string{`[1,"a",{"b":[true,null]}]`, `{"a":1e5}`, `"\u00e9"`, ` [ ] `, `-0.5E-3`, `[1,]`, `{"a"}`, "\"\x01\""} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		want := json.Valid(b)
		if got := validJSON(b); got != want {
			t.Fatalf("validJSON(%q) = %v, json.Valid = %v", b, got, want)
		}
		args, err := SplitArgs(b)
		var arr []json.RawMessage
		arrErr := json.Unmarshal(b, &arr)
		isArray := arrErr == nil && arr != nil // JSON null leaves arr nil
		if (err == nil) != isArray {
			t.Fatalf("SplitArgs(%q) error %v, json.Unmarshal error %v", b, err, arrErr)
		}
		if err == nil {
			if len(args) != len(arr) {
				t.Fatalf("SplitArgs(%q): %d elements, want %d", b, len(args), len(arr))
			}
			for i := range args {
				if !bytes.Equal(args[i], arr[i]) {
					t.Fatalf("SplitArgs(%q)[%d] = %q, want %q", b, i, args[i], arr[i])
				}
			}
		}
	})
}

// fuzzTarget has []byte and interface places at several depths, so that
// DecodeArg exercises both the base64 rewrite and the interface restore.
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
// where a generic target succeeds it must hold the DecodeAny tree.
func checkTypedTargets(t *testing.T, arg json.RawMessage, atts [][]byte, tree any) {
	t.Helper()
	var st fuzzTarget
	_ = DecodeArg(arg, atts, &st)
	if obj, ok := tree.(map[string]any); ok {
		var m map[string]any
		if err := DecodeArg(arg, atts, &m); err != nil {
			t.Fatalf("DecodeArg(*map[string]any) on an object: %v", err)
		}
		if !reflect.DeepEqual(m, obj) {
			t.Fatalf("map target differs from DecodeAny:\n%#v\n%#v", m, obj)
		}
	}
	if b, ok := tree.([]byte); ok {
		var got []byte
		if err := DecodeArg(arg, atts, &got); err != nil || !bytes.Equal(got, b) {
			t.Fatalf("DecodeArg(*[]byte) = %v, %v; want %v", got, err, b)
		}
	}
}
