package engineio_test

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gosio/gosio/sio/engineio"
)

// recorder collects what listeners report, from any goroutine.
type recorder struct {
	mu  sync.Mutex
	got []string
}

func (r *recorder) add(s string) {
	r.mu.Lock()
	r.got = append(r.got, s)
	r.mu.Unlock()
}

func (r *recorder) list() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.got...)
}

func (r *recorder) has(s string) bool {
	for _, g := range r.list() {
		if g == s {
			return true
		}
	}
	return false
}

func TestSessionListenersSeveralPerEvent(t *testing.T) {
	t.Parallel()
	var rec recorder
	var removeSecond func()
	s := newTestServerWith(t, &engineio.Options{PingInterval: 50 * time.Millisecond, PingTimeout: 5 * time.Second},
		serverConfig{onOpen: func(sock *engineio.EngineIOSocket) {
			sock.OnMessage(func(data []byte, _ bool) { rec.add("msg1:" + string(data)) })
			removeSecond = sock.OnMessage(func(data []byte, _ bool) { rec.add("msg2:" + string(data)) })
			sock.OnPacket(func(p engineio.Packet) { rec.add("in:" + string(engineio.AppendText(p, nil))) })
			sock.OnPacketCreate(func(p engineio.Packet) { rec.add("out:" + string(engineio.AppendText(p, nil))) })
			sock.OnClose(func(r engineio.CloseReason, _ error) { rec.add("close1:" + string(r)) })
			sock.OnClose(func(r engineio.CloseReason, _ error) { rec.add("close2:" + string(r)) })
			assert.NotPanics(t, func() { sock.OnMessage(nil)() }, "a nil listener is ignored")
		}})
	var conns recorder
	s.srv.OnConnection(func(sock *engineio.EngineIOSocket) { conns.add("a:" + sock.ID()) })
	rmB := s.srv.OnConnection(func(sock *engineio.EngineIOSocket) { conns.add("b:" + sock.ID()) })

	w, open := s.wsOpen()
	// The listeners run once the open packet is on its way, as Node emits
	// "connection" after sending it: the client may see the packet first.
	eventually(t, "both connection listeners", func() bool { return len(conns.list()) == 2 })
	assert.Equal(t, []string{"a:" + open.SID, "b:" + open.SID}, conns.list(), "every connection listener, in order")
	w.send("4hello")
	require.Equal(t, "4hello", w.nextNonPing().String()) // the test application's echo
	// The echo can reach the client before the listeners after it run:
	// wait for the last of them.
	eventually(t, "both message listeners", func() bool { return rec.has("msg2:hello") })
	var noPings []string
	for _, g := range rec.list() {
		if g != "out:2" && g != "in:3" {
			noPings = append(noPings, g)
		}
	}
	// The packet comes before the message listeners, which run in order:
	// the test application's echo (added first, its packetCreate), then ours.
	assert.Equal(t, []string{"in:4hello", "out:4hello", "msg1:hello", "msg2:hello"}, noPings[:4])

	// The server's ping is created, the client's pong is a packet.
	eventually(t, "a ping", func() bool { return rec.has("out:2") })
	w.send("3")
	eventually(t, "ping and pong seen", func() bool { return rec.has("out:2") && rec.has("in:3") })

	removeSecond()
	removeSecond() // idempotent
	w.send("4again")
	require.Equal(t, "4again", w.nextNonPing().String())
	eventually(t, "message after the removal", func() bool { return rec.has("msg1:again") })
	assert.False(t, rec.has("msg2:again"), "a removed listener is not called")

	rmB()
	_, open2 := s.wsOpen()
	eventually(t, "the remaining connection listener", func() bool { return slices.Contains(conns.list(), "a:"+open2.SID) })
	assert.NotContains(t, conns.list(), "b:"+open2.SID)

	w.send("1")
	s.expectReason(open.SID, engineio.ReasonTransportClose)
	eventually(t, "both close listeners", func() bool {
		return rec.has("close1:transport close") && rec.has("close2:transport close")
	})
	assert.True(t, rec.has("in:1"), "the close packet is a packet too")
}

func TestHeaderListeners(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, &engineio.Options{Cookie: &engineio.CookieOptions{Name: "io"}})
	var initialCookie string
	s.srv.OnInitialHeaders(func(h http.Header, r *http.Request) {
		initialCookie = h.Get("Set-Cookie")
		h.Set("X-Initial", r.URL.Query().Get("transport"))
	})
	s.srv.OnHeaders(func(h http.Header, r *http.Request) {
		h.Set("X-Every", r.Method+"|"+h.Get("X-Initial"))
	})
	rm := s.srv.OnHeaders(func(h http.Header, _ *http.Request) { h.Set("X-Removed", "1") })
	rm()

	hs := s.do(http.MethodGet, s.url("EIO", "4", "transport", "polling"), nil, nil)
	require.Equal(t, http.StatusOK, hs.status)
	assert.Equal(t, "polling", hs.header.Get("X-Initial"))
	assert.Equal(t, "GET|polling", hs.header.Get("X-Every"), "headers run after initial_headers")
	assert.Empty(t, hs.header.Get("X-Removed"))
	assert.True(t, strings.HasPrefix(initialCookie, "io="), "the cookie is set before the listeners: %q", initialCookie)
	sid := parseOpen(t, hs.body).SID

	post := s.eioPush(sid, "4x")
	assert.Equal(t, "ok", post.body)
	assert.Equal(t, "POST|", post.header.Get("X-Every"))
	assert.Empty(t, post.header.Get("X-Initial"), "initial_headers only on the handshake")
	get := s.eioPoll(sid)
	assert.Equal(t, "4x", get.body)
	assert.Equal(t, "GET|", get.header.Get("X-Every"))

	bad := s.eioPush("nope", "4x")
	assert.Empty(t, bad.header.Get("X-Every"), "error answers get no headers event")

	w, resp, err := s.wsDial(wsDialConfig{}, "EIO", "4", "transport", "websocket")
	require.NoError(t, err)
	defer w.closeNow()
	assert.Equal(t, "websocket", resp.Header.Get("X-Initial"), "the websocket handshake's 101 has them")
	assert.Equal(t, "GET|websocket", resp.Header.Get("X-Every"))

	sid2 := s.eioSession()
	u, resp, err := s.wsDial(wsDialConfig{}, "EIO", "4", "transport", "websocket", "sid", sid2)
	require.NoError(t, err)
	defer u.closeNow()
	assert.Empty(t, resp.Header.Get("X-Initial"), "an upgrade is not a handshake")
	assert.Equal(t, "GET|", resp.Header.Get("X-Every"))
}

func TestConnectionErrorListeners(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, &engineio.Options{AllowRequest: func(r *http.Request) error {
		if r.URL.Query().Get("deny") != "" {
			return errors.New("not you")
		}
		return nil
	}})
	var mu sync.Mutex
	var got []*engineio.ConnectionError
	s.srv.OnConnectionError(func(e *engineio.ConnectionError) {
		mu.Lock()
		got = append(got, e)
		mu.Unlock()
	})
	var second int
	s.srv.OnConnectionError(func(*engineio.ConnectionError) { second++ })
	sid := s.eioSession()
	w := s.wsUpgrade(sid)
	defer w.closeNow()
	eventually(t, "the upgrade", func() bool { return s.sock(sid).sock.Transport() == engineio.TransportWebSocket })

	for _, c := range []struct {
		name    string
		method  string
		kv      []string
		code    engineio.ErrorCode
		message string
		context map[string]any
	}{
		{"unknown transport", "GET", []string{"EIO", "4", "transport", "carrier-pigeon"}, 0, "Transport unknown",
			map[string]any{"transport": "carrier-pigeon"}},
		{"unknown sid", "GET", []string{"EIO", "4", "transport", "polling", "sid", "nope"}, 1, "Session ID unknown",
			map[string]any{"sid": "nope"}},
		{"handshake method", "PUT", []string{"EIO", "4", "transport", "polling"}, 2, "Bad handshake method",
			map[string]any{"method": "PUT"}},
		{"websocket without upgrade", "GET", []string{"EIO", "4", "transport", "websocket"}, 3, "Bad request",
			map[string]any{"name": "TRANSPORT_HANDSHAKE_ERROR"}},
		{"polling on an upgraded session", "GET", []string{"EIO", "4", "transport", "polling", "sid", sid}, 3, "Bad request",
			map[string]any{"name": "TRANSPORT_MISMATCH", "transport": "polling", "previousTransport": "websocket"}},
		{"forbidden", "GET", []string{"EIO", "4", "transport", "polling", "deny", "1"}, 4, "Forbidden",
			map[string]any{"message": "not you"}},
		{"protocol", "GET", []string{"EIO", "3", "transport", "polling"}, 5, "Unsupported protocol version",
			map[string]any{"protocol": "3"}},
	} {
		mu.Lock()
		got = nil
		mu.Unlock()
		r := s.do(c.method, s.url(c.kv...), nil, nil)
		assert.GreaterOrEqual(t, r.status, 400, c.name)
		mu.Lock()
		if assert.Len(t, got, 1, c.name) {
			e := got[0]
			assert.Equal(t, c.code, e.Code, c.name)
			assert.Equal(t, c.message, e.Message, c.name)
			assert.Equal(t, c.context, e.Context, c.name)
			assert.Equal(t, c.method, e.Request.Method, c.name)
		}
		mu.Unlock()
	}
	assert.Equal(t, 7, second, "every listener is told")
}

func TestUpgradeListeners(t *testing.T) {
	t.Parallel()
	var rec recorder
	var sock *engineio.EngineIOSocket
	s := newTestServerWith(t, nil, serverConfig{onOpen: func(k *engineio.EngineIOSocket) {
		sock = k
		k.OnUpgrading(func(tr string) { rec.add("upgrading:" + tr + ":" + k.Transport()) })
		k.OnUpgrade(func(tr string) { rec.add("upgrade:" + tr + ":" + k.Transport()) })
		k.OnUpgrade(func(tr string) { rec.add("upgrade2:" + tr) })
	}})
	sid := s.eioSession()
	w := s.wsProbe(sid)
	defer w.closeNow()
	eventually(t, "upgrading", func() bool { return rec.has("upgrading:websocket:polling") })
	assert.Len(t, rec.list(), 1, "no upgrade before the upgrade packet")
	w.send("5")
	eventually(t, "upgrade", func() bool { return rec.has("upgrade2:websocket") })
	assert.Equal(t, []string{"upgrading:websocket:polling", "upgrade:websocket:websocket", "upgrade2:websocket"}, rec.list())
	assert.Equal(t, engineio.TransportWebSocket, sock.Transport())
}
