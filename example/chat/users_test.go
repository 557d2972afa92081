package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func connectError(t *testing.T, p wsPacket) string {
	t.Helper()
	if p.Type != '4' {
		t.Fatalf("got %v, want CONNECT_ERROR", p)
	}
	var e struct{ Message string }
	_ = json.Unmarshal(p.Data, &e)
	return e.Message
}

// TestNicknamesAreUnique: a nickname held by one user is refused to
// another, whatever its case, and is free again once its holder left; a
// reload of the holder's page (the same token) gets it back.
func TestNicknamesAreUnique(t *testing.T) {
	ts := startServer(t, config{})
	tokenA := strings.Repeat("a", 24)
	a, p := dialChat(t, ts.URL, map[string]any{"nick": "alice", "token": tokenA})
	if p.Type != '0' {
		t.Fatalf("alice: %v", p)
	}
	for _, nick := range []string{"alice", " ALICE "} {
		_, p := dialChat(t, ts.URL, map[string]any{"nick": nick, "token": strings.Repeat("b", 24)})
		if msg := connectError(t, p); msg != `the nickname "ALICE" is taken: pick another` && msg != `the nickname "alice" is taken: pick another` {
			t.Errorf("second %q: %q", nick, msg)
		}
	}
	// No token: a user of its own, refused too.
	_, p = dialChat(t, ts.URL, map[string]any{"nick": "alice"})
	connectError(t, p)
	// The same token (a reload, or a copy of the tab) may hold it too.
	a2, p := dialChat(t, ts.URL, map[string]any{"nick": "alice", "token": tokenA})
	if p.Type != '0' {
		t.Fatalf("alice's reload: %v", p)
	}
	_ = a.conn.CloseNow()
	_ = a2.conn.CloseNow()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, p := dialChat(t, ts.URL, map[string]any{"nick": "alice", "token": strings.Repeat("c", 24)})
		if p.Type == '0' {
			_ = c.conn.CloseNow()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("alice's nickname is still taken after she left: %v", p)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestOwnMessagesCarryTheUserID: the page tells its own messages by the
// user id that join returns, not by the nickname.
func TestOwnMessagesCarryTheUserID(t *testing.T) {
	ts := startServer(t, config{})
	a, ja := enter(t, ts.URL, "alice", "")
	b, jb := enter(t, ts.URL, "bob", "")
	if ja.User == "" || jb.User == "" || ja.User == jb.User {
		t.Fatalf("user ids %q and %q", ja.User, jb.User)
	}
	for _, m := range jb.Members {
		if m.User == "" {
			t.Errorf("member %+v has no user id", m)
		}
	}
	var ack ackReply
	a.call(&ack, nil, "chat_message", TextIn{Text: "mine"})
	var m Message
	b.event("chat_message", &m, withText("mine"))
	if m.User != ja.User {
		t.Errorf("message user %q, want alice's %q", m.User, ja.User)
	}
}

// TestLeftNotice: the room sees "X left" once the grace period has passed
// without X coming back; a reload within it posts neither "left" nor
// "joined".
func TestLeftNotice(t *testing.T) {
	// The grace outlasts a reload on a loaded machine (300 ms did not).
	ts := startServer(t, config{LeaveGrace: 2 * time.Second})
	a, _ := enter(t, ts.URL, "alice", "")
	tokenB := strings.Repeat("b", 24)
	dialBob := func() *wsClient {
		b, p := dialChat(t, ts.URL, map[string]any{"nick": "bob", "token": tokenB, "room": "lobby"})
		if p.Type != '0' {
			t.Fatalf("bob: %v", p)
		}
		var j joinReply
		b.call(&j, nil, "join", join("lobby"))
		return b
	}
	b := dialBob()
	a.event("chat_message", nil, withText("bob joined"))
	// The list with bob first: else alice's own older list, still in the
	// stash, would pass the check below before bob's departure is handled.
	inRoom(t, a, "lobby", "alice", "bob")

	// A reload: the old connection closes, a new one with the same token
	// comes at once.
	_ = b.conn.CloseNow()
	inRoom(t, a, "lobby", "alice")
	b = dialBob()
	inRoom(t, a, "lobby", "alice", "bob")
	a.drain(time.Second)
	for _, e := range a.events("chat_message") {
		if s := string(e.Args[0]); strings.Contains(s, "bob left") || strings.Contains(s, "bob joined") {
			t.Errorf("a reload posted %s", s)
		}
	}
	a.stash = nil

	// Gone for good: the notice comes after the grace period.
	_ = b.conn.CloseNow()
	a.event("chat_message", nil, withText("bob left"))
}
