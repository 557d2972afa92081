package redisadapter_test

import (
	"context"
	"log"
	"net/http"

	"github.com/redis/go-redis/v9"

	"github.com/gosio/gosio/adapter/redisadapter"
	"github.com/gosio/gosio/sio/socketio"
)

// Servers on one Redis form a cluster: a broadcast on one reaches the
// clients of all, Node.js servers on @socket.io/redis-adapter included.
func Example() {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
	defer rdb.Close()
	srv := socketio.NewServer(&socketio.ServerOptions{
		Adapter: redisadapter.New(rdb, &redisadapter.Options{Key: "socket.io"}),
	})
	defer srv.Shutdown(context.Background())
	srv.OnServerSideEmit("hello", func(ev *socketio.ServerSideEvent) {
		ev.Ack("hi from " + "this server")
	})
	srv.OnConnection(func(s *socketio.NamespaceSocket) {
		s.Join("room1")
		_ = srv.To("room1").Emit("joined", s.ID()) // every server's clients in room1
	})
	answers, err := srv.ServerSideEmitWithAck(context.Background(), "hello")
	log.Print(len(answers), err)
	log.Fatal(http.ListenAndServe(":3000", srv))
}
