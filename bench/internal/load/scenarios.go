package load

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/gosio/gosio/bench/internal/sysstat"
)

// Env is what a scenario needs to know about the run.
type Env struct {
	Dialer *Dialer
	// Dialer2, when set (S8), is a second server of the same cluster: the
	// clients of odd index connect to it, those of even index to Dialer.
	Dialer2 *Dialer
	PID     int // the server's process, for CPU time and RSS
	// Peers are the other server processes of the run (S8): their CPU time
	// is added to PID's in the per-CPU figures.
	Peers []int
	// Redis is the Redis server's process (S8), 0 if none: its CPU is
	// reported beside the servers', never added to it.
	Redis  int
	Warmup time.Duration // load before the measuring window
	Window time.Duration // length of the measuring window
	Logf   func(format string, args ...any)
	// Others collects, per measuring window, the other processes that took
	// the most CPU in it.
	Others []string
}

// Sample is one figure of one run: Key names the metric (see the runner's
// metric table).
type Sample struct {
	Key   string
	Value float64
}

// Pre-encoded frames and the prefixes that match their replies.
var (
	echoFrame     = []byte(`42["echo",{"n":1,"msg":"hello from the gosio benchmark"}]`)
	echoPrefix    = []byte(`42["echo",`)
	echoAckFrame  = []byte(`421["echo-ack",{"n":1,"msg":"hello from the gosio benchmark"}]`)
	ackPrefix     = []byte(`431[`)
	joinFrame     = []byte(`420["join","room1"]`)
	joinAckPrefix = []byte(`430`)
	bcastFrame    = []byte(`42["broadcast","room1",{"n":1,"msg":"hello room"}]`)
	bcastPrefix   = []byte(`42["bcast",`)
	binHeader     = []byte(`451-["echo",{"_placeholder":true,"num":0}]`)
	binPrefix     = []byte(`451-["echo"`)
)

// BinarySize is the attachment size of scenario S7.
const BinarySize = 64 << 10

// window tells the load loops whether they are warming up (0), measuring
// (1) or must stop (2).
type window struct{ phase atomic.Int32 }

func (w *window) measuring() bool { return w.phase.Load() == 1 }
func (w *window) stopped() bool   { return w.phase.Load() == 2 }

// stats is what one measuring window saw.
type stats struct {
	ops, bytes int64
	elapsed    time.Duration
	serverCPU  time.Duration   // all the server processes of the run, summed
	eachCPU    []time.Duration // per server process, when there are several
	genCPU     time.Duration
	redisCPU   time.Duration
	redis      bool       // a Redis process was measured (S8)
	coreBusy   [2]float64 // percent, from /proc/stat
	other      float64    // CPU of other processes on both cores, percent of one core
}

// edge is what is read at each edge of the window: the counters, the
// server's CPU time and ours. The generator runs with GOMAXPROCS=1 among
// hundreds of busy goroutines, so every syscall of the goroutine that reads
// them may cost it its turn for milliseconds: the edge is two preads on
// files opened beforehand, timed on both sides.
type edge struct {
	t             time.Time
	ops, bytes    int64
	srv, gen, rds time.Duration
	each          []time.Duration // srv per process
	err           error
}

// cpuSum reads the CPU time of several processes, summed.
type cpuSum []*sysstat.CPUReader

func (c cpuSum) Read() (time.Duration, error) {
	sum, _, err := c.readEach(nil)
	return sum, err
}

// readEach reads the sum and appends each process's time to each.
func (c cpuSum) readEach(each []time.Duration) (time.Duration, []time.Duration, error) {
	var sum time.Duration
	for _, r := range c {
		d, err := r.Read()
		if err != nil {
			return 0, each, err
		}
		sum += d
		each = append(each, d)
	}
	return sum, each, nil
}

func (c cpuSum) Close() {
	for _, r := range c {
		r.Close()
	}
}

// openCPUs opens the CPU time of each of pids (0s are left out).
func openCPUs(pids ...int) (cpuSum, error) {
	var c cpuSum
	for _, pid := range pids {
		if pid == 0 {
			continue
		}
		r, err := sysstat.OpenCPU(pid)
		if err != nil {
			c.Close()
			return nil, err
		}
		c = append(c, r)
	}
	return c, nil
}

func readEdge(srv, gen, rds cpuSum, ops, nbytes *atomic.Int64) edge {
	t := time.Now()
	var e edge
	e.ops = ops.Load()
	if nbytes != nil {
		e.bytes = nbytes.Load()
	}
	e.srv, e.each, e.err = srv.readEach(make([]time.Duration, 0, len(srv)))
	if e.err == nil {
		e.gen, e.err = gen.Read()
	}
	if e.err == nil {
		e.rds, e.err = rds.Read()
	}
	e.t = t.Add(time.Since(t) / 2)
	return e
}

// diag is a snapshot for the "where the CPU went" figures, taken inside the
// window just after its first edge and just before its last; each figure is
// computed over the snapshots' own interval.
type diag struct {
	cores         []sysstat.CoreTimes
	srv, gen, rds time.Duration
	procs         sysstat.Procs
}

func readDiag(srv, gen, rds cpuSum) diag {
	var d diag
	d.cores, _ = sysstat.Cores(2)
	d.srv, _ = srv.Read()
	d.gen, _ = gen.Read()
	d.rds, _ = rds.Read()
	d.procs = sysstat.AllProcs()
	return d
}

// measure runs the warm-up, then the window, and leaves w stopped.
func (e *Env) measure(w *window, ops, nbytes *atomic.Int64) (stats, error) {
	srv, err := openCPUs(append([]int{e.PID}, e.Peers...)...)
	if err != nil {
		w.phase.Store(2)
		return stats{}, err
	}
	defer srv.Close()
	self, err := sysstat.OpenCPU(0)
	if err != nil {
		w.phase.Store(2)
		return stats{}, err
	}
	gen := cpuSum{self}
	defer gen.Close()
	rds, err := openCPUs(e.Redis)
	if err != nil {
		w.phase.Store(2)
		return stats{}, err
	}
	defer rds.Close()
	time.Sleep(e.Warmup)
	w.phase.Store(1)
	e0 := readEdge(srv, gen, rds, ops, nbytes)
	d0 := readDiag(srv, gen, rds)
	time.Sleep(time.Until(e0.t.Add(e.Window)))
	d1 := readDiag(srv, gen, rds)
	e1 := readEdge(srv, gen, rds, ops, nbytes)
	w.phase.Store(2)
	if e0.err != nil || e1.err != nil {
		return stats{}, errors.Join(e0.err, e1.err)
	}
	el := e1.t.Sub(e0.t)
	st := stats{ops: e1.ops - e0.ops, bytes: e1.bytes - e0.bytes, elapsed: el,
		serverCPU: e1.srv - e0.srv, genCPU: e1.gen - e0.gen, redisCPU: e1.rds - e0.rds}
	st.redis = len(rds) > 0
	if len(e1.each) > 1 {
		for i := range e1.each {
			st.eachCPU = append(st.eachCPU, e1.each[i]-e0.each[i])
		}
	}
	if len(d0.cores) == 2 && len(d1.cores) == 2 {
		var task, total int64
		for c := range 2 {
			d := d1.cores[c].Total - d0.cores[c].Total
			if d > 0 {
				st.coreBusy[c] = 100 * float64(d1.cores[c].Busy-d0.cores[c].Busy) / float64(d)
			}
			task += d1.cores[c].Task - d0.cores[c].Task
			total += d
		}
		if total > 0 {
			// Both cores' ticks: total/2 is the snapshots' interval.
			interval := time.Duration(total/2) * sysstat.ClockTick
			other := time.Duration(task)*sysstat.ClockTick - (d1.srv - d0.srv) - (d1.gen - d0.gen) - (d1.rds - d0.rds)
			st.other = max(0, 100*other.Seconds()/interval.Seconds())
			skip := append([]int{e.PID, e.Redis, os.Getpid()}, e.Peers...)
			if top := d1.procs.Top(d0.procs, interval, 3, skip...); len(top) > 0 {
				e.Others = append(e.Others, strings.Join(top, ", "))
			}
		}
	}
	return st, nil
}

func (s stats) rate() float64 { return float64(s.ops) / s.elapsed.Seconds() }

// perCPU is operations per second of server CPU time.
func (s stats) perCPU(n int64) float64 {
	if s.serverCPU <= 0 {
		return 0
	}
	return float64(n) / s.serverCPU.Seconds()
}

func (s stats) samples(prefix string) []Sample {
	out := []Sample{
		{prefix + ".rate", s.rate()},
		{prefix + ".perCPU", s.perCPU(s.ops)},
		{prefix + ".srvCPU", 100 * s.serverCPU.Seconds() / s.elapsed.Seconds()},
		{prefix + ".genCPU", 100 * s.genCPU.Seconds() / s.elapsed.Seconds()},
		{prefix + ".core0", s.coreBusy[0]},
		{prefix + ".core1", s.coreBusy[1]},
		{prefix + ".other", s.other},
	}
	if s.redis {
		out = append(out, Sample{prefix + ".redisCPU", 100 * s.redisCPU.Seconds() / s.elapsed.Seconds()})
	}
	for i, d := range s.eachCPU {
		out = append(out, Sample{prefix + ".srvCPU" + strconv.Itoa(i+1), 100 * d.Seconds() / s.elapsed.Seconds()})
	}
	return out
}

// connectMany opens n websocket clients (indexes from..from+n-1) with conc
// dials at a time, calling after(i, ws) on each as soon as it is connected.
func (e *Env) connectMany(ctx context.Context, from, n, conc int, after func(i int, w *WS) error) ([]*WS, error) {
	out := make([]*WS, n)
	var next atomic.Int64
	var firstErr error
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range min(conc, n) {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				mu.Lock()
				failed := firstErr != nil
				mu.Unlock()
				if failed {
					return
				}
				d := e.Dialer
				if e.Dialer2 != nil && (from+i)%2 == 1 {
					d = e.Dialer2
				}
				w, err := d.Connect(ctx, from+i)
				if err == nil && after != nil {
					if err = after(from+i, w); err != nil {
						w.Close()
					}
				}
				if err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = fmt.Errorf("client %d: %w", from+i, err)
					}
					mu.Unlock()
					return
				}
				out[i] = w
			}
		})
	}
	wg.Wait()
	if firstErr != nil {
		for _, w := range out {
			if w != nil {
				w.Close()
			}
		}
		return nil, firstErr
	}
	return out, nil
}

func closeAll(ws []*WS) {
	for _, w := range ws {
		if w != nil {
			w.Close()
		}
	}
}

func percentile(sorted []int64, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(p * float64(len(sorted)-1))
	return float64(sorted[i]) / 1e6 // ms
}

// latencies merges per-client recordings into p50/p99 samples.
func latencies(prefix string, per [][]int64) []Sample {
	var all []int64
	for _, l := range per {
		all = append(all, l...)
	}
	slices.Sort(all)
	return []Sample{{prefix + ".p50", percentile(all, 0.50)}, {prefix + ".p99", percentile(all, 0.99)}}
}

// firstErr collects the first error of many goroutines, ignoring those that
// come after the window was stopped (closing connections causes them).
type errOnce struct {
	mu  sync.Mutex
	err error
}

func (o *errOnce) set(w *window, err error) {
	if err == nil || w.stopped() {
		return
	}
	o.mu.Lock()
	if o.err == nil {
		o.err = err
	}
	o.mu.Unlock()
}

func (o *errOnce) get() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.err
}

// Echo is S1 (ack=false: emit "echo", wait for the "echo" event back) and S2
// (ack=true: emit "echo-ack" with an ack id, wait for the ack): n clients in
// a closed loop, one request outstanding each.
func (e *Env) Echo(ctx context.Context, key string, n int, ack bool) ([]Sample, error) {
	clients, err := e.connectMany(ctx, 0, n, 32, nil)
	if err != nil {
		return nil, err
	}
	defer closeAll(clients)
	frame, prefix := echoFrame, echoPrefix
	if ack {
		frame, prefix = echoAckFrame, ackPrefix
	}
	var w window
	var ops atomic.Int64
	var fail errOnce
	lat := make([][]int64, n)
	base := time.Now()
	var wg sync.WaitGroup
	for i, c := range clients {
		wg.Go(func() {
			l := make([]int64, 0, 4096)
			defer func() { lat[i] = l }()
			for !w.stopped() {
				t0 := time.Since(base)
				if err := c.Send(frame); err != nil {
					fail.set(&w, err)
					return
				}
				if err := c.SkipTo(prefix); err != nil {
					fail.set(&w, err)
					return
				}
				ops.Add(1)
				if w.measuring() {
					l = append(l, int64(time.Since(base)-t0))
				}
			}
		})
	}
	st, err := e.measure(&w, &ops, nil)
	closeAll(clients)
	wg.Wait()
	if err != nil {
		return nil, err
	}
	if err := fail.get(); err != nil {
		return nil, err
	}
	if st.ops == 0 {
		return nil, errors.New("no round trip completed")
	}
	return append(st.samples(key), latencies(key, lat)...), nil
}

// Broadcast is S3 (key "S3") and S8 (key "S8", with Dialer2: the room
// split over two servers of one cluster): rooms of the given sizes (growing: the clients of the
// smaller room stay and more join), every client joined to "room1"; client 0
// asks the server to broadcast to the room, keeping up to inflight
// broadcasts not yet fully delivered. Counts deliveries to all clients.
func (e *Env) Broadcast(ctx context.Context, key string, sizes []int, inflight int) ([]Sample, error) {
	var out []Sample
	var all []*WS
	var delivered atomic.Int64
	var fail errOnce
	var readers sync.WaitGroup
	notify := make(chan struct{}, 1)
	var roomSize atomic.Int64
	var readerWin window // only its stopped state is used: set when we tear down
	startReader := func(c *WS) {
		readers.Go(func() {
			for {
				_, m, err := c.Next()
				if err != nil {
					fail.set(&readerWin, err)
					return
				}
				if bytes.HasPrefix(m, bcastPrefix) {
					if v, rs := delivered.Add(1), roomSize.Load(); rs > 0 && v%rs == 0 {
						select {
						case notify <- struct{}{}:
						default:
						}
					}
				}
			}
		})
	}
	// join joins the room and then leaves the client to a reader goroutine
	// at once, so that it answers pings while the others connect.
	join := func(i int, c *WS) error {
		if err := c.Send(joinFrame); err != nil {
			return err
		}
		if err := c.SkipTo(joinAckPrefix); err != nil {
			return err
		}
		startReader(c)
		return nil
	}
	defer func() {
		readerWin.phase.Store(2)
		closeAll(all)
		readers.Wait()
	}()
	for _, size := range sizes {
		if size <= len(all) {
			continue
		}
		t0 := time.Now()
		more, err := e.connectMany(ctx, len(all), size-len(all), 64, join)
		if err != nil {
			return out, err
		}
		all = append(all, more...)
		e.Logf("  room of %d ready in %.1fs", size, time.Since(t0).Seconds())
		roomSize.Store(int64(size))
		base := delivered.Load()
		var w window
		var sent atomic.Int64
		sender := all[0]
		var sw sync.WaitGroup
		sw.Go(func() {
			n := int64(size)
			for !w.stopped() {
				for sent.Load()-(delivered.Load()-base)/n >= int64(inflight) {
					select {
					case <-notify:
					case <-time.After(50 * time.Millisecond):
					}
					if w.stopped() {
						return
					}
				}
				if err := sender.Send(bcastFrame); err != nil {
					fail.set(&w, err)
					return
				}
				sent.Add(1)
			}
		})
		st, err := e.measure(&w, &delivered, nil)
		sw.Wait()
		if err != nil {
			return out, err
		}
		// Let the broadcasts in flight arrive before the room grows.
		deadline := time.Now().Add(5 * time.Second)
		for delivered.Load()-base < sent.Load()*int64(size) && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		if err := fail.get(); err != nil {
			return out, err
		}
		if st.ops == 0 {
			return out, errors.New("no broadcast delivered")
		}
		// Across servers, every client must get every broadcast: a room
		// half of which is never reached would still count deliveries.
		if got, want := delivered.Load()-base, sent.Load()*int64(size); e.Dialer2 != nil && got < want {
			return out, fmt.Errorf("%d deliveries of %d broadcasts to a room of %d, want %d", got, sent.Load(), size, want)
		}
		out = append(out, st.samples(key+"."+strconv.Itoa(size))...)
	}
	return out, nil
}

// Idle is S4: websocket clients connected to "/" that only answer pings.
// Server RSS is read before any client and after each size is reached (the
// clients of the smaller size stay), after settle.
func (e *Env) Idle(ctx context.Context, sizes []int, settle time.Duration) ([]Sample, error) {
	var out []Sample
	var all []*WS
	var readers sync.WaitGroup
	var w window
	var fail errOnce
	defer func() {
		w.phase.Store(2)
		closeAll(all)
		readers.Wait()
	}()
	time.Sleep(settle / 4)
	base, err := sysstat.RSS(e.PID)
	if err != nil {
		return nil, err
	}
	out = append(out, Sample{"S4.baseMB", float64(base) / (1 << 20)})
	for _, size := range sizes {
		if size <= len(all) {
			continue
		}
		t0 := time.Now()
		// Each client gets its reader at once, to answer pings while the
		// others connect.
		more, err := e.connectMany(ctx, len(all), size-len(all), 64, func(_ int, c *WS) error {
			readers.Go(func() {
				for {
					if _, _, err := c.Next(); err != nil {
						fail.set(&w, err)
						return
					}
				}
			})
			return nil
		})
		if err != nil {
			return out, err
		}
		e.Logf("  %d idle clients connected in %.1fs", size, time.Since(t0).Seconds())
		all = append(all, more...)
		time.Sleep(settle)
		if err := fail.get(); err != nil {
			return out, err
		}
		rss, err := sysstat.RSS(e.PID)
		if err != nil {
			return out, err
		}
		out = append(out, Sample{"S4." + strconv.Itoa(size) + ".kb", float64(rss-base) / 1024 / float64(size)})
	}
	return out, nil
}

// ConnRate is S5: conc clients in a closed loop open a connection, connect
// the namespace and drop the connection. mode "ws" opens a websocket
// directly; "poll" does the handshake and connect over long-polling and then
// upgrades to websocket, as a browser does.
func (e *Env) ConnRate(ctx context.Context, mode string, conc int) ([]Sample, error) {
	var w window
	var ops atomic.Int64
	var fail errOnce
	var wg sync.WaitGroup
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for range conc {
		wg.Go(func() {
			for !w.stopped() {
				var c *WS
				var err error
				if mode == "poll" {
					c, err = e.Dialer.ConnectUpgrade(ctx, -1)
				} else {
					c, err = e.Dialer.Connect(ctx, -1)
				}
				if err != nil {
					fail.set(&w, err)
					return
				}
				c.Close()
				ops.Add(1)
			}
		})
	}
	st, err := e.measure(&w, &ops, nil)
	cancel()
	wg.Wait()
	if err != nil {
		return nil, err
	}
	if err := fail.get(); err != nil {
		return nil, err
	}
	if st.ops == 0 {
		return nil, errors.New("no connection completed")
	}
	return st.samples("S5." + mode), nil
}

// PollEcho is S6: n long-polling clients in a closed loop: a GET waits while
// a POST sends "echo"; the round trip ends when the echo arrives on the GET.
func (e *Env) PollEcho(ctx context.Context, n int) ([]Sample, error) {
	clients := make([]*Poll, n)
	for i := range clients {
		p, err := e.Dialer.ConnectPoll(ctx, i)
		if err != nil {
			for _, c := range clients[:i] {
				c.Close()
			}
			return nil, fmt.Errorf("polling client %d: %w", i, err)
		}
		clients[i] = p
	}
	defer func() {
		for _, c := range clients {
			c.Close()
		}
	}()
	var w window
	var ops atomic.Int64
	var fail errOnce
	lat := make([][]int64, n)
	base := time.Now()
	var wg sync.WaitGroup
	for i, c := range clients {
		post := PostRequest(e.Dialer.Addr, c.SID, echoFrame)
		wg.Go(func() {
			l := make([]int64, 0, 1024)
			defer func() { lat[i] = l }()
			for !w.stopped() {
				t0 := time.Since(base)
				if err := c.RoundTrip(post, echoPrefix); err != nil {
					fail.set(&w, err)
					return
				}
				ops.Add(1)
				if w.measuring() {
					l = append(l, int64(time.Since(base)-t0))
				}
			}
		})
	}
	st, err := e.measure(&w, &ops, nil)
	for _, c := range clients {
		c.Close()
	}
	wg.Wait()
	if err != nil {
		return nil, err
	}
	if err := fail.get(); err != nil {
		return nil, err
	}
	if st.ops == 0 {
		return nil, errors.New("no round trip completed")
	}
	return append(st.samples("S6"), latencies("S6", lat)...), nil
}

// Binary is S7: n clients in a closed loop emit "echo" with one 64 KiB
// attachment and wait for it to come back. Reports attachment MB/s (one
// direction: each round trip counts 64 KiB once).
func (e *Env) Binary(ctx context.Context, n int) ([]Sample, error) {
	clients, err := e.connectMany(ctx, 0, n, 16, nil)
	if err != nil {
		return nil, err
	}
	defer closeAll(clients)
	payload := make([]byte, BinarySize)
	for i := range payload {
		payload[i] = byte(i * 7)
	}
	var w window
	var ops, nbytes atomic.Int64
	var fail errOnce
	var wg sync.WaitGroup
	for _, c := range clients {
		wg.Go(func() {
			for !w.stopped() {
				if err := c.Send(binHeader); err != nil {
					fail.set(&w, err)
					return
				}
				if err := c.SendBinary(payload); err != nil {
					fail.set(&w, err)
					return
				}
				if err := c.SkipTo(binPrefix); err != nil {
					fail.set(&w, err)
					return
				}
				typ, m, err := c.Next()
				if err != nil {
					fail.set(&w, err)
					return
				}
				if typ != websocket.MessageBinary || len(m) != BinarySize {
					fail.set(&w, fmt.Errorf("want a %d-byte binary attachment, got %v of %d bytes", BinarySize, typ, len(m)))
					return
				}
				nbytes.Add(int64(len(m)))
				ops.Add(1)
			}
		})
	}
	st, err := e.measure(&w, &ops, &nbytes)
	closeAll(clients)
	wg.Wait()
	if err != nil {
		return nil, err
	}
	if err := fail.get(); err != nil {
		return nil, err
	}
	if st.ops == 0 {
		return nil, errors.New("no round trip completed")
	}
	mb := float64(st.bytes) / 1e6
	perCPU := 0.0
	if st.serverCPU > 0 {
		perCPU = mb / st.serverCPU.Seconds()
	}
	return []Sample{
		{"S7.mbps", mb / st.elapsed.Seconds()},
		{"S7.perCPU", perCPU},
		{"S7.srvCPU", 100 * st.serverCPU.Seconds() / st.elapsed.Seconds()},
		{"S7.genCPU", 100 * st.genCPU.Seconds() / st.elapsed.Seconds()},
		{"S7.core0", st.coreBusy[0]},
		{"S7.core1", st.coreBusy[1]},
		{"S7.other", st.other},
	}, nil
}
