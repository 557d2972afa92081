package clusteradapter

import (
	"context"
	"sync"
	"time"
)

// HeartbeatOptions turn on socket.io-adapter's ClusterAdapterWithHeartbeat
// behaviour, for buses that cannot count their subscribers: every server
// announces itself (INITIAL_HEARTBEAT, answered by HEARTBEAT), sends a
// HEARTBEAT when it has published nothing for Interval, and ADAPTER_CLOSE
// when it closes; a server not heard from for Timeout is no longer
// counted. ServerCount is then 1 + the servers heard from.
type HeartbeatOptions struct {
	// Interval between heartbeats of an idle server. Default 5 s.
	Interval time.Duration
	// Timeout after which a silent server is dropped. Default 10 s.
	Timeout time.Duration
}

// emitterUID is the sender of @socket.io/redis-emitter's messages: not a
// server.
const emitterUID = "emitter"

// heartbeat is the state of the heartbeat protocol. The timer and the
// sweeper goroutine are started by Start and ended by Close.
type heartbeat struct {
	opts HeartbeatOptions

	mu    sync.Mutex
	nodes map[string]time.Time // uid → last message
	timer *time.Timer          // next heartbeat; reset by every publish
	stop  chan struct{}
	done  chan struct{}
}

// Start announces this server to the others when heartbeats are on; the
// bus's adapter calls it once its subscriptions are in place.
func (a *Adapter) Start() {
	hb := a.hb
	if hb == nil {
		return
	}
	hb.stop = make(chan struct{})
	hb.done = make(chan struct{})
	go a.sweep()
	_ = a.publish(InitialHeartbeat, nil)
}

// sweep drops, every second, the servers silent for longer than Timeout.
func (a *Adapter) sweep() {
	hb := a.hb
	defer close(hb.done)
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-hb.stop:
			return
		case now := <-t.C:
			hb.mu.Lock()
			for uid, seen := range hb.nodes {
				if now.Sub(seen) > hb.opts.Timeout {
					delete(hb.nodes, uid)
				}
			}
			hb.mu.Unlock()
		}
	}
}

// published re-arms the heartbeat timer: a server that publishes needs no
// heartbeat.
func (a *Adapter) published() {
	hb := a.hb
	if hb == nil || a.ctx.Err() != nil {
		return
	}
	hb.mu.Lock()
	defer hb.mu.Unlock()
	if hb.timer == nil {
		hb.timer = time.AfterFunc(hb.opts.Interval, func() { _ = a.publish(Heartbeat, nil) })
	} else {
		hb.timer.Reset(hb.opts.Interval)
	}
}

// seen notes a message of server uid and handles the heartbeat types;
// it reports whether the message is done with.
func (a *Adapter) seen(uid string, typ int64) bool {
	hb := a.hb
	if hb == nil {
		return false
	}
	hb.mu.Lock()
	if uid != "" && uid != emitterUID {
		hb.nodes[uid] = time.Now()
	}
	if typ == AdapterClose {
		delete(hb.nodes, uid)
	}
	hb.mu.Unlock()
	if typ == InitialHeartbeat {
		_ = a.publish(Heartbeat, nil)
	}
	return typ == InitialHeartbeat || typ == Heartbeat || typ == AdapterClose
}

// heartbeatCount is 1 + the servers heard from.
func (a *Adapter) heartbeatCount() int {
	a.hb.mu.Lock()
	defer a.hb.mu.Unlock()
	return 1 + len(a.hb.nodes)
}

// stopHeartbeat says goodbye and stops the timer and the sweeper.
func (a *Adapter) stopHeartbeat() {
	hb := a.hb
	if hb == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), a.opts.RequestsTimeout)
	defer cancel()
	_, _ = a.bus.Publish(ctx, Message{"uid": a.uid, "nsp": a.nsp.Name(), "type": AdapterClose})
	hb.mu.Lock()
	if hb.timer != nil {
		hb.timer.Stop()
	}
	hb.mu.Unlock()
	if hb.stop != nil {
		close(hb.stop)
		<-hb.done
	}
}
