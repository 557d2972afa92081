package socketio

import (
	"context"
	"encoding/json"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/coder/websocket"

	"github.com/gosio/gosio/internal/nodetest"
)

// A text frame that is not UTF-8, sent by one client of a room, closes
// that client (1007, as the Node.js server) and reaches no one: the
// official client in the room, which fails its whole connection on an
// invalid text frame, stays connected, with or without recovery (which
// would otherwise replay the stored packet on every reconnect). A polling
// client's invalid bytes arrive as U+FFFD.
func TestInteropInvalidUTF8NeverReachesOtherClients(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts *ServerOptions
	}{
		{"default", nil},
		{"recovery", &ServerOptions{ConnectionStateRecovery: &RecoveryOptions{MaxDisconnectionDuration: 10 * time.Second}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t, tc.opts)
			socks := make(chan *NamespaceSocket, 8)
			e.srv.OnConnection(func(s *NamespaceSocket) {
				s.Join("room")
				s.On("bcast", func(ev *Event) { _ = s.To("room").Emit("bcast", ev.RawArgs()...) })
				socks <- s
			})
			n := newNodeClient(t, e)
			n.connect("peer", "/", wsOnly, nil)
			waitChan(t, socks, "peer")

			sender := e.dialWS()
			sender.connect("/", "")
			waitChan(t, socks, "sender")
			ctx, cancel := context.WithTimeout(context.Background(), waitFor)
			defer cancel()
			if err := sender.conn.Write(ctx, websocket.MessageText, []byte("42[\"bcast\",\"poison\",\"bad-\xff\xfe\"]")); err != nil {
				t.Fatal(err)
			}
			sender.waitClosed()

			poller := e.dialPolling()
			poller.push("0")
			waitChan(t, socks, "poller")
			poller.push("2[\"bcast\",\"from polling\",\"bad-\xff\"]")
			if r := n.recv("peer", "bcast"); !sameJSON(t, eventArgs(t, r)[:2], []any{"from polling", "bad-\uFFFD"}) {
				t.Fatalf("peer received %v", r)
			}

			_ = e.srv.To("room").Emit("after", 1)
			n.recv("peer", "after")
			if ev, ok := n.tryTake(500*time.Millisecond, func(ev nodetest.Event) bool {
				return ev.Name() == "disconnect" || ev.Name() == "connect_error"
			}); ok {
				t.Fatalf("peer: %v", ev)
			}
		})
	}
}

// What the server writes in a text frame is valid UTF-8 whatever its
// arguments: a json.RawMessage with invalid bytes in a string has them
// replaced by U+FFFD, as encoding/json does for a Go string.
func TestEncodeArgsNeverWritesInvalidUTF8(t *testing.T) {
	for _, arg := range []any{json.RawMessage("\"a\xffb\""), "a\xffb", map[string]any{"k\xff": "v\xfe"}} {
		data, _, err := encodeArgs(arg)
		if err != nil {
			t.Fatal(err)
		}
		if !utf8.Valid(data) {
			t.Errorf("%q encoded as %q", arg, data)
		}
	}
}
