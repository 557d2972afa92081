package socketio

import (
	"encoding/json"
	"testing"
)

// BenchmarkEncodeEvent measures building the payload of an outgoing event,
// the hot path of an echo server, for typical argument kinds.
func BenchmarkEncodeEvent(b *testing.B) {
	raw := json.RawMessage(`{"user":"alice","text":"hello world","n":42}`)
	m := map[string]any{"user": "alice", "text": "hello world", "n": 42}
	cases := []struct {
		name string
		args []any
	}{
		{"string", []any{"hello world"}},
		{"raw", []any{raw}},
		{"map", []any{m}},
		{"mixed", []any{"hello", 1, 2.5, true, nil}},
		{"binary", []any{[]byte("hello world")}},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := encodeEvent("message-back", tc.args...); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("string+packet", func(b *testing.B) {
		b.ReportAllocs()
		buf := make([]byte, 0, 128)
		for b.Loop() {
			data, atts, err := encodeEvent("message-back", "hello world")
			if err != nil {
				b.Fatal(err)
			}
			buf = appendTextPacket(append(buf[:0], '4'), &SocketIOPacket{Type: PacketEvent, Namespace: "/", ID: NoAckID, Data: data, Attachments: atts})
		}
	})
}

// BenchmarkDecodeEvent measures decoding an incoming event frame, then
// splitting its arguments and reading the event name.
func BenchmarkDecodeEvent(b *testing.B) {
	text := []byte(`2["message","hello world",{"n":1}]`)
	b.Run("parse", func(b *testing.B) {
		b.ReportAllocs()
		p := NewSocketIOParser(nil)
		for b.Loop() {
			if _, err := p.Add(text, false); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parse+args", func(b *testing.B) {
		b.ReportAllocs()
		p := NewSocketIOParser(nil)
		for b.Loop() {
			pkt, err := p.Add(text, false)
			if err != nil {
				b.Fatal(err)
			}
			args, err := splitArgs(pkt.Data)
			if err != nil {
				b.Fatal(err)
			}
			var name string
			if err := decodeArg(args[0], pkt.Attachments, &name); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("binary", func(b *testing.B) {
		bin := []byte(`51-["message",{"_placeholder":true,"num":0}]`)
		att := make([]byte, 1024)
		b.ReportAllocs()
		p := NewSocketIOParser(nil)
		for b.Loop() {
			if _, err := p.Add(bin, false); err != nil {
				b.Fatal(err)
			}
			pkt, err := p.Add(att, true)
			if err != nil || pkt == nil {
				b.Fatal(err)
			}
			args, err := splitArgs(pkt.Data)
			if err != nil {
				b.Fatal(err)
			}
			var data []byte
			if err := decodeArg(args[1], pkt.Attachments, &data); err != nil {
				b.Fatal(err)
			}
		}
	})
}
