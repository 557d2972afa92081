package engineio_test

// Engine.IO protocol v3 on the wire (Options.AllowEIO3), as
// engine.io-client 3.x speaks it.

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/gosio/gosio/sio/engineio"
)

func (s *testServer) v3URL(kv ...string) string {
	return s.url(append([]string{"EIO", "3", "transport", "polling"}, kv...)...)
}

// v3Handshake opens a v3 long-polling session, checking the length prefix
// of the open packet's record, and returns the session id.
func (s *testServer) v3Handshake(kv ...string) string {
	s.t.Helper()
	r := s.do(http.MethodGet, s.v3URL(kv...), nil, nil)
	if r.status != http.StatusOK {
		s.t.Fatalf("v3 handshake: %d %q", r.status, r.body)
	}
	n, rec, ok := strings.Cut(r.body, ":")
	if !ok || strconv.Itoa(len(rec)) != n {
		s.t.Fatalf("v3 handshake payload %q: no <length>:<packet> record", r.body)
	}
	return parseOpen(s.t, rec).SID
}

func TestEIO3RefusedByDefault(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil)
	// As the Node.js server: anything but EIO=4 is v3, refused unless
	// allowEIO3.
	for _, eio := range []string{"3", "2", ""} {
		expectError(t, s.do(http.MethodGet, s.url("EIO", eio, "transport", "polling"), nil, nil), 400, 5, "Unsupported protocol version")
		_, resp, err := s.wsDial(wsDialConfig{}, "EIO", eio, "transport", "websocket")
		if err == nil || resp == nil || resp.StatusCode != 400 {
			t.Fatalf("EIO=%q websocket: %v", eio, err)
		}
	}
	if s.srv.ClientsCount() != 0 {
		t.Fatal("a session was opened")
	}
}

func TestEIO3PollingSession(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, &engineio.Options{AllowEIO3: true})
	sid := s.v3Handshake("b64", "1")
	a := s.sock(sid)
	if a.sock.Protocol() != 3 {
		t.Fatalf("Protocol() = %d", a.sock.Protocol())
	}
	// Text, with UTF-16 lengths, and base64 binary, in one POST; the echo
	// comes back in one GET, in the same format.
	s.do(http.MethodPost, s.url("EIO", "3", "transport", "polling", "sid", sid), strings.NewReader("4:4€😀10:b4AQIDBA=="), nil)
	if m := s.nextMessage(sid); string(m.Data) != "€😀" || m.Binary {
		t.Fatalf("first message %+v", m)
	}
	if m := s.nextMessage(sid); !bytes.Equal(m.Data, []byte{1, 2, 3, 4}) || !m.Binary {
		t.Fatalf("second message %+v", m)
	}
	r := s.do(http.MethodGet, s.url("EIO", "3", "transport", "polling", "sid", sid), nil, nil)
	if r.body != "4:4€😀10:b4AQIDBA==" || !strings.HasPrefix(r.header.Get("Content-Type"), "text/plain") {
		t.Fatalf("poll %q (%s)", r.body, r.header.Get("Content-Type"))
	}
	// The client pings, the server answers (a pong its OnPacketCreate
	// listeners see, as Node's "packetCreate").
	created := make(chan engineio.PacketType, 8)
	a.sock.OnPacketCreate(func(p engineio.Packet) { created <- p.Type })
	s.do(http.MethodPost, s.url("EIO", "3", "transport", "polling", "sid", sid), strings.NewReader("1:2"), nil)
	if r := s.do(http.MethodGet, s.url("EIO", "3", "transport", "polling", "sid", sid), nil, nil); r.body != "1:3" {
		t.Fatalf("pong %q", r.body)
	}
	if typ := <-created; typ != engineio.PacketPong {
		t.Fatalf("packetCreate saw %v", typ)
	}
	// A pong from the client is the wrong direction.
	s.do(http.MethodPost, s.url("EIO", "3", "transport", "polling", "sid", sid), strings.NewReader("1:3"), nil)
	if ev := s.waitClose(sid); ev.reason != engineio.ReasonTransportError {
		t.Fatalf("closed with %q", ev.reason)
	}
}

// A client with XHR2 (no b64) gets binary packets in the binary payload
// format, and may POST in it.
func TestEIO3BinaryPayload(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, &engineio.Options{AllowEIO3: true})
	sid := s.v3Handshake()
	u := s.url("EIO", "3", "transport", "polling", "sid", sid)
	body := []byte{0, 2, 0xff, '4', 'a', 1, 4, 0xff, 4, 9, 8, 7}
	r := s.do(http.MethodPost, u, bytes.NewReader(body), http.Header{"Content-Type": {"application/octet-stream"}})
	if r.status != 200 || r.body != "ok" {
		t.Fatalf("binary POST: %d %q", r.status, r.body)
	}
	s.nextMessage(sid)
	s.nextMessage(sid)
	r = s.do(http.MethodGet, u, nil, nil)
	if r.header.Get("Content-Type") != "application/octet-stream" || r.body != string(body) {
		t.Fatalf("poll %v (%s), want %v", []byte(r.body), r.header.Get("Content-Type"), body)
	}
}

func TestEIO3BadPayloads(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, &engineio.Options{AllowEIO3: true})
	for _, bad := range []string{"4hello", "x:4", "99:4a", "2:4", "3:b9x", "00000000000000000000000000001:4"} {
		sid := s.v3Handshake()
		r := s.do(http.MethodPost, s.url("EIO", "3", "transport", "polling", "sid", sid), strings.NewReader(bad), nil)
		if r.status != 400 {
			t.Errorf("%q: status %d", bad, r.status)
		}
		if ev := s.waitClose(sid); ev.reason != engineio.ReasonParseError {
			t.Errorf("%q: closed with %q", bad, ev.reason)
		}
	}
	sid := s.v3Handshake()
	r := s.do(http.MethodPost, s.url("EIO", "3", "transport", "polling", "sid", sid), bytes.NewReader([]byte{0, 9, 9, 0xff, '4'}), http.Header{"Content-Type": {"application/octet-stream"}})
	if r.status != 400 {
		t.Fatalf("short binary record: status %d", r.status)
	}
	// JSONP polling is not served.
	expectError(t, s.do(http.MethodGet, s.v3URL("j", "0"), nil, nil), 400, 0, "Transport unknown")
}

// No ping within PingInterval+PingTimeout closes a v3 session.
func TestEIO3PingTimeout(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, &engineio.Options{AllowEIO3: true, PingInterval: 20 * time.Millisecond, PingTimeout: 30 * time.Millisecond})
	sid := s.v3Handshake()
	if ev := s.waitClose(sid); ev.reason != engineio.ReasonPingTimeout {
		t.Fatalf("closed with %q", ev.reason)
	}
}

func TestEIO3WebSocket(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, &engineio.Options{AllowEIO3: true})
	w, _, err := s.wsDial(wsDialConfig{}, "EIO", "3", "transport", "websocket")
	if err != nil {
		t.Fatal(err)
	}
	parseOpen(t, w.nextText())
	// Binary frames carry the packet type first.
	w.sendBinary([]byte{4, 1, 2, 3})
	if m := w.next(); m.typ != websocket.MessageBinary || !bytes.Equal(m.data, []byte{4, 1, 2, 3}) {
		t.Fatalf("echo %v", m)
	}
	w.send("b4AQID") // base64 in a text frame, v3's way
	if m := w.next(); m.typ != websocket.MessageBinary || !bytes.Equal(m.data, []byte{4, 1, 2, 3}) {
		t.Fatalf("echo %v", m)
	}
	w.send("2")
	w.expectText("3")
	w.send("4hi")
	w.expectText("4hi")
	// A binary frame with no type byte does not decode.
	w.sendBinary(nil)
	_ = w.expectEnd()
}

// A client that asked for base64 (b64) gets binary as "b4" text frames.
func TestEIO3WebSocketBase64(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, &engineio.Options{AllowEIO3: true})
	w, _, err := s.wsDial(wsDialConfig{}, "EIO", "3", "transport", "websocket", "b64", "1")
	if err != nil {
		t.Fatal(err)
	}
	parseOpen(t, w.nextText())
	w.send("b4AQID")
	w.expectText("b4AQID")
}

// The upgrade of a v3 session: probe, the pending poll answered with a
// noop record, upgrade packet, then v3 frames on the websocket. The
// polling client took no binary (b64, as engine.io-client 3.x under
// Node.js, which has no XHR2); its websocket does, and gets binary frames,
// as from the Node.js server, which decides per transport.
func TestEIO3Upgrade(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, &engineio.Options{AllowEIO3: true})
	sid := s.v3Handshake("b64", "1")
	u := s.url("EIO", "3", "transport", "polling", "sid", sid)
	poll := s.requestAsync(t.Context(), http.MethodGet, u)
	s.waitPoll(sid)
	w, _, err := s.wsDial(wsDialConfig{}, "EIO", "3", "transport", "websocket", "sid", sid)
	if err != nil {
		t.Fatal(err)
	}
	w.send("2probe")
	w.expectText("3probe")
	if r := poll.wait(t); r.body != "1:6" {
		t.Fatalf("pending poll answered %q", r.body)
	}
	w.send("5")
	eventually(t, "upgrade", func() bool { return s.sock(sid).sock.Transport() == engineio.TransportWebSocket })
	if err := s.sock(sid).sock.Send([]byte{5, 6}, true); err != nil {
		t.Fatal(err)
	}
	if m := w.next(); m.typ != websocket.MessageBinary || !bytes.Equal(m.data, []byte{4, 5, 6}) {
		t.Fatalf("frame %v", m)
	}
}
