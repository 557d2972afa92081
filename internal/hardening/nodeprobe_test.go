package hardening

import (
	"net/http/httptest"
	"os"
	"testing"
)

// TestNodeProbe runs the matrix's cases against a Node.js socket.io server,
// to check the expectations against the reference: with socket.io 4.8
// installed outside the repository,
//
//	node internal/hardening/testdata/node_server.js &   # port 39123
//	NODE_URL=http://127.0.0.1:39123 go test -run TestNodeProbe -v ./internal/hardening/
//
// Cases that need gosio's internals (sessions count, its own servers) are
// skipped. Without NODE_URL the test is skipped. On 2026-12-01 with
// socket.io 4.8.4, every runnable case passed except three where gosio is
// deliberately stricter: a POST announcing more than MaxPayload (Node 400,
// gosio 413), a 2 MB query string (Node resets the connection, gosio 431),
// and a second websocket for a websocket session (Node answers its probe,
// gosio closes it).
func TestNodeProbe(t *testing.T) {
	u := os.Getenv("NODE_URL")
	if u == "" {
		t.Skip("NODE_URL is not set")
	}
	s := &server{t: t, ts: &httptest.Server{URL: u}}
	for _, tc := range matrixCases() {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if r := recover(); r != nil {
					t.Skipf("not runnable against Node: %v", r)
				}
			}()
			tc.run(t, s)
		})
	}
}
