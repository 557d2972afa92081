package routing_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/coder/websocket"
	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/gosio/gosio/consumer"
	"github.com/gosio/gosio/routing"
)

// Greeter answers "greet" on the main namespace.
type Greeter struct {
	consumer.SocketIOConsumer
}

// EventGreet handles "greet"; its result answers the client's ack.
func (g *Greeter) EventGreet(name string) string { return "hello, " + name }

// Shout answers "shout" on "/loud".
type Shout struct {
	consumer.SocketIOConsumer
	Namespace string
}

// EventShout handles "shout".
func (s *Shout) EventShout(text string) string { return strings.ToUpper(text) + "!" }

// ExampleMount mounts two consumers on the process-wide server under
// "/socket.io/", beside the application's own route and under its
// middlewares.
func ExampleMount() {
	r := chi.NewRouter()
	r.Use(middleware.RequestID, middleware.RealIP, middleware.Recoverer) // and middleware.Logger
	r.Get("/health", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok") })
	routing.Mount(r, "/socket.io/", &Greeter{}, &Shout{Namespace: "/loud"})

	ts := httptest.NewServer(r)
	defer ts.Close()

	resp, err := http.Get(ts.URL + "/health")
	if err != nil {
		panic(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Println("/health:", string(body))

	// A raw Socket.IO client on one websocket, in two namespaces.
	ctx := context.Background()
	conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(ts.URL, "http")+"/socket.io/?EIO=4&transport=websocket", nil)
	if err != nil {
		panic(err)
	}
	defer conn.Close(websocket.StatusNormalClosure, "")
	send := func(s string) {
		if err := conn.Write(ctx, websocket.MessageText, []byte(s)); err != nil {
			panic(err)
		}
	}
	read := func() string {
		_, b, err := conn.Read(ctx)
		if err != nil {
			panic(err)
		}
		return string(b)
	}
	read() // Engine.IO open packet
	send("40")
	read() // CONNECT reply
	send("40/loud,")
	read()
	send(`421["greet","gopher"]`)
	fmt.Println(read())
	send(`42/loud,2["shout","hey"]`)
	fmt.Println(read())

	// Output:
	// /health: ok
	// 431["hello, gopher"]
	// 43/loud,2["HEY!"]
}
