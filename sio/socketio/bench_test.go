package socketio

// Benchmarks of the library's own cost (Engine.IO + Socket.IO server side)
// over real loopback websockets. The clients are a minimal websocket
// implementation that reuses its buffers and pre-encodes its frames, so
// that allocs/op counts the server's allocations, not a client library's.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gosio/gosio/sio/engineio"
)

// leanWS is a websocket client with no per-message allocation.
type leanWS struct {
	conn net.Conn
	r    *bufio.Reader
	buf  []byte
	hdr  [14]byte
	out  []byte
}

func dialLean(tb testing.TB, addr string) *leanWS {
	tb.Helper()
	return dialLeanBuffered(tb, addr, func(conn net.Conn) *leanWS {
		return &leanWS{conn: conn, r: bufio.NewReaderSize(conn, 64<<10), buf: make([]byte, 0, 64<<10)}
	})
}

// dialLeanBuffered opens a websocket session with a client made by mk
// around the TCP connection, and reads the Engine.IO open packet.
func dialLeanBuffered(tb testing.TB, addr string, mk func(net.Conn) *leanWS) *leanWS {
	tb.Helper()
	conn, err := net.DialTimeout("tcp", addr, waitFor)
	if err != nil {
		tb.Fatal(err)
	}
	req := "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: " + addr +
		"\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
	if _, err := io.WriteString(conn, req); err != nil {
		tb.Fatal(err)
	}
	w := mk(conn)
	for {
		line, err := w.r.ReadString('\n')
		if err != nil {
			tb.Fatalf("upgrade: %v", err)
		}
		if strings.HasPrefix(line, "HTTP/1.1 ") && !strings.HasPrefix(line, "HTTP/1.1 101") {
			tb.Fatalf("upgrade answered %q", line)
		}
		if line == "\r\n" {
			break
		}
	}
	if open := w.readText(tb); len(open) == 0 || open[0] != '0' {
		tb.Fatalf("open packet %q", open)
	}
	return w
}

// frame returns a masked (with a zero key) text frame of payload.
func leanFrame(payload string) []byte {
	var f []byte
	f = append(f, 0x81)
	switch n := len(payload); {
	case n < 126:
		f = append(f, 0x80|byte(n))
	case n < 1<<16:
		f = append(f, 0x80|126, byte(n>>8), byte(n))
	default:
		f = append(f, 0x80|127)
		f = binary.BigEndian.AppendUint64(f, uint64(n))
	}
	f = append(f, 0, 0, 0, 0)
	return append(f, payload...)
}

func (w *leanWS) write(tb testing.TB, frame []byte) {
	if _, err := w.conn.Write(frame); err != nil {
		tb.Error(err)
	}
}

// readText returns the next text message's payload (valid until the next
// read), answering Engine.IO pings; binary messages are skipped.
func (w *leanWS) readText(tb testing.TB) []byte {
	for {
		if _, err := io.ReadFull(w.r, w.hdr[:2]); err != nil {
			return nil
		}
		op := w.hdr[0] & 0x0f
		n := int(w.hdr[1] & 0x7f)
		switch n {
		case 126:
			if _, err := io.ReadFull(w.r, w.hdr[2:4]); err != nil {
				return nil
			}
			n = int(binary.BigEndian.Uint16(w.hdr[2:4]))
		case 127:
			if _, err := io.ReadFull(w.r, w.hdr[2:10]); err != nil {
				return nil
			}
			n = int(binary.BigEndian.Uint64(w.hdr[2:10]))
		}
		if cap(w.buf) < n {
			w.buf = make([]byte, n)
		}
		w.buf = w.buf[:n]
		if _, err := io.ReadFull(w.r, w.buf); err != nil {
			return nil
		}
		switch op {
		case 1:
			if n == 1 && w.buf[0] == '2' {
				w.write(tb, leanPong)
				continue
			}
			return w.buf
		case 8:
			return nil
		}
	}
}

var leanPong = leanFrame("3")

func (w *leanWS) close() { _ = w.conn.Close() }

// newBenchEnv starts a server for a benchmark, with a heartbeat slow
// enough not to show, and returns it with its address and its stop.
func newBenchEnv(b *testing.B) (*SocketIOServer, string, func()) {
	b.Helper()
	srv := NewServer(&ServerOptions{Engine: &engineio.Options{PingInterval: time.Hour, PingTimeout: time.Hour}})
	mux := http.NewServeMux()
	mux.Handle("/socket.io/", srv)
	ts := httptest.NewServer(mux)
	return srv, ts.Listener.Addr().String(), func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		ts.Close()
	}
}

func BenchmarkEmitEcho(b *testing.B) {
	srv, addr, stop := newBenchEnv(b)
	defer stop()
	srv.OnConnection(func(s *NamespaceSocket) {
		s.On("echo", func(e *Event) {
			var msg string
			_ = e.Decode(&msg)
			_ = s.Emit("echo", msg)
		})
	})
	c := dialLean(b, addr)
	defer c.close()
	c.write(b, leanFrame("40"))
	if r := c.readText(b); !bytes.HasPrefix(r, []byte(`40{"sid":`)) {
		b.Fatalf("CONNECT answered %q", r)
	}
	req := leanFrame(`42["echo","hello world"]`)
	want := []byte(`42["echo","hello world"]`)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		c.write(b, req)
		if r := c.readText(b); !bytes.Equal(r, want) {
			b.Fatalf("echo answered %q", r)
		}
	}
}

func BenchmarkBroadcast1000(b *testing.B) {
	const n = 1000
	srv, addr, stop := newBenchEnv(b)
	defer stop()
	var connected sync.WaitGroup
	connected.Add(n)
	srv.OnConnection(func(*NamespaceSocket) { connected.Done() })
	var got sync.WaitGroup
	clients := make([]*leanWS, n)
	var readers sync.WaitGroup
	for i := range clients {
		c := dialLean(b, addr)
		clients[i] = c
		c.write(b, leanFrame("40"))
		if r := c.readText(b); !bytes.HasPrefix(r, []byte(`40{"sid":`)) {
			b.Fatalf("CONNECT answered %q", r)
		}
		readers.Add(1)
		go func() {
			defer readers.Done()
			for {
				r := c.readText(b)
				if r == nil {
					return
				}
				if bytes.HasPrefix(r, []byte(`42["tick"`)) {
					got.Done()
				}
			}
		}()
	}
	connected.Wait()
	payload := map[string]any{"price": 101.25, "symbol": "GOSIO", "seq": 1}
	b.ReportAllocs()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	b.ResetTimer()
	ops := 0
	for b.Loop() {
		got.Add(n)
		if err := srv.Emit("tick", payload); err != nil {
			b.Fatal(err)
		}
		got.Wait()
		ops++
	}
	b.StopTimer()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(ops*n), "ns/delivery")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(ops*n), "allocs/delivery")
	for _, c := range clients {
		c.close()
	}
	readers.Wait()
}

// BenchmarkEchoRaw is one S1 round trip of bench/servers/gosio: the
// handler emits the event's raw arguments back.
func BenchmarkEchoRaw(b *testing.B) {
	benchRoundTrip(b, `42["echo","hello world"]`, `42["echo","hello world"]`, func(s *NamespaceSocket) {
		s.On("echo", func(e *Event) { _ = s.Emit("echo", e.RawArgs()...) })
	})
}

// BenchmarkEchoAckRaw is one S2 round trip of bench/servers/gosio: the
// handler acknowledges with the event's raw arguments.
func BenchmarkEchoAckRaw(b *testing.B) {
	benchRoundTrip(b, `427["echo-ack","hello world"]`, `437["hello world"]`, func(s *NamespaceSocket) {
		s.On("echo-ack", func(e *Event) { e.Ack(e.RawArgs()...) })
	})
}

// benchRoundTrip measures one request frame answered by one reply frame,
// one client, one request outstanding.
func benchRoundTrip(b *testing.B, request, reply string, onConn func(*NamespaceSocket)) {
	srv, addr, stop := newBenchEnv(b)
	defer stop()
	srv.OnConnection(onConn)
	c := dialLean(b, addr)
	defer c.close()
	c.write(b, leanFrame("40"))
	if r := c.readText(b); !bytes.HasPrefix(r, []byte(`40{"sid":`)) {
		b.Fatalf("CONNECT answered %q", r)
	}
	req := leanFrame(request)
	want := []byte(reply)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		c.write(b, req)
		if r := c.readText(b); !bytes.Equal(r, want) {
			b.Fatalf("answered %q, want %q", r, want)
		}
	}
}
