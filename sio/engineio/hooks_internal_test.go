package engineio

import (
	"testing"

	"github.com/gosio/gosio/sio/internal/eiolink"
)

// With no listener, the hooks cost nothing on the read path: delivering a
// message to the application's receiver does not allocate.
func TestDeliverWithoutListenersDoesNotAllocate(t *testing.T) {
	srv := NewServer(nil)
	defer srv.Close()
	sess := newSession(srv, "sid", TransportWebSocket, &HandshakeRequest{})
	n := 0
	eiolink.Receive(&sess.sock, &eiolink.Funcs{
		Message: func([]byte, bool, bool) any { n++; return nil },
		Close:   func(string, error) {},
	})
	p := Packet{Type: PacketMessage, Data: []byte("2[\"ev\"]")}
	allocs := testing.AllocsPerRun(1000, func() { sess.deliver(p, false) })
	if allocs != 0 {
		t.Fatalf("deliver allocates %v times per message", allocs)
	}
	if n == 0 {
		t.Fatal("the receiver was not called")
	}
	// With a listener, it is called before the receiver.
	var order []string
	eiolink.Receive(&sess.sock, &eiolink.Funcs{
		Message: func([]byte, bool, bool) any { order = append(order, "receiver"); return nil },
		Close:   func(string, error) {},
	})
	sess.sock.OnMessage(func([]byte, bool) { order = append(order, "listener") })
	sess.deliver(p, false)
	if len(order) != 2 || order[0] != "listener" {
		t.Fatalf("order %v", order)
	}
}
