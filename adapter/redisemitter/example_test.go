package redisemitter_test

import (
	"context"
	"log"

	"github.com/redis/go-redis/v9"

	"github.com/gosio/gosio/adapter/redisemitter"
)

// An emitter sends events to a cluster's sockets from a process that is
// not one of its servers, such as a worker.
func Example() {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
	defer rdb.Close()
	e := redisemitter.New(rdb, nil)
	ctx := context.Background()
	if err := e.To("room1").Except("room2").Emit(ctx, "news", map[string]any{"title": "hello"}); err != nil {
		log.Print(err)
	}
	_ = e.Of("/admin").In("room1").SocketsJoin(ctx, "room3")
	_ = e.ServerSideEmit(ctx, "reload")
}
