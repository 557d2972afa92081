package socketio

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// The helpers below are prefixed "pc" (packet codec) to stay clear of the
// names other test files of the package may use. They use only the
// standard library: testify's own dependencies are not in go.sum.

// pcNoErr stops the test on a non-nil err.
func pcNoErr(t testing.TB, err error, context ...any) {
	t.Helper()
	if err != nil {
		t.Fatalf("%sunexpected error: %v", pcContext(context), err)
	}
}

// pcErrIs checks that err matches target with errors.Is.
func pcErrIs(t testing.TB, err, target error, context ...any) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Errorf("%serror %v, want %v", pcContext(context), err, target)
	}
}

// pcEqual checks got and want with reflect.DeepEqual.
func pcEqual(t testing.TB, got, want any, context ...any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%sgot  %#v\nwant %#v", pcContext(context), got, want)
	}
}

// pcTrue checks a condition.
func pcTrue(t testing.TB, cond bool, context ...any) {
	t.Helper()
	if !cond {
		t.Errorf("%scondition failed", pcContext(context))
	}
}

func pcContext(context []any) string {
	if len(context) == 0 {
		return ""
	}
	if f, ok := context[0].(string); ok {
		return fmt.Sprintf(f, context[1:]...) + ": "
	}
	return fmt.Sprint(context...) + ": "
}

// parserCase is one wire form and the packet it decodes to. canonical is
// what encodeTextPacket writes back for the packet ("" means wire itself).
type parserCase struct {
	name        string
	wire        string
	attachments [][]byte
	want        SocketIOPacket
	canonical   string
}

// parserCases are the examples of the spec ("Packet encoding" → "Examples",
// "Sample session") and of its test suite, plus header variants.
var parserCases = []parserCase{
	{name: "connect main namespace", wire: `0`,
		want: SocketIOPacket{Type: PacketConnect, Namespace: "/", ID: NoAckID}},
	{name: "connect custom namespace with sid", wire: `0/admin,{"sid":"oSO0OpakMV_3jnilAAAA"}`,
		want: SocketIOPacket{Type: PacketConnect, Namespace: "/admin", ID: NoAckID, Data: json.RawMessage(`{"sid":"oSO0OpakMV_3jnilAAAA"}`)}},
	{name: "connect with auth payload", wire: `0{"token":"123"}`,
		want: SocketIOPacket{Type: PacketConnect, Namespace: "/", ID: NoAckID, Data: json.RawMessage(`{"token":"123"}`)}},
	{name: "connect custom namespace without comma", wire: `0/custom`, canonical: `0/custom,`,
		want: SocketIOPacket{Type: PacketConnect, Namespace: "/custom", ID: NoAckID}},
	{name: "connect custom namespace with comma", wire: `0/custom,`,
		want: SocketIOPacket{Type: PacketConnect, Namespace: "/custom", ID: NoAckID}},
	{name: "connect explicit main namespace", wire: `0/,{"a":1}`, canonical: `0{"a":1}`,
		want: SocketIOPacket{Type: PacketConnect, Namespace: "/", ID: NoAckID, Data: json.RawMessage(`{"a":1}`)}},
	{name: "connect_error object", wire: `4{"message":"Not authorized"}`,
		want: SocketIOPacket{Type: PacketConnectError, Namespace: "/", ID: NoAckID, Data: json.RawMessage(`{"message":"Not authorized"}`)}},
	{name: "connect_error string", wire: `4/random,"Invalid namespace"`,
		want: SocketIOPacket{Type: PacketConnectError, Namespace: "/random", ID: NoAckID, Data: json.RawMessage(`"Invalid namespace"`)}},
	{name: "event main namespace", wire: `2["foo"]`,
		want: SocketIOPacket{Type: PacketEvent, Namespace: "/", ID: NoAckID, Data: json.RawMessage(`["foo"]`)}},
	{name: "event custom namespace", wire: `2/admin,["bar"]`,
		want: SocketIOPacket{Type: PacketEvent, Namespace: "/admin", ID: NoAckID, Data: json.RawMessage(`["bar"]`)}},
	{name: "event mixed arguments", wire: `2["message",1,"2",{"3":[true]}]`,
		want: SocketIOPacket{Type: PacketEvent, Namespace: "/", ID: NoAckID, Data: json.RawMessage(`["message",1,"2",{"3":[true]}]`)}},
	{name: "event with ack id", wire: `212["foo"]`,
		want: SocketIOPacket{Type: PacketEvent, Namespace: "/", ID: 12, Data: json.RawMessage(`["foo"]`)}},
	{name: "event with ack id zero", wire: `20["foo"]`,
		want: SocketIOPacket{Type: PacketEvent, Namespace: "/", ID: 0, Data: json.RawMessage(`["foo"]`)}},
	{name: "event with ack id leading zeros", wire: `2007["foo"]`, canonical: `27["foo"]`,
		want: SocketIOPacket{Type: PacketEvent, Namespace: "/", ID: 7, Data: json.RawMessage(`["foo"]`)}},
	{name: "event with largest ack id", wire: `29223372036854775807["a"]`,
		want: SocketIOPacket{Type: PacketEvent, Namespace: "/", ID: 9223372036854775807, Data: json.RawMessage(`["a"]`)}},
	{name: "event namespace and ack id", wire: `2/admin,1["tellme"]`,
		want: SocketIOPacket{Type: PacketEvent, Namespace: "/admin", ID: 1, Data: json.RawMessage(`["tellme"]`)}},
	{name: "event payload with whitespace", wire: "2 [ \"a\" , 1 ] ",
		want: SocketIOPacket{Type: PacketEvent, Namespace: "/", ID: NoAckID, Data: json.RawMessage(" [ \"a\" , 1 ] ")}},
	{name: "event non-ASCII namespace", wire: `2/café,["x"]`,
		want: SocketIOPacket{Type: PacketEvent, Namespace: "/café", ID: NoAckID, Data: json.RawMessage(`["x"]`)}},
	{name: "ack empty array", wire: `312[]`,
		want: SocketIOPacket{Type: PacketAck, Namespace: "/", ID: 12, Data: json.RawMessage(`[]`)}},
	{name: "ack custom namespace", wire: `3/admin,13["bar"]`,
		want: SocketIOPacket{Type: PacketAck, Namespace: "/admin", ID: 13, Data: json.RawMessage(`["bar"]`)}},
	{name: "ack with mixed values", wire: `3456[1,"2",{"3":[false]}]`,
		want: SocketIOPacket{Type: PacketAck, Namespace: "/", ID: 456, Data: json.RawMessage(`[1,"2",{"3":[false]}]`)}},
	{name: "disconnect main namespace", wire: `1`,
		want: SocketIOPacket{Type: PacketDisconnect, Namespace: "/", ID: NoAckID}},
	{name: "disconnect custom namespace", wire: `1/admin,`,
		want: SocketIOPacket{Type: PacketDisconnect, Namespace: "/admin", ID: NoAckID}},
	{name: "disconnect custom namespace without comma", wire: `1/custom`, canonical: `1/custom,`,
		want: SocketIOPacket{Type: PacketDisconnect, Namespace: "/custom", ID: NoAckID}},
	{name: "binary event one attachment", wire: `51-["baz",{"_placeholder":true,"num":0}]`,
		attachments: [][]byte{{1, 2, 3, 4}},
		want: SocketIOPacket{Type: PacketBinaryEvent, Namespace: "/", ID: NoAckID,
			Data: json.RawMessage(`["baz",{"_placeholder":true,"num":0}]`), Attachments: [][]byte{{1, 2, 3, 4}}}},
	{name: "binary event two attachments custom namespace", wire: `52-/admin,["baz",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`,
		attachments: [][]byte{{1, 2}, {3, 4}},
		want: SocketIOPacket{Type: PacketBinaryEvent, Namespace: "/admin", ID: NoAckID,
			Data:        json.RawMessage(`["baz",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`),
			Attachments: [][]byte{{1, 2}, {3, 4}}}},
	{name: "binary event with ack id", wire: `52-789["message-with-ack",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`,
		attachments: [][]byte{{1, 2, 3}, {4, 5, 6}},
		want: SocketIOPacket{Type: PacketBinaryEvent, Namespace: "/", ID: 789,
			Data:        json.RawMessage(`["message-with-ack",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`),
			Attachments: [][]byte{{1, 2, 3}, {4, 5, 6}}}},
	{name: "binary event empty attachment", wire: `51-["e",{"_placeholder":true,"num":0}]`,
		attachments: [][]byte{{}},
		want: SocketIOPacket{Type: PacketBinaryEvent, Namespace: "/", ID: NoAckID,
			Data: json.RawMessage(`["e",{"_placeholder":true,"num":0}]`), Attachments: [][]byte{{}}}},
	{name: "binary event zero attachments", wire: `50-["e"]`,
		want: SocketIOPacket{Type: PacketBinaryEvent, Namespace: "/", ID: NoAckID, Data: json.RawMessage(`["e"]`)}},
	{name: "binary ack", wire: `61-15["bar",{"_placeholder":true,"num":0}]`,
		attachments: [][]byte{{1, 2, 3, 4}},
		want: SocketIOPacket{Type: PacketBinaryAck, Namespace: "/", ID: 15,
			Data: json.RawMessage(`["bar",{"_placeholder":true,"num":0}]`), Attachments: [][]byte{{1, 2, 3, 4}}}},
	{name: "binary ack custom namespace", wire: `61-/admin,1[{"_placeholder":true,"num":0}]`,
		attachments: [][]byte{{0xff}},
		want: SocketIOPacket{Type: PacketBinaryAck, Namespace: "/admin", ID: 1,
			Data: json.RawMessage(`[{"_placeholder":true,"num":0}]`), Attachments: [][]byte{{0xff}}}},
	{name: "plain event with placeholder-like object is left alone", wire: `2["a",{"_placeholder":true,"num":3}]`,
		want: SocketIOPacket{Type: PacketEvent, Namespace: "/", ID: NoAckID, Data: json.RawMessage(`["a",{"_placeholder":true,"num":3}]`)}},
}

// feed gives a wire packet and its attachments to p, checking that the
// parser waits for each attachment before returning the packet.
func feed(t *testing.T, p *SocketIOParser, wire string, attachments [][]byte) (*SocketIOPacket, error) {
	t.Helper()
	pkt, err := p.Add([]byte(wire), false)
	if err != nil || len(attachments) == 0 {
		return pkt, err
	}
	if pkt != nil {
		t.Fatalf("packet returned before its attachments")
	}
	for i, a := range attachments {
		pkt, err = p.Add(a, true)
		if err != nil {
			return nil, err
		}
		if i < len(attachments)-1 {
			if pkt != nil {
				t.Fatalf("packet returned after %d of %d attachments", i+1, len(attachments))
			}
		}
	}
	return pkt, err
}

func TestParserDecodesSpecExamples(t *testing.T) {
	for _, tc := range parserCases {
		t.Run(tc.name, func(t *testing.T) {
			pkt, err := feed(t, NewSocketIOParser(nil), tc.wire, tc.attachments)
			pcNoErr(t, err)
			if pkt == nil {
				t.Fatal("no packet")
			}
			pcEqual(t, *pkt, tc.want)
		})
	}
}

func TestEncodePacketSpecExamples(t *testing.T) {
	for _, tc := range parserCases {
		t.Run(tc.name, func(t *testing.T) {
			want := tc.canonical
			if want == "" {
				want = tc.wire
			}
			pkt := tc.want
			pcEqual(t, string(encodeTextPacket(&pkt)), want)
		})
	}
}

func TestPacketRoundTrip(t *testing.T) {
	for _, tc := range parserCases {
		t.Run(tc.name, func(t *testing.T) {
			pkt := tc.want
			got, err := feed(t, NewSocketIOParser(nil), string(encodeTextPacket(&pkt)), pkt.Attachments)
			pcNoErr(t, err)
			if got == nil {
				t.Fatal("no packet")
			}
			pcEqual(t, *got, tc.want)
		})
	}
}

func TestEncodePacket(t *testing.T) {
	cases := []struct {
		name string
		pkt  SocketIOPacket
		want string
	}{
		{"event with attachments becomes binary event",
			SocketIOPacket{Type: PacketEvent, ID: NoAckID, Data: json.RawMessage(`["a",{"_placeholder":true,"num":0}]`), Attachments: [][]byte{{1}}},
			`51-["a",{"_placeholder":true,"num":0}]`},
		{"ack with attachments becomes binary ack",
			SocketIOPacket{Type: PacketAck, ID: 3, Data: json.RawMessage(`[{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`), Attachments: [][]byte{{1}, {2}}},
			`62-3[{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`},
		{"empty namespace is the main one", SocketIOPacket{Type: PacketConnect, ID: NoAckID}, `0`},
		{"namespace gets its leading slash", SocketIOPacket{Type: PacketDisconnect, Namespace: "admin", ID: NoAckID}, `1/admin,`},
		{"any negative id means none", SocketIOPacket{Type: PacketEvent, Namespace: "/", ID: -42, Data: json.RawMessage(`["x"]`)}, `2["x"]`},
		{"id zero is written", SocketIOPacket{Type: PacketAck, Namespace: "/", ID: 0, Data: json.RawMessage(`[]`)}, `30[]`},
		{"id with namespace", SocketIOPacket{Type: PacketEvent, Namespace: "/a", ID: 9, Data: json.RawMessage(`["x"]`)}, `2/a,9["x"]`},
		{"binary type without attachments keeps its count", SocketIOPacket{Type: PacketBinaryEvent, Namespace: "/", ID: NoAckID, Data: json.RawMessage(`["x"]`)}, `50-["x"]`},
		{"ten attachments", SocketIOPacket{Type: PacketEvent, Namespace: "/n", ID: 1, Data: json.RawMessage(`["x"]`), Attachments: make([][]byte, 10)}, `510-/n,1["x"]`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pcEqual(t, string(encodeTextPacket(&tc.pkt)), tc.want)
		})
	}
}

func TestAppendPacketKeepsPrefix(t *testing.T) {
	pkt := &SocketIOPacket{Type: PacketEvent, Namespace: "/", ID: NoAckID, Data: json.RawMessage(`["hello"]`)}
	buf := make([]byte, 1, 64)
	buf[0] = '4'
	out := appendTextPacket(buf, pkt)
	pcEqual(t, string(out), `42["hello"]`)
	pcTrue(t, &buf[0] == &out[0], "appendTextPacket reallocated although dst had room")
}

func TestPacketTypeString(t *testing.T) {
	want := map[PacketType]string{
		PacketConnect: "CONNECT", PacketDisconnect: "DISCONNECT", PacketEvent: "EVENT", PacketAck: "ACK",
		PacketConnectError: "CONNECT_ERROR", PacketBinaryEvent: "BINARY_EVENT", PacketBinaryAck: "BINARY_ACK",
		7: "PacketType(7)", 255: "PacketType(255)",
	}
	for typ, s := range want {
		pcEqual(t, typ.String(), s)
		pcEqual(t, typ.valid(), typ < 7, "Valid(%d)", typ)
		pcEqual(t, typ.isBinary(), typ == 5 || typ == 6, "IsBinary(%d)", typ)
	}
}

// errorCase is a sequence of Engine.IO messages whose last one must fail.
type errorCase struct {
	name     string
	opts     *ParserOptions
	messages []message
	want     error
}

type message struct {
	data   string
	binary bool
}

func text(s string) message { return message{data: s} }
func bin(s string) message  { return message{data: s, binary: true} }

var parserErrorCases = []errorCase{
	{name: "empty packet", messages: []message{text(``)}, want: errEmptyPacket},
	{name: "unknown type 7", messages: []message{text(`7`)}, want: errUnknownType},
	{name: "unknown type letter", messages: []message{text(`abc`)}, want: errUnknownType},
	{name: "unknown type 9 with payload", messages: []message{text(`9["a"]`)}, want: errUnknownType},
	{name: "event object payload", messages: []message{text(`2{}`)}, want: errInvalidPayload},
	{name: "event non-string name", messages: []message{text(`2[1,2]`)}, want: errInvalidPayload},
	{name: "event empty array", messages: []message{text(`2[]`)}, want: errInvalidPayload},
	{name: "event null name", messages: []message{text(`2[null]`)}, want: errInvalidPayload},
	{name: "event missing payload", messages: []message{text(`2`)}, want: errInvalidPayload},
	{name: "event string payload", messages: []message{text(`2"a"`)}, want: errInvalidPayload},
	{name: "event namespace without comma swallows payload", messages: []message{text(`2/nsp`)}, want: errInvalidPayload},
	{name: "event namespace without comma before array", messages: []message{text(`2/nsp["a"]`)}, want: errInvalidPayload},
	{name: "event ack id with letters", messages: []message{text(`2abc["message-with-ack",1,"2",{"3":[false]}]`)}, want: errInvalidJSON},
	{name: "event truncated JSON", messages: []message{text(`2["a"`)}, want: errInvalidJSON},
	{name: "event trailing garbage", messages: []message{text(`2["a"]x`)}, want: errInvalidJSON},
	{name: "event two values", messages: []message{text(`2["a"]["b"]`)}, want: errInvalidJSON},
	{name: "event whitespace only payload", messages: []message{text(`2 `)}, want: errInvalidJSON},
	{name: "ack id overflow", messages: []message{text(`299999999999999999999999["a"]`)}, want: errBadAckID},
	{name: "ack id just over int64", messages: []message{text(`29223372036854775808["a"]`)}, want: errBadAckID},
	{name: "ack id too many digits", messages: []message{text(`200000000000000000001["a"]`)}, want: errBadAckID},
	{name: "ack object payload", messages: []message{text(`31{"a":1}`)}, want: errInvalidPayload},
	{name: "ack missing payload", messages: []message{text(`31`)}, want: errInvalidPayload},
	{name: "connect array payload", messages: []message{text(`0[]`)}, want: errInvalidPayload},
	{name: "connect string payload", messages: []message{text(`0"tok"`)}, want: errInvalidPayload},
	{name: "connect null payload", messages: []message{text(`0null`)}, want: errInvalidPayload},
	{name: "connect unknown type via test suite", messages: []message{text(`abc`)}, want: errUnknownType},
	{name: "disconnect with payload", messages: []message{text(`1{}`)}, want: errInvalidPayload},
	{name: "connect_error missing payload", messages: []message{text(`4`)}, want: errInvalidPayload},
	{name: "connect_error array payload", messages: []message{text(`4[1]`)}, want: errInvalidPayload},
	{name: "connect_error number payload", messages: []message{text(`4 1`)}, want: errInvalidPayload},
	{name: "namespace with control character", messages: []message{text("2/a\x01b,[\"x\"]")}, want: errBadNamespace},
	{name: "namespace with invalid UTF-8", messages: []message{text("2/\xff,[\"x\"]")}, want: errBadNamespace},
	{name: "binary empty count", messages: []message{text(`5-[]`)}, want: errBadAttachments},
	{name: "binary count without dash", messages: []message{text(`51["a",{"_placeholder":true,"num":0}]`)}, want: errBadAttachments},
	{name: "binary no count", messages: []message{text(`5["a"]`)}, want: errBadAttachments},
	{name: "binary count then end", messages: []message{text(`61`)}, want: errBadAttachments},
	{name: "binary letter count", messages: []message{text(`5a-["a"]`)}, want: errBadAttachments},
	{name: "binary over default limit", messages: []message{text(`511-["a"]`)}, want: errTooManyAttachments},
	{name: "binary huge count", messages: []message{text(`599999999999999999999999999-["a"]`)}, want: errTooManyAttachments},
	{name: "binary over custom limit", opts: &ParserOptions{MaxAttachments: 2}, messages: []message{text(`53-["a"]`)}, want: errTooManyAttachments},
	{name: "binary with attachments disabled", opts: &ParserOptions{MaxAttachments: -1}, messages: []message{text(`51-["a",{"_placeholder":true,"num":0}]`)}, want: errTooManyAttachments},
	{name: "binary event non-string name", messages: []message{text(`51-[{"_placeholder":true,"num":0}]`)}, want: errInvalidPayload},
	{name: "placeholder num out of range", messages: []message{text(`51-["a",{"_placeholder":true,"num":5}]`)}, want: errBadPlaceholder},
	{name: "placeholder num negative", messages: []message{text(`51-["a",{"_placeholder":true,"num":-1}]`)}, want: errBadPlaceholder},
	{name: "placeholder num not integer", messages: []message{text(`51-["a",{"_placeholder":true,"num":0.5}]`)}, want: errBadPlaceholder},
	{name: "placeholder num string", messages: []message{text(`51-["a",{"_placeholder":true,"num":"0"}]`)}, want: errBadPlaceholder},
	{name: "placeholder num huge", messages: []message{text(`51-["a",{"_placeholder":true,"num":1e400}]`)}, want: errBadPlaceholder},
	{name: "placeholder without num", messages: []message{text(`51-["a",{"_placeholder":true}]`)}, want: errBadPlaceholder},
	{name: "placeholder in packet announcing none", messages: []message{text(`50-["a",{"_placeholder":true,"num":0}]`)}, want: errBadPlaceholder},
	{name: "binary message with no pending packet", messages: []message{bin("\x01\x02")}, want: errUnexpectedBinary},
	{name: "binary message after complete packet", messages: []message{text(`51-["a",{"_placeholder":true,"num":0}]`), bin("x"), bin("y")}, want: errUnexpectedBinary},
	{name: "text while attachments pending", messages: []message{text(`52-["a",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`), bin("x"), text(`2["b"]`)}, want: errAttachmentMismatch},
	{name: "text frame over max payload", opts: &ParserOptions{MaxPayload: 8}, messages: []message{text(`2["hello"]`)}, want: errPayloadTooLarge},
	{name: "attachments over max payload", opts: &ParserOptions{MaxPayload: 50},
		messages: []message{text(`51-["a",{"_placeholder":true,"num":0}]`), bin(strings.Repeat("x", 20))}, want: errPayloadTooLarge},
}

func TestParserRejects(t *testing.T) {
	for _, tc := range parserErrorCases {
		t.Run(tc.name, func(t *testing.T) {
			p := NewSocketIOParser(tc.opts)
			var err error
			for i, m := range tc.messages {
				var pkt *SocketIOPacket
				pkt, err = p.Add([]byte(m.data), m.binary)
				if i < len(tc.messages)-1 {
					pcNoErr(t, err, "message %d", i)
					continue
				}
				if pkt != nil {
					t.Errorf("unexpected packet %+v", pkt)
				}
			}
			if err == nil {
				t.Fatal("no error")
			}
			pcErrIs(t, err, tc.want)
			pcErrIs(t, err, ErrInvalidPacket)
			pcTrue(t, strings.HasPrefix(err.Error(), "socketio: invalid packet: "), "message %q", err)

			// The parser is usable again after an error.
			pkt, err := p.Add([]byte(`2["n"]`), false)
			pcNoErr(t, err)
			if pkt == nil {
				t.Fatal("no packet")
			}
			pcEqual(t, string(pkt.Data), `["n"]`)
		})
	}
}

func TestErrorSentinelsAreDistinct(t *testing.T) {
	all := []error{errEmptyPacket, errUnknownType, errBadAttachments, errTooManyAttachments, errBadNamespace,
		errBadAckID, errInvalidJSON, errInvalidPayload, errUnexpectedBinary, errBadPlaceholder,
		errAttachmentMismatch, errPayloadTooLarge}
	for i, a := range all {
		pcErrIs(t, a, ErrInvalidPacket)
		for j, b := range all {
			if i != j {
				pcTrue(t, !errors.Is(a, b), "%v is %v", a, b)
			}
		}
	}
	pcEqual(t, errUnknownType.Error(), "socketio: invalid packet: unknown type")
}

func TestParserDoesNotRetainInput(t *testing.T) {
	p := NewSocketIOParser(nil)
	wire := []byte(`51-/a,["x",{"_placeholder":true,"num":0}]`)
	pkt, err := p.Add(wire, false)
	pcNoErr(t, err)
	if pkt != nil {
		t.Fatalf("unexpected packet %+v", pkt)
	}
	for i := range wire {
		wire[i] = 'z'
	}
	att := []byte{1, 2, 3}
	pkt, err = p.Add(att, true)
	pcNoErr(t, err)
	att[0] = 9
	if pkt == nil {
		t.Fatal("no packet")
	}
	pcEqual(t, string(pkt.Data), `["x",{"_placeholder":true,"num":0}]`)
	pcEqual(t, pkt.Namespace, "/a")
	pcEqual(t, pkt.Attachments, [][]byte{{1, 2, 3}})
}

func TestParserReset(t *testing.T) {
	p := NewSocketIOParser(nil)
	pkt, err := p.Add([]byte(`51-["a",{"_placeholder":true,"num":0}]`), false)
	pcNoErr(t, err)
	if pkt != nil {
		t.Fatalf("unexpected packet %+v", pkt)
	}
	p.Reset()
	_, err = p.Add([]byte{1}, true)
	pcErrIs(t, err, errUnexpectedBinary)
	pkt, err = p.Add([]byte(`2["b"]`), false)
	pcNoErr(t, err)
	pcEqual(t, pkt.Type, PacketEvent)
}

func TestParserMaxPayloadCountsWholePacket(t *testing.T) {
	wire := `52-["a",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`
	limit := int64(len(wire) + 6)
	ok := NewSocketIOParser(&ParserOptions{MaxPayload: limit})
	pkt, err := feed(t, ok, wire, [][]byte{[]byte("abc"), []byte("def")})
	pcNoErr(t, err)
	if pkt == nil {
		t.Fatal("no packet")
	}

	over := NewSocketIOParser(&ParserOptions{MaxPayload: limit - 1})
	_, err = feed(t, over, wire, [][]byte{[]byte("abc"), []byte("def")})
	pcErrIs(t, err, errPayloadTooLarge)
}

func TestParserCustomMaxAttachments(t *testing.T) {
	p := NewSocketIOParser(&ParserOptions{MaxAttachments: 12})
	pkt, err := p.Add([]byte(`512-["a"]`), false)
	pcNoErr(t, err)
	if pkt != nil {
		t.Errorf("unexpected packet %+v", pkt)
	}
	_, err = NewSocketIOParser(&ParserOptions{MaxAttachments: 12}).Add([]byte(`513-["a"]`), false)
	pcErrIs(t, err, errTooManyAttachments)
}
