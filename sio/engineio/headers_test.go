package engineio_test

import (
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/gosio/gosio/sio/engineio"
)

// bigHeaders returns n headers of size bytes each.
func bigHeaders(n, size int) http.Header {
	h := http.Header{}
	for i := range n {
		h.Set("X-Big-"+strconv.Itoa(i), strings.Repeat("v", size))
	}
	return h
}

// Request lines and headers over MaxHeaderBytes (default 16 KiB, Node's
// maxHeaderSize) are refused with 431 by the engine itself, whatever the
// http.Server's MaxHeaderBytes lets through.
func TestHeadersOverLimitAre431(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil)
	_, resp, err := s.wsDial(wsDialConfig{header: bigHeaders(100, 8<<10)}, "EIO", "4", "transport", "websocket")
	if err == nil || resp == nil || resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Fatalf("websocket with 800 KB of headers: %v %v", resp, err)
	}
	r := s.do(http.MethodGet, s.url("EIO", "4", "transport", "polling"), nil, bigHeaders(3, 6<<10))
	if r.status != http.StatusRequestHeaderFieldsTooLarge {
		t.Fatalf("polling handshake with 18 KB of headers: %d", r.status)
	}
	sid := s.eioSession()
	r = s.do(http.MethodGet, s.pollURL(sid)+"&pad="+strings.Repeat("q", 17<<10), nil, nil)
	if r.status != http.StatusRequestHeaderFieldsTooLarge {
		t.Fatalf("poll with a 17 KB query: %d", r.status)
	}
	// Just under the limit is accepted.
	w, _, err := s.wsDial(wsDialConfig{header: bigHeaders(1, 14<<10)}, "EIO", "4", "transport", "websocket")
	if err != nil {
		t.Fatalf("websocket with 14 KB of headers: %v", err)
	}
	parseOpen(t, w.nextText())
	// The limit is an option.
	big := newTestServer(t, &engineio.Options{MaxHeaderBytes: 64 << 10})
	w, _, err = big.wsDial(wsDialConfig{header: bigHeaders(6, 8<<10)}, "EIO", "4", "transport", "websocket")
	if err != nil {
		t.Fatalf("websocket with 48 KB of headers, limit 64 KB: %v", err)
	}
	parseOpen(t, w.nextText())
}

// A session keeps a bounded copy of its handshake's headers: handshakes
// with 1 MB of headers each must not leave a megabyte per session.
func TestSessionsDoNotKeepLargeHeaders(t *testing.T) {
	s := newTestServer(t, nil)
	heap := func() uint64 {
		var m runtime.MemStats
		runtime.GC()
		runtime.GC()
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	const n = 20
	before := heap()
	var open []*wsClient
	for range n {
		w, _, err := s.wsDial(wsDialConfig{header: bigHeaders(120, 8<<10)}, "EIO", "4", "transport", "websocket")
		if err == nil {
			open = append(open, w)
			parseOpen(t, w.nextText())
		}
	}
	after := heap()
	per := (int64(after) - int64(before)) / n
	t.Logf("%d of %d handshakes accepted, %d bytes retained per handshake", len(open), n, per)
	if per > 64<<10 {
		t.Fatalf("%d bytes retained per handshake with 960 KB of headers", per)
	}
	runtime.KeepAlive(open)
}
