package engineio_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"slices"
	"testing"

	"github.com/gosio/gosio/sio/engineio"
)

func TestPacketTypeNames(t *testing.T) {
	t.Parallel()
	want := []string{"open", "close", "ping", "pong", "message", "upgrade", "noop"}
	for i, name := range want {
		if got := engineio.PacketType(i).String(); got != name {
			t.Errorf("type %d: %q, want %q", i, got, name)
		}
	}
	if got := engineio.PacketType(9).String(); got != "PacketType(9)" {
		t.Errorf("unknown type: %q", got)
	}
}

func TestDecodeText(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in   string
		want engineio.Packet
	}{
		{"0{\"sid\":\"x\"}", engineio.Packet{Type: engineio.PacketOpen, Data: []byte(`{"sid":"x"}`)}},
		{"1", engineio.Packet{Type: engineio.PacketClose, Data: []byte{}}},
		{"2probe", engineio.Packet{Type: engineio.PacketPing, Data: []byte("probe")}},
		{"3", engineio.Packet{Type: engineio.PacketPong, Data: []byte{}}},
		{"4hello", engineio.Packet{Type: engineio.PacketMessage, Data: []byte("hello")}},
		{"4€\x00", engineio.Packet{Type: engineio.PacketMessage, Data: []byte("€\x00")}},
		{"5", engineio.Packet{Type: engineio.PacketUpgrade, Data: []byte{}}},
		{"6", engineio.Packet{Type: engineio.PacketNoop, Data: []byte{}}},
		{"bAQIDBA==", engineio.Packet{Type: engineio.PacketMessage, Data: []byte{1, 2, 3, 4}, Binary: true}},
		{"b", engineio.Packet{Type: engineio.PacketMessage, Data: []byte{}, Binary: true}},
	}
	for _, c := range cases {
		p, err := engineio.DecodeText([]byte(c.in))
		if err != nil {
			t.Errorf("%q: %v", c.in, err)
			continue
		}
		if p.Type != c.want.Type || p.Binary != c.want.Binary || !bytes.Equal(p.Data, c.want.Data) {
			t.Errorf("%q: %+v, want %+v", c.in, p, c.want)
		}
	}
	for _, bad := range []string{"", "7", "9x", "a", "/", ":", "B", "bA", "b!!", "bAQ=x", " 4"} {
		if _, err := engineio.DecodeText([]byte(bad)); !errors.Is(err, engineio.ErrInvalidPacket) {
			t.Errorf("%q: %v, want ErrInvalidPacket", bad, err)
		}
	}
	if p := engineio.DecodeBinary([]byte{0, 1}); p.Type != engineio.PacketMessage || !p.Binary || !bytes.Equal(p.Data, []byte{0, 1}) {
		t.Errorf("DecodeBinary: %+v", p)
	}
}

func TestPayloadEncoding(t *testing.T) {
	t.Parallel()
	// the protocol's examples
	ps, err := engineio.DecodePayload([]byte("4hello\x1e2\x1e4world"))
	if err != nil || len(ps) != 3 || string(ps[0].Data) != "hello" || ps[1].Type != engineio.PacketPing || string(ps[2].Data) != "world" {
		t.Fatalf("%+v %v", ps, err)
	}
	ps, err = engineio.DecodePayload([]byte("4hello\x1ebAQIDBA=="))
	if err != nil || len(ps) != 2 || !ps[1].Binary || !bytes.Equal(ps[1].Data, []byte{1, 2, 3, 4}) {
		t.Fatalf("%+v %v", ps, err)
	}
	if got := engineio.EncodePayload(ps); string(got) != "4hello\x1ebAQIDBA==" {
		t.Fatalf("encoded %q", got)
	}
	if got := engineio.EncodePayload(nil); len(got) != 0 {
		t.Fatalf("empty payload %q", got)
	}
	for _, bad := range []string{"", "\x1e", "4a\x1e", "\x1e4a", "4a\x1ex"} {
		if _, err := engineio.DecodePayload([]byte(bad)); !errors.Is(err, engineio.ErrInvalidPacket) {
			t.Errorf("%q: %v", bad, err)
		}
	}
	if got := engineio.AppendText(engineio.Packet{Type: engineio.PacketPing, Data: []byte("probe")}, []byte("x")); string(got) != "x2probe" {
		t.Errorf("AppendText %q", got)
	}
	if got := engineio.AppendPayloadRecord([]byte("4a"), engineio.Packet{Type: engineio.PacketNoop}); string(got) != "4a\x1e6" {
		t.Errorf("AppendPayloadRecord %q", got)
	}
}

// FuzzDecode: decoding never panics, fails only with ErrInvalidPacket, and
// what decodes encodes back: to the same bytes where the input was in
// canonical form, to the same packets always.
func FuzzDecode(f *testing.F) {
	for _, seed := range []string{
		"4hello", "4hello\x1e2\x1e4world", "4hello\x1ebAQIDBA==", "bAQIDBA==", "b", "", "\x1e", "2probe", "3probe",
		"0{\"sid\":\"lv_VI97HAXpY6yYWAAAC\",\"upgrades\":[\"websocket\"],\"pingInterval\":25000,\"pingTimeout\":20000,\"maxPayload\":1000000}",
		"1", "5", "6", "7", "4€", "b====", "bAQ=x", "bAQ\nID", "4a\x1e\x1e4b", "b/wAB\x1e4\x1eb",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		in := slices.Clone(data)

		p, err := engineio.DecodeText(data)
		if err != nil {
			if !errors.Is(err, engineio.ErrInvalidPacket) {
				t.Fatalf("DecodeText(%q): %v is not ErrInvalidPacket", data, err)
			}
		} else {
			checkPacket(t, p)
			rec := engineio.AppendPayloadRecord(nil, p)
			p2, err := engineio.DecodeText(rec)
			if err != nil || !samePacket(p, p2) {
				t.Fatalf("%q decodes to %+v, which encodes to %q, which decodes to %+v (%v)", data, p, rec, p2, err)
			}
			if canonical(data) && !bytes.Equal(rec, data) {
				t.Fatalf("%q re-encoded as %q", data, rec)
			}
		}

		ps, err := engineio.DecodePayload(data)
		if err != nil {
			if !errors.Is(err, engineio.ErrInvalidPacket) {
				t.Fatalf("DecodePayload(%q): %v", data, err)
			}
		} else {
			if len(ps) != bytes.Count(data, []byte{0x1e})+1 {
				t.Fatalf("%q: %d packets", data, len(ps))
			}
			allCanonical := true
			for i, rec := range bytes.Split(data, []byte{0x1e}) {
				checkPacket(t, ps[i])
				allCanonical = allCanonical && canonical(rec)
			}
			enc := engineio.EncodePayload(ps)
			ps2, err := engineio.DecodePayload(enc)
			if err != nil || len(ps2) != len(ps) {
				t.Fatalf("%q re-encoded as %q: %v", data, enc, err)
			}
			for i := range ps {
				if !samePacket(ps[i], ps2[i]) {
					t.Fatalf("%q: packet %d %+v became %+v", data, i, ps[i], ps2[i])
				}
			}
			if allCanonical && !bytes.Equal(enc, data) {
				t.Fatalf("%q re-encoded as %q", data, enc)
			}
		}

		b := engineio.DecodeBinary(data)
		if b.Type != engineio.PacketMessage || !b.Binary || !bytes.Equal(b.Data, data) {
			t.Fatalf("DecodeBinary: %+v", b)
		}
		if !bytes.Equal(data, in) {
			t.Fatalf("decoding changed its input")
		}
	})
}

func checkPacket(t *testing.T, p engineio.Packet) {
	t.Helper()
	if p.Type > engineio.PacketNoop {
		t.Fatalf("packet type %d", p.Type)
	}
	if p.Binary && p.Type != engineio.PacketMessage {
		t.Fatalf("binary %v packet", p.Type)
	}
}

func samePacket(a, b engineio.Packet) bool {
	return a.Type == b.Type && a.Binary == b.Binary && bytes.Equal(a.Data, b.Data)
}

// canonical tells whether a record is in the form the encoder produces:
// any text packet, or "b" followed by the standard base64 of its data.
func canonical(rec []byte) bool {
	if len(rec) == 0 || rec[0] != 'b' {
		return true
	}
	d, err := base64.StdEncoding.DecodeString(string(rec[1:]))
	return err == nil && base64.StdEncoding.EncodeToString(d) == string(rec[1:])
}
