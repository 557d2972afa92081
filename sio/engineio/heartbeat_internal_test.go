package engineio

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// A request that comes after the pong deadline finds the session closed
// for a ping timeout, even while the deadline's timer has not fired (here
// it never does): as with the Node.js server, whose due timers run before
// it reads a request. The official suite's "closes the session upon ping
// timeout" polls at the deadline itself.
func TestRequestAfterThePongDeadlineFindsTheSessionClosed(t *testing.T) {
	srv := NewServer(nil)
	defer srv.Close()
	reasons := make(chan CloseReason, 1)
	srv.OnConnection(func(sock *EngineIOSocket) {
		sock.OnClose(func(r CloseReason, _ error) { reasons <- r })
	})
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/engine.io/?EIO=4&transport=polling", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("handshake: %d %s", rec.Code, rec.Body)
	}
	open := parseOpenID(t, rec.Body.String())
	sess := srv.Session(open)
	if sess == nil {
		t.Fatal("no session after the handshake")
	}
	sess.mu.Lock()
	sess.hb.Stop()
	sess.awaitingPong = true
	sess.hbDeadline = time.Now().Add(-time.Millisecond)
	sess.mu.Unlock()

	rec = httptest.NewRecorder()
	served := make(chan struct{})
	go func() {
		defer close(served)
		srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/engine.io/?EIO=4&transport=polling&sid="+open, nil))
	}()
	select {
	case <-served:
	case <-time.After(5 * time.Second):
		sess.closeNow(ReasonServerShutdown, nil) // ends the poll
		<-served
		t.Fatal("the poll after the deadline was held as on an open session")
	}
	if rec.Code != http.StatusBadRequest {
		t.Fatalf("poll after the deadline: %d %q, want 400", rec.Code, rec.Body)
	}
	select {
	case r := <-reasons:
		if r != ReasonPingTimeout {
			t.Fatalf("closed with %q, want %q", r, ReasonPingTimeout)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the session was not closed")
	}
}

// parseOpenID returns the sid of a polling handshake's open packet.
func parseOpenID(t *testing.T, body string) string {
	t.Helper()
	_, rest, ok := strings.Cut(body, `"sid":"`)
	sid, _, ok2 := strings.Cut(rest, `"`)
	if !ok || !ok2 {
		t.Fatalf("no sid in %q", body)
	}
	return sid
}
