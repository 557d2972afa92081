package engineio_test

import (
	"bufio"
	"context"
	"net"
	"net/http"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gosio/gosio/sio/engineio"
)

// stalledPost sends a POST announcing 1,000,000 bytes on session sid, sends
// 900,000 of them and stalls. The returned channel gets the status line of
// the answer (or the read error's text) once the server answers.
func (s *testServer) stalledPost(sid string) (net.Conn, <-chan string) {
	s.t.Helper()
	c, err := net.Dial("tcp", s.ts.Listener.Addr().String())
	if err != nil {
		s.t.Fatal(err)
	}
	s.t.Cleanup(func() { _ = c.Close() })
	u := strings.TrimPrefix(s.pollURL(sid), s.ts.URL)
	head := "POST " + u + " HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain;charset=UTF-8\r\nContent-Length: 1000000\r\n\r\n4"
	if _, err := c.Write([]byte(head + strings.Repeat("x", 900_000-1))); err != nil {
		s.t.Fatal(err)
	}
	answer := make(chan string, 1)
	go func() {
		line, err := bufio.NewReader(c).ReadString('\n')
		if err != nil {
			line = err.Error()
		}
		answer <- line
	}()
	return c, answer
}

// A POST whose body stalls is aborted when its session closes, so that it
// holds no goroutine, descriptor or buffer past the session, and
// http.Server.Shutdown is not held up by it.
func TestStalledPostEndsWithItsSession(t *testing.T) {
	s := newTestServer(t, nil)
	base, baseFDs := runtime.NumGoroutine(), openFDs()
	const n = 20
	var answers []<-chan string
	var sids []string
	for range n {
		sid := s.eioSession()
		_, a := s.stalledPost(sid)
		answers = append(answers, a)
		sids = append(sids, sid)
	}
	time.Sleep(100 * time.Millisecond) // the bodies are being read
	for _, sid := range sids {
		s.sock(sid).sock.Close()
	}
	for i, a := range answers {
		select {
		case line := <-a:
			t.Logf("POST %d answered %q", i, strings.TrimSpace(line))
		case <-time.After(5 * time.Second):
			t.Fatalf("POST %d still read 5 s after its session closed", i)
		}
	}
	deadline := time.Now().Add(waitTimeout)
	for runtime.NumGoroutine() > base {
		s.ts.Client().CloseIdleConnections() // the handshakes' keep-alive connection
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines, %d before the POSTs", runtime.NumGoroutine(), base)
		}
		time.Sleep(10 * time.Millisecond)
	}
	// The server's ends of the connections are closed (the clients' ends,
	// held by the test, are counted in baseFDs+n at most).
	if fds := openFDs(); fds > baseFDs+n+2 {
		t.Fatalf("%d descriptors open, %d before the POSTs", fds, baseFDs)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := s.ts.Config.Shutdown(ctx); err != nil {
		t.Fatalf("http.Server.Shutdown: %v", err)
	}
}

// A body is bounded in time even while its session lives: past
// Options.BodyTimeout the POST is answered 408 and the session closed.
func TestSlowPostBodyIsBounded(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, &engineio.Options{BodyTimeout: 300 * time.Millisecond, PingInterval: time.Minute, PingTimeout: time.Minute})
	sid := s.eioSession()
	_, a := s.stalledPost(sid)
	select {
	case line := <-a:
		if !strings.Contains(line, "408") {
			t.Fatalf("answered %q, want 408", line)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("slow body still read after 5 s, BodyTimeout 300ms")
	}
	s.expectReason(sid, engineio.ReasonTransportError)
	if r := s.eioPush(sid, "4x"); r.status != http.StatusBadRequest {
		t.Fatalf("push after the timeout: %d", r.status)
	}
}

// openFDs counts the process's open descriptors (0 where /proc is absent).
func openFDs() int {
	des, _ := os.ReadDir("/proc/self/fd")
	return len(des)
}
