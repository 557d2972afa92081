package hardening

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gosio/gosio/sio/engineio"
	"github.com/gosio/gosio/sio/socketio"
)

// TestChurnSoak keeps a fixed number of clients connected while each one
// comes and goes: websocket, polling-then-upgrade and polling-only clients
// that join a room, emit with acks and broadcast to their room, then leave
// by a clean close, a TCP close or an RST. A canary echoes all along. At
// the end, once the recovery window and the ping timeout have passed: the
// sessions and goroutines are back to the baseline, the heap after GC is
// within 2x the baseline, and the canary never failed.
//
// go test runs it for about 20 s with 1,000 connections. GOSIO_SOAK=5m runs
// it for that long with 8,000 (GOSIO_SOAK_CONNS overrides). Client and
// server share the process: it needs about 2.7 file descriptors per
// connection (websocket 2, long-polling 4), so raise ulimit -n above 22,000
// for 8,000 (where the hard limit is 20,000, use GOSIO_SOAK_CONNS=7000). A
// table is printed every 10 s.
func TestChurnSoak(t *testing.T) {
	duration, conns := 20*time.Second, 1000
	if v := os.Getenv("GOSIO_SOAK"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatalf("GOSIO_SOAK=%q: %v", v, err)
		}
		duration, conns = d, 8000
	}
	if v := os.Getenv("GOSIO_SOAK_CONNS"); v != "" {
		conns, _ = strconv.Atoi(v)
	}
	// window is the recovery window, and the ping interval plus timeout
	// after which the server notices a client that vanished (shorter than
	// Node's defaults, so that the end comes sooner; long enough for a
	// loaded machine)
	window := 12 * time.Second
	if os.Getenv("GOSIO_SOAK") != "" {
		window = 30 * time.Second // Node's 25 s + 20 s is longer still; thousands of clients on shared cores need the slack
	}
	s := newServer(t, &socketio.ServerOptions{
		Engine:                  &engineio.Options{PingInterval: window / 3, PingTimeout: window * 2 / 3},
		ConnectionStateRecovery: &socketio.RecoveryOptions{MaxDisconnectionDuration: window / 2},
	})
	canary := s.dialWS(t, true)
	if err := canary.echo(); err != nil {
		t.Fatal(err)
	}

	var st soakStats
	// warm-up: half the clients for a few seconds, so that one-time
	// caches, pools and grown maps are in the baseline
	var warm sync.WaitGroup
	for w := range max(conns/2, 9) {
		warm.Go(func() { st.run(s, w%3, leaveClean, 2*time.Second) }) // clean: no ping timeout to wait for
	}
	warm.Wait()
	time.Sleep(window/2 + time.Second) // the recovery window: the departed sessions expire
	if !waitUntil(func() bool { return s.sessions() == 1 }) {
		t.Fatalf("%d sessions after the warm-up", s.sessions())
	}
	baseHeap := heapAfterGC()
	baseG := runtime.NumGoroutine()

	ctx, cancel := context.WithTimeout(context.Background(), duration)
	defer cancel()
	var canaryFails atomic.Int64
	var wg sync.WaitGroup
	wg.Go(func() {
		for ctx.Err() == nil {
			if err := canary.echo(); err != nil {
				canaryFails.Add(1)
				t.Errorf("canary: %v", err)
				return
			}
			time.Sleep(200 * time.Millisecond)
		}
	})
	for w := range conns {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), 10))
			time.Sleep(time.Duration(rng.IntN(2000)) * time.Millisecond) // ramp up
			for ctx.Err() == nil {
				if !st.run(s, rng.IntN(3), rng.IntN(3), time.Duration(500+rng.IntN(2500))*time.Millisecond) {
					time.Sleep(time.Duration(200+rng.IntN(800)) * time.Millisecond) // back off, as clients do
				}
			}
		})
	}
	fmt.Printf("%8s %10s %10s %9s %9s %6s %9s %9s %9s %7s\n", "elapsed", "goroutines", "heap MB", "RSS MB", "fds", "sess", "opened", "closed", "emits", "errors")
	start := time.Now()
	printRow := func() {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		fmt.Printf("%8s %10d %10.1f %9.1f %9d %6d %9d %9d %9d %7d\n", time.Since(start).Round(time.Second),
			runtime.NumGoroutine(), float64(ms.HeapAlloc)/(1<<20), rssMB(), openFDs(), s.sessions(),
			st.opened.Load(), st.closed.Load(), st.emits.Load(), st.errors.Load())
	}
	tick := time.NewTicker(10 * time.Second)
	func() {
		defer tick.Stop()
		for {
			select {
			case <-tick.C:
				printRow()
			case <-ctx.Done():
				return
			}
		}
	}()
	wg.Wait()
	printRow()

	// the recovery window and the ping timeout pass
	time.Sleep(window + time.Second)
	if !waitUntil(func() bool { return s.sessions() == 1 }) {
		t.Errorf("%d sessions at the end, want the canary's 1", s.sessions())
	}
	if err := canary.echo(); err != nil {
		t.Errorf("canary at the end: %v", err)
	}
	noKeepAlive.CloseIdleConnections()
	settleGoroutines(t, baseG)
	heap := heapAfterGC()
	printRow()
	if f := os.Getenv("GOSIO_SOAK_HEAPPROFILE"); f != "" {
		if out, err := os.Create(f); err == nil {
			_ = pprof.WriteHeapProfile(out)
			out.Close()
		}
	}
	fmt.Printf("baseline: %d goroutines, heap %.1f MB; end: heap %.1f MB\n", baseG, float64(baseHeap)/(1<<20), float64(heap)/(1<<20))
	if heap > 2*baseHeap {
		t.Errorf("heap %d bytes after GC, baseline %d: more than 2x", heap, baseHeap)
	}
	if canaryFails.Load() > 0 {
		t.Error("the canary failed")
	}
	st.errorKinds.Range(func(k, v any) bool {
		fmt.Printf("client errors: %6d  %s\n", v.(*atomic.Int64).Load(), k)
		return true
	})
	opened, errs := st.opened.Load(), st.errors.Load()
	// Client errors are timeouts of a loaded machine (a handshake not
	// answered in 15 s, a pong late past PingTimeout), counted and shown;
	// the server's health is judged by the canary and the end state. Most
	// lives failing would mean a broken server.
	if opened == 0 || errs > opened {
		t.Errorf("%d client errors for %d connections", errs, opened)
	}
}

// soakStats are the soak's counters.
type soakStats struct {
	opened, closed, emits, errors atomic.Int64
	errorKinds                    sync.Map // "kind N: message" -> *atomic.Int64
}

// Client kinds and ways to leave.
const (
	kindWebSocket = iota
	kindUpgrade
	kindPolling
)

const (
	leaveClean = iota
	leaveTCP
	leaveRST
)

// run is one client's life: connect, join a room, emit and broadcast for
// about life, then leave by mode. It reports whether all went well.
func (st *soakStats) run(s *server, kind, mode int, life time.Duration) bool {
	var err error
	if kind == kindPolling {
		err = st.runPolling(s, mode, life)
	} else {
		err = st.runWS(s, kind == kindUpgrade, mode, life)
	}
	if err != nil {
		st.errors.Add(1)
		msg := err.Error()
		if i := strings.IndexAny(msg, ":\""); i > 0 {
			msg = msg[:i]
		}
		key := fmt.Sprintf("kind %d: %s", kind, msg)
		n, _ := st.errorKinds.LoadOrStore(key, new(atomic.Int64))
		if n.(*atomic.Int64).Add(1) == 1 {
			fmt.Printf("client error (kind %d, leave %d): %v\n", kind, mode, err)
		}
	}
	return err == nil
}

// trackingClient is an HTTP client whose connections can be ended by TCP
// close or RST.
type trackingClient struct {
	*http.Client
	mu    sync.Mutex
	conns []*net.TCPConn
}

func newTrackingClient() *trackingClient {
	c := &trackingClient{}
	d := &net.Dialer{Timeout: waitFor}
	c.Client = &http.Client{Timeout: waitFor, Transport: &http.Transport{
		MaxConnsPerHost: 2,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			conn, err := d.DialContext(ctx, network, addr)
			if err == nil {
				c.mu.Lock()
				c.conns = append(c.conns, conn.(*net.TCPConn))
				c.mu.Unlock()
			}
			return conn, err
		},
	}}
	return c
}

// end closes every connection, with an RST when rst.
func (c *trackingClient) end(rst bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, conn := range c.conns {
		if rst {
			_ = conn.SetLinger(0)
		}
		_ = conn.Close()
	}
	c.Client.Transport.(*http.Transport).CloseIdleConnections()
}

func (c *trackingClient) req(method, u, body string) (string, error) {
	var r io.Reader
	if method == "POST" {
		r = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, u, r)
	resp, err := c.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		return string(b), fmt.Errorf("%s: %d %s", method, resp.StatusCode, b)
	}
	return string(b), err
}

// pollSession is a polling client's GET loop: it answers pings and counts
// acks until stop.
type pollSession struct {
	c     *trackingClient
	u     string
	acks  chan struct{}
	stop  atomic.Bool
	ended chan struct{}
}

func (p *pollSession) loop() {
	defer close(p.ended)
	for !p.stop.Load() {
		body, err := p.c.req("GET", p.u, "")
		if err != nil {
			return
		}
		for _, rec := range strings.Split(body, "\x1e") {
			switch {
			case rec == "2":
				if _, err := p.c.req("POST", p.u, "3"); err != nil {
					return
				}
			case rec == "1":
				return
			case strings.HasPrefix(rec, "43"):
				select {
				case p.acks <- struct{}{}:
				default:
				}
			}
		}
	}
}

func (st *soakStats) runPolling(s *server, mode int, life time.Duration) error {
	c := newTrackingClient()
	defer c.end(mode == leaveRST)
	body, err := c.req("GET", s.url("transport", "polling"), "")
	if err != nil || !strings.HasPrefix(body, "0{") {
		return fmt.Errorf("handshake: %q %v", body, err)
	}
	var open struct{ SID string }
	_ = json.Unmarshal([]byte(body[1:]), &open)
	u := s.url("transport", "polling", "sid", open.SID)
	if _, err := c.req("POST", u, "40"); err != nil {
		return err
	}
	st.opened.Add(1)
	defer st.closed.Add(1)
	p := &pollSession{c: c, u: u, acks: make(chan struct{}, 16), ended: make(chan struct{})}
	go p.loop()
	defer func() {
		p.stop.Store(true)
		if mode == leaveClean {
			_, _ = c.req("POST", u, "1")
		} else {
			c.end(mode == leaveRST)
		}
		<-p.ended
	}()
	room := "room-" + strconv.Itoa(rand.IntN(10))
	if _, err := c.req("POST", u, `42["join","`+room+`"]`); err != nil {
		return err
	}
	deadline := time.Now().Add(life)
	for i := 1; time.Now().Before(deadline); i++ {
		if _, err := c.req("POST", u, fmt.Sprintf(`42%d["echo",%d]`+"\x1e"+`42["bcast","%s","from-polling"]`, i, i, room)); err != nil {
			return err
		}
		st.emits.Add(2)
		select {
		case <-p.acks:
		case <-p.ended:
			return errors.New("polling session ended")
		case <-time.After(waitFor):
			return errors.New("no ack over polling")
		}
		time.Sleep(300 * time.Millisecond)
	}
	return nil
}

// pollUntilConnect polls until the CONNECT reply, answering pings.
func pollUntilConnect(c *trackingClient, u string) error {
	deadline := time.Now().Add(waitFor)
	for time.Now().Before(deadline) {
		body, err := c.req("GET", u, "")
		if err != nil {
			return err
		}
		for _, rec := range strings.Split(body, "\x1e") {
			switch {
			case rec == "2":
				if _, err := c.req("POST", u, "3"); err != nil {
					return err
				}
			case strings.HasPrefix(rec, "40{"):
				return nil
			case rec == "1":
				return errors.New("closed before the CONNECT reply")
			}
		}
	}
	return errors.New("no CONNECT reply in time")
}

// soakWS is a raw websocket client with a reader that answers pings and
// signals acks.
type soakWS struct {
	*rawWS
	wmu    sync.Mutex // serialises writes: the reader writes pongs
	acks   chan struct{}
	ended  chan struct{}
	endErr error // why the reader ended; set before ended closes
}

func (w *soakWS) send(s string) error {
	w.wmu.Lock()
	defer w.wmu.Unlock()
	return w.write(text(s))
}

// readUntil reads text frames, answering pings, until one with the prefix;
// it is for before loop runs.
func (w *soakWS) readUntil(prefix string) ([]byte, error) {
	deadline := time.Now().Add(waitFor)
	for {
		op, p, err := w.readFrame(time.Until(deadline))
		switch {
		case err != nil:
			return p, err
		case op == 8:
			return p, errors.New("closed")
		case op == 1 && string(p) == "2":
			_ = w.write(text("3"))
		case op == 1 && bytes.HasPrefix(p, []byte(prefix)):
			return p, nil
		}
	}
}

func (w *soakWS) loop() {
	defer close(w.ended)
	for {
		op, p, err := w.readFrame(time.Minute)
		if err != nil {
			w.endErr = err
			return
		}
		if op == 8 {
			w.endErr = fmt.Errorf("close frame %x", p)
			return
		}
		switch {
		case op == 1 && string(p) == "2":
			_ = w.send("3")
		case op == 1 && bytes.HasPrefix(p, []byte("43")):
			select {
			case w.acks <- struct{}{}:
			default:
			}
		}
	}
}

// dialSoakWS does the websocket handshake, by hand, for kv's query.
func dialSoakWS(s *server, kv ...string) (*soakWS, error) {
	u, _ := url.Parse(s.wsURL(kv...))
	conn, err := net.DialTimeout("tcp", u.Host, waitFor)
	if err != nil {
		return nil, err
	}
	_ = conn.SetDeadline(time.Now().Add(waitFor))
	fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", u.RequestURI(), u.Host)
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != http.StatusSwitchingProtocols {
		conn.Close()
		return nil, fmt.Errorf("upgrade: %v %v", resp, err)
	}
	_ = conn.SetDeadline(time.Time{})
	return &soakWS{rawWS: &rawWS{conn: conn, br: br}, acks: make(chan struct{}, 16), ended: make(chan struct{})}, nil
}

func (st *soakStats) runWS(s *server, upgrade bool, mode int, life time.Duration) error {
	var w *soakWS
	var err error
	var poll *trackingClient
	if upgrade {
		poll = newTrackingClient()
		defer poll.end(false)
		body, err := poll.req("GET", s.url("transport", "polling"), "")
		if err != nil || !strings.HasPrefix(body, "0{") {
			return fmt.Errorf("handshake: %q %v", body, err)
		}
		var open struct{ SID string }
		_ = json.Unmarshal([]byte(body[1:]), &open)
		pu := s.url("transport", "polling", "sid", open.SID)
		if _, err := poll.req("POST", pu, "40"); err != nil {
			return err
		}
		if err := pollUntilConnect(poll, pu); err != nil {
			return err
		}
		if w, err = dialSoakWS(s, "sid", open.SID); err != nil {
			return err
		}
		if err := w.write(text("2probe")); err != nil {
			w.conn.Close()
			return err
		}
		if _, p, err := w.readFrame(waitFor); err != nil || string(p) != "3probe" {
			w.conn.Close()
			return fmt.Errorf("probe: %q %v", p, err)
		}
		// a GET would now get a noop; none is waiting, so upgrade at once
		if err := w.write(text("5")); err != nil {
			w.conn.Close()
			return err
		}
		poll.end(false) // long-polling is over: its connections go

	} else {
		if w, err = dialSoakWS(s); err != nil {
			return err
		}
		if _, p, err := w.readFrame(waitFor); err != nil || !bytes.HasPrefix(p, []byte("0{")) {
			w.conn.Close()
			return fmt.Errorf("open: %q %v", p, err)
		}
		if err := w.write(text("40")); err != nil {
			w.conn.Close()
			return err
		}
		if p, err := w.readUntil("40{"); err != nil {
			w.conn.Close()
			return fmt.Errorf("CONNECT reply: %q %v", p, err)
		}
	}
	st.opened.Add(1)
	defer st.closed.Add(1)
	go w.loop()
	defer func() {
		switch mode {
		case leaveClean:
			_ = w.send("41")
			w.wmu.Lock()
			_ = w.write(frame(true, 0, 8, true, closePayload(1000, "")))
			w.wmu.Unlock()
			select {
			case <-w.ended:
			case <-time.After(waitFor):
			}
		case leaveRST:
			_ = w.conn.(*net.TCPConn).SetLinger(0)
		}
		_ = w.conn.Close()
		<-w.ended
	}()
	room := "room-" + strconv.Itoa(rand.IntN(10))
	if err := w.send(`42["join","` + room + `"]`); err != nil {
		return err
	}
	deadline := time.Now().Add(life)
	for i := 1; time.Now().Before(deadline); i++ {
		if err := w.send(fmt.Sprintf(`42%d["echo",%d]`, i, i)); err != nil {
			return err
		}
		if err := w.send(`42["bcast","` + room + `","from-ws"]`); err != nil {
			return err
		}
		st.emits.Add(2)
		select {
		case <-w.acks:
		case <-w.ended:
			return fmt.Errorf("websocket ended: %v", w.endErr)
		case <-time.After(waitFor):
			return errors.New("no ack over websocket")
		}
		time.Sleep(300 * time.Millisecond)
	}
	return nil
}

// rssMB is the resident set size of the process (Linux), in MB.
func rssMB() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	return -1
}

// openFDs counts the process's open file descriptors (Linux).
func openFDs() int {
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return -1
	}
	return len(entries)
}
