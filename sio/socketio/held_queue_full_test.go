package socketio

import (
	"strings"
	"testing"

	"github.com/gosio/gosio/sio/engineio"
)

// A connection handler that queues more than the client leaves room for
// (a long-polling client that does not GET) has the client closed for a
// full queue when its held writes are released, and the socket
// disconnected: the release must not hold the client's lock while the
// engine's close calls back into the client.
func TestHeldWritesPastTheQueueBoundCloseTheClient(t *testing.T) {
	e := newTestEnv(t, &ServerOptions{Engine: &engineio.Options{MaxQueuedBytes: 32 << 10}})
	reasons := make(chan DisconnectReason, 1)
	e.srv.OnConnection(func(s *NamespaceSocket) {
		s.OnDisconnect(func(r DisconnectReason) { reasons <- r })
		big := strings.Repeat("y", 16<<10)
		for range 8 {
			_ = s.Emit("big", big)
		}
	})
	p := e.dialPolling()
	p.push("0")
	if r := waitChan(t, reasons, "disconnect"); r != ReasonTransportError {
		t.Fatalf("reason %q", r)
	}
}
