package socketio

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

// 200 official socket.io-client connections upgrade from long-polling to
// websocket while, both ways, events, acks with a 50 ms timeout and
// emits with the client's retries option are in flight at the switch
// (internal/interop/socketio/upgrade_stress.mjs). Every packet arrives
// once, in order; no ack times out, no retried packet comes twice. Each
// socket's emits start at its "connect", while the probe is under way, so
// that the GET in flight crosses the probe: a reply held until the
// upgrade made the 50 ms acks time out and the retries resend. The first
// three batches (30 sockets) warm up, Node.js compiling and the race
// detector starting cold: their acks are not held to 50 ms, but every
// packet is, and the 200 sockets after them are held to both.
func TestInteropUpgradeUnderLoad(t *testing.T) {
	// The 50 ms are real time on a machine the tests share: a run whose
	// only faults are late acks (or the resends they cause) is run again,
	// twice at most, and those faults fail the test only if the third run
	// has them too (on a busy machine two runs in a row were seen to).
	// The code this guards against failed every run, a third of the
	// sockets with all their acks late. Faults of order or count fail at
	// once.
	late := upgradeStress(t)
	for run := 2; run <= 3 && len(late) > 0; run++ {
		t.Logf("run %d: %d sockets with late acks (the machine is loaded?), running again: %v", run-1, len(late), late[0])
		late = upgradeStress(t)
	}
	for _, l := range late {
		t.Error(l)
	}
}

// upgradeStress runs the stress once; it fails the test on faults of
// order or count, and returns the faults of timing.
func upgradeStress(t *testing.T) (late []string) {
	t.Helper()
	const warm, concurrent, k = 30, 10, 20
	const total = 200 + warm
	e := newTestEnv(t, nil)
	type seen struct {
		seq, retry []int
	}
	var mu sync.Mutex
	bySID := map[string]*seen{}
	record := func(sid string, f func(*seen)) {
		mu.Lock()
		defer mu.Unlock()
		v := bySID[sid]
		if v == nil {
			v = &seen{}
			bySID[sid] = v
		}
		f(v)
	}
	e.srv.OnConnection(func(s *NamespaceSocket) {
		for i := range k {
			_ = s.Emit("down", i)
		}
		s.On("seq", func(ev *Event) {
			var i int
			_ = ev.Decode(&i)
			record(s.ID(), func(v *seen) { v.seq = append(v.seq, i) })
		})
		s.On("ack", func(ev *Event) {
			var i int
			_ = ev.Decode(&i)
			_ = ev.Ack(i)
		})
	})
	// The /r socket shares the "/" socket's connection; its events are
	// recorded by the connection's Engine.IO id, which the client reports.
	e.srv.Of("/r").OnConnection(func(s *NamespaceSocket) {
		s.On("retry", func(ev *Event) {
			var i int
			_ = ev.Decode(&i)
			record("r:"+s.client.conn.ID(), func(v *seen) { v.retry = append(v.retry, i) })
			_ = ev.Ack(i)
		})
	})
	p := startNodeScript(t, e, "upgrade_stress.mjs", fmt.Sprint(total), fmt.Sprint(concurrent), fmt.Sprint(k))
	for done := 0; done < total; {
		ev, err := p.Next(60 * time.Second)
		if err != nil {
			t.Fatalf("after %d sockets: %v", done, err)
		}
		if ev.Name() != "done" {
			t.Fatalf("after %d sockets: %v", done, ev)
		}
		done++
		warmUp := ev.Int("i") < warm
		if ev.Int("downBad") != 0 || ev.String("transport") != "websocket" {
			t.Fatalf("socket %d: %v", ev.Int("i"), ev)
		}
		mu.Lock()
		v, r := bySID[ev.String("sid")], bySID["r:"+ev.String("eid")]
		mu.Unlock()
		if v == nil || r == nil || !countsUp(v.seq, k) || !countsUp(dedup(r.retry), k) {
			t.Fatalf("socket %d: the server got %+v and %+v", ev.Int("i"), v, r)
		}
		if !warmUp && (ev.Int("ackErrors") != 0 || ev.Int("retryErrors") != 0 || len(r.retry) != k) {
			late = append(late, fmt.Sprintf("socket %d: %v; retried events at the server %v", ev.Int("i"), ev, r.retry))
		}
	}
	if ev, err := p.Next(30 * time.Second); err != nil || ev.Name() != "finished" {
		t.Fatalf("finished: %v %v", ev, err)
	}
	return late
}

// dedup drops repeats that follow each other (a retried event).
func dedup(got []int) []int {
	var out []int
	for i, g := range got {
		if i == 0 || g != got[i-1] {
			out = append(out, g)
		}
	}
	return out
}

// countsUp reports whether got is 0, 1, ..., n-1.
func countsUp(got []int, n int) bool {
	if len(got) != n {
		return false
	}
	for i, g := range got {
		if g != i {
			return false
		}
	}
	return true
}
