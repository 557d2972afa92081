package hardening

import (
	"bytes"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// FuzzReadPaths sends any bytes through the server's read paths, over a
// real HTTP server: as raw bytes after a websocket handshake (frames of
// any shape), as one masked text or binary websocket message, as text
// messages split on 0x1e, and as a long-polling POST body. Whatever the
// input: no panic, the client's connection ends or stays usable, the
// canary keeps echoing, the sessions and goroutines return to the baseline.
func FuzzReadPaths(f *testing.F) {
	for _, seed := range []string{
		"", "40", `42["echo","x"]`, "4" + `2["echo",{"_placeholder":true,"num":0}]`, "451-[\"echo\",{\"_placeholder\":true,\"num\":0}]\x1e\x01",
		"2probe", "5", "1", "6\x1e6", "bAQID", "\x81\x82\x00\x00\x00\x0042", "\x88\x82\x00\x00\x00\x00\x03\xe7",
		"\x81\xff\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00", "\x01\x80\x00\x00\x00\x00\x80\x80\x00\x00\x00\x00",
		"42[\"bcast\",\"r\",\"\xff\xfe\"]", "40/dyn-1,\x1e41/dyn-1,", `40{"pid":"x","offset":"y"}`,
	} {
		for mode := range byte(5) {
			f.Add(mode, []byte(seed))
		}
	}
	s := newServer(f, nil)
	canary := s.dialWS(f, true)
	var once sync.Once
	var base int
	f.Fuzz(func(t *testing.T, mode byte, data []byte) {
		once.Do(func() {
			time.Sleep(20 * time.Millisecond)
			base = runtime.NumGoroutine()
		})
		switch mode % 5 {
		case 0: // raw bytes after the handshake and CONNECT
			w := rawConnected(t, s)
			_ = w.write(data)
			readBriefly(w)
			_ = w.conn.Close()
		case 1: // one masked text message
			w := rawConnected(t, s)
			_ = w.write(frame(true, 0, 1, true, data))
			readBriefly(w)
			_ = w.conn.Close()
		case 2: // one masked binary message
			w := rawConnected(t, s)
			_ = w.write(text(`451-["echo",{"_placeholder":true,"num":0}]`), frame(true, 0, 2, true, data))
			readBriefly(w)
			_ = w.conn.Close()
		case 3: // text messages split on 0x1e
			w := rawConnected(t, s)
			for _, m := range bytes.Split(data, []byte{0x1e}) {
				_ = w.write(frame(true, 0, 1, true, m))
			}
			readBriefly(w)
			_ = w.conn.Close()
		case 4: // a long-polling POST body
			sid := s.pollConnect(t)
			_, _ = s.do("POST", s.url("transport", "polling", "sid", sid), bytes.NewReader(data), nil)
			s.pollClose(sid)
		}
		if err := canary.echo(); err != nil {
			t.Fatalf("canary: %v", err)
		}
		if !waitUntil(func() bool { return s.sessions() == 1 }) {
			t.Fatalf("%d sessions after the input, want the canary's 1", s.sessions())
		}
		settleGoroutines(t, base)
		if n := s.panics.Swap(0); n > 0 {
			t.Fatalf("%d handler panic(s)", n)
		}
	})
}

// readBriefly reads what the server answers for a moment (so that a reply
// it writes does not block on a full socket), or until it closes.
func readBriefly(w *rawWS) {
	deadline := time.Now().Add(30 * time.Millisecond)
	for time.Now().Before(deadline) {
		op, p, err := w.readFrame(time.Until(deadline))
		if err != nil || op == 8 {
			return
		}
		if op == 1 && strings.HasPrefix(string(p), "2") && len(p) == 1 {
			_ = w.write(text("3"))
		}
	}
}
