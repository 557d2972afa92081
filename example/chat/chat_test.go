package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// tinyPNG is a 1x1 PNG.
var tinyPNG = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00\xc9\xfe\x92\xef\x00\x00\x00\x00IEND\xaeB`\x82")

func nicks(ms []Member) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Nick
	}
	slices.Sort(out)
	return out
}

// inRoom waits until the last "members" event of room lists want: a
// member list is a state, so the lists before it are dropped.
func inRoom(t *testing.T, c *wsClient, room string, want ...string) {
	t.Helper()
	slices.Sort(want)
	isList := func(p wsPacket) bool {
		var m Members
		return p.Event == "members" && json.Unmarshal(p.Args[0], &m) == nil && m.Room == room
	}
	matches := func(p wsPacket) bool {
		var m Members
		return isList(p) && json.Unmarshal(p.Args[0], &m) == nil && slices.Equal(nicks(m.Members), want)
	}
	var last *wsPacket
	for i := range c.stash {
		if isList(c.stash[i]) {
			last = &c.stash[i]
		}
	}
	found := last != nil && matches(*last)
	c.stash = slices.DeleteFunc(c.stash, isList)
	if !found {
		c.waitFor(matches)
		c.stash = slices.DeleteFunc(c.stash, isList)
	}
}

// joinReply and ackReply are the acks of "join" and of the messages: a
// result, or the consumer's ErrorReply.
type joinReply struct {
	Joined
	Error string `json:"error"`
}

type ackReply struct {
	Receipt
	Error string `json:"error"`
}

func join(room string) JoinRequest { return JoinRequest{Room: room, History: true} }

func withText(text string) func(json.RawMessage) bool {
	return func(raw json.RawMessage) bool {
		var m Message
		return json.Unmarshal(raw, &m) == nil && m.Text == text
	}
}

func TestConnectRejectsBadNicknames(t *testing.T) {
	ts := startServer(t, config{})
	for _, auth := range []any{nil, map[string]any{}, map[string]any{"nick": "   "}, map[string]any{"nick": strings.Repeat("x", 25)}, map[string]any{"nick": "a\x00b"}} {
		_, p := dialChat(t, ts.URL, auth)
		if p.Type != '4' {
			t.Fatalf("auth %v: got %v, want CONNECT_ERROR", auth, p)
		}
		var e struct{ Message string }
		_ = json.Unmarshal(p.Data, &e)
		if e.Message != errBadNick.Error() {
			t.Errorf("auth %v: error %q", auth, e.Message)
		}
	}
}

// enter connects as the page does: CONNECT with a nickname, then "join"
// the room for its members and history.
func enter(t *testing.T, base, nick, room string) (*wsClient, Joined) {
	t.Helper()
	c, p := dialChat(t, base, map[string]any{"nick": nick, "room": room})
	if p.Type != '0' || c.sid == "" {
		t.Fatalf("connect: %v", p)
	}
	if room == "" {
		room = defaultRoom
	}
	var j joinReply
	c.call(&j, nil, "join", join(room))
	if j.Error != "" || j.Room != room {
		t.Fatalf("join: %+v", j)
	}
	return c, j.Joined
}

func TestJoinMessagesAndTicks(t *testing.T) {
	ts := startServer(t, config{})
	a, ja := enter(t, ts.URL, " alice ", "")
	if ja.Nick != "alice" || !slices.Equal(nicks(ja.Members), []string{"alice"}) || len(ja.History) != 1 || ja.History[0].Text != "alice joined" {
		t.Fatalf("alice's join %+v", ja)
	}
	b, jb := enter(t, ts.URL, "bob", "")
	if !slices.Equal(nicks(jb.Members), []string{"alice", "bob"}) {
		t.Fatalf("bob's join %+v", jb)
	}
	if len(jb.History) != 2 || jb.History[0].Text != "alice joined" || jb.History[1].Text != "bob joined" {
		t.Fatalf("history %+v", jb.History)
	}
	inRoom(t, a, "lobby", "alice", "bob")
	a.event("chat_message", nil, withText("bob joined"))

	// Joining the room one is in again gives the history after a time.
	var j joinReply
	b.call(&j, nil, "join", JoinRequest{Room: "lobby", Since: jb.History[0].TS, History: true})
	if len(j.History) != 1 || j.History[0].Text != "bob joined" {
		t.Fatalf("history since %d: %+v", jb.History[0].TS, j.History)
	}
	b.call(&j, nil, "join", JoinRequest{Room: "lobby"})
	if len(j.History) != 0 || len(j.Members) != 2 {
		t.Fatalf("join without history: %+v", j)
	}

	var ack ackReply
	a.call(&ack, nil, "chat_message", TextIn{ID: "client-id-1", Text: "  hello bob  "})
	if ack.Error != "" || ack.ID != "client-id-1" || ack.TS == 0 {
		t.Fatalf("ack %+v", ack)
	}
	var m Message
	ev := b.event("chat_message", &m, withText("hello bob"))
	if m.ID != "client-id-1" || m.From != "alice" || m.Room != "lobby" || m.Kind != "text" || m.TS != ack.TS {
		t.Fatalf("bob got %+v", m)
	}
	// Connection state recovery gives every stored broadcast an offset,
	// sent as an extra last argument.
	if len(ev.Args) != 2 {
		t.Errorf("chat_message has %d arguments, want the message and an offset", len(ev.Args))
	}
	a.call(&ack, nil, "chat_message", TextIn{ID: "x", Text: " "})
	if ack.Error != errBadText.Error() {
		t.Fatalf("empty message ack %+v", ack)
	}
	a.drain(100 * time.Millisecond)
	for _, e := range a.events("chat_message") {
		if strings.Contains(string(e.Args[0]), "hello bob") {
			t.Errorf("the sender got its own message back")
		}
	}
}

func TestTypingIsRelayedToTheRoom(t *testing.T) {
	ts := startServer(t, config{})
	a, _ := enter(t, ts.URL, "alice", "")
	b, _ := enter(t, ts.URL, "bob", "")
	inRoom(t, a, "lobby", "alice", "bob")
	// "typing" is volatile: the server drops it for a client whose
	// connection is busy, so it is sent again until it gets through, as
	// the page does while someone keeps typing.
	typing := func(on bool) Typing {
		t.Helper()
		for range 50 {
			b.emit("typing", on)
			p, ok := a.waitWithin(func(p wsPacket) bool {
				var ty Typing
				return p.Event == "typing" && json.Unmarshal(p.Args[0], &ty) == nil && ty.Typing == on
			}, 100*time.Millisecond)
			if ok {
				var ty Typing
				_ = json.Unmarshal(p.Args[0], &ty)
				if len(p.Args) != 1 {
					t.Errorf("typing has %d arguments: a volatile event gets no offset", len(p.Args))
				}
				return ty
			}
		}
		t.Fatalf("alice never got typing=%v", on)
		return Typing{}
	}
	if ty := typing(true); ty != (Typing{Room: "lobby", ID: b.sid, Nick: "bob", Typing: true}) {
		t.Fatalf("typing %+v", ty)
	}
	typing(false)
	b.drain(100 * time.Millisecond)
	if n := len(b.events("typing")); n != 0 {
		t.Errorf("bob got %d of his own typing events", n)
	}
}

func TestImagesTravelAsAttachments(t *testing.T) {
	ts := startServer(t, config{})
	a, _ := enter(t, ts.URL, "alice", "")
	b, _ := enter(t, ts.URL, "bob", "")
	inRoom(t, b, "lobby", "alice", "bob")

	var ack ackReply
	a.call(&ack, [][]byte{tinyPNG}, "image", map[string]any{"id": "image-0001", "name": "dot.png", "data": placeholder(0)})
	if ack.Error != "" || ack.ID != "image-0001" {
		t.Fatalf("ack %+v", ack)
	}
	p := b.event("chat_message", nil, func(raw json.RawMessage) bool { return strings.Contains(string(raw), `"image"`) })
	if p.Type != '5' || len(p.Attachments) != 1 || !bytes.Equal(p.Attachments[0], tinyPNG) {
		t.Fatalf("bob got %v", p)
	}
	var m struct {
		Message
		Data map[string]any `json:"data"`
	}
	_ = json.Unmarshal(p.Args[0], &m)
	if m.From != "alice" || m.Name != "dot.png" || m.Type != "image/png" || m.Data["_placeholder"] != true {
		t.Fatalf("image message %s", p.Args[0])
	}

	// Not an image: refused, and nobody gets it.
	ack = ackReply{}
	a.call(&ack, [][]byte{[]byte("<svg onload=alert(1)>")}, "image", map[string]any{"id": "image-0002", "name": "x.svg", "data": placeholder(0)})
	if ack.Error != errBadImage.Error() {
		t.Fatalf("svg ack %+v", ack)
	}

	// A newcomer gets the image in the join ack's history, as an attachment.
	c, _ := dialChat(t, ts.URL, map[string]any{"nick": "carol"})
	c.ackID = 7
	c.send(7, nil, "join", join("lobby"))
	ap := c.waitFor(func(p wsPacket) bool { return (p.Type == '3' || p.Type == '6') && p.ID == 7 })
	if ap.Type != '6' || len(ap.Attachments) != 1 || !bytes.Equal(ap.Attachments[0], tinyPNG) {
		t.Fatalf("carol's join ack %v", ap)
	}
}

func TestRoomsAndMemberLists(t *testing.T) {
	ts := startServer(t, config{})
	a, _ := enter(t, ts.URL, "alice", "")
	b, _ := enter(t, ts.URL, "bob", "random")
	inRoom(t, b, "random", "bob")

	var j joinReply
	a.call(&j, nil, "join", join("Random"))
	if j.Error != "" || j.Room != "random" || !slices.Equal(nicks(j.Members), []string{"alice", "bob"}) {
		t.Fatalf("join ack %+v", j)
	}
	inRoom(t, b, "random", "alice", "bob")
	b.event("chat_message", nil, withText("alice joined"))

	j = joinReply{}
	a.call(&j, nil, "join", join("no spaces"))
	if j.Error != errBadRoom.Error() {
		t.Fatalf("bad room ack %+v", j)
	}
	// A room named like a socket id is a chat room, not that socket's own.
	j = joinReply{}
	a.call(&j, nil, "join", join(b.sid))
	if j.Error == "" && slices.Contains(nicks(j.Members), "bob") {
		t.Fatalf("joined bob's own room: %+v", j)
	}
	inRoom(t, b, "random", "bob")
	b.event("chat_message", nil, withText("alice left"))

	// Messages stay in their room.
	var ack ackReply
	a.call(&ack, nil, "chat_message", TextIn{Text: "private"})
	if ack.Error != "" || len(ack.ID) < 8 {
		t.Fatalf("ack %+v", ack)
	}
	b.drain(100 * time.Millisecond)
	if got := b.events("chat_message"); slices.ContainsFunc(got, func(p wsPacket) bool { return withText("private")(p.Args[0]) }) {
		t.Fatal("bob got a message of another room")
	}

	// A disconnect updates the member list.
	a.call(&j, nil, "join", join("random"))
	inRoom(t, b, "random", "alice", "bob")
	_ = a.conn.CloseNow()
	inRoom(t, b, "random", "bob")
}

func TestRecoveryReplaysMissedMessages(t *testing.T) {
	ts := startServer(t, config{})
	a, _ := enter(t, ts.URL, "alice", "")
	b, p := dialChat(t, ts.URL, map[string]any{"nick": "bob", "room": "lobby"})
	var ids struct{ SID, PID string }
	_ = json.Unmarshal(p.Data, &ids)
	var j joinReply
	b.call(&j, nil, "join", join("lobby"))
	ev := b.event("members", nil, nil) // a stored broadcast: gives bob an offset
	var offset string
	_ = json.Unmarshal(ev.Args[len(ev.Args)-1], &offset)
	if ids.PID == "" || offset == "" {
		t.Fatalf("no pid (%q) or offset (%q)", ids.PID, offset)
	}
	inRoom(t, a, "lobby", "alice", "bob")
	_ = b.conn.CloseNow()
	inRoom(t, a, "lobby", "alice")
	var ack ackReply
	a.call(&ack, nil, "chat_message", TextIn{Text: "while you were away"})

	// The page's auth carries its nickname and room; socket.io-client adds
	// the recovery's pid and offset.
	b2, p := dialChat(t, ts.URL, map[string]any{"nick": "bob", "room": "lobby", "pid": ids.PID, "offset": offset})
	if b2.sid != ids.SID {
		t.Fatalf("recovered sid %q (%v), want %q", b2.sid, p, ids.SID)
	}
	b2.event("chat_message", nil, withText("while you were away"))
	// Back in the room (restored by the recovery), and listed again once
	// the page says it is there.
	b2.call(&j, nil, "join", JoinRequest{Room: "lobby"})
	if j.Error != "" || j.Nick != "bob" || len(j.History) != 0 || !slices.Equal(nicks(j.Members), []string{"alice", "bob"}) {
		t.Fatalf("join after recovery %+v", j)
	}
	inRoom(t, a, "lobby", "alice", "bob")
	a.call(&ack, nil, "chat_message", TextIn{Text: "welcome back"})
	b2.event("chat_message", nil, withText("welcome back"))
	// The recovered client's consumer has its nickname and room back.
	b2.call(&ack, nil, "chat_message", TextIn{Text: "thanks"})
	if ack.Error != "" {
		t.Fatalf("ack %+v", ack)
	}
	var m Message
	a.event("chat_message", &m, withText("thanks"))
	if m.From != "bob" || m.Room != "lobby" {
		t.Fatalf("alice got %+v", m)
	}
}

func TestPageAndClientScript(t *testing.T) {
	get := func(url string) (int, string, string) {
		t.Helper()
		res, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, res.Header.Get("Content-Type"), string(b)
	}
	root := repoRoot(t)
	withNPM := fileExists(root + "/node_modules/" + clientDist + "/socket.io.min.js")

	const script = `<script src="/socket.io/socket.io.min.js">`
	ts := startServer(t, config{NodeModules: t.TempDir()})
	code, _, body := get(ts.URL + "/")
	if code != 200 || !strings.Contains(body, script) {
		t.Fatalf("the page should load the client from the server: %d\n%s", code, body)
	}
	if code, _, _ := get(ts.URL + "/socket.io/socket.io.min.js"); code == 200 {
		t.Errorf("/socket.io/socket.io.min.js without node_modules: %d", code)
	}
	for _, p := range []string{"/static/app.js", "/static/style.css"} {
		if code, _, _ := get(ts.URL + p); code != 200 {
			t.Errorf("%s: %d", p, code)
		}
	}

	requireTool(t, withNPM, "node_modules/socket.io-client (npm ci)")
	ts = startServer(t, config{}) // found from the working directory up
	code, typ, js := get(ts.URL + "/socket.io/socket.io.min.js")
	if code != 200 || !strings.Contains(typ, "javascript") || !strings.Contains(js, "Socket.IO v") {
		t.Fatalf("/socket.io/socket.io.min.js: %d %s", code, typ)
	}
}
