package metrics

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/gosio/gosio/internal/nodetest"
	"github.com/gosio/gosio/sio/engineio"
	"github.com/gosio/gosio/sio/socketio"
)

// waitFor bounds every wait for something that must happen; nothing here
// measures performance.
const waitFor = 20 * time.Second

// env is a server with metrics, mounted with its /metrics handler.
type env struct {
	t   *testing.T
	srv *socketio.SocketIOServer
	ts  *httptest.Server
}

func newEnv(t *testing.T, opts *socketio.ServerOptions) *env {
	t.Helper()
	srv := socketio.NewServer(opts)
	m, err := New(srv, nil)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/socket.io/", srv)
	mux.Handle("/metrics", m.Handler())
	e := &env{t: t, srv: srv, ts: httptest.NewServer(mux)}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		e.ts.Close()
	})
	return e
}

// scrape GETs /metrics and returns every sample by its series, as
// `name{label="value",...}` with the labels in the exposition's order.
func (e *env) scrape() map[string]float64 {
	e.t.Helper()
	resp, err := e.ts.Client().Get(e.ts.URL + "/metrics")
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		e.t.Fatalf("/metrics answered %d: %s", resp.StatusCode, b)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			e.t.Fatalf("sample %q: %v", line, err)
		}
		out[line[:i]] = v
	}
	return out
}

// eventually scrapes until every wanted series has its value.
func (e *env) eventually(want map[string]float64) map[string]float64 {
	e.t.Helper()
	deadline := time.Now().Add(waitFor)
	for {
		got := e.scrape()
		var wrong []string
		for k, v := range want {
			if got[k] != v {
				wrong = append(wrong, fmt.Sprintf("%s = %v, want %v", k, got[k], v))
			}
		}
		if len(wrong) == 0 {
			return got
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("metrics not as expected:\n%s", strings.Join(wrong, "\n"))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func atLeast(t *testing.T, got map[string]float64, series string, min float64) {
	t.Helper()
	if got[series] < min {
		t.Errorf("%s = %v, want at least %v", series, got[series], min)
	}
}

// Real socket.io-client connections, from long-polling upgraded to
// websocket, with events both ways, acknowledgements and broadcasts:
// the scraped values follow them.
func TestMetricsFollowRealTraffic(t *testing.T) {
	rt := nodetest.Find(t, "socket.io-client")
	e := newEnv(t, nil)
	const n = 3
	hellos := make(chan string, n+1)
	onConn := func(s *socketio.NamespaceSocket) {
		s.On("hello", func(ev *socketio.Event) {
			var text string
			_ = ev.Decode(&text)
			hellos <- text
		})
	}
	e.srv.OnConnection(onConn)
	e.srv.Of("/chat").OnConnection(onConn)
	p := rt.Start(t, "metrics/testdata/traffic.mjs", nodetest.Options{Args: []string{e.ts.URL, strconv.Itoa(n)}})
	if ev := p.Until("ready"); ev.Int("n") != n+1 {
		t.Fatalf("ready: %v", ev)
	}
	for range n + 1 {
		select {
		case <-hellos:
		case <-time.After(waitFor):
			t.Fatal("hello not received")
		}
	}

	// Two broadcasts on "/", one with acknowledgements; none on /chat.
	if err := e.srv.Emit("news", "today"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	answers, err := e.srv.EmitWithAck(ctx, "q")
	if err != nil || len(answers) != n {
		t.Fatalf("EmitWithAck: %d answers, %v", len(answers), err)
	}
	if _, err := e.srv.FetchSockets(ctx); err != nil {
		t.Fatal(err)
	}

	got := e.eventually(map[string]float64{
		`engineio_clients{transport="websocket"}`:                          n + 1,
		`engineio_clients{transport="polling"}`:                            0,
		`engineio_connections_total`:                                       n + 1,
		`engineio_upgrades_total`:                                          n + 1,
		`socketio_sockets{namespace="/"}`:                                  n,
		`socketio_sockets{namespace="/chat"}`:                              1,
		`socketio_connections_total{namespace="/"}`:                        n,
		`socketio_connections_total{namespace="/chat"}`:                    1,
		`socketio_broadcasts_total{namespace="/"}`:                         2,
		`socketio_broadcast_recipients_total{namespace="/"}`:               2 * n,
		`socketio_ack_round_trip_seconds_count{namespace="/"}`:             n,
		`socketio_adapter_requests_total{namespace="/",op="fetchSockets"}`: 1,
		`socketio_adapter_requests_total{namespace="/",op="serverCount"}`:  1,
		`engineio_queue_full_closes_total`:                                 0,
	})
	// Per connection at least: the CONNECT and the hello in; the CONNECT
	// reply, the news and the question out (/chat's: CONNECT and reply).
	atLeast(t, got, `engineio_packets_received_total{type="message"}`, 2*(n+1)+n)
	atLeast(t, got, `engineio_packets_sent_total{type="message"}`, (n+1)+2*n)
	atLeast(t, got, `engineio_received_bytes_total{type="message"}`, 100*(n+1))
	atLeast(t, got, `engineio_sent_bytes_total{type="message"}`, float64(len(`2["news","today"]`)*n))
	atLeast(t, got, `engineio_packets_received_total{type="pong"}`, 0)
	if got[`socketio_ack_round_trip_seconds_sum{namespace="/"}`] <= 0 {
		t.Errorf("ack round trips sum to %v", got[`socketio_ack_round_trip_seconds_sum{namespace="/"}`])
	}

	// One socket leaves its namespace, then every connection closes.
	p.Send(map[string]string{"cmd": "leave"})
	p.Until("left")
	e.eventually(map[string]float64{
		`socketio_sockets{namespace="/"}`: n - 1,
		`socketio_disconnections_total{namespace="/",reason="client namespace disconnect"}`: 1,
	})
	p.Send(map[string]string{"cmd": "close"})
	p.Until("closed")
	e.eventually(map[string]float64{
		`engineio_clients{transport="websocket"}`:                                   0,
		`engineio_clients{transport="polling"}`:                                     0,
		`engineio_disconnections_total{reason="transport close"}`:                   n + 1,
		`socketio_sockets{namespace="/"}`:                                           0,
		`socketio_sockets{namespace="/chat"}`:                                       0,
		`socketio_disconnections_total{namespace="/",reason="transport close"}`:     n - 1,
		`socketio_disconnections_total{namespace="/chat",reason="transport close"}`: 1,
	})
}

// A long-polling client that never GETs has its queue fill up: it is
// closed, and counted as closed for not reading.
func TestMetricsCountQueueFullCloses(t *testing.T) {
	e := newEnv(t, &socketio.ServerOptions{Engine: &engineio.Options{MaxQueuedBytes: 32 << 10}})
	socks := make(chan *socketio.NamespaceSocket, 1)
	e.srv.OnConnection(func(s *socketio.NamespaceSocket) { socks <- s })
	body := e.get(e.ts.URL + "/socket.io/?EIO=4&transport=polling")
	_, sid, _ := strings.Cut(body, `"sid":"`)
	sid, _, _ = strings.Cut(sid, `"`)
	resp, err := e.ts.Client().Post(e.ts.URL+"/socket.io/?EIO=4&transport=polling&sid="+sid, "text/plain", strings.NewReader("40"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var s *socketio.NamespaceSocket
	select {
	case s = <-socks:
	case <-time.After(waitFor):
		t.Fatalf("no connection (handshake %q)", body)
	}
	big := strings.Repeat("y", 16<<10)
	for range 8 { // 128 KiB that the client never GETs
		_ = s.Emit("big", big)
	}
	e.eventually(map[string]float64{
		`engineio_queue_full_closes_total`:                        1,
		`engineio_disconnections_total{reason="transport error"}`: 1,
		`engineio_clients{transport="polling"}`:                   0,
		`socketio_sockets{namespace="/"}`:                         0,
	})
}

func (e *env) get(u string) string {
	e.t.Helper()
	resp, err := e.ts.Client().Get(u)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// Counting a packet costs no allocation.
func TestMetricsCountPacketsWithoutAllocating(t *testing.T) {
	m := newEngineMetrics()
	s := &session{m: m, transport: engineio.TransportWebSocket}
	p := engineio.Packet{Type: engineio.PacketMessage, Data: []byte("2[\"x\"]")}
	if a := testing.AllocsPerRun(1000, func() { s.packetIn(p); s.packetOut(p) }); a != 0 {
		t.Fatalf("%v allocations per packet", a)
	}
	sm := newSIOMetrics([]float64{1})
	srv := socketio.NewServer(nil)
	nsp := srv.Of("/")
	sm.Broadcast(nsp, 1) // resolves the namespace's children
	if a := testing.AllocsPerRun(1000, func() { sm.Broadcast(nsp, 3); sm.AckRoundTrip(nsp, time.Millisecond) }); a != 0 {
		t.Fatalf("%v allocations per broadcast and ack", a)
	}
}

func TestNewTwiceOnOneRegistererFails(t *testing.T) {
	srv := socketio.NewServer(nil)
	reg := prometheus.NewRegistry()
	if _, err := New(srv, &Options{Registerer: reg}); err != nil {
		t.Fatal(err)
	}
	if _, err := New(socketio.NewServer(nil), &Options{Registerer: reg}); err == nil {
		t.Fatal("a second New on the same registerer did not fail")
	}
}

// BenchmarkCountPacket is the cost of counting one packet in and one out.
func BenchmarkCountPacket(b *testing.B) {
	s := &session{m: newEngineMetrics(), transport: engineio.TransportWebSocket}
	p := engineio.Packet{Type: engineio.PacketMessage, Data: []byte("2[\"x\"]")}
	b.ReportAllocs()
	for b.Loop() {
		s.packetIn(p)
		s.packetOut(p)
	}
}
