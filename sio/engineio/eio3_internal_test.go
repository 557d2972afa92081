package engineio

import (
	"bytes"
	"errors"
	"testing"
)

// The v3 codec on the examples of engine.io-protocol's v3 README and
// engine.io-parser 2.x's behaviour.

func TestEncodePayloadV3Text(t *testing.T) {
	cases := []struct {
		name    string
		packets []Packet
		b64     bool
		want    string
	}{
		{"empty", nil, false, "0:"},
		{"one message", []Packet{{Type: PacketMessage, Data: []byte("hello")}}, false, "6:4hello"},
		{"several", []Packet{{Type: PacketMessage, Data: []byte("hello world")}, {Type: PacketPong}, {Type: PacketNoop}}, false, "12:4hello world1:31:6"},
		// Lengths count UTF-16 code units: "€" is one, "😀" two.
		{"utf-16 lengths", []Packet{{Type: PacketMessage, Data: []byte("€😀")}}, false, "4:4€😀"},
		{"binary as base64", []Packet{{Type: PacketMessage, Data: []byte{1, 2, 3, 4}, Binary: true}}, true, "10:b4AQIDBA=="},
		{"binary and text as base64", []Packet{{Type: PacketMessage, Data: []byte("a")}, {Type: PacketMessage, Data: []byte{0xff}, Binary: true}}, true, "2:4a6:b4/w=="},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, binary := encodePayloadV3(c.packets, c.b64)
			if binary || string(got) != c.want {
				t.Fatalf("got %q (binary %v), want %q", got, binary, c.want)
			}
		})
	}
}

func TestEncodePayloadV3Binary(t *testing.T) {
	// engine.io-parser 2.x's example: <0|1><length digits><255><packet>.
	got, binary := encodePayloadV3([]Packet{
		{Type: PacketMessage, Data: []byte("hé")},
		{Type: PacketMessage, Data: []byte{1, 2, 3}, Binary: true},
	}, false)
	want := []byte{0, 4, 0xff, '4', 'h', 0xc3, 0xa9, 1, 4, 0xff, 4, 1, 2, 3}
	if !binary || !bytes.Equal(got, want) {
		t.Fatalf("got %v (binary %v), want %v", got, binary, want)
	}
	// It decodes back.
	var back []Packet
	if err := decodeBinaryPayloadV3(got, func(p Packet) bool { back = append(back, p); return true }); err != nil {
		t.Fatal(err)
	}
	if len(back) != 2 || string(back[0].Data) != "hé" || back[0].Binary || !back[1].Binary || !bytes.Equal(back[1].Data, []byte{1, 2, 3}) {
		t.Fatalf("decoded %+v", back)
	}
	// A payload of 10 or more bytes has several length digits.
	long, _ := encodePayloadV3([]Packet{{Type: PacketMessage, Data: bytes.Repeat([]byte{9}, 120), Binary: true}}, false)
	if !bytes.Equal(long[:5], []byte{1, 1, 2, 1, 0xff}) || long[5] != 4 || len(long) != 5+121 {
		t.Fatalf("long record header %v", long[:6])
	}
}

func TestDecodePayloadV3(t *testing.T) {
	cases := []struct {
		name string
		in   string
		want []Packet
	}{
		{"one", "6:4hello", []Packet{{Type: PacketMessage, Data: []byte("hello")}}},
		{"several", "12:4hello world1:21:1", []Packet{{Type: PacketMessage, Data: []byte("hello world")}, {Type: PacketPing, Data: []byte{}}, {Type: PacketClose, Data: []byte{}}}},
		{"probe ping", "6:2probe", []Packet{{Type: PacketPing, Data: []byte("probe")}}},
		{"utf-16 lengths", "4:4€😀2:4x", []Packet{{Type: PacketMessage, Data: []byte("€😀")}, {Type: PacketMessage, Data: []byte("x")}}},
		{"base64 binary", "10:b4AQIDBA==", []Packet{{Type: PacketMessage, Data: []byte{1, 2, 3, 4}, Binary: true}}},
		{"empty record skipped", "0:1:6", []Packet{{Type: PacketNoop, Data: []byte{}}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got []Packet
			if err := decodePayloadV3([]byte(c.in), func(p Packet) bool { got = append(got, p); return true }); err != nil {
				t.Fatal(err)
			}
			if len(got) != len(c.want) {
				t.Fatalf("got %+v, want %+v", got, c.want)
			}
			for i := range got {
				if got[i].Type != c.want[i].Type || got[i].Binary != c.want[i].Binary || !bytes.Equal(got[i].Data, c.want[i].Data) {
					t.Fatalf("packet %d: got %+v, want %+v", i, got[i], c.want[i])
				}
			}
		})
	}
}

// A payload that does not decode is refused whole: none of its packets
// is handed over, and nothing panics.
func TestDecodePayloadV3BadInput(t *testing.T) {
	for _, in := range []string{
		"", ":", "1", "5", "6:4hell", "x:4a", "-1:4a", "1x:4", "2:4", "2:4a3", "1:9", "1:b", "3:bzz", "6:b4!!!!",
		"99999999999999999999:4a", "4:4😀", // half a surrogate pair
		"1:41:", "18446744073709551617:4",
	} {
		calls := 0
		err := decodePayloadV3([]byte(in), func(Packet) bool { calls++; return true })
		if !errors.Is(err, ErrInvalidPacket) {
			t.Errorf("%q: error %v, want ErrInvalidPacket", in, err)
		}
		if calls != 0 {
			t.Errorf("%q: %d packets handed over from a bad payload", in, calls)
		}
	}
	for _, in := range [][]byte{
		{}, {0}, {0, 1}, {0, 0xff}, {0, 10, 0xff, '4'}, {0, 5, 0xff, '4'}, {1, 1, 0xff, 9},
		{1, 0, 0xff}, {0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0xff},
		append([]byte{0, 2, 0xff}, "4a"...)[:4],
	} {
		calls := 0
		err := decodeBinaryPayloadV3(in, func(Packet) bool { calls++; return true })
		if !errors.Is(err, ErrInvalidPacket) {
			t.Errorf("%v: error %v, want ErrInvalidPacket", in, err)
		}
		if calls != 0 {
			t.Errorf("%v: %d packets handed over from a bad payload", in, calls)
		}
	}
}

// decodeBinaryV3 takes a v3 binary frame: the type byte, then the data.
func TestDecodeBinaryV3(t *testing.T) {
	p, err := decodeBinaryV3([]byte{4, 1, 2})
	if err != nil || p.Type != PacketMessage || !p.Binary || !bytes.Equal(p.Data, []byte{1, 2}) {
		t.Fatalf("got %+v %v", p, err)
	}
	for _, bad := range [][]byte{{}, {7}, {0xff, 1}} {
		if _, err := decodeBinaryV3(bad); !errors.Is(err, ErrInvalidPacket) {
			t.Errorf("%v: %v", bad, err)
		}
	}
}

func FuzzDecodePayloadV3(f *testing.F) {
	for _, s := range []string{"6:4hello", "4:4€😀", "10:b4AQIDBA==", "0:", "1:6", "2:4a6:b4/w=="} {
		f.Add([]byte(s))
	}
	f.Add([]byte{0, 4, 0xff, '4', 'h', 0xc3, 0xa9, 1, 4, 0xff, 4, 1, 2, 3})
	f.Fuzz(func(t *testing.T, data []byte) {
		var text []Packet
		if decodePayloadV3(toValidUTF8(data), func(p Packet) bool { text = append(text, p); return true }) == nil {
			// What decodes encodes back to a payload that decodes the same.
			enc, binary := encodePayloadV3(text, true)
			if binary {
				t.Fatal("binary payload with b64")
			}
			var again []Packet
			if err := decodePayloadV3(enc, func(p Packet) bool { again = append(again, p); return true }); err != nil {
				t.Fatalf("re-encoded %q does not decode: %v", enc, err)
			}
			if len(again) != len(text) {
				t.Fatalf("%d packets, then %d", len(text), len(again))
			}
		}
		var bin []Packet
		if decodeBinaryPayloadV3(data, func(p Packet) bool { bin = append(bin, p); return true }) == nil {
			enc, binary := encodePayloadV3(bin, false)
			decode := decodePayloadV3 // no binary packet: a text payload
			if binary {
				decode = decodeBinaryPayloadV3
			}
			n := 0
			if err := decode(enc, func(Packet) bool { n++; return true }); err != nil || n != len(bin) {
				t.Fatalf("re-encoded %v: %d packets of %d, %v", enc, n, len(bin), err)
			}
		}
	})
}
