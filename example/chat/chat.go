package main

import (
	"github.com/gosio/gosio/consumer"
	"github.com/gosio/gosio/sio/socketio"
)

// chatNamespace is the Socket.IO namespace of the chat.
const chatNamespace = "/chat"

// Chat is the chat's consumer: each client that connects to /chat gets its
// own copy of the prototype given to routing.MountServer, and its handlers
// run one at a time, so nick and room need no lock. The hub is shared.
//
//	page                                   server
//	io("/chat", {auth: {nick, room}})  ->  Connect
//	emit("join", {room, since}, ack)   ->  EventJoin: Joined, or {"error"}
//	emit("chat_message", {id, text})   ->  EventChatMessage: Receipt (the tick)
//	emit("image", {id, name, data})    ->  EventImage: Receipt; data is binary
//	volatile.emit("typing", bool)      ->  EventTyping
//	on("chat_message" | "members" | "typing")  <-  the room's broadcasts
type Chat struct {
	consumer.SocketIOConsumer
	Namespace string

	hub  *hub
	nick string
	user string // the user id (see users)
	room string
}

// Auth is what the page sends when it connects.
type Auth struct {
	Nick string `json:"nick"`
	// Room is the room the page shows: a new connection goes there, so
	// that messages the page buffered while it was away land in it.
	Room string `json:"room"`
	// Token is the page's random secret, kept in sessionStorage: a reload
	// with it is the same user, and may take the nickname back.
	Token string `json:"token"`
}

// JoinRequest asks for a room.
type JoinRequest struct {
	Room string `json:"room"`
	// Since is the time of the latest message the page shows of the room:
	// the history returned starts after it (0 for all of it).
	Since int64 `json:"since"`
	// History false asks for none: a page whose connection was recovered
	// gets what it missed from the recovery.
	History bool `json:"history"`
}

// Joined answers "join".
type Joined struct {
	Room    string    `json:"room"`
	Nick    string    `json:"nick"`
	User    string    `json:"user"` // the client's user id
	Members []Member  `json:"members"`
	History []Message `json:"history"`
}

// Receipt answers "chat_message" and "image": the page shows its delivery
// tick.
type Receipt struct {
	ID string `json:"id"`
	TS int64  `json:"ts"`
}

// TextIn is a text message from the page.
type TextIn struct {
	ID   string `json:"id"`
	Text string `json:"text"`
}

// ImageIn is an image from the page; Data is a binary attachment.
type ImageIn struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Data []byte `json:"data"`
}

// Typing is the "typing" event.
type Typing struct {
	Room   string `json:"room"`
	ID     string `json:"id"`
	Nick   string `json:"nick"`
	Typing bool   `json:"typing"`
}

// Connect accepts a client with a valid nickname and puts it in the room
// its page shows. A client whose connection was recovered has its id,
// rooms and socket Data back: its nickname and room are read from there.
func (c *Chat) Connect(auth Auth) error {
	s := c.Socket()
	if s.Recovered() {
		c.nick, _ = dataString(s, "nick")
		c.user, _ = dataString(s, "user")
		c.room, _ = dataString(s, "room")
		_ = c.hub.users.claim(c.nick, c.user, true)
		c.hub.users.back(c.user, c.room)
		return nil
	}
	nick, err := cleanNick(auth.Nick)
	if err != nil {
		return err
	}
	user := userID(auth.Token)
	if err := c.hub.users.claim(nick, user, false); err != nil {
		return err
	}
	c.nick, c.user = nick, user
	s.Data.Set("nick", nick) // for FetchSockets and the recovery
	s.Data.Set("user", user)
	room, err := cleanRoom(auth.Room)
	if err != nil {
		room = defaultRoom
	}
	// A user back within the grace period (a reload) is not announced.
	returning := c.hub.users.back(user, room)
	c.hub.enter(room, c.nick, !returning, func() { c.Join(roomKey(room)) }, 0, false)
	c.setRoom(room)
	// Not in the namespace yet: the member list is sent when the page
	// asks for the room's history, right after connecting.
	return nil
}

// Disconnect gives the nickname back and tells the room who is left; the
// "X left" notice waits for the grace period, in which a reload or a
// reconnection (recovered or not) cancels it. With connection state
// recovery the client may come back within two minutes, and is then
// listed again.
func (c *Chat) Disconnect(reason string) {
	c.hub.users.release(c.nick, c.user)
	c.hub.users.depart(c.user, c.nick, c.room)
	c.hub.announce(c.room)
}

// EventJoin moves the client to a room: it leaves its current one (whose
// members see a notice and their new list) and gets the new room's
// members and history. Asked for the room it is in, it gets the history
// since a time and the room gets the member list again (so a client back
// after a reconnection is listed again).
func (c *Chat) EventJoin(req JoinRequest) (Joined, error) {
	room, err := cleanRoom(req.Room)
	if err != nil {
		return Joined{}, err
	}
	old := c.room
	if old != room {
		req.Since, req.History = 0, true
		if old != "" {
			c.Leave(roomKey(old))
			c.hub.post(Message{ID: messageID(""), Room: old, Kind: "notice", Text: c.nick + " left"}, c.hub.nsp.To(roomKey(old)))
			c.hub.announce(old)
		}
	}
	hist := c.hub.enter(room, c.nick, old != room, func() { c.Join(roomKey(room)) }, req.Since, req.History)
	c.setRoom(room)
	members := c.hub.announce(room)
	return Joined{Room: room, Nick: c.nick, User: c.user, Members: members, History: hist}, nil
}

// EventChatMessage posts a text message to the client's room. The
// receipt is the page's delivery tick.
func (c *Chat) EventChatMessage(in TextIn) (Receipt, error) {
	if c.room == "" {
		return Receipt{}, errNoRoom
	}
	text, err := cleanText(in.Text)
	if err != nil {
		return Receipt{}, err
	}
	m := Message{ID: messageID(in.ID), Room: c.room, Kind: "text", From: c.nick, User: c.user, Text: text}
	ts := c.hub.post(m, c.To(roomKey(c.room)))
	return Receipt{ID: m.ID, TS: ts}, nil
}

// EventImage posts an image, received as a binary attachment, to the
// client's room, where it goes as one too.
func (c *Chat) EventImage(in ImageIn) (Receipt, error) {
	if c.room == "" {
		return Receipt{}, errNoRoom
	}
	typ, err := imageType(in.Data)
	if err != nil {
		return Receipt{}, err
	}
	m := Message{ID: messageID(in.ID), Room: c.room, Kind: "image", From: c.nick, User: c.user, Name: cleanName(in.Name), Type: typ, Data: in.Data}
	ts := c.hub.post(m, c.To(roomKey(c.room)))
	return Receipt{ID: m.ID, TS: ts}, nil
}

// EventTyping tells the room's others that the client is typing, or
// stopped. The event is volatile: one that cannot be sent at once is not
// worth queueing, nor replaying after a reconnection (the page sends it
// again while the user types).
func (c *Chat) EventTyping(on bool) {
	if c.room != "" {
		_ = c.To(roomKey(c.room)).Volatile().Emit("typing", Typing{Room: c.room, ID: c.ID(), Nick: c.nick, Typing: on})
	}
}

// setRoom records the client's room, in the socket Data too, which
// connection state recovery restores.
func (c *Chat) setRoom(room string) {
	c.room = room
	c.Socket().Data.Set("room", room)
}

func dataString(s *socketio.NamespaceSocket, key string) (string, bool) {
	v, _ := s.Data.Get(key)
	str, ok := v.(string)
	return str, ok
}
