package rediswire

import (
	"bytes"
	"testing"

	"github.com/gosio/gosio/sio/socketio"
)

// TestPacketRoundTrip carries an event with a binary argument through the
// MessagePack shape of Node's packets and back.
func TestPacketRoundTrip(t *testing.T) {
	data, atts, err := socketio.EncodeEvent("ev", 1, []byte{1, 2, 3}, map[string]any{"k": []byte{4}})
	if err != nil {
		t.Fatal(err)
	}
	p := &socketio.SocketIOPacket{Type: socketio.PacketBinaryEvent, Namespace: "/", ID: socketio.NoAckID, Data: data, Attachments: atts}
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
