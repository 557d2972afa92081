package clusteradapter

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gosio/gosio/sio/socketio"
)

// countlessPort is a memPort whose bus cannot count: with heartbeats the
// adapter must not ask it. A muted port drops what its server publishes,
// as a hung server sends nothing.
type countlessPort struct {
	memPort
	muted *atomic.Bool
}

func (p countlessPort) ServerCount(context.Context) (int, error) { return 99, nil }

func (p countlessPort) Publish(ctx context.Context, m Message) (string, error) {
	if p.muted.Load() {
		return "", nil
	}
	return p.memPort.Publish(ctx, m)
}

// TestHeartbeatCountsServers counts three servers by their heartbeats,
// drops one that closes at once (ADAPTER_CLOSE) and one that falls silent
// after the timeout.
func TestHeartbeatCountsServers(t *testing.T) {
	bus := &memBus{nodes: make(map[string]*memNode)}
	var srvs []*socketio.SocketIOServer
	var adapters []*Adapter
	var muted []*atomic.Bool
	for range 3 {
		var a *Adapter
		m := &atomic.Bool{}
		srv := socketio.NewServer(&socketio.ServerOptions{Adapter: func(nsp *socketio.Namespace) socketio.Adapter {
			a = New(nsp, countlessPort{memPort{b: bus, self: func() string { return a.UID() }}, m}, &Options{
				RequestsTimeout: time.Second,
				Heartbeat:       &HeartbeatOptions{Interval: 100 * time.Millisecond, Timeout: 600 * time.Millisecond},
			})
			bus.join(a)
			return a
		}})
		srvs = append(srvs, srv)
		adapters = append(adapters, a)
		muted = append(muted, m)
	}
	defer func() {
		for _, s := range srvs {
			_ = s.Shutdown(context.Background())
		}
		bus.close()
	}()
	for _, a := range adapters {
		a.Start()
	}
	waitFor := func(a *Adapter, n int) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for {
			c, _ := a.ServerCount(context.Background())
			if c == n {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("ServerCount %d, want %d", c, n)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	for _, a := range adapters {
		waitFor(a, 3)
	}
	_ = srvs[2].Shutdown(context.Background()) // ADAPTER_CLOSE
	waitFor(adapters[0], 2)
	waitFor(adapters[1], 2)
	muted[1].Store(true) // silent from now on
	waitFor(adapters[0], 1)
	// Heard again, counted again.
	muted[1].Store(false)
	waitFor(adapters[0], 2)
}
