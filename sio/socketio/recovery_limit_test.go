package socketio

import (
	"testing"
	"time"

	"github.com/gosio/gosio/internal/nodetest"
)

// A client that missed more packets than RecoveryOptions.MaxMissedPackets
// is not recovered by half: it gets a new session (recovered false) and
// none of the missed packets, and its connection stays up. Under the limit
// every missed packet is delivered, in order. Proven with the official
// socket.io-client.
func TestInteropRecoveryPastMaxMissedPackets(t *testing.T) {
	for _, tc := range []struct {
		name      string
		limit     int
		missed    int
		recovered bool
	}{
		{"10000 missed, default limit", 0, 10000, false},
		{"500 missed, default limit", 0, 500, true},
		{"150 missed, limit 100", 100, 150, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t, &ServerOptions{ConnectionStateRecovery: &RecoveryOptions{
				MaxDisconnectionDuration: 30 * time.Second, MaxMissedPackets: tc.limit,
			}})
			socks := make(chan *NamespaceSocket, 4)
			e.srv.OnConnection(func(s *NamespaceSocket) {
				if !s.Recovered() {
					s.Join("news")
				}
				socks <- s
			})
			n := newNodeClient(t, e)
			// The reconnection waits long enough for every packet to be
			// missed before the client comes back.
			opts := withOpts(wsOnly, map[string]any{"reconnectionDelay": 1500, "reconnectionDelayMax": 1500, "randomizationFactor": 0})
			first := n.connect("a", "/", opts, nil)
			s1 := waitChan(t, socks, "connection")
			reason := reasonOf(s1)
			_ = e.srv.To("news").Emit("headline", -1)
			n.recv("a", "headline") // the client now holds an offset
			n.send(map[string]any{"cmd": "closeEngine", "id": "a"})
			n.event("disconnect", "a")
			expectReason(t, reason, ReasonTransportClose)
			for i := range tc.missed {
				_ = e.srv.To("news").Emit("headline", i)
			}
			again := n.event("connect", "a")
			if again.Bool("recovered") != tc.recovered {
				t.Fatalf("reconnected %v, want recovered %v", again, tc.recovered)
			}
			s2 := waitChan(t, socks, "second connection")
			if s2.Recovered() != tc.recovered || (s2.ID() == s1.ID()) != tc.recovered || (again.String("sid") == first.String("sid")) != tc.recovered {
				t.Fatalf("server: Recovered()=%v id %s, was %s; client sid %s, was %s", s2.Recovered(), s2.ID(), s1.ID(), again.String("sid"), first.String("sid"))
			}
			if tc.recovered {
				for i := range tc.missed {
					r := n.recv("a", "headline")
					if args := eventArgs(t, r); !sameJSON(t, args[:1], []any{i}) {
						t.Fatalf("missed event %d: %v", i, r)
					}
				}
			} else {
				n.noRecv("a", "headline", 300*time.Millisecond)
			}
			_ = e.srv.To("news").Emit("after", 1)
			n.recv("a", "after")
			if ev, ok := n.tryTake(200*time.Millisecond, func(ev nodetest.Event) bool { return ev.Name() == "disconnect" }); ok {
				t.Fatalf("disconnected: %v", ev)
			}
		})
	}
}
