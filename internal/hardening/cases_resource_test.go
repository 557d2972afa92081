package hardening

import (
	"context"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gosio/gosio/sio/engineio"
	"github.com/gosio/gosio/sio/socketio"
)

// Cases about other clients and the server's own lifetime: CORS, a client
// that never reads, Shutdown under load.
func resourceCases() []matrixCase {
	return []matrixCase{
		{"cors/spoofed-origin-polling", func(t *testing.T, _ *server) {
			s := newServer(t, &socketio.ServerOptions{Engine: &engineio.Options{
				CORS: &engineio.CORSOptions{Origins: []string{"https://ok.example"}, Credentials: true},
			}})
			r := s.must(t, "GET", s.url("transport", "polling"), "", http.Header{"Origin": {"https://evil.example"}})
			if got := r.header.Get("Access-Control-Allow-Origin"); got != "" {
				t.Fatalf("Access-Control-Allow-Origin %q for a foreign origin", got)
			}
			ok := s.must(t, "GET", s.url("transport", "polling"), "", http.Header{"Origin": {"https://ok.example"}})
			if ok.header.Get("Access-Control-Allow-Origin") != "https://ok.example" {
				t.Fatalf("allowed origin not answered: %v", ok.header)
			}
		}},
		{"cors/spoofed-origin-preflight", func(t *testing.T, _ *server) {
			s := newServer(t, &socketio.ServerOptions{Engine: &engineio.Options{
				CORS: &engineio.CORSOptions{Origins: []string{"https://ok.example"}},
			}})
			r := s.must(t, "OPTIONS", s.url("transport", "polling"), "", http.Header{
				"Origin": {"https://evil.example"}, "Access-Control-Request-Method": {"POST"},
			})
			if got := r.header.Get("Access-Control-Allow-Origin"); got != "" {
				t.Fatalf("preflight: Access-Control-Allow-Origin %q", got)
			}
		}},
		{"cors/spoofed-origin-websocket", func(t *testing.T, _ *server) {
			s := newServer(t, &socketio.ServerOptions{Engine: &engineio.Options{
				CORS: &engineio.CORSOptions{Origins: []string{"https://ok.example"}},
			}})
			_, refused := s.dialRaw(t, []string{"Origin: https://evil.example"})
			if !strings.HasPrefix(refused, "403 ") {
				t.Fatalf("websocket from a foreign origin: %q", refused)
			}
		}},
		{"slow/never-reading-client-in-busy-room", func(t *testing.T, s *server) {
			// a client that joins a busy room and stops reading is closed
			// when its queue fills; the broadcaster and the canary go on
			slow := rawConnected(t, s)
			_ = slow.conn.(*net.TCPConn).SetReadBuffer(4096)
			_ = slow.write(text(`421["join","busy"]`))
			slow.expectText(t, `431["busy"]`)
			b := s.dialWS(t, true)
			// 2 KB broadcasts: whether the bound counts packets (4096) or
			// bytes (16 MiB), at most about 8,200 fill it
			payload := strings.Repeat("p", 2<<10)
			deadline := time.Now().Add(4 * waitFor)
			for i := 0; s.sessions() == 3 && time.Now().Before(deadline); i++ {
				_ = b.send(`42["bcast","busy","` + payload + `"]`)
				if i%500 == 499 {
					if err := b.echo(); err != nil {
						t.Fatal(err)
					}
				}
			}
			if s.sessions() != 2 {
				t.Fatalf("the client that never reads is still open (%d sessions)", s.sessions())
			}
			if err := b.echo(); err != nil {
				t.Fatal(err)
			}
		}},
		{"shutdown/500-long-polls", func(t *testing.T, _ *server) {
			s := newServer(t, nil)
			const n = 500
			sids := make([]string, n)
			for i := range sids {
				sids[i] = s.handshake(t)
			}
			var wg sync.WaitGroup
			answers := make(chan reply, n)
			for _, sid := range sids {
				wg.Go(func() {
					r, err := s.do("GET", s.url("transport", "polling", "sid", sid), nil, nil)
					if err == nil {
						answers <- r
					}
				})
			}
			if !waitUntil(func() bool { return waitingPolls(s) == n }) {
				t.Logf("%d polls waiting", waitingPolls(s))
			}
			ctx, cancel := context.WithTimeout(context.Background(), waitFor)
			defer cancel()
			if err := s.srv.Shutdown(ctx); err != nil {
				t.Fatalf("Shutdown with 500 long polls: %v", err)
			}
			wg.Wait()
			close(answers)
			got := 0
			for r := range answers {
				if r.status != 200 || (r.body != "1" && r.body != "6" && !strings.HasSuffix(r.body, "\x1e1")) {
					t.Fatalf("a poll got %d %q", r.status, r.body)
				}
				got++
			}
			if got != n {
				t.Fatalf("%d of %d polls answered", got, n)
			}
			if c := s.sessions(); c != 0 {
				t.Fatalf("%d sessions after Shutdown", c)
			}
		}},
	}
}

// waitingPolls counts the long-polling GETs the server holds: the HTTP
// connections that are active (a request being served).
func waitingPolls(s *server) int {
	return s.activeConns()
}
