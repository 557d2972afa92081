package main

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/gosio/gosio/sio/socketio"
)

// chatNamespace is the Socket.IO namespace of the chat.
const chatNamespace = "/chat"

// Member is one socket in a room, as the member list shows it.
type Member struct {
	ID   string `json:"id"`
	Nick string `json:"nick"`
}

// Members is the "members" event: who is in a room now.
type Members struct {
	Room    string   `json:"room"`
	Members []Member `json:"members"`
}

// Typing is the (volatile) "typing" event.
type Typing struct {
	Room   string `json:"room"`
	ID     string `json:"id"`
	Nick   string `json:"nick"`
	Typing bool   `json:"typing"`
}

// Ack answers "chat_message" and "image": the page shows its delivery tick
// when OK.
type Ack struct {
	OK    bool   `json:"ok"`
	Error string `json:"error,omitempty"`
	ID    string `json:"id,omitempty"`
	TS    int64  `json:"ts,omitempty"`
}

// JoinAck answers "join" with the room's members and recent conversation.
type JoinAck struct {
	OK      bool      `json:"ok"`
	Error   string    `json:"error,omitempty"`
	Room    string    `json:"room,omitempty"`
	Nick    string    `json:"nick,omitempty"`
	Members []Member  `json:"members,omitempty"`
	History []Message `json:"history,omitempty"`
}

// TextIn is what the page sends as "chat_message".
type TextIn struct {
	ID   string `json:"id"`
	Text string `json:"text"`
}

// ImageIn is what the page sends as "image": the file is a binary
// attachment.
type ImageIn struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Data []byte `json:"data"`
}

// chat is the state the sockets share: the namespace (for broadcasts and
// FetchSockets) and the rooms' recent history.
type chat struct {
	nsp  *socketio.Namespace
	hist *history
}

func newChat(nsp *socketio.Namespace) *chat {
	return &chat{nsp: nsp, hist: newHistory(200, 16<<20)}
}

// members lists a room's sockets through FetchSockets (which, with a
// cluster adapter, would reach every server).
func (c *chat) members(room string) []Member {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	socks, err := c.nsp.In(roomKey(room)).FetchSockets(ctx)
	if err != nil {
		return nil
	}
	out := make([]Member, 0, len(socks))
	for _, s := range socks {
		nick, _ := s.Data["nick"].(string)
		out = append(out, Member{ID: s.ID, Nick: nick})
	}
	slices.SortFunc(out, func(a, b Member) int {
		return cmp.Or(cmp.Compare(a.Nick, b.Nick), cmp.Compare(a.ID, b.ID))
	})
	return out
}

// announceMembers sends a room its member list.
func (c *chat) announceMembers(room string) {
	if room == "" {
		return
	}
	_ = c.nsp.To(roomKey(room)).Emit("members", Members{Room: room, Members: c.members(room)})
}

// post logs a message in its room and sends it to the room's other
// sockets (except, the sender, may be ""), under the room's lock so that
// the history and the live stream agree.
func (c *chat) post(m Message, except string) {
	l := c.hist.room(m.Room)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.appendLocked(m, c.hist.maxEntries, c.hist.maxImageBytes)
	b := c.nsp.To(roomKey(m.Room))
	if except != "" {
		b = b.Except(except)
	}
	_ = b.Emit("chat_message", m)
}

// peer is what the chat needs of one connected socket; the consumer
// provides it.
type peer interface {
	ID() string
	Nick() string
	Room() string
	SetRoom(room string)
	Join(room string)
	Leave(room string)
}

// join moves a socket to a room: it leaves its current room (the others
// there see a notice and a new member list) and gets the new room's
// members and history.
func (c *chat) join(p peer, name string) JoinAck {
	room, err := cleanRoom(name)
	if err != nil {
		return JoinAck{Error: err.Error()}
	}
	old := p.Room()
	if old != "" && old != room {
		p.Leave(roomKey(old))
		c.post(Message{ID: messageID(""), Room: old, Kind: "notice", Text: p.Nick() + " left", TS: nowMillis()}, "")
		c.announceMembers(old)
	}
	l := c.hist.room(room)
	l.mu.Lock()
	if old != room {
		m := Message{ID: messageID(""), Room: room, Kind: "notice", Text: p.Nick() + " joined", TS: nowMillis()}
		l.appendLocked(m, c.hist.maxEntries, c.hist.maxImageBytes)
		_ = c.nsp.To(roomKey(room)).Emit("chat_message", m)
	}
	hist := l.snapshotLocked()
	p.Join(roomKey(room))
	l.mu.Unlock()
	p.SetRoom(room)
	c.announceMembers(room)
	return JoinAck{OK: true, Room: room, Nick: p.Nick(), Members: c.members(room), History: hist}
}

// connect puts a new socket in the room its page shows (the auth's
// "room", the lobby by default), so that messages the page had buffered
// while it was away land there.
func (c *chat) connect(p peer, auth map[string]any) {
	name, _ := auth["room"].(string)
	if _, err := cleanRoom(name); err != nil {
		name = defaultRoom
	}
	c.join(p, name)
}

// text posts a text message to the socket's room.
func (c *chat) text(p peer, in TextIn) Ack {
	room := p.Room()
	if room == "" {
		return Ack{Error: errNoRoom.Error(), ID: in.ID}
	}
	text, err := cleanText(in.Text)
	if err != nil {
		return Ack{Error: err.Error(), ID: in.ID}
	}
	m := Message{ID: messageID(in.ID), Room: room, Kind: "text", From: p.Nick(), Text: text, TS: nowMillis()}
	c.post(m, p.ID())
	return Ack{OK: true, ID: m.ID, TS: m.TS}
}

// image posts an image, a binary attachment, to the socket's room.
func (c *chat) image(p peer, in ImageIn) Ack {
	room := p.Room()
	if room == "" {
		return Ack{Error: errNoRoom.Error(), ID: in.ID}
	}
	typ, err := imageType(in.Data)
	if err != nil {
		return Ack{Error: err.Error(), ID: in.ID}
	}
	m := Message{ID: messageID(in.ID), Room: room, Kind: "image", From: p.Nick(), Name: cleanName(in.Name), Type: typ, Data: in.Data, TS: nowMillis()}
	c.post(m, p.ID())
	return Ack{OK: true, ID: m.ID, TS: m.TS}
}

// typing tells the room's others that the socket is (or stopped) typing.
// The event is volatile: one lost on a slow connection is not worth
// queueing, nor replaying after a reconnection.
func (c *chat) typing(p peer, on bool) {
	if room := p.Room(); room != "" {
		_ = c.nsp.To(roomKey(room)).Except(p.ID()).Volatile().Emit("typing", Typing{Room: room, ID: p.ID(), Nick: p.Nick(), Typing: on})
	}
}
