package engineio_test

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gosio/gosio/internal/nodetest"
	"github.com/gosio/gosio/sio/engineio"
)

// 200 official engine.io-client sessions upgrade from long-polling to
// websocket while messages are in flight both ways
// (internal/interop/eio_upgrade_stress.mjs): each session's client sends
// from its open, the server echoes and sends its own, and every message
// arrives once, in order, whichever transport carries it. Each session
// tells its OnUpgrading and OnUpgrade listeners once.
func TestInteropUpgradeUnderLoad(t *testing.T) {
	const total, concurrent, k = 200, 10, 30
	var upgrading, upgraded atomic.Int64
	s := newTestServerWith(t, nil, serverConfig{onOpen: func(sock *engineio.EngineIOSocket) {
		sock.OnUpgrading(func(string) { upgrading.Add(1) })
		sock.OnUpgrade(func(tr string) {
			if tr == engineio.TransportWebSocket && sock.Transport() == tr {
				upgraded.Add(1)
			}
		})
		for i := range k {
			_ = sock.Send(fmt.Appendf(nil, "s%d", i), false)
		}
	}})
	rt := nodetest.Find(t, "engine.io-client")
	p := rt.Start(t, "internal/interop/eio_upgrade_stress.mjs", nodetest.Options{
		Args: []string{s.ts.URL, fmt.Sprint(total), fmt.Sprint(concurrent), fmt.Sprint(k)},
	})
	for done := 0; done < total; done++ {
		ev, err := p.Next(60 * time.Second)
		if err != nil {
			t.Fatalf("after %d sessions: %v", done, err)
		}
		if ev.Name() != "done" || ev.Int("bad") != 0 || ev.String("transport") != "websocket" {
			t.Fatalf("after %d sessions: %v", done, ev)
		}
	}
	eventually(t, "an upgrade event per session", func() bool { return upgraded.Load() == total })
	if n := upgrading.Load(); n != total {
		t.Fatalf("%d upgrading events for %d sessions", n, total)
	}
}
