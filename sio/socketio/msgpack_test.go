package socketio

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// The hex inputs below were made by notepack.io 2.2 (the encoder of
// socket.io-msgpack-parser 3.0.2) from the JS values in the comments.

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestMsgpackEncodeMatchesNotepack checks the encoder byte for byte
// against notepack.io, for a packet with integers, a float, bin, null, a
// bool and a non-ASCII string.
func TestMsgpackEncodeMatchesNotepack(t *testing.T) {
	// {type:2, data:["ev",1,-2,1.5,Buffer.from([1,2]),{a:null,b:true,s:"é"}], nsp:"/", id:7}
	want := "84a47479706502a46461746196a2657601fecb3ff8000000000000c402010283a161c0a162c3a173a2c3a9a36e7370a12fa2696407"
	data, att, err := encodeEvent("ev", 1, -2, 1.5, []byte{1, 2}, json.RawMessage(`{"a":null,"b":true,"s":"é"}`))
	if err != nil {
		t.Fatal(err)
	}
	first, binaries, err := MsgpackParser.Encode(&SocketIOPacket{Type: PacketBinaryEvent, Namespace: "/", ID: 7, Data: data, Attachments: att})
	if err != nil {
		t.Fatal(err)
	}
	if !first.Binary || len(binaries) != 0 {
		t.Fatalf("binary %v, %d attachments: want one binary message", first.Binary, len(binaries))
	}
	if got := hex.EncodeToString(first.Data); got != want {
		t.Fatalf("encoded\n %s\nwant\n %s", got, want)
	}
}

func TestMsgpackDecode(t *testing.T) {
	for _, tc := range []struct {
		name        string
		hex         string
		want        SocketIOPacket
		attachments [][]byte
	}{
		{
			// {type:2, data:[...above...], nsp:"/", id:7}
			name: "event with bin",
			hex:  "84a47479706502a46461746196a2657601fecb3ff8000000000000c402010283a161c0a162c3a173a2c3a9a36e7370a12fa2696407",
			want: SocketIOPacket{Type: PacketBinaryEvent, Namespace: "/", ID: 7,
				Data: json.RawMessage(`["ev",1,-2,1.5,{"_placeholder":true,"num":0},{"a":null,"b":true,"s":"é"}]`)},
			attachments: [][]byte{{1, 2}},
		},
		{
			// {type:2, data:["up", ArrayBuffer[9,8], undefined, {u:undefined,k:1}, new Date(86400000)],
			//  nsp:"/admin", id:12, options:{compress:true}}
			name: "browser values and extra keys",
			hex:  "85a47479706502a46461746195a27570c702000908d4000082a175d40000a16b01d7000000000005265c00a36e7370a62f61646d696ea269640ca76f7074696f6e7381a8636f6d7072657373c3",
			want: SocketIOPacket{Type: PacketBinaryEvent, Namespace: "/admin", ID: 12,
				Data: json.RawMessage(`["up",{"_placeholder":true,"num":0},null,{"k":1},"1970-01-02T00:00:00.000Z"]`)},
			attachments: [][]byte{{9, 8}},
		},
		{
			// {type:0, nsp:"/", data:{token:"x"}}
			name: "connect with auth",
			hex:  "83a47479706500a36e7370a12fa46461746181a5746f6b656ea178",
			want: SocketIOPacket{Type: PacketConnect, Namespace: "/", ID: NoAckID, Data: json.RawMessage(`{"token":"x"}`)},
		},
		{
			// {type:0, nsp:"/", data:{k:Buffer.from([1,2]), s:"x"}}
			name: "connect with binary auth",
			hex:  "83a47479706500a36e7370a12fa46461746182a16bc4020102a173a178",
			want: SocketIOPacket{Type: PacketConnect, Namespace: "/", ID: NoAckID, Data: json.RawMessage(`{"k":"AQI=","s":"x"}`)},
		},
		{
			// {type:3, nsp:"/", id:4, data:[]}
			name: "empty ack",
			hex:  "84a47479706503a36e7370a12fa2696404a46461746190",
			want: SocketIOPacket{Type: PacketAck, Namespace: "/", ID: 4, Data: json.RawMessage(`[]`)},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := MsgpackParser.NewDecoder(nil).Add(mustHex(t, tc.hex), true)
			if err != nil {
				t.Fatal(err)
			}
			tc.want.Attachments = tc.attachments
			if !reflect.DeepEqual(*p, tc.want) {
				t.Fatalf("decoded\n %+v (%s)\nwant\n %+v (%s)", *p, p.Data, tc.want, tc.want.Data)
			}
		})
	}
}

func TestMsgpackDecodeErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		hex  string
		text bool
		want error
	}{
		{name: "text message", hex: "81", text: true, want: ErrInvalidMsgpack},
		{name: "empty", hex: "", want: ErrInvalidMsgpack},
		{name: "not a map", hex: "92a1610f", want: ErrInvalidMsgpack},
		{name: "binary event type", hex: "83a47479706505a36e7370a12fa46461746191a16b", want: errUnknownType}, // type:5
		{name: "type as a string", hex: "82a474797065a132a36e7370a12f", want: errUnknownType},
		{name: "no type", hex: "81a36e7370a12f", want: errUnknownType},
		{name: "no nsp", hex: "82a47479706502a46461746191a16b", want: errBadNamespace},
		{name: "nsp not a string", hex: "83a47479706502a36e737001a46461746191a16b", want: errBadNamespace},
		{name: "event data not an array", hex: "83a47479706502a36e7370a12fa46461746181a16b01", want: errInvalidPayload},
		{name: "event name not a string", hex: "83a47479706502a36e7370a12fa46461746191c0", want: errInvalidPayload},
		{name: "reserved event name", hex: "83a47479706502a36e7370a12fa46461746191a7636f6e6e656374", want: ErrReservedEvent},
		{name: "disconnect with data", hex: "83a47479706501a36e7370a12fa46461746190", want: errInvalidPayload},
		{name: "negative id", hex: "84a47479706503a36e7370a12fa26964ffa46461746190", want: errBadAckID},
		{name: "fractional id", hex: "84a47479706503a36e7370a12fa26964cb3ff8000000000000a46461746190", want: errBadAckID},
		{name: "trailing bytes", hex: "82a47479706501a36e7370a12f00", want: ErrInvalidMsgpack},
		{name: "truncated", hex: "83a47479706502a36e7370a12fa46461746191a56b", want: ErrInvalidMsgpack},
		{name: "str32 longer than the message", hex: "83a47479706502a36e7370a12fa46461746191dbffffffff", want: ErrInvalidMsgpack},
		{name: "bin32 longer than the message", hex: "83a47479706502a36e7370a12fa46461746192a16bc6ffffffff", want: ErrInvalidMsgpack},
		{name: "array32 longer than the message", hex: "83a47479706502a36e7370a12fa461746164ddffffffff", want: ErrInvalidMsgpack},
		{name: "ext32 longer than the message", hex: "83a47479706502a36e7370a12fa46461746192a16bc9ffffffff05", want: ErrInvalidMsgpack},
		{name: "map key not a string", hex: "83a47479706502a36e7370a12fa46461746192a16b81c0c0", want: ErrInvalidMsgpack},
		{name: "unused code", hex: "83a47479706502a36e7370a12fa46461746192a16bc1", want: ErrInvalidMsgpack},
		{name: "comma in nsp", hex: "82a47479706500a36e7370a42f612c62", want: errBadNamespace},
		{name: "control character in nsp", hex: "83a47479706500a36e7370a22f01a46461746180", want: errBadNamespace},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := MsgpackParser.NewDecoder(nil).Add(mustHex(t, tc.hex), !tc.text)
			if !errors.Is(err, tc.want) || !errors.Is(err, ErrInvalidPacket) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestMsgpackDecodeLimits(t *testing.T) {
	// Nesting deeper than the JSON decoder's limit is refused, not a stack
	// overflow.
	deep := append(mustHex(t, "83a47479706502a36e7370a12fa46461746192a16b"), []byte(strings.Repeat("\x91", maxJSONDepth+10)+"\xc0")...)
	if _, err := MsgpackParser.NewDecoder(nil).Add(deep, true); !errors.Is(err, ErrInvalidMsgpack) {
		t.Fatalf("deep nesting: %v", err)
	}
	big := mustHex(t, "84a47479706502a46461746196a2657601fecb3ff8000000000000c402010283a161c0a162c3a173a2c3a9a36e7370a12fa2696407")
	if _, err := MsgpackParser.NewDecoder(&ParserOptions{MaxPayload: int64(len(big) - 1)}).Add(big, true); !errors.Is(err, errPayloadTooLarge) {
		t.Fatalf("over MaxPayload: %v", err)
	}
	if _, err := MsgpackParser.NewDecoder(&ParserOptions{MaxPayload: int64(len(big))}).Add(big, true); err != nil {
		t.Fatalf("at MaxPayload: %v", err)
	}
}

// TestMsgpackRoundTrip checks that what a handler emits, struct json tags
// and binary included, decodes to the same JSON and attachments.
func TestMsgpackRoundTrip(t *testing.T) {
	type part struct {
		Data   []byte  `json:"data"`
		N      int     `json:"n,omitempty"`
		Hidden string  `json:"-"`
		Ratio  float64 `json:"ratio"`
	}
	data, att, err := encodeEvent("upload", part{Data: []byte("xyz"), Hidden: "h", Ratio: 0.25},
		map[string]any{"list": []any{1, "two", nil, true, []byte{}}, "big": uint64(1) << 60}, "text", 3e100)
	if err != nil {
		t.Fatal(err)
	}
	in := &SocketIOPacket{Type: PacketBinaryEvent, Namespace: "/chat", ID: NoAckID, Data: data, Attachments: att}
	first, _, err := MsgpackParser.Encode(in)
	if err != nil {
		t.Fatal(err)
	}
	out, err := MsgpackParser.NewDecoder(nil).Add(first.Data, true)
	if err != nil {
		t.Fatal(err)
	}
	if string(out.Data) != string(in.Data) || !reflect.DeepEqual(out.Attachments, in.Attachments) || out.Namespace != "/chat" || out.ID != NoAckID {
		t.Fatalf("round trip\n %s %q\nwant\n %s %q", out.Data, out.Attachments, in.Data, in.Attachments)
	}
	var p part
	if err := newArgs(mustSplit(t, out.Data)[1:], out.Attachments).Decode(&p); err != nil || string(p.Data) != "xyz" || p.Ratio != 0.25 {
		t.Fatalf("Decode: %+v %v", p, err)
	}
}

func mustSplit(t *testing.T, data json.RawMessage) []json.RawMessage {
	t.Helper()
	raw, err := splitArgs(data)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// TestMsgpackEncodeInvalidJSON: a json.RawMessage argument that is not
// JSON is an error, not a panic or a broken frame.
func TestMsgpackEncodeInvalidJSON(t *testing.T) {
	for _, data := range []string{`["a",`, `["a"] x`, `["a",1e999999]`} {
		_, _, err := MsgpackParser.Encode(&SocketIOPacket{Type: PacketEvent, Namespace: "/", ID: NoAckID, Data: json.RawMessage(data)})
		if data == `["a",1e999999]` {
			if err != nil {
				t.Errorf("%s: %v", data, err) // Infinity, as JSON.parse reads it
			}
			continue
		}
		if !errors.Is(err, errMsgpackEncode) {
			t.Errorf("%s: err = %v", data, err)
		}
	}
}

// BenchmarkParserEncode compares the encoding of one event with binary
// (done once per broadcast) by each parser.
func BenchmarkParserEncode(b *testing.B) {
	data, att, err := encodeEvent("news", map[string]any{"title": "flash", "n": 42, "tags": []string{"a", "b"}}, []byte("0123456789"))
	if err != nil {
		b.Fatal(err)
	}
	p := &SocketIOPacket{Type: PacketBinaryEvent, Namespace: "/", ID: NoAckID, Data: data, Attachments: att}
	for _, tc := range []struct {
		name   string
		parser Parser
	}{{"default", DefaultParser}, {"msgpack", MsgpackParser}} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := tc.parser.Encode(p); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkParserDecode compares the decoding of that event.
func BenchmarkParserDecode(b *testing.B) {
	data, att, _ := encodeEvent("news", map[string]any{"title": "flash", "n": 42, "tags": []string{"a", "b"}}, []byte("0123456789"))
	p := &SocketIOPacket{Type: PacketBinaryEvent, Namespace: "/", ID: NoAckID, Data: data, Attachments: att}
	msg, _, _ := MsgpackParser.Encode(p)
	text := encodeTextPacket(p)
	b.Run("default", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			d := NewSocketIOParser(nil)
			_, _ = d.Add(text, false)
			if _, err := d.Add(att[0], true); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("msgpack", func(b *testing.B) {
		b.ReportAllocs()
		d := MsgpackParser.NewDecoder(nil)
		for b.Loop() {
			if _, err := d.Add(msg.Data, true); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestMsgpackMalformedClosesTheConnection: with MsgpackParser, a message
// that does not decode closes the connection, as a bad packet does with
// DefaultParser (Node's "forced close"); a good one is answered in msgpack.
func TestMsgpackMalformedClosesTheConnection(t *testing.T) {
	// {type:0, nsp:"/"}
	connect := mustHex(t, "82a47479706500a36e7370a12f")
	for _, tc := range []struct {
		name string
		send func(c *wsClient)
	}{
		{"garbage", func(c *wsClient) { c.sendBin([]byte{0xc1, 0x00}) }},
		{"truncated", func(c *wsClient) { c.sendBin(mustHex(t, "83a47479706502a36e7370a12fa46461746191a56b")) }},
		{"binary packet type", func(c *wsClient) { c.sendBin(mustHex(t, "83a47479706505a36e7370a12fa46461746191a16b")) }},
		{"text packet", func(c *wsClient) { c.send(`2["hello"]`) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t, &ServerOptions{PacketParser: MsgpackParser})
			socks := socketCh(e.srv)
			c := e.dialWS()
			c.sendBin(connect)
			f := c.next()
			if !f.binary {
				t.Fatalf("CONNECT reply is not binary: %+v", f)
			}
			p, err := MsgpackParser.NewDecoder(nil).Add(f.bin, true)
			if err != nil || p.Type != PacketConnect || !strings.Contains(string(p.Data), `"sid":`) {
				t.Fatalf("CONNECT reply %x: %+v %v", f.bin, p, err)
			}
			waitChan(t, socks, "connection")
			tc.send(c)
			c.waitClosed()
		})
	}
}
