package socketio

// The heap an idle connection keeps, measured over real loopback websockets:
// N clients connect (to namespace "/", each socket registering 4 handlers)
// and the live heap after a GC is compared with the heap before. Run with
//
//	go test -run '^$' -bench IdleSocketMemory -benchtime 1x ./sio/socketio/
//
// B/conn is the whole process's heap per connection: the server's
// Engine.IO session and websocket, the Socket.IO client and socket, and
// the test's own end of the TCP connection. sio-B/conn subtracts the same
// measure taken with a bare Engine.IO server (no Socket.IO application),
// leaving what the Socket.IO layer adds (roughly: the two servers' engines
// do not keep quite the same). sio-own-B/conn is exact: the live bytes
// whose allocation site is code of this package, from the memory profile
// (at a rate of 1 while the connections are made). GOSIO_IDLE_HEAPPROFILE=file
// writes the live heap's profile while the connections are held (with
// -memprofilerate 1, every allocation is in it).

import (
	"bufio"
	"bytes"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gosio/gosio/sio/engineio"
)

// idleConns is the number of connections each measure holds: two file
// descriptors each, both ends being in this process.
const idleConns = 2000

func BenchmarkIdleSocketMemory(b *testing.B) {
	var total, bare, own float64
	for b.Loop() {
		heap, _ := idleHeapPerConn(b, false)
		bare += heap
		heap, sio := idleHeapPerConn(b, true)
		total += heap
		own += sio
	}
	n := float64(b.N)
	b.ReportMetric(total/n, "B/conn")
	b.ReportMetric((total-bare)/n, "sio-B/conn")
	b.ReportMetric(own/n, "sio-own-B/conn")
}

// idleHeapPerConn connects idleConns clients to a fresh server and returns
// the heap each keeps once they are idle, and the part of it allocated by
// this package's code. With sio the server is a SocketIOServer and each
// client joins "/"; without, a bare Engine.IO server.
func idleHeapPerConn(b *testing.B, sio bool) (heap, own float64) {
	b.Helper()
	opts := &engineio.Options{PingInterval: time.Hour, PingTimeout: time.Hour}
	var handler http.Handler
	var srv *SocketIOServer
	var eng *engineio.Server
	var ready sync.WaitGroup
	if sio {
		srv = NewServer(&ServerOptions{Engine: opts})
		srv.OnConnection(func(s *NamespaceSocket) {
			for _, ev := range []string{"a", "b", "c", "d"} {
				s.On(ev, func(*Event) {})
			}
			ready.Done()
		})
		handler = srv
	} else {
		eng = engineio.NewServer(opts)
		eng.SetEngineIOApp(engineio.ApplicationFunc(func(*engineio.EngineIOSocket) {}))
		handler = eng
	}
	mux := http.NewServeMux()
	mux.Handle("/socket.io/", handler)
	ts := httptest.NewServer(mux)
	addr := ts.Listener.Addr().String()
	connect := leanFrame("40")

	defer func(rate int) { runtime.MemProfileRate = rate }(runtime.MemProfileRate)
	runtime.MemProfileRate = 1
	before := liveHeap()
	ownBefore := heapAllocatedHere()
	conns := make([]net.Conn, idleConns)
	ready.Add(idleConns * boolInt(sio))
	for i := range conns {
		c := dialLeanSize(b, addr, 512)
		if sio {
			c.write(b, connect)
			if r := c.readText(b); !bytes.HasPrefix(r, []byte(`40{"sid":`)) {
				b.Fatalf("CONNECT answered %q", r)
			}
		}
		conns[i] = c.conn // the reader and its buffers are dropped
	}
	ready.Wait()
	if sio {
		<-srv.wg.idleCh() // the mailboxes' goroutines are done
	}
	after := liveHeap()
	ownAfter := heapAllocatedHere()
	if path := os.Getenv("GOSIO_IDLE_HEAPPROFILE"); path != "" && sio {
		writeHeapProfile(b, path)
	}
	runtime.KeepAlive(conns)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if sio {
		_ = srv.Shutdown(ctx)
	} else {
		_ = eng.Shutdown(ctx)
	}
	for _, c := range conns {
		_ = c.Close()
	}
	ts.Close()
	return float64(after-before) / idleConns, float64(ownAfter-ownBefore) / idleConns
}

// heapAllocatedHere returns the live bytes, as of the last GC, that the
// memory profile attributes to this package's non-test code: those whose
// allocation's innermost frame from a github.com module is in it.
func heapAllocatedHere() int64 {
	var recs []runtime.MemProfileRecord
	for n := 1024; ; n *= 2 {
		recs = make([]runtime.MemProfileRecord, n)
		if got, ok := runtime.MemProfile(recs, false); ok {
			recs = recs[:got]
			break
		}
	}
	var total int64
	for _, r := range recs {
		frames := runtime.CallersFrames(r.Stack())
		for {
			f, more := frames.Next()
			if strings.HasPrefix(f.Function, "github.com/") {
				if strings.HasPrefix(f.Function, "github.com/gosio/gosio/sio/socketio.") &&
					!strings.HasSuffix(f.File, "_test.go") {
					total += r.InUseBytes()
				}
				break
			}
			if !more {
				break
			}
		}
	}
	return total
}

// liveHeap returns the heap in use after a full collection.
func liveHeap() uint64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// writeHeapProfile writes the live heap's profile to path, for
// go tool pprof -sample_index=inuse_space (with -memprofilerate 1).
func writeHeapProfile(b *testing.B, path string) {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		b.Fatal(err)
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// dialLeanSize is dialLean with read buffers of size bytes.
func dialLeanSize(tb testing.TB, addr string, size int) *leanWS {
	tb.Helper()
	return dialLeanBuffered(tb, addr, func(conn net.Conn) *leanWS {
		return &leanWS{conn: conn, r: bufio.NewReaderSize(conn, size), buf: make([]byte, 0, size)}
	})
}
