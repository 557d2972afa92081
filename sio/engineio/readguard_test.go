package engineio_test

import (
	"bufio"
	"context"
	"encoding/binary"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/gosio/gosio/sio/engineio"
)

// rawWS is a websocket client written by hand over TCP, to send frame
// headers no library would send.
type rawWS struct {
	t    *testing.T
	c    net.Conn
	br   *bufio.Reader
	open string // the open packet
}

func (s *testServer) rawWSOpen() *rawWS {
	s.t.Helper()
	c, err := net.Dial("tcp", s.ts.Listener.Addr().String())
	if err != nil {
		s.t.Fatal(err)
	}
	s.t.Cleanup(func() { _ = c.Close() })
	u := strings.TrimPrefix(s.url("EIO", "4", "transport", "websocket"), s.ts.URL)
	_, err = c.Write([]byte("GET " + u + " HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"))
	if err != nil {
		s.t.Fatal(err)
	}
	w := &rawWS{t: s.t, c: c, br: bufio.NewReader(c)}
	_ = c.SetReadDeadline(time.Now().Add(waitTimeout))
	for {
		line, err := w.br.ReadString('\n')
		if err != nil {
			s.t.Fatalf("handshake answer: %v", err)
		}
		if line == "\r\n" {
			break
		}
	}
	op, data := w.frame()
	if op != 1 || !strings.HasPrefix(string(data), "0{") {
		s.t.Fatalf("open packet: opcode %d %q", op, data)
	}
	w.open = string(data)
	return w
}

// frame reads one (unmasked, server) frame.
func (w *rawWS) frame() (byte, []byte) {
	w.t.Helper()
	var h [2]byte
	if _, err := w.br.Read(h[:1]); err != nil {
		w.t.Fatalf("frame: %v", err)
	}
	if _, err := w.br.Read(h[1:]); err != nil {
		w.t.Fatalf("frame: %v", err)
	}
	n := int(h[1] & 0x7f)
	switch n {
	case 126:
		var ext [2]byte
		if _, err := io.ReadFull(w.br, ext[:]); err != nil {
			w.t.Fatalf("frame length: %v", err)
		}
		n = int(binary.BigEndian.Uint16(ext[:]))
	case 127:
		var ext [8]byte
		if _, err := io.ReadFull(w.br, ext[:]); err != nil {
			w.t.Fatalf("frame length: %v", err)
		}
		n = int(binary.BigEndian.Uint64(ext[:]))
	}
	data := make([]byte, n)
	if _, err := io.ReadFull(w.br, data); err != nil {
		w.t.Fatalf("frame payload: %v", err)
	}
	return h[0] & 0xf, data
}

// closeCode waits for the server's close frame, skipping others, and
// returns its status code; it fails if none comes within d.
func (w *rawWS) closeCode(d time.Duration) int {
	w.t.Helper()
	_ = w.c.SetReadDeadline(time.Now().Add(d))
	for {
		op, data := w.frame()
		if op == 8 {
			if len(data) < 2 {
				return 1005
			}
			return int(binary.BigEndian.Uint16(data))
		}
	}
}

// A data frame whose header announces more than MaxPayload is refused at
// the header with 1009, as the Node.js server (ws) refuses it, rather than
// waiting for a payload that never comes until the ping timeout.
func TestWebSocketFrameHeaderOverLimitIsRefusedAtOnce(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		frames []byte
	}{
		{"2^40 bytes", []byte{0x81, 0xff, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0}},
		{"top bit set", []byte{0x82, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}},
		{"MaxPayload+1", []byte{0x82, 0xff, 0, 0, 0, 0, 0, 0x0f, 0x42, 0x41, 1, 2, 3, 4}},
		// A first fragment within the limit, then a continuation that
		// takes the message past it.
		{"fragments", append([]byte{0x01, 0x80 | 126, 0x03, 0xe8, 0, 0, 0, 0}, append(make([]byte, 1000), 0x80, 0xff, 0, 0, 0, 0, 0, 0x0f, 0x42, 0x40, 0, 0, 0, 0)...)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newTestServer(t, nil)
			w := s.rawWSOpen()
			if _, err := w.c.Write(tc.frames); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			if code := w.closeCode(5 * time.Second); code != 1009 {
				t.Fatalf("close code %d, want 1009", code)
			}
			t.Logf("closed after %v", time.Since(start))
		})
	}
	// A frame of exactly MaxPayload is not refused.
	s := newTestServer(t, &engineio.Options{MaxPayload: 1000})
	w := s.rawWSOpen()
	msg := append([]byte("4"), make([]byte, 999)...)
	for i := 1; i < len(msg); i++ {
		msg[i] = 'x'
	}
	frame := append([]byte{0x81, 0x80 | 126, 0x03, 0xe8, 0, 0, 0, 0}, msg...)
	if _, err := w.c.Write(frame); err != nil {
		t.Fatal(err)
	}
	if op, data := w.frame(); op != 1 || string(data) != string(msg) {
		t.Fatalf("echo: opcode %d, %d bytes", op, len(data))
	}
}

// A text frame that is not UTF-8 closes the sender with 1007 (RFC 6455
// 8.1, as ws does for the Node.js server) and is never delivered.
func TestWebSocketInvalidUTF8ClosesWith1007(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil)
	w, open := s.wsOpen()
	w.send("4ok")
	w.expectText("4ok")
	if err := w.write(websocket.MessageText, []byte("4bad-\xff\xfe")); err != nil {
		t.Fatal(err)
	}
	if err := w.expectEnd(); !isCloseStatus(err, websocket.StatusInvalidFramePayloadData) {
		t.Fatalf("websocket ended with %v, want 1007", err)
	}
	s.expectReason(open.SID, engineio.ReasonTransportError)
	if m := s.nextMessage(open.SID); string(m.Data) != "ok" {
		t.Fatalf("first message %q", m.Data)
	}
	select {
	case m := <-s.sock(open.SID).msgs:
		t.Fatalf("invalid message delivered: %q", m.Data)
	default:
	}
}

// A long-polling body is text: bytes that are not UTF-8 become U+FFFD, as
// the Node.js server decodes it, so that what is delivered is valid text.
func TestPollingInvalidUTF8BecomesReplacementCharacters(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil)
	sid := s.eioSession()
	s.eioPushOK(sid, "4bad-\xff\xfe\x1e4fine")
	if m := s.nextMessage(sid); string(m.Data) != "bad-\uFFFD\uFFFD" || m.Binary {
		t.Fatalf("message %q", m.Data)
	}
	if m := s.nextMessage(sid); string(m.Data) != "fine" {
		t.Fatalf("message %q", m.Data)
	}
	s.expectOpen(sid)
}

// A websocket outlives the http.Server's ReadTimeout and WriteTimeout
// (net/http clears their deadlines when the connection is hijacked), as
// the timeouts the example and routing's doc recommend rely on: the
// heartbeat bounds a websocket instead.
func TestWebSocketOutlivesServerTimeouts(t *testing.T) {
	t.Parallel()
	srv := engineio.NewServer(nil)
	mux := http.NewServeMux()
	mux.Handle("/engine.io/", srv)
	ts := httptest.NewUnstartedServer(mux)
	ts.Config.ReadTimeout = 300 * time.Millisecond
	ts.Config.WriteTimeout = 300 * time.Millisecond
	ts.Start()
	defer ts.Close()
	defer srv.Close()
	srv.OnConnection(func(sock *engineio.EngineIOSocket) {
		sock.OnMessage(func(data []byte, binary bool) { _ = sock.Send(data, binary) })
	})
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(ts.URL, "http")+"/engine.io/?EIO=4&transport=websocket", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	if _, _, err := c.Read(ctx); err != nil {
		t.Fatal(err)
	}
	time.Sleep(700 * time.Millisecond)
	if err := c.Write(ctx, websocket.MessageText, []byte("4still")); err != nil {
		t.Fatal(err)
	}
	if _, data, err := c.Read(ctx); err != nil || string(data) != "4still" {
		t.Fatalf("echo after the server's timeouts: %q %v", data, err)
	}
}
