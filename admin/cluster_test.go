package admin

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gosio/gosio/adapter/redisadapter"
	"github.com/gosio/gosio/sio/socketio"
)

// redisClient returns a client of the test Redis (127.0.0.1:6379, or
// $REDIS_ADDR), skipping the test when it does not answer (failing under
// CI=true).
func redisClient(t *testing.T) *redis.Client {
	t.Helper()
	addr := os.Getenv("REDIS_ADDR")
	if addr == "" {
		addr = "127.0.0.1:6379"
	}
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := rdb.Ping(ctx).Err(); err != nil {
		_ = rdb.Close()
		if os.Getenv("CI") == "true" {
			t.Fatalf("redis at %s: %v", addr, err)
		}
		t.Skipf("redis at %s: %v", addr, err)
	}
	t.Cleanup(func() { _ = rdb.Close() })
	return rdb
}

// TestRedisStoreAcrossServers: a UI that logged in on one server
// reconnects to another with its session id, their store being shared.
func TestRedisStoreAcrossServers(t *testing.T) {
	rdb := redisClient(t)
	var b [6]byte
	_, _ = rand.Read(b[:])
	prefix := "adminui-test-store-" + hex.EncodeToString(b[:])
	store := NewRedisStore(rdb, prefix, time.Minute)
	auth := &BasicAuth{Username: "admin", PasswordHash: testHash(t)}
	ea := newEnv(t, &Options{Auth: auth, Store: store, Mode: Production}, nil, nil)
	eb := newEnv(t, &Options{Auth: auth, Store: store, Mode: Production}, nil, nil)

	c := newClient(t, ea.ts.URL)
	c.mustConnect("ui", "/admin", wsOnly, map[string]any{"username": "admin", "password": "s3cret"})
	session := decode[string](t, c.recv("ui", "session")[0])
	t.Cleanup(func() { rdb.Del(context.Background(), prefix+"#"+session) })
	if ttl := rdb.TTL(context.Background(), prefix+"#"+session).Val(); ttl <= 0 || ttl > time.Minute {
		t.Fatalf("session key TTL %v", ttl)
	}
	c2 := newClient(t, eb.ts.URL)
	c2.mustConnect("ui", "/admin", wsOnly, map[string]any{"sessionId": session})
	if ev := c2.connect("ui2", "/admin", wsOnly, map[string]any{"sessionId": session + "0"}); ev.Name() != "connect_error" {
		t.Fatalf("unknown session id: %v", ev)
	}
}

// TestCluster: two servers on the Redis adapter, the UI connected to the
// first, an application client to the second. The UI gets both servers'
// server_stats, lists the client of the other server in all_sockets, and
// its _disconnect command reaches that client.
func TestCluster(t *testing.T) {
	rdb := redisClient(t)
	var b [6]byte
	_, _ = rand.Read(b[:])
	key := "adminui-test-" + hex.EncodeToString(b[:])
	sopts := func() *socketio.ServerOptions {
		return &socketio.ServerOptions{Adapter: redisadapter.New(rdb, &redisadapter.Options{Key: key})}
	}
	setup := func(srv *socketio.SocketIOServer) { srv.Of("/chat") }
	ea := newEnv(t, &Options{NoAuth: true, ServerID: "node-a"}, sopts(), setup)
	eb := newEnv(t, &Options{NoAuth: true, ServerID: "node-b"}, sopts(), setup)

	app := newClient(t, eb.ts.URL)
	app.mustConnect("app", "/chat", wsOnly, nil)
	appID := eb.srv.Of("/chat").Sockets()[0].ID()

	c := newClient(t, ea.ts.URL)
	c.mustConnect("ui", "/admin", wsOnly, nil)
	all := decode[[]serializedSocket](t, c.recv("ui", "all_sockets")[0])
	found := false
	for _, s := range all {
		if s.ID == appID && s.Nsp == "/chat" {
			found = true
			if len(s.ClientID) != 12 || s.Transport != "websocket" {
				t.Fatalf("socket of the other server: %+v", s)
			}
		}
	}
	if !found {
		t.Fatalf("all_sockets %+v lacks %s of the other server", all, appID)
	}

	seen := map[string]bool{}
	c.recvWhere("ui", "server_stats", func(args []json.RawMessage) bool {
		st := decode[struct {
			ServerID string `json:"serverId"`
		}](t, args[0])
		seen[st.ServerID] = true
		return seen["node-a"] && seen["node-b"]
	})

	c.emit("ui", "_disconnect", "/chat", false, appID)
	if ev := app.event("disconnect", "app"); ev.String("reason") != "io server disconnect" {
		t.Fatalf("app: %v", ev)
	}
}
