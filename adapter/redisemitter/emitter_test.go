package redisemitter

import (
	"context"
	"encoding/json"
	"os"
	"reflect"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/goleak"

	"github.com/gosio/gosio/internal/nodetest"
	"github.com/gosio/gosio/internal/rediswire"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func testClient(t *testing.T) *redis.Client {
	addr := os.Getenv("REDIS_ADDR")
	if addr == "" {
		addr = "127.0.0.1:6379"
	}
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	t.Cleanup(func() { _ = rdb.Close() })
	if err := rdb.Ping(context.Background()).Err(); err != nil {
		if nodetest.InCI() {
			t.Fatalf("no Redis under CI: %v", err)
		}
		t.Skipf("no Redis: %v", err)
	}
	return rdb
}

// TestWireFormat checks the bytes the emitter publishes against the shape
// @socket.io/redis-emitter 5.1 gives them: [ "emitter", {type, data, nsp},
// {rooms, except, flags} ] on the room's channel, JSON requests on the
// request channel.
func TestWireFormat(t *testing.T) {
	rdb := testClient(t)
	key := "gosio-test-emitter-" + rediswire.UID(6)
	ctx := context.Background()
	ps := rdb.PSubscribe(ctx, key+"*")
	defer ps.Close()
	if _, err := ps.Receive(ctx); err != nil {
		t.Fatal(err)
	}
	e := New(rdb, &Options{Key: key}).Of("chat")
	if err := e.To("r").Except("x").Volatile().Emit(ctx, "ev", 1, []byte{2}); err != nil {
		t.Fatal(err)
	}
	if err := e.In("r").SocketsJoin(ctx, "s"); err != nil {
		t.Fatal(err)
	}
	recv := func() *redis.Message {
		t.Helper()
		ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		m, err := ps.ReceiveMessage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	m := recv()
	if m.Channel != key+"#/chat#r#" {
		t.Fatalf("channel %q", m.Channel)
	}
	v, err := rediswire.MsgpackParser{}.Decode([]byte(m.Payload))
	if err != nil {
		t.Fatal(err)
	}
	want := []any{"emitter",
		map[string]any{"type": int64(2), "nsp": "/chat", "data": []any{"ev", int64(1), []byte{2}}},
		map[string]any{"rooms": []any{"r"}, "except": []any{"x"}, "flags": map[string]any{"volatile": true}},
	}
	if !reflect.DeepEqual(v, want) {
		t.Fatalf("broadcast\n got %#v\nwant %#v", v, want)
	}
	m = recv()
	var req map[string]any
	if m.Channel != key+"-request#/chat#" || json.Unmarshal([]byte(m.Payload), &req) != nil ||
		req["type"] != 2.0 || !reflect.DeepEqual(req["rooms"], []any{"s"}) {
		t.Fatalf("join request %s on %s", m.Payload, m.Channel)
	}
}
