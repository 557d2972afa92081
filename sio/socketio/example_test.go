package socketio_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"slices"
	"strings"
	"time"

	"github.com/gosio/gosio/sio/socketio"
)

// connected prints a CONNECT answer without its random socket id.
func connected(packet string) {
	head, _, _ := strings.Cut(packet, "{")
	fmt.Println(head + "{...}")
}

func shutdown(srv *socketio.SocketIOServer, ts *httptest.Server) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(ctx)
	ts.Close()
}

// A server greets each client of the main namespace. It is an
// http.Handler: mount it at /socket.io/.
func ExampleNewServer() {
	srv := socketio.NewServer(nil)
	srv.OnConnection(func(s *socketio.NamespaceSocket) {
		_ = s.Emit("welcome", "hello, client")
	})
	ts := httptest.NewServer(srv) // or http.Handle("/socket.io/", srv)
	defer shutdown(srv, ts)

	c := dialPolling(ts.URL)
	defer c.close()
	c.emit("40") // CONNECT to "/"
	connected(c.next())
	fmt.Println(c.next())
	// Output:
	// 40{...}
	// 42["welcome","hello, client"]
}

// Of returns a namespace, made on first use; clients reach it with
// io("https://host/chat").
func ExampleSocketIOServer_Of() {
	srv := socketio.NewServer(nil)
	chat := srv.Of("/chat")
	chat.OnConnection(func(s *socketio.NamespaceSocket) {
		_ = s.Emit("welcome", "this is "+s.Namespace().Name())
	})
	ts := httptest.NewServer(srv)
	defer shutdown(srv, ts)

	c := dialPolling(ts.URL)
	defer c.close()
	c.emit("40/chat,")
	connected(c.next())
	fmt.Println(c.next())
	// Output:
	// 40/chat,{...}
	// 42/chat,["welcome","this is /chat"]
}

// OnConnection runs for each socket that joins the namespace, after its
// middlewares accepted it: the place to register its handlers.
func ExampleNamespace_OnConnection() {
	srv := socketio.NewServer(nil)
	srv.Of("/").OnConnection(func(s *socketio.NamespaceSocket) {
		// Each socket is in the room named by its id.
		_ = s.Emit("in own room", slices.Contains(s.Rooms(), socketio.Room(s.ID())))
	})
	ts := httptest.NewServer(srv)
	defer shutdown(srv, ts)

	c := dialPolling(ts.URL)
	defer c.close()
	c.emit("40")
	connected(c.next())
	fmt.Println(c.next())
	// Output:
	// 40{...}
	// 42["in own room",true]
}

// On handles an event; Decode reads its arguments into Go values and
// Ack answers the client's callback (or emitWithAck).
func ExampleNamespaceSocket_On() {
	srv := socketio.NewServer(nil)
	srv.OnConnection(func(s *socketio.NamespaceSocket) {
		s.On("shout", func(e *socketio.Event) {
			var text string
			if err := e.Decode(&text); err != nil {
				return
			}
			_ = e.Ack(strings.ToUpper(text) + "!")
		})
	})
	ts := httptest.NewServer(srv)
	defer shutdown(srv, ts)

	c := dialPolling(ts.URL)
	defer c.close()
	c.emit("40")
	connected(c.next())
	c.emit(`421["shout","hello"]`) // socket.emit("shout", "hello", ack), ack id 1
	fmt.Println(c.next())
	// Output:
	// 40{...}
	// 431["HELLO!"]
}

// Emit sends an event to one client; arguments are encoded as JSON
// (a []byte goes as a binary attachment).
func ExampleNamespaceSocket_Emit() {
	type News struct {
		Title string `json:"title"`
		Score int    `json:"score"`
	}
	srv := socketio.NewServer(nil)
	srv.OnConnection(func(s *socketio.NamespaceSocket) {
		_ = s.Emit("news", News{Title: "gosio", Score: 5}, "extra")
	})
	ts := httptest.NewServer(srv)
	defer shutdown(srv, ts)

	c := dialPolling(ts.URL)
	defer c.close()
	c.emit("40")
	connected(c.next())
	fmt.Println(c.next())
	// Output:
	// 40{...}
	// 42["news",{"title":"gosio","score":5},"extra"]
}

// EmitWithAck sends an event and waits for the client's answer (or ctx,
// or the Timeout given).
func ExampleNamespaceSocket_EmitWithAck() {
	srv := socketio.NewServer(nil)
	answered := make(chan string, 1)
	srv.OnConnection(func(s *socketio.NamespaceSocket) {
		// A handler may block on the answer: the socket's reads go on.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		res, err := s.Timeout(5*time.Second).EmitWithAck(ctx, "question", "6 x 7?")
		if err != nil {
			answered <- err.Error()
			return
		}
		var n int
		_ = res.Decode(&n)
		answered <- fmt.Sprint("answer: ", n)
	})
	ts := httptest.NewServer(srv)
	defer shutdown(srv, ts)

	c := dialPolling(ts.URL)
	defer c.close()
	c.emit("40")
	connected(c.next())
	fmt.Println(c.next())
	c.emit("430[42]") // the client's ack callback, with 42
	fmt.Println(<-answered)
	// Output:
	// 40{...}
	// 420["question","6 x 7?"]
	// answer: 42
}

// To broadcasts to the sockets in a room; Except, Volatile, Timeout and
// the others return a new operator.
func ExampleSocketIOServer_To() {
	srv := socketio.NewServer(nil)
	srv.OnConnection(func(s *socketio.NamespaceSocket) {
		s.Join("lobby")
		_ = s.Emit("joined", "lobby")
	})
	ts := httptest.NewServer(srv)
	defer shutdown(srv, ts)

	c := dialPolling(ts.URL)
	defer c.close()
	c.emit("40")
	connected(c.next())
	fmt.Println(c.next())
	_ = srv.To("lobby").Emit("news", "for the lobby")
	_ = srv.To("elsewhere").Emit("news", "for nobody here")
	fmt.Println(c.next())
	// Output:
	// 40{...}
	// 42["joined","lobby"]
	// 42["news","for the lobby"]
}

// Use adds a middleware: it runs for each socket before it joins the
// namespace, and an error refuses it with a CONNECT_ERROR (a
// *ConnectError carries data too).
func ExampleNamespace_Use() {
	srv := socketio.NewServer(nil)
	admin := srv.Of("/admin")
	admin.Use(func(s *socketio.NamespaceSocket) error {
		var auth struct {
			Token string `json:"token"`
		}
		if err := s.Handshake().DecodeAuth(&auth); err != nil || auth.Token != "secret" {
			return errors.New("not authorized")
		}
		return nil
	})
	ts := httptest.NewServer(srv)
	defer shutdown(srv, ts)

	c := dialPolling(ts.URL)
	defer c.close()
	c.emit(`40/admin,{"token":"guess"}`)
	fmt.Println(c.next())
	c.emit(`40/admin,{"token":"secret"}`)
	connected(c.next())
	// Output:
	// 44/admin,{"message":"not authorized"}
	// 40/admin,{...}
}

// Message is a chat message, for Example_chat.
type Message struct {
	Text string `json:"text"`
}

// The Node.js chat of the README's tour, with the socketio package: a
// namespace middleware, rooms, an event with an ack, a broadcast to the
// others in the room.
func Example_chat() {
	srv := socketio.NewServer(nil) // or socketio.GetSocketIOServer()
	chat := srv.Of("/chat")
	chat.Use(func(s *socketio.NamespaceSocket) error { return nil })
	chat.OnConnection(func(s *socketio.NamespaceSocket) {
		s.Join("lobby")
		s.On("chat_message", func(e *socketio.Event) {
			var msg Message
			if err := e.Decode(&msg); err != nil {
				_ = e.Ack(map[string]any{"error": "invalid message"})
				return
			}
			_ = s.To("lobby").Emit("chat_message", msg)
			_ = e.Ack(map[string]any{"ok": true})
		})
		s.OnDisconnect(func(reason socketio.DisconnectReason) {})
	})
	// http.Handle("/socket.io/", srv)

	ts := httptest.NewServer(srv)
	defer shutdown(srv, ts)
	ann, ben := dialPolling(ts.URL), dialPolling(ts.URL)
	defer ann.close()
	defer ben.close()
	ann.emit("40/chat,")
	connected(ann.next())
	ben.emit("40/chat,")
	connected(ben.next())
	// The CONNECT answer goes before OnConnection runs (as in Node.js):
	// wait for both sockets to be in the room.
	for {
		socks, _ := chat.In("lobby").FetchSockets(context.Background())
		if len(socks) == 2 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	ann.emit(`42/chat,1["chat_message",{"text":"hi ben"}]`)
	fmt.Println(ann.next())
	fmt.Println(ben.next())
	// Output:
	// 40/chat,{...}
	// 40/chat,{...}
	// 43/chat,1[{"ok":true}]
	// 42/chat,["chat_message",{"text":"hi ben"}]
}
