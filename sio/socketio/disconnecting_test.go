package socketio

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

// Concurrent Disconnect(false) calls send one DISCONNECT packet and run
// the disconnect handlers once.
func TestConcurrentDisconnectSendsOneDisconnectPacket(t *testing.T) {
	e := newTestEnv(t, nil)
	socks := socketCh(e.srv)
	for range 20 {
		c, s := e.connected(socks)
		reasons := reasonOf(s)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				s.Disconnect(false)
			}()
		}
		close(start)
		wg.Wait()
		c.expect("1")
		c.quiet(30 * time.Millisecond) // no second DISCONNECT
		expectReason(t, reasons, ReasonServerNamespaceDisconnect)
		select {
		case r := <-reasons:
			t.Fatalf("a second disconnect, %q", r)
		default:
		}
		c.close()
	}
}

// As in the Node.js server, a socket is still connected while its
// disconnecting handlers run: Emit succeeds, and the packet is written to
// the connection when it is still open (after the DISCONNECT for a server
// namespace disconnect, as Node's disconnect() writes DISCONNECT before
// running them); on a closed transport it is dropped without an error.
func TestEmitFromOnDisconnecting(t *testing.T) {
	e := newTestEnv(t, nil)
	socks := socketCh(e.srv)
	watch := func(s *NamespaceSocket) <-chan string {
		ch := make(chan string, 1)
		s.OnDisconnecting(func(r DisconnectReason) {
			ch <- fmt.Sprintf("connected %v, emit %v", s.Connected(), s.Emit("bye", string(r)))
		})
		return ch
	}
	const want = "connected true, emit <nil>"

	// Server namespace disconnect.
	c, s := e.connected(socks)
	got := watch(s)
	s.Disconnect(false)
	if g := waitChan(t, got, "disconnecting"); g != want {
		t.Errorf("server namespace disconnect: %s", g)
	}
	c.expect("1")
	c.expect(`2["bye","server namespace disconnect"]`)
	// The handler's packet may reach the client before the handler has
	// returned and the socket has left: wait for the leave.
	eventually(t, "Connected() false after the disconnecting handlers", func() bool { return !s.Connected() })

	// Client namespace disconnect: the connection stays open.
	c.connect("/", "")
	s = waitChan(t, socks, "second connection")
	got = watch(s)
	c.send("1")
	if g := waitChan(t, got, "disconnecting"); g != want {
		t.Errorf("client namespace disconnect: %s", g)
	}
	c.expect(`2["bye","client namespace disconnect"]`)

	// Transport close: nowhere to write, no error either.
	c2, s2 := e.connected(socks)
	got = watch(s2)
	c2.close()
	if g := waitChan(t, got, "disconnecting"); g != want {
		t.Errorf("transport close: %s", g)
	}
}
