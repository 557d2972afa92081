package socketio

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/gosio/gosio/internal/nodetest"
	"github.com/gosio/gosio/sio/engineio"
)

// The official socket.io-client sees what the hooks do, and the hooks see
// what it does: a cookie set by an initial_headers listener comes back on
// the client's next requests (engine.io-client's cookie jar, with
// withCredentials), packetCreate sees the CONNECT reply, and the real
// long-polling to websocket upgrade fires upgrading and upgrade on the
// engine socket and OnUpgrade on the Socket.IO socket.
func TestInteropHooks(t *testing.T) {
	e := newTestEnv(t, nil)
	var log hookLog
	eng := e.srv.Engine()
	eng.OnInitialHeaders(func(h http.Header, r *http.Request) {
		h.Add("Set-Cookie", "gosio-hook=42; Path=/")
		log.add("initial:" + r.URL.Query().Get("transport"))
	})
	eng.OnHeaders(func(h http.Header, r *http.Request) {
		if r.URL.Query().Get("sid") != "" && strings.Contains(r.Header.Get("Cookie"), "gosio-hook=42") {
			log.add("cookie back:" + r.URL.Query().Get("transport"))
		}
	})
	eng.OnConnection(func(sock *engineio.EngineIOSocket) {
		sock.OnPacketCreate(func(p engineio.Packet) {
			if p.Type == engineio.PacketMessage && !p.Binary && strings.HasPrefix(string(p.Data), `0{"sid":"`) {
				log.add("packetCreate:CONNECT")
			}
		})
		sock.OnUpgrading(func(tr string) { log.add("upgrading:" + tr) })
		sock.OnUpgrade(func(tr string) { log.add("upgrade:" + tr + ":" + sock.Transport()) })
	})
	e.srv.OnConnection(func(s *NamespaceSocket) {
		s.OnUpgrade(func(tr string) { log.add("socket upgrade:" + tr + ":" + s.Transport()) })
	})

	n := newNodeClient(t, e)
	// The client connects on long-polling; the upgrade may be done by the
	// time it reports its connect.
	n.connect("a", "/", map[string]any{"withCredentials": true}, nil)
	n.take("the client's upgrade", func(ev nodetest.Event) bool {
		return ev.Name() == "upgrade" && ev.String("transport") == "websocket"
	})
	eventually(t, "the server's upgrade listeners", func() bool {
		return slices.Contains(log.list(), "socket upgrade:websocket:websocket")
	})
	got := log.list()
	for _, want := range []string{
		"initial:polling", "packetCreate:CONNECT", "cookie back:polling", "cookie back:websocket",
		"upgrading:websocket", "upgrade:websocket:websocket", "socket upgrade:websocket:websocket",
	} {
		assert.Contains(t, got, want)
	}
	assert.Less(t, slices.Index(got, "upgrading:websocket"), slices.Index(got, "upgrade:websocket:websocket"))
	assert.Equal(t, 1, countOf(got, "initial:polling"), "initial_headers once per session")
}

func countOf(list []string, s string) int {
	n := 0
	for _, v := range list {
		if v == s {
			n++
		}
	}
	return n
}
