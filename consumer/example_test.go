package consumer_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"

	"github.com/coder/websocket"

	"github.com/gosio/gosio/consumer"
	"github.com/gosio/gosio/sio/socketio"
)

// Lobby is a chat consumer: each client gets its own Lobby, sharing
// Members.
type Lobby struct {
	consumer.SocketIOConsumer
	Namespace string   // "/lobby"
	Members   *Members // shared by every client

	nick string // this client's own; zero in the prototype
}

// Members is the dependency every Lobby shares: safe for concurrent use.
type Members struct {
	mu    sync.Mutex
	nicks map[string]bool
}

func (m *Members) add(nick string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.nicks[nick] {
		return false
	}
	m.nicks[nick] = true
	return true
}

// Hello is the CONNECT payload: the client's auth option.
type Hello struct {
	Nick string `json:"nick"`
}

// Post is the argument of "chat_message".
type Post struct {
	Text string `json:"text"`
}

// Connect accepts a client whose nick is free, and rejects it otherwise.
func (l *Lobby) Connect(auth Hello) error {
	if !l.Members.add(auth.Nick) {
		return socketio.NewConnectError("nick taken", map[string]string{"nick": auth.Nick})
	}
	l.nick = auth.Nick
	l.Join("everyone")
	return l.Emit("welcome", "hello "+l.nick)
}

// EventChatMessage handles "chat_message": the post goes to the others,
// and the ack tells the sender how it went.
func (l *Lobby) EventChatMessage(p Post) (string, error) {
	if p.Text == "" {
		return "", errors.New("empty post")
	}
	if err := l.To("everyone").Emit("chat_message", l.nick, p.Text); err != nil {
		return "", err
	}
	return "sent", nil
}

// ExampleAsASGI serves a Lobby on the process-wide server and talks to it
// with a raw Socket.IO client.
func ExampleAsASGI() {
	mux := http.NewServeMux()
	mux.Handle("/socket.io/", consumer.AsASGI(&Lobby{
		Namespace: "/lobby",
		Members:   &Members{nicks: map[string]bool{}},
	}))
	ts := httptest.NewServer(mux)
	defer ts.Close()

	ann := dialExample(ts.URL)
	defer ann.close()
	ann.send(`40/lobby,{"nick":"ann"}`) // CONNECT with auth
	fmt.Println(ann.read()[:15])        // CONNECT reply: 40/lobby,{"sid":"…"}
	fmt.Println(ann.read())             // emitted in Connect

	bob := dialExample(ts.URL)
	defer bob.close()
	bob.send(`40/lobby,{"nick":"ann"}`)
	fmt.Println(bob.read())
	bob.send(`40/lobby,{"nick":"bob"}`)
	fmt.Println(bob.read()[:15])
	fmt.Println(bob.read())

	bob.send(`42/lobby,1["chat_message",{"text":"hi all"}]`) // EVENT with ack id 1
	fmt.Println(bob.read())                                  // ACK
	fmt.Println(ann.read())                                  // the broadcast
	bob.send(`42/lobby,2["chat_message",{"text":""}]`)
	fmt.Println(bob.read())
	bob.send(`42/lobby,3["chat_message","not a post"]`)
	fmt.Println(bob.read())

	// Output:
	// 40/lobby,{"sid"
	// 42/lobby,["welcome","hello ann"]
	// 44/lobby,{"data":{"nick":"ann"},"message":"nick taken"}
	// 40/lobby,{"sid"
	// 42/lobby,["welcome","hello bob"]
	// 43/lobby,1["sent"]
	// 42/lobby,["chat_message","bob","hi all"]
	// 43/lobby,2[{"error":"empty post"}]
	// 43/lobby,3[{"error":"invalid argument 0 of event \"chat_message\""}]
}

// News puts every client in the room "subscribers".
type News struct {
	consumer.SocketIOConsumer
}

// Namespace names the consumer's namespace.
func (News) Namespace() string { return "/news" }

// Connect joins the room.
func (n *News) Connect() { n.Join("subscribers") }

// Example_groupSend emits to a room from an ordinary HTTP handler, outside
// any consumer, as Channels' channel_layer.group_send does.
func Example_groupSend() {
	mux := http.NewServeMux()
	mux.Handle("/socket.io/", consumer.AsASGI(&News{}))
	mux.HandleFunc("POST /notify", func(w http.ResponseWriter, r *http.Request) {
		text := r.FormValue("text")
		err := socketio.GetSocketIOServer().Of("/news").To("subscribers").Emit("notice", text)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	})
	ts := httptest.NewServer(mux)
	defer ts.Close()

	c := dialExample(ts.URL)
	defer c.close()
	c.send(`40/news,`)
	c.read() // CONNECT reply

	resp, err := http.PostForm(ts.URL+"/notify", map[string][]string{"text": {"deploy at noon"}})
	if err != nil {
		panic(err)
	}
	resp.Body.Close()
	fmt.Println(c.read())

	// Output:
	// 42/news,["notice","deploy at noon"]
}

// exampleClient is a bare Engine.IO websocket session, for the examples.
type exampleClient struct{ conn *websocket.Conn }

func dialExample(base string) *exampleClient {
	url := "ws" + strings.TrimPrefix(base, "http") + "/socket.io/?EIO=4&transport=websocket"
	conn, _, err := websocket.Dial(context.Background(), url, nil)
	if err != nil {
		panic(err)
	}
	c := &exampleClient{conn}
	c.read() // the Engine.IO open packet
	return c
}

func (c *exampleClient) send(s string) {
	if err := c.conn.Write(context.Background(), websocket.MessageText, []byte(s)); err != nil {
		panic(err)
	}
}

func (c *exampleClient) read() string {
	_, b, err := c.conn.Read(context.Background())
	if err != nil {
		panic(err)
	}
	return string(b)
}

func (c *exampleClient) close() { _ = c.conn.Close(websocket.StatusNormalClosure, "") }
