package rediswire

import (
	"bytes"
	"testing"

	"github.com/gosio/gosio/sio/socketio"
)

// TestPacketRoundTrip carries an event with a binary argument through the
// MessagePack shape of Node's packets and back.
func TestPacketRoundTrip(t *testing.T) {
	p, err := socketio.EventPacket("/", "ev", 1, []byte{1, 2, 3}, map[string]any{"k": []byte{4}})
	if err != nil {
		t.Fatal(err)
	}
	pv, err := PacketValue(p)
	if err != nil {
		t.Fatal(err)
	}
	if pv["type"] != 2 {
		t.Errorf("type %v, want 2 (EVENT) as Node puts it on the bus", pv["type"])
	}
	enc, err := MsgpackParser{}.Encode([]any{"uid", pv, map[string]any{"rooms": []string{}}})
	if err != nil {
		t.Fatal(err)
	}
	v, err := MsgpackParser{}.Decode(enc)
	if err != nil {
		t.Fatal(err)
	}
	back, err := PacketFromValue(v.([]any)[1])
	if err != nil {
		t.Fatal(err)
	}
	if back.Type != socketio.PacketBinaryEvent || len(back.Attachments) != 2 || !bytes.Equal(back.Attachments[0], []byte{1, 2, 3}) {
		t.Fatalf("back: %+v (data %s)", back, back.Data)
	}
	if string(back.Data) != string(p.Data) {
		t.Errorf("data %s, want %s", back.Data, p.Data)
	}
}

// TestMsgpackLengthsAreChecked refuses headers that claim more than the
// message holds, before the decoder allocates for them.
func TestMsgpackLengthsAreChecked(t *testing.T) {
	for name, b := range map[string][]byte{
		"array32 of 4G":  {0xdd, 0xff, 0xff, 0xff, 0xff},
		"map16 of 64K":   {0xde, 0xff, 0xff, 0x01},
		"str32 cut":      {0xdb, 0, 0, 1, 0, 'a'},
		"never used":     {0xc1},
		"trailing":       {0x01, 0x02},
		"empty":          {},
		"nested too big": {0x91, 0xdc, 0xff, 0xff},
	} {
		if _, err := (MsgpackParser{}).Decode(b); err == nil {
			t.Errorf("%s: decoded", name)
		}
	}
	ok, _ := MsgpackParser{}.Encode([]any{"a", map[string]any{"b": []byte{1}, "c": 1.5, "d": int64(-70000)}, nil, true})
	if _, err := (MsgpackParser{}).Decode(ok); err != nil {
		t.Fatalf("a valid message: %v", err)
	}
}

// FuzzMsgpackDecode never panics nor allocates beyond the message.
func FuzzMsgpackDecode(f *testing.F) {
	f.Add([]byte{0x93, 0xa1, 'u', 0x80, 0xc0})
	f.Add([]byte{0xdd, 0, 0, 0, 2, 1, 2})
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = MsgpackParser{}.Decode(b)
	})
}
