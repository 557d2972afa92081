package socketio

import (
	"slices"
	"testing"
	"unsafe"
)

// layout describes where the client keeps its sockets: the namespace in
// first ("" when free), the namespaces in more (sorted), and whether more
// is allocated.
func (c *client) layout() (first string, more []string, hasMap bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.first != nil {
		first = c.first.nsp.name
	}
	for name := range c.more {
		more = append(more, name)
	}
	slices.Sort(more)
	return first, more, c.more != nil
}

// expectLayout waits until the client keeps its sockets as described.
func expectLayout(t *testing.T, c *client, first string, more ...string) {
	t.Helper()
	eventually(t, "the client's sockets to be "+first+" + "+mustJSON(t, more), func() bool {
		f, m, hasMap := c.layout()
		return f == first && slices.Equal(m, more) && hasMap == (len(more) > 0)
	})
}

// A client that joins and leaves several namespaces: the first socket
// needs no map, a second namespace makes one, the map goes away once
// empty, a freed first slot takes the next namespace joined, and every
// socket keeps receiving its packets and hears the close.
func TestClientJoinsAndLeavesSeveralNamespaces(t *testing.T) {
	e := newTestEnv(t, nil)
	mains := socketCh(e.srv)
	admins := socketCh(e.srv.Of("/admin"))
	chats := socketCh(e.srv.Of("/chat"))

	c, s := e.connected(mains)
	cl := s.client
	expectLayout(t, cl, "/")

	c.connect("/admin", "")
	a := waitChan(t, admins, "admin connection")
	expectLayout(t, cl, "/", "/admin")

	// Leaving the namespace in first frees it; /admin goes on.
	rs := reasonOf(s)
	c.send("1")
	expectReason(t, rs, ReasonClientNamespaceDisconnect)
	expectLayout(t, cl, "", "/admin")
	_ = a.Emit("x")
	c.expect(`2/admin,["x"]`)

	// Joining "/" again takes the free first slot.
	r := c.connect("/", "")
	s2 := waitChan(t, mains, "second main connection")
	if s2.ID() != r.SID {
		t.Fatalf("socket %s, client got %s", s2.ID(), r.SID)
	}
	expectLayout(t, cl, "/", "/admin")
	c.connect("/chat", "")
	ch := waitChan(t, chats, "chat connection")
	expectLayout(t, cl, "/", "/admin", "/chat")

	// Leaving the namespaces in the map, the last one drops it.
	ra, rc := reasonOf(a), reasonOf(ch)
	c.send("1/admin,")
	expectReason(t, ra, ReasonClientNamespaceDisconnect)
	expectLayout(t, cl, "/", "/chat")
	_ = ch.Emit("y")
	c.expect(`2/chat,["y"]`)
	c.send("1/chat,")
	expectReason(t, rc, ReasonClientNamespaceDisconnect)
	expectLayout(t, cl, "/")
	_ = s2.Emit("z")
	c.expect(`2["z"]`)

	// Events from the client reach the socket of their namespace.
	c.connect("/admin", "")
	a2 := waitChan(t, admins, "second admin connection")
	expectLayout(t, cl, "/", "/admin")
	got := make(chan string, 2)
	s2.On("ev", func(*Event) { got <- "/" })
	a2.On("ev", func(*Event) { got <- "/admin" })
	c.send(`2/admin,["ev","a"]`)
	if w := waitChan(t, got, "admin event"); w != "/admin" {
		t.Fatalf("event for /admin ran on %s", w)
	}
	c.send(`2["ev","m"]`)
	if w := waitChan(t, got, "main event"); w != "/" {
		t.Fatalf("event for / ran on %s", w)
	}

	// The connection's close reaches both sockets.
	r2, ra2 := reasonOf(s2), reasonOf(a2)
	c.close()
	expectReason(t, r2, ReasonTransportClose)
	expectReason(t, ra2, ReasonTransportClose)
}

// The client's bookkeeping keeps a namespace in one place only, also when
// a namespace in the map is joined again while first is free.
func TestClientSocketBookkeeping(t *testing.T) {
	sock := func(name string) *NamespaceSocket { return &NamespaceSocket{nsp: &Namespace{name: name}} }
	var c client
	a, b, b2, d := sock("/a"), sock("/b"), sock("/b"), sock("/d")
	c.addSocketLocked("/a", a)
	c.addSocketLocked("/b", b)
	c.removeSocketLocked(a)
	c.addSocketLocked("/b", b2) // first is free: /b moves there
	if c.first != b2 || c.more != nil {
		t.Fatalf("first %v, more %v", c.first, c.more)
	}
	c.removeSocketLocked(b) // no longer the socket of /b: nothing happens
	if c.socketLocked("/b") != b2 {
		t.Fatal("a stale socket removed its successor")
	}
	c.addSocketLocked("/d", d)
	if c.socketLocked("/d") != d || c.socketLocked("/a") != nil || len(c.socketsLocked()) != 2 {
		t.Fatalf("first %v, more %v", c.first, c.more)
	}
}

// The per-connection structures stay in their size classes: a
// NamespaceSocket in 192 bytes, a client (parser inline, no map) in 112.
func TestIdleStructSizes(t *testing.T) {
	if n := unsafe.Sizeof(NamespaceSocket{}); n > 192 {
		t.Errorf("NamespaceSocket is %d bytes, over the 192-byte size class", n)
	}
	if n := unsafe.Sizeof(client{}); n > 112 {
		t.Errorf("client is %d bytes, over the 112-byte size class", n)
	}
}
