package socketio

import (
	"errors"
	"testing"
	"time"
)

// TestDeliverLocal checks the adapter kit's delivery: the client gets the
// packet with the bus's offset, and the in-memory store of recovery keeps
// nothing, where Broadcast keeps the event; another adapter is told to
// Broadcast.
func TestDeliverLocal(t *testing.T) {
	e := newTestEnv(t, &ServerOptions{ConnectionStateRecovery: &RecoveryOptions{MaxDisconnectionDuration: time.Minute}})
	c, _ := e.connected(socketCh(e.srv))
	local := e.srv.Of("/").Adapter()
	stored := func() int {
		a := local.(*memoryAdapter)
		a.recMu.Lock()
		defer a.recMu.Unlock()
		return len(a.packets)
	}

	p, err := EventPacket("/", "ev", 1)
	if err != nil {
		t.Fatal(err)
	}
	DeliverLocal(local, WithOffset(p, "bus-7"), &BroadcastOptions{})
	c.expect(`2["ev",1,"bus-7"]`)
	if n := stored(); n != 0 {
		t.Fatalf("DeliverLocal kept %d packets", n)
	}
	local.Broadcast(p, &BroadcastOptions{})
	if got := c.nextText(); got == `2["ev",1]` || got[:8] != `2["ev",1` {
		t.Fatalf("Broadcast sent %q, want the event with the store's offset", got)
	}
	if n := stored(); n != 1 {
		t.Fatalf("Broadcast kept %d packets, want 1", n)
	}

	rec := &recordingAdapter{Adapter: local}
	DeliverLocal(rec, p, &BroadcastOptions{})
	if len(rec.calls) != 1 || rec.calls[0] != "Broadcast" {
		t.Fatalf("another adapter got %v, want Broadcast", rec.calls)
	}
	c.nextText()
}

// TestPacketArgs checks that PacketArgs resolves attachments and refuses a
// payload that is not an array, with an error wrapping ErrInvalidPacket.
func TestPacketArgs(t *testing.T) {
	p, err := EventPacket("/", "up", map[string]any{"b": []byte{7}})
	if err != nil {
		t.Fatal(err)
	}
	args, err := PacketArgs(p)
	if err != nil || args.Len() != 2 {
		t.Fatalf("PacketArgs: %d args, %v", args.Len(), err)
	}
	var v struct{ B []byte }
	if err := args.DecodeAt(1, &v); err != nil || string(v.B) != "\x07" {
		t.Fatalf("DecodeAt: %v %q", err, v.B)
	}
	for _, data := range []string{`{"a":1}`, `[1,`, ``} {
		if _, err := PacketArgs(&SocketIOPacket{Type: PacketEvent, Data: []byte(data)}); !errors.Is(err, ErrInvalidPacket) {
			t.Errorf("PacketArgs(%q) = %v, want ErrInvalidPacket", data, err)
		}
	}
	if _, err := EventPacket("/", "connect"); !errors.Is(err, ErrReservedEvent) {
		t.Errorf("EventPacket(connect) = %v", err)
	}
}
