package redisadapter

import (
	"testing"

	"github.com/gosio/gosio/internal/rediswire"
	"github.com/gosio/gosio/sio/socketio"
)

// BenchmarkReceiveBroadcast measures what a server spends on one broadcast
// from another server before its local delivery: the MessagePack decoding
// of [uid, packet, opts] and the packet's re-encoding as JSON (a room
// with no local member, so no socket write is counted).
func BenchmarkReceiveBroadcast(b *testing.B) {
	srv := socketio.NewServer(nil)
	defer srv.Shutdown(b.Context())
	a := newAdapter(srv.Of("/"), nil, (&Options{}).withDefaults())
	data, _, _ := socketio.EncodeEvent("chat message", map[string]any{"user": "alice", "text": "hello there", "ts": 1764583200000})
	pv, _ := rediswire.PacketValue(&socketio.SocketIOPacket{Type: socketio.PacketEvent, Namespace: "/", ID: socketio.NoAckID, Data: data})
	msg, err := rediswire.MsgpackParser{}.Encode([]any{"other", pv, rediswire.OptsValue(&socketio.BroadcastOptions{Rooms: []string{"room"}})})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := a.onBroadcast(msg); err != nil {
			b.Fatal(err)
		}
	}
}
