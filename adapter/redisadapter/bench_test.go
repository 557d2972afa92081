package redisadapter

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"

	"github.com/coder/websocket"
	"github.com/redis/go-redis/v9"

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
	p, _ := socketio.EventPacket("/", "chat message", map[string]any{"user": "alice", "text": "hello there", "ts": 1764583200000})
	pv, _ := rediswire.PacketValue(p)
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

// BenchmarkCrossNodeBroadcast broadcasts from one gosio server to N
// websocket clients of another over a real Redis, each broadcast waited
// for at every client. It reports the allocations of the whole process per
// delivery: both servers, go-redis and the clients' reads (into a reused
// buffer), the sender's share spread over the N deliveries.
func BenchmarkCrossNodeBroadcast(b *testing.B) {
	for _, n := range []int{10, 100, 1000} {
		b.Run(fmt.Sprintf("sockets=%d", n), func(b *testing.B) { benchCrossNode(b, n) })
	}
}

func benchCrossNode(b *testing.B, clients int) {
	addr := redisAddr(b)
	key := testKey(b)
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	defer rdb.Close()
	opts := &Options{Key: key, Logger: slog.New(slog.DiscardHandler)}
	mk := func() (*socketio.SocketIOServer, *httptest.Server) {
		srv := socketio.NewServer(&socketio.ServerOptions{Adapter: New(rdb, opts)})
		return srv, httptest.NewServer(srv)
	}
	s1, ts1 := mk()
	s2, ts2 := mk()
	defer func() {
		for _, s := range []*socketio.SocketIOServer{s1, s2} {
			_ = s.Shutdown(context.Background())
		}
		ts1.Close()
		ts2.Close()
	}()
	ctx := context.Background()
	var conns []*websocket.Conn
	for range clients {
		c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(ts2.URL, "http")+"/socket.io/?EIO=4&transport=websocket", nil)
		if err != nil {
			b.Fatal(err)
		}
		defer c.CloseNow()
		if _, _, err := c.Read(ctx); err != nil { // the Engine.IO open packet
			b.Fatal(err)
		}
		if err := c.Write(ctx, websocket.MessageText, []byte("40")); err != nil {
			b.Fatal(err)
		}
		if _, m, err := c.Read(ctx); err != nil || !strings.HasPrefix(string(m), "40") {
			b.Fatalf("CONNECT: %q, %v", m, err)
		}
		conns = append(conns, c)
	}
	buf := make([]byte, 4096)
	read := func(c *websocket.Conn) {
		for {
			_, r, err := c.Reader(ctx)
			if err != nil {
				b.Fatal(err)
			}
			n, err := io.ReadFull(r, buf)
			if err != io.ErrUnexpectedEOF && err != io.EOF {
				b.Fatalf("read: %d bytes, %v", n, err)
			}
			if n == 1 && buf[0] == '2' { // a ping
				_ = c.Write(ctx, websocket.MessageText, []byte("3"))
				continue
			}
			if !bytes.HasPrefix(buf[:n], []byte(`42["tick",`)) {
				b.Fatalf("got %q", buf[:n])
			}
			return
		}
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if err := s1.Emit("tick", i, "some text of a chat message"); err != nil {
			b.Fatal(err)
		}
		for _, c := range conns {
			read(c)
		}
	}
	b.StopTimer()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(b.N*clients), "allocs/delivery")
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(b.N*clients), "B/delivery")
}
