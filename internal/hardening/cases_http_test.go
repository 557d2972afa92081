package hardening

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// Engine.IO over HTTP: the handshake's checks and the long-polling
// requests (engine.io server.ts verify(), transports/polling.ts).
func engineHTTPCases() []matrixCase {
	errCase := func(name string, status, code int, msg, method string, kv ...string) matrixCase {
		return matrixCase{name, func(t *testing.T, s *server) {
			body := ""
			if method == "POST" {
				body = "4x"
			}
			expectError(t, s.must(t, method, s.url(kv...), body, nil), status, code, msg)
		}}
	}
	return []matrixCase{
		errCase("eio/unknown-sid/get", 400, 1, "Session ID unknown", "GET", "transport", "polling", "sid", "AAAAAAAAAAAAAAAAAAAA"),
		errCase("eio/unknown-sid/post", 400, 1, "Session ID unknown", "POST", "transport", "polling", "sid", "nope"),
		errCase("eio/unknown-sid/5000-chars", 400, 1, "Session ID unknown", "GET", "transport", "polling", "sid", strings.Repeat("z", 5000)),
		{"eio/unknown-sid/websocket", func(t *testing.T, s *server) {
			// Node answers the message as text, gosio as the JSON error body
			_, refused := s.dialRaw(t, nil, "sid", "nope")
			if refused != `400 {"code":1,"message":"Session ID unknown"}` && refused != "400 Session ID unknown" {
				t.Fatalf("websocket with an unknown sid: %q", refused)
			}
		}},
		errCase("eio/version/3", 400, 5, "Unsupported protocol version", "GET", "EIO", "3", "transport", "polling"),
		errCase("eio/version/5", 400, 5, "Unsupported protocol version", "GET", "EIO", "5", "transport", "polling"),
		errCase("eio/version/missing", 400, 5, "Unsupported protocol version", "GET", "EIO", "-", "transport", "polling"),
		errCase("eio/version/not-a-number", 400, 5, "Unsupported protocol version", "GET", "EIO", "four", "transport", "polling"),
		errCase("eio/transport/unknown", 400, 0, "Transport unknown", "GET", "transport", "xhr-polling"),
		errCase("eio/transport/missing", 400, 0, "Transport unknown", "GET"),
		errCase("eio/transport/empty", 400, 0, "Transport unknown", "GET", "transport", ""),
		errCase("eio/handshake-method/post", 400, 2, "Bad handshake method", "POST", "transport", "polling"),
		errCase("eio/handshake-method/put", 400, 2, "Bad handshake method", "PUT", "transport", "polling"),
		{"eio/post/over-max-payload", func(t *testing.T, s *server) {
			sid := s.handshake(t)
			status := rawPOST(t, s, sid, "Content-Length: 1000001", "4"+strings.Repeat("x", 1e6))
			if !strings.HasPrefix(status, "413 ") {
				t.Fatalf("POST of 1e6+1 bytes: %q", status)
			}
		}},
		{"eio/post/over-max-payload-declared", func(t *testing.T, s *server) {
			sid := s.handshake(t)
			status := rawPOST(t, s, sid, "Content-Length: 2000000", "4x")
			if !strings.HasPrefix(status, "413 ") {
				t.Fatalf("POST announcing 2,000,000 bytes: %q", status)
			}
		}},
		{"eio/post/lying-content-length", func(t *testing.T, s *server) {
			// announces 100 bytes, sends 10 and ends its side: the body is
			// cut short, the session is closed.
			sid := s.handshake(t)
			status := rawPOST(t, s, sid, "Content-Length: 100", "4xxxxxxxxx")
			if status != "" && !strings.HasPrefix(status, "400 ") {
				t.Fatalf("truncated POST: %q", status)
			}
			expectUnknown(t, s, sid)
		}},
		{"eio/post/chunked", func(t *testing.T, s *server) {
			sid := s.handshake(t)
			status := rawPOST(t, s, sid, "Transfer-Encoding: chunked", "3\r\n4ab\r\n0\r\n\r\n")
			if !strings.HasPrefix(status, "200 ") {
				t.Fatalf("chunked POST: %q", status)
			}
		}},
		{"eio/post/chunked-over-max-payload", func(t *testing.T, s *server) {
			sid := s.handshake(t)
			chunk := strings.Repeat("x", 1<<16)
			var b strings.Builder
			b.WriteString(fmt.Sprintf("%x\r\n4%s\r\n", len(chunk)+1, chunk))
			for range 16 {
				b.WriteString(fmt.Sprintf("%x\r\n%s\r\n", len(chunk), chunk))
			}
			b.WriteString("0\r\n\r\n")
			status := rawPOST(t, s, sid, "Transfer-Encoding: chunked", b.String())
			if status != "" && !strings.HasPrefix(status, "413 ") {
				t.Fatalf("chunked POST over MaxPayload: %q", status)
			}
		}},
		{"eio/post/overlapping", func(t *testing.T, s *server) {
			sid := s.handshake(t)
			// the first POST is held open by announcing more than it sends
			conn := holdPOST(t, s, sid, 10)
			time.Sleep(50 * time.Millisecond)
			r := s.must(t, "POST", s.url("transport", "polling", "sid", sid), "4x", nil)
			if r.status != 400 {
				t.Fatalf("overlapping POST: %d %q", r.status, r.body)
			}
			conn.Close()
			expectUnknown(t, s, sid)
		}},
		{"eio/get/overlapping", func(t *testing.T, s *server) {
			sid := s.handshake(t)
			first := make(chan reply, 1)
			go func() {
				r, _ := s.do("GET", s.url("transport", "polling", "sid", sid), nil, nil)
				first <- r
			}()
			time.Sleep(100 * time.Millisecond)
			r := s.must(t, "GET", s.url("transport", "polling", "sid", sid), "", nil)
			if r.status != 400 {
				t.Fatalf("overlapping GET: %d %q", r.status, r.body)
			}
			select {
			case r := <-first:
				if r.status != 200 {
					t.Fatalf("first GET: %d %q", r.status, r.body)
				}
			case <-time.After(waitFor):
				t.Fatal("the first GET was not answered after the overlap closed the session")
			}
			expectUnknown(t, s, sid)
		}},
		{"eio/post/100000-noops", func(t *testing.T, s *server) {
			sid := s.pollConnect(t)
			body := strings.Repeat("6\x1e", 99999) + "6"
			if r := s.must(t, "POST", s.url("transport", "polling", "sid", sid), body, nil); r.status != 200 || r.body != "ok" {
				t.Fatalf("100,000 noops: %d %q", r.status, r.body)
			}
			pollEcho(t, s, sid)
		}},
		{"eio/post/bad-base64", func(t *testing.T, s *server) {
			sid := s.handshake(t)
			r := s.must(t, "POST", s.url("transport", "polling", "sid", sid), "b!!!not-base64", nil)
			expectParseClose(t, r)
			expectUnknown(t, s, sid)
		}},
		{"eio/post/unknown-packet-type", func(t *testing.T, s *server) {
			sid := s.handshake(t)
			r := s.must(t, "POST", s.url("transport", "polling", "sid", sid), "9hello", nil)
			expectParseClose(t, r)
			expectUnknown(t, s, sid)
		}},
		{"eio/post/empty-record", func(t *testing.T, s *server) {
			sid := s.handshake(t)
			r := s.must(t, "POST", s.url("transport", "polling", "sid", sid), "4a\x1e\x1e4b", nil)
			expectParseClose(t, r)
			expectUnknown(t, s, sid)
		}},
		{"eio/post/client-ping", func(t *testing.T, s *server) {
			// a v4 client never pings: Node closes the session ("invalid
			// heartbeat direction")
			sid := s.pollConnect(t)
			if r := s.must(t, "POST", s.url("transport", "polling", "sid", sid), "2", nil); r.body != "ok" {
				t.Fatalf("client ping: %d %q", r.status, r.body)
			}
			r := s.must(t, "GET", s.url("transport", "polling", "sid", sid), "", nil)
			if r.status == 200 {
				r = s.must(t, "GET", s.url("transport", "polling", "sid", sid), "", nil)
			}
			expectError(t, r, 400, 1, "Session ID unknown")
		}},
		{"eio/websocket/client-ping", func(t *testing.T, s *server) {
			c := s.dialWS(t, true)
			_ = c.send("2")
			if !c.closed(waitFor) {
				t.Fatal("a client ping did not close the websocket")
			}
		}},
		{"eio/query/2MB", func(t *testing.T, s *server) {
			r := s.must(t, "GET", s.url("transport", "polling", "x", strings.Repeat("q", 2<<20)), "", nil)
			if r.status != http.StatusRequestHeaderFieldsTooLarge {
				t.Fatalf("2 MB query: %d", r.status)
			}
		}},
		{"eio/post/close-packet", func(t *testing.T, s *server) {
			sid := s.handshake(t)
			if r := s.must(t, "POST", s.url("transport", "polling", "sid", sid), "1", nil); r.body != "ok" {
				t.Fatalf("close packet: %d %q", r.status, r.body)
			}
			// a GET racing the close gets a noop (gosio) or code 1 (Node)
			expectUnknown(t, s, sid)
		}},
	}
}

// expectParseClose asserts the answer to a POST whose payload does not
// decode: gosio answers 400 with code 3, Node "ok" (it closes the session
// with "parse error" all the same, which the caller checks).
func expectParseClose(t *testing.T, r reply) {
	t.Helper()
	if r.status == 200 && r.body == "ok" {
		return
	}
	expectError(t, r, 400, 3, "Bad request")
}

// expectUnknown asserts that the session is closed: a GET gets code 1.
func expectUnknown(t *testing.T, s *server, sid string) {
	t.Helper()
	// A session closed while no GET waited stays registered until one more
	// GET collects its close packet: that GET gets 200 and a close or noop.
	r := s.must(t, "GET", s.url("transport", "polling", "sid", sid), "", nil)
	if r.status == 200 && (r.body == "1" || r.body == "6" || strings.HasSuffix(r.body, "\x1e1")) {
		r = s.must(t, "GET", s.url("transport", "polling", "sid", sid), "", nil)
	}
	expectError(t, r, 400, 1, "Session ID unknown")
	if !waitUntil(func() bool { return s.srv.Engine().Session(sid) == nil }) {
		t.Fatalf("session %s still registered", sid)
	}
}

// pollEcho does an emit-with-ack round trip over long-polling.
func pollEcho(t *testing.T, s *server, sid string) {
	t.Helper()
	u := s.url("transport", "polling", "sid", sid)
	if r := s.must(t, "POST", u, `4217["echo","poll"]`, nil); r.body != "ok" {
		t.Fatalf("POST echo: %d %q", r.status, r.body)
	}
	deadline := time.Now().Add(waitFor)
	for time.Now().Before(deadline) {
		r := s.must(t, "GET", u, "", nil)
		if r.status != 200 {
			t.Fatalf("GET: %d %q", r.status, r.body)
		}
		for _, rec := range strings.Split(r.body, "\x1e") {
			if rec == `4317["poll"]` {
				return
			}
		}
	}
	t.Fatal("no echo over long-polling")
}

// rawPOST sends a POST by hand with the header line given and body, ends
// its side of the connection, and returns the status line's code and
// reason ("" when the server answered nothing).
func rawPOST(t *testing.T, s *server, sid, header, body string) string {
	t.Helper()
	u, _ := url.Parse(s.url("transport", "polling", "sid", sid))
	conn, err := net.DialTimeout("tcp", u.Host, waitFor)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(waitFor))
	fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: %s\r\n%s\r\nConnection: close\r\n\r\n", u.RequestURI(), u.Host, header)
	var wg sync.WaitGroup
	wg.Go(func() {
		_, _ = io.WriteString(conn, body)
		_ = conn.(*net.TCPConn).CloseWrite()
	})
	defer wg.Wait()
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return ""
	}
	resp.Body.Close()
	return resp.Status
}

// holdPOST starts a POST announcing n more bytes than it sends, and leaves
// it open; the caller closes the connection.
func holdPOST(t *testing.T, s *server, sid string, n int) net.Conn {
	t.Helper()
	u, _ := url.Parse(s.url("transport", "polling", "sid", sid))
	conn, err := net.DialTimeout("tcp", u.Host, waitFor)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n\r\n4", u.RequestURI(), u.Host, n+1)
	return conn
}
