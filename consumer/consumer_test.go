package consumer_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gosio/gosio/consumer"
	"github.com/gosio/gosio/sio/socketio"
)

// Store is the dependency every Chat shares.
type Store struct {
	mu          sync.Mutex
	messages    []string
	disconnects chan string
}

func newStore() *Store { return &Store{disconnects: make(chan string, 16)} }

func (s *Store) add(m string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.messages = append(s.messages, m)
}

func (s *Store) all() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.messages)
}

// disconnect waits for the next Disconnect a Chat reported.
func (s *Store) disconnect(t *testing.T) string {
	t.Helper()
	select {
	case d := <-s.disconnects:
		return d
	case <-time.After(waitTimeout):
		t.Fatal("Disconnect not called")
		return ""
	}
}

type Credentials struct {
	Token string `json:"token"`
	Room  string `json:"room"`
	Greet bool   `json:"greet"`
}

type Message struct {
	Text string `json:"text"`
}

type Receipt struct {
	ID   int    `json:"id"`
	Text string `json:"text"`
}

// Chat is the consumer under test on "/chat".
type Chat struct {
	consumer.SocketIOConsumer
	Namespace string
	Store     *Store

	nick  string
	count int
}

func (c *Chat) Connect(auth Credentials) error {
	switch auth.Token {
	case "bad":
		return socketio.NewConnectError("unauthorized", map[string]any{"code": 401})
	case "plain":
		return errors.New("go away")
	case "panic":
		panic("boom")
	case "emit-reserved":
		return c.Emit("connect") // fails at once, not at the flush
	case "join-then-fail":
		c.Join("doomed")
		return errors.New("no")
	}
	if auth.Room != "" {
		c.Join(auth.Room)
	}
	if auth.Greet {
		if err := c.Emit("welcome", "hello"); err != nil {
			return err
		}
		_ = c.Emit("welcome", "again")
	}
	return nil
}

func (c *Chat) Disconnect(reason string) { c.Store.disconnects <- c.nick + ":" + reason }

func (c *Chat) EventSetNick(nick string) error {
	if nick == "" {
		return errors.New("empty nick")
	}
	c.nick = nick
	return nil
}

func (c *Chat) EventWhoami() string { return c.nick }

func (c *Chat) EventChatMessage(m Message) (Receipt, error) {
	if m.Text == "" {
		return Receipt{}, errors.New("empty message")
	}
	c.count++
	c.Store.add(c.nick + ": " + m.Text)
	return Receipt{ID: c.count, Text: m.Text}, nil
}

func (c *Chat) EventUpload(name string, data []byte) (string, int, []byte) {
	return name, len(data), append([]byte("got:"), data...)
}

func (c *Chat) EventSum(label string, nums ...int) (string, int) {
	total := 0
	for _, n := range nums {
		total += n
	}
	return label, total
}

func (c *Chat) EventRaw(raw json.RawMessage, v any, p *Message) (json.RawMessage, any, bool) {
	return raw, v, p == nil
}

func (c *Chat) EventIncr() { c.count++ }

func (c *Chat) EventCount() int { return c.count }

func (c *Chat) EventMaybe(fail bool) error {
	if fail {
		return errors.New("it failed")
	}
	return nil
}

func (c *Chat) EventNaN() float64 { return math.NaN() }

func (c *Chat) EventLeave() { c.Close() }

func (c *Chat) EventQuit() { c.CloseConnection() }

func (c *Chat) EventJoin(room string) []socketio.Room {
	c.Join(room)
	rooms := c.Rooms()
	slices.Sort(rooms)
	return rooms
}

func (c *Chat) EventShout(room, text string) error { return c.To(room).Emit("shout", c.nick, text) }

func (c *Chat) Say(text string) string { return "said: " + text }

func (c *Chat) Events() map[string]string {
	return map[string]string{"chat message": "Say", "chat:message": "Say"}
}

func newChat(store *Store) *Chat { return &Chat{Namespace: "/chat", Store: store} }

// TestPerConnectionInstances checks that each client gets its own consumer
// (nick, count) and that they share the prototype's Store.
func TestPerConnectionInstances(t *testing.T) {
	store := newStore()
	s := newTestServer(t, newChat(store))
	ann, bob := s.dial(), s.dial()
	ann.mustConnect("/chat", "")
	bob.mustConnect("/chat", "")

	ann.emit("/chat", 1, `["set_nick","ann"]`)
	assert.Equal(t, "[]", ann.expectAck("/chat", 1))
	bob.emit("/chat", 1, `["set_nick","bob"]`)
	assert.Equal(t, "[]", bob.expectAck("/chat", 1))

	ann.emit("/chat", 2, `["whoami"]`)
	assert.Equal(t, `["ann"]`, ann.expectAck("/chat", 2))
	bob.emit("/chat", 2, `["whoami"]`)
	assert.Equal(t, `["bob"]`, bob.expectAck("/chat", 2))

	ann.emit("/chat", 3, `["chat_message",{"text":"hi"}]`)
	jsonEq(t, `[{"id":1,"text":"hi"}]`, ann.expectAck("/chat", 3))
	ann.emit("/chat", 4, `["chat_message",{"text":"again"}]`)
	jsonEq(t, `[{"id":2,"text":"again"}]`, ann.expectAck("/chat", 4))
	bob.emit("/chat", 3, `["chat_message",{"text":"yo"}]`)
	jsonEq(t, `[{"id":1,"text":"yo"}]`, bob.expectAck("/chat", 3))

	assert.Equal(t, []string{"ann: hi", "ann: again", "bob: yo"}, store.all())

	// A client that connects later starts from the prototype again.
	cat := s.dial()
	cat.mustConnect("/chat", "")
	cat.emit("/chat", 1, `["whoami"]`)
	assert.Equal(t, `[""]`, cat.expectAck("/chat", 1))
}

// TestHandlersRunInOrder sends a burst of events: the handlers run one at
// a time, in order, so the unlocked counter ends exact (and -race is
// quiet).
func TestHandlersRunInOrder(t *testing.T) {
	s := newTestServer(t, newChat(newStore()))
	c := s.dial()
	c.mustConnect("/chat", "")
	for range 200 {
		c.emit("/chat", -1, `["incr"]`)
	}
	c.emit("/chat", 7, `["count"]`)
	assert.Equal(t, `[200]`, c.expectAck("/chat", 7))
}

// TestTypedArguments decodes strings, structs, binary attachments,
// variadic arguments, json.RawMessage, any and pointers.
func TestTypedArguments(t *testing.T) {
	s := newTestServer(t, newChat(newStore()))
	c := s.dial()
	c.mustConnect("/chat", "")

	t.Run("binary attachment", func(t *testing.T) {
		c.send(`451-/chat,1["upload","photo.png",{"_placeholder":true,"num":0}]`)
		c.sendBinary([]byte{0xff, 0x00, 0x01})
		// The ack holds a []byte result: a BINARY_ACK and its attachment.
		assert.Equal(t, `461-/chat,1["photo.png",3,{"_placeholder":true,"num":0}]`, c.read())
		assert.Equal(t, []byte{'g', 'o', 't', ':', 0xff, 0x00, 0x01}, c.readBinary())
	})
	t.Run("variadic", func(t *testing.T) {
		c.emit("/chat", 2, `["sum","total",1,2,3,4]`)
		assert.Equal(t, `["total",10]`, c.expectAck("/chat", 2))
		c.emit("/chat", 3, `["sum","none"]`)
		assert.Equal(t, `["none",0]`, c.expectAck("/chat", 3))
	})
	t.Run("raw, any and pointer", func(t *testing.T) {
		c.emit("/chat", 4, `["raw",{"b":[1,2]},{"k":[true,null,"s",1.5]}]`)
		jsonEq(t, `[{"b":[1,2]},{"k":[true,null,"s",1.5]},true]`, c.expectAck("/chat", 4))
	})
	t.Run("missing and extra arguments", func(t *testing.T) {
		c.emit("/chat", 5, `["upload"]`)
		assert.Equal(t, `461-/chat,5["",0,{"_placeholder":true,"num":0}]`, c.read())
		assert.Equal(t, []byte("got:"), c.readBinary())
		c.emit("/chat", 6, `["set_nick","zoe","extra",42]`)
		assert.Equal(t, "[]", c.expectAck("/chat", 6))
		c.emit("/chat", 7, `["whoami"]`)
		assert.Equal(t, `["zoe"]`, c.expectAck("/chat", 7))
	})
}

// TestAckResults covers what the results of a handler send back.
func TestAckResults(t *testing.T) {
	s := newTestServer(t, newChat(newStore()))
	c := s.dial()
	c.mustConnect("/chat", "")
	tests := []struct {
		name string
		args string
		want string
	}{
		{"value and nil error", `["chat_message",{"text":"hi"}]`, `[{"id":1,"text":"hi"}]`},
		{"value and error", `["chat_message",{"text":""}]`, `[{"error":"empty message"}]`},
		{"nil error only", `["maybe",false]`, `[]`},
		{"error only", `["maybe",true]`, `[{"error":"it failed"}]`},
		{"several values", `["sum","s",2,3]`, `["s",5]`},
		{"no result", `["incr"]`, `[]`},
		{"result that does not encode", `["na_n"]`, `[{"error":"consumer: event \"na_n\": encoding the results: json: unsupported value: NaN"}]`},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c.emit("/chat", i, tt.args)
			assert.Equal(t, tt.want, c.expectAck("/chat", i))
		})
	}

	t.Run("error without an ack is logged", func(t *testing.T) {
		c.emit("/chat", -1, `["maybe",true]`)
		s.waitLog("it failed")
		c.expectNothing()
	})
}

// TestDecodeFailure sends arguments of the wrong type: the client gets an
// error, never the handler, and the connection goes on.
func TestDecodeFailure(t *testing.T) {
	s := newTestServer(t, newChat(newStore()))
	c := s.dial()
	c.mustConnect("/chat", "")

	c.emit("/chat", 1, `["chat_message","not an object"]`)
	jsonEq(t, `[{"error":"invalid argument 0 of event \"chat_message\""}]`, c.expectAck("/chat", 1))
	// The client gets no Go internals; the log has them.
	s.waitLog(`json: cannot unmarshal string into Go value of type consumer_test.Message`)
	c.emit("/chat", 2, `["sum","x",1,"two"]`)
	jsonEq(t, `[{"error":"invalid argument 2 of event \"sum\""}]`, c.expectAck("/chat", 2))

	// Without an ack: logged.
	c.emit("/chat", -1, `["set_nick",{"not":"a string"}]`)
	s.waitLog(`consumer: event argument does not decode`)
	s.waitLog(`event=set_nick`)

	c.emit("/chat", 3, `["whoami"]`)
	assert.Equal(t, `[""]`, c.expectAck("/chat", 3), "the failed set_nick did not run")
}

// TestConnectRejection checks the CONNECT_ERROR packets of a Connect that
// fails, and that a rejected client is not left in rooms.
func TestConnectRejection(t *testing.T) {
	store := newStore()
	s := newTestServer(t, newChat(store))
	tests := []struct {
		name string
		auth string
		want string
	}{
		{"connect error with data", `{"token":"bad"}`, `44/chat,{"data":{"code":401},"message":"unauthorized"}`},
		{"plain error", `{"token":"plain"}`, `44/chat,{"message":"go away"}`},
		{"auth that does not decode", `{"token":5}`, `44/chat,{"message":"invalid auth payload"}`},
		{"Emit of a reserved event in Connect", `{"token":"emit-reserved"}`, `44/chat,{"message":"socketio: reserved event name: \"connect\""}`},
		{"Connect that panics", `{"token":"panic"}`, `44/chat,{"message":"server error"}`},
		{"rooms joined are left", `{"token":"join-then-fail"}`, `44/chat,{"message":"no"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := s.dial()
			c.send("40/chat," + tt.auth)
			assert.Equal(t, tt.want, c.read())
			// The client may try again, and succeed.
			c.mustConnect("/chat", `{"token":"ok"}`)
		})
	}
	assert.NotContains(t, s.srv.Of("/chat").Adapter().Rooms(), "doomed")
	select {
	case d := <-store.disconnects:
		t.Fatalf("Disconnect ran for a rejected client: %q", d)
	default:
	}
}

// TestConnectAuthAndRooms checks Connect's decoded auth payload and events
// emitted in Connect, sent after the CONNECT reply.
func TestConnectAuthAndRooms(t *testing.T) {
	s := newTestServer(t, newChat(newStore()))
	c := s.dial()
	c.send(`40/chat,{"token":"ok","room":"lobby","greet":true}`)
	assert.True(t, strings.HasPrefix(c.read(), `40/chat,{"sid":"`))
	assert.Equal(t, `["welcome","hello"]`, c.expectEvent("/chat"))
	assert.Equal(t, `["welcome","again"]`, c.expectEvent("/chat"))

	c.emit("/chat", 1, `["join","kitchen"]`)
	var rooms [][]string
	require.NoError(t, json.Unmarshal([]byte(c.expectAck("/chat", 1)), &rooms))
	require.Len(t, rooms, 1)
	assert.Contains(t, rooms[0], "kitchen")
	assert.Contains(t, rooms[0], "lobby")
	assert.Len(t, rooms[0], 3, "the rooms and the socket's own")
}

// setNick sets a Chat's nick and waits for the ack.
func setNick(c *wsClient, nick string) {
	c.t.Helper()
	c.emit("/chat", 99, fmt.Sprintf(`["set_nick",%q]`, nick))
	require.Equal(c.t, "[]", c.expectAck("/chat", 99))
}

// TestDisconnectReason checks the reason given to Disconnect for a client
// that leaves, a consumer that closes, and a connection that drops.
func TestDisconnectReason(t *testing.T) {
	store := newStore()
	s := newTestServer(t, newChat(store))

	t.Run("client namespace disconnect", func(t *testing.T) {
		c := s.dial()
		c.mustConnect("/chat", "")
		setNick(c, "a")
		c.send("41/chat,")
		assert.Equal(t, "a:client namespace disconnect", store.disconnect(t))
	})
	t.Run("Close", func(t *testing.T) {
		c := s.dial()
		c.mustConnect("/chat", "")
		setNick(c, "b")
		c.emit("/chat", -1, `["leave"]`)
		assert.Equal(t, "41/chat,", c.read())
		assert.Equal(t, "b:server namespace disconnect", store.disconnect(t))
		// The connection itself stays: the client can come back.
		c.mustConnect("/chat", "")
	})
	t.Run("CloseConnection", func(t *testing.T) {
		c := s.dial()
		c.mustConnect("/chat", "")
		setNick(c, "c")
		c.emit("/chat", -1, `["quit"]`)
		assert.Equal(t, "c:server namespace disconnect", store.disconnect(t))
		c.expectClosed()
	})
	t.Run("transport close", func(t *testing.T) {
		c := s.dial()
		c.mustConnect("/chat", "")
		setNick(c, "d")
		c.close()
		assert.Equal(t, "d:transport close", store.disconnect(t))
	})
}

// Admin is a second consumer, on "/admin", with a catch-all.
type Admin struct {
	consumer.SocketIOConsumer
	Store *Store
}

func (Admin) Namespace() string { return "admin" }

func (a *Admin) EventStats() int { return len(a.Store.all()) }

func (a *Admin) OnEvent(name string, args socketio.Args) (string, int) { return name, args.Len() }

// TestTwoNamespacesOneEndpoint serves Chat and Admin from one server: one
// connection joins both namespaces.
func TestTwoNamespacesOneEndpoint(t *testing.T) {
	store := newStore()
	s := newTestServer(t, newChat(store), &Admin{Store: store})
	c := s.dial()
	c.mustConnect("/chat", "")
	c.mustConnect("/admin", "")

	c.emit("/chat", 1, `["chat_message",{"text":"hi"}]`)
	jsonEq(t, `[{"id":1,"text":"hi"}]`, c.expectAck("/chat", 1))
	c.emit("/admin", 1, `["stats"]`)
	assert.Equal(t, `[1]`, c.expectAck("/admin", 1))

	// The main namespace has no consumer, and still exists.
	c.mustConnect("/", "")
	// A namespace nobody registered does not.
	c.send("40/nowhere,")
	assert.Equal(t, `44/nowhere,{"message":"Invalid namespace"}`, c.read())
}

// TestCatchAll sends Admin events it has no method for.
func TestCatchAll(t *testing.T) {
	s := newTestServer(t, &Admin{Store: newStore()})
	c := s.dial()
	c.mustConnect("/admin", "")
	c.emit("/admin", 1, `["whatever",1,{"a":2},"x"]`)
	assert.Equal(t, `["whatever",3]`, c.expectAck("/admin", 1))
	c.emit("/admin", 2, `["chat message"]`)
	assert.Equal(t, `["chat message",0]`, c.expectAck("/admin", 2))
}

// TestUnknownEvent sends Chat, which has no catch-all, an event it does
// not handle: logged and ignored.
func TestUnknownEvent(t *testing.T) {
	s := newTestServer(t, newChat(newStore()))
	c := s.dial()
	c.mustConnect("/chat", "")
	c.emit("/chat", 1, `["no_such_event",1]`)
	c.emit("/chat", 2, `["whoami"]`)
	assert.Equal(t, `[""]`, c.expectAck("/chat", 2), "no ack for the unknown event, and the next event is served")
	s.waitLog("consumer: unknown event ignored")
	s.waitLog("event=no_such_event")
}

// TestExplicitNames uses the names Chat.Events gives, which snake case
// cannot spell.
func TestExplicitNames(t *testing.T) {
	s := newTestServer(t, newChat(newStore()))
	c := s.dial()
	c.mustConnect("/chat", "")
	for i, name := range []string{"chat message", "chat:message"} {
		c.emit("/chat", i, fmt.Sprintf(`[%q,"hi"]`, name))
		assert.Equal(t, `["said: hi"]`, c.expectAck("/chat", i))
	}
	// "Say" has no automatic name.
	c.emit("/chat", 9, `["say","hi"]`)
	c.emit("/chat", 10, `["whoami"]`)
	assert.Equal(t, `[""]`, c.expectAck("/chat", 10))
}

// TestBroadcastToRoom checks To: the room's other members receive, the
// sender does not.
func TestBroadcastToRoom(t *testing.T) {
	s := newTestServer(t, newChat(newStore()))
	a, b, other := s.dial(), s.dial(), s.dial()
	a.mustConnect("/chat", `{"room":"r1"}`)
	b.mustConnect("/chat", `{"room":"r1"}`)
	other.mustConnect("/chat", `{"room":"r2"}`)
	a.emit("/chat", 1, `["set_nick","ann"]`)
	a.expectAck("/chat", 1)
	a.emit("/chat", 2, `["shout","r1","hey"]`)
	assert.Equal(t, "[]", a.expectAck("/chat", 2))
	assert.Equal(t, `["shout","ann","hey"]`, b.expectEvent("/chat"))
	other.expectNothing()
	a.expectNothing()

	// From outside any consumer, through the server (Channels' group_send).
	require.NoError(t, s.srv.Of("/chat").To("r1").Emit("notice", "all of r1"))
	assert.Equal(t, `["notice","all of r1"]`, a.expectEvent("/chat"))
	assert.Equal(t, `["notice","all of r1"]`, b.expectEvent("/chat"))
	other.expectNothing()
}

// TestPrototypeMethods checks the SocketIOConsumer of the prototype, which
// has no client.
func TestPrototypeMethods(t *testing.T) {
	p := newChat(newStore())
	assert.Nil(t, p.Socket())
	assert.Empty(t, p.ID())
	assert.Nil(t, p.Server())
	assert.Nil(t, p.Handshake())
	assert.ErrorIs(t, p.Emit("x"), consumer.ErrNotConnected)
	_, err := p.EmitWithAck(t.Context(), "x")
	assert.ErrorIs(t, err, consumer.ErrNotConnected)
	p.Close()
	p.CloseConnection()
	assert.PanicsWithValue(t, "consumer: SocketIOConsumer.Join called without a client (on the prototype?)", func() { p.Join("r") })
}

// TestLaterMiddlewareRejects adds a namespace middleware after the
// registration: it runs after Connect, and when it rejects the client,
// what Connect emitted is never sent and Disconnect does not run.
func TestLaterMiddlewareRejects(t *testing.T) {
	store := newStore()
	s := newTestServer(t, newChat(store))
	s.srv.Of("/chat").Use(func(ns *socketio.NamespaceSocket) error {
		if ns.Handshake().Auth["token"] == "late-no" {
			return socketio.NewConnectError("late", nil)
		}
		return nil
	})
	c := s.dial()
	c.send(`40/chat,{"token":"late-no","greet":true}`)
	assert.Equal(t, `44/chat,{"message":"late"}`, c.read())
	c.expectNothing()
	c.send(`40/chat,{"token":"ok","greet":true}`)
	assert.True(t, strings.HasPrefix(c.read(), `40/chat,{"sid":"`))
	assert.Equal(t, `["welcome","hello"]`, c.expectEvent("/chat"))
	assert.Equal(t, `["welcome","again"]`, c.expectEvent("/chat"))
	select {
	case d := <-store.disconnects:
		t.Fatalf("Disconnect ran for a rejected client: %q", d)
	default:
	}
}
