package redisadapter

import (
	"context"
	"crypto/rand"
	"log/slog"
	"testing"
	"time"

	"github.com/gosio/gosio/internal/rediswire"
)

// TestShardedGarbageIsDropped sends random bytes, bad JSON, a 4 MB
// message, and well-formed messages of the wrong shape on the sharded
// adapter's namespace channel and on a server's own response channel:
// each is dropped with a log line, and the cluster still works.
func TestShardedGarbageIsDropped(t *testing.T) {
	addr := redisAddr(t)
	key := testKey(t)
	rdb := newClient(t, addr)
	mk := func(name string) *goNode {
		g := &goNode{name: name, log: &syncLog{}, sse: make(chan []any, 16)}
		return startGoNodeWith(t, g, NewSharded(rdb, &ShardedOptions{ChannelPrefix: key, RequestsTimeout: 3 * time.Second, Logger: slog.New(slog.NewTextHandler(g.log, nil))}))
	}
	g1, g2 := mk("g1"), mk("g2")
	huge := make([]byte, 4<<20)
	_, _ = rand.Read(huge)
	huge[0] = 0xdd // array 32 whose length claims far more than follows
	junk := make([]byte, 512)
	_, _ = rand.Read(junk)
	junk[0] = 0xc1 // never used in MessagePack
	noType, _ := rediswire.MsgpackParser{}.Encode(map[string]any{"uid": "x", "nsp": "/", "type": "x"})
	payloads := [][]byte{
		junk, huge, []byte("{not json"), noType,
		[]byte(`{"uid":"x","nsp":"/","type":3,"data":{"packet":1}}`),  // a broadcast without a packet
		[]byte(`{"uid":"x","nsp":"/","type":99}`),                     // no such type
		[]byte(`{"uid":"x","nsp":"/","type":7,"data":{"opts":"no"}}`), // fetchSockets with bad options
	}
	sharded := g2.srv.Of("/").Adapter().(*ShardedAdapter)
	channels := []string{sharded.channel, sharded.channel + sharded.UID() + "#"}
	ctx := context.Background()
	for _, ch := range channels {
		for _, p := range payloads {
			if err := rdb.SPublish(ctx, ch, p).Err(); err != nil {
				t.Fatal(err)
			}
		}
	}
	// A server-side event after the garbage arrives after it, in order.
	must(t, g1.srv.ServerSideEmit(ctx, "note", "after-garbage"))
	expectSSE(t, g2, "after-garbage")
	deadline := time.Now().Add(5 * time.Second)
	// The fetchSockets with bad options selects all sockets: answered,
	// not dropped.
	want := len(channels) * (len(payloads) - 1)
	for g2.log.count("dropped a message") < want && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := g2.log.count("dropped a message"); n < want || n > len(channels)*len(payloads) {
		t.Fatalf("%d messages logged as dropped, want %d; log:\n%s", n, want, g2.log)
	}
	if n, err := g1.srv.Of("/").Adapter().ServerCount(ctx); err != nil || n != 2 {
		t.Fatalf("ServerCount after garbage: %d, %v", n, err)
	}
	answers, err := g1.srv.ServerSideEmitWithAck(ctx, "sse-ack", 1)
	if err != nil || len(answers) != 1 {
		t.Fatalf("ServerSideEmitWithAck after garbage: %v, %v", answers, err)
	}
}
