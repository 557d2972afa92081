package engineio_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gosio/gosio/sio/engineio"
)

func preflight(s *testServer, origin, headers string) response {
	s.t.Helper()
	h := http.Header{"Access-Control-Request-Method": {"POST"}}
	if origin != "" {
		h.Set("Origin", origin)
	}
	if headers != "" {
		h.Set("Access-Control-Request-Headers", headers)
	}
	return s.do(http.MethodOptions, s.url("EIO", "4", "transport", "polling"), nil, h)
}

func TestCORSPreflight(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, &engineio.Options{CORS: &engineio.CORSOptions{
		Origins: []string{"https://app.example"}, MaxAge: 10 * time.Minute,
	}})
	r := preflight(s, "https://app.example", "content-type,x-token")
	if r.status != http.StatusNoContent {
		t.Fatalf("preflight status %d", r.status)
	}
	h := r.header
	if h.Get("Access-Control-Allow-Origin") != "https://app.example" ||
		h.Get("Access-Control-Allow-Methods") != "GET,HEAD,PUT,PATCH,POST,DELETE" ||
		h.Get("Access-Control-Allow-Headers") != "content-type,x-token" ||
		h.Get("Access-Control-Max-Age") != "600" ||
		h.Get("Access-Control-Allow-Credentials") != "" {
		t.Fatalf("preflight headers %v", h)
	}
	if r.body != "" {
		t.Fatalf("preflight body %q", r.body)
	}
	// an origin outside the policy gets no allow-origin
	r = preflight(s, "https://evil.example", "")
	if r.header.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("refused origin allowed: %v", r.header)
	}
	// an OPTIONS that is no preflight is a request like any other
	r = s.do(http.MethodOptions, s.url("EIO", "4", "transport", "polling"), nil, http.Header{"Origin": {"https://app.example"}})
	expectError(t, r, 400, 2, "Bad handshake method")
	if s.srv.ClientsCount() != 0 {
		t.Fatal("a preflight opened a session")
	}
}

func TestCORSPreflightConfiguredLists(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, &engineio.Options{CORS: &engineio.CORSOptions{
		Origins: []string{"*"}, Methods: []string{"GET", "POST"}, AllowedHeaders: []string{"x-a", "x-b"},
	}})
	r := preflight(s, "https://any.example", "x-c")
	h := r.header
	if h.Get("Access-Control-Allow-Origin") != "*" || h.Get("Access-Control-Allow-Methods") != "GET,POST" ||
		h.Get("Access-Control-Allow-Headers") != "x-a,x-b" || h.Get("Access-Control-Max-Age") != "" {
		t.Fatalf("preflight headers %v", h)
	}
}

func TestCORSHeaders(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, &engineio.Options{CORS: &engineio.CORSOptions{
		Origins: []string{"https://app.example"}, ExposedHeaders: []string{"x-served-by"},
	}})
	origin := http.Header{"Origin": {"https://app.example"}}
	r := s.do(http.MethodGet, s.url("EIO", "4", "transport", "polling"), nil, origin)
	if r.header.Get("Access-Control-Allow-Origin") != "https://app.example" ||
		!strings.Contains(strings.Join(r.header.Values("Vary"), ","), "Origin") ||
		r.header.Get("Access-Control-Expose-Headers") != "x-served-by" {
		t.Fatalf("handshake headers %v", r.header)
	}
	sid := parseOpen(t, r.body).SID
	// on POST, GET and error answers too
	for _, rr := range []response{
		s.do(http.MethodPost, s.pollURL(sid), strings.NewReader("4x"), origin),
		s.do(http.MethodGet, s.pollURL(sid), nil, origin),
		s.do(http.MethodGet, s.pollURL("nope"), nil, origin),
		s.do(http.MethodGet, s.url("EIO", "4", "transport", "nope"), nil, origin),
	} {
		if rr.header.Get("Access-Control-Allow-Origin") != "https://app.example" {
			t.Fatalf("answer %d %q without CORS headers: %v", rr.status, rr.body, rr.header)
		}
	}
	// another origin is served, without the allow-origin header
	r = s.do(http.MethodGet, s.url("EIO", "4", "transport", "polling"), nil, http.Header{"Origin": {"https://evil.example"}})
	if r.status != 200 || r.header.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("other origin: %d %v", r.status, r.header)
	}
	// without a policy, no CORS header at all
	plain := newTestServer(t, nil)
	r = plain.do(http.MethodGet, plain.url("EIO", "4", "transport", "polling"), nil, origin)
	for k := range r.header {
		if strings.HasPrefix(k, "Access-Control-") {
			t.Fatalf("CORS header %s without a policy", k)
		}
	}
}

func TestCORSAnyOriginAndCredentials(t *testing.T) {
	t.Parallel()
	anyOrigin := newTestServer(t, &engineio.Options{CORS: &engineio.CORSOptions{Origins: []string{"*"}}})
	r := anyOrigin.do(http.MethodGet, anyOrigin.url("EIO", "4", "transport", "polling"), nil, http.Header{"Origin": {"https://x.example"}})
	if r.header.Get("Access-Control-Allow-Origin") != "*" || r.header.Get("Access-Control-Allow-Credentials") != "" {
		t.Fatalf("headers %v", r.header)
	}
	// "*" with Credentials fails safe (CWE-942): any origin gets a literal
	// "*" and no Allow-Credentials, which browsers refuse for credentialed
	// requests, rather than its own origin echoed with credentials.
	cred := newTestServer(t, &engineio.Options{CORS: &engineio.CORSOptions{Origins: []string{"*", "https://good.example"}, Credentials: true}})
	for _, pre := range []bool{false, true} {
		if pre {
			r = preflight(cred, "https://evil.example", "")
		} else {
			r = cred.do(http.MethodGet, cred.url("EIO", "4", "transport", "polling"), nil, http.Header{"Origin": {"https://evil.example"}})
		}
		if r.header.Get("Access-Control-Allow-Origin") != "*" || r.header.Get("Access-Control-Allow-Credentials") != "" {
			t.Fatalf("preflight %v: headers %v", pre, r.header)
		}
		// An origin listed by name gets its credentials.
		if pre {
			r = preflight(cred, "https://good.example", "")
		} else {
			r = cred.do(http.MethodGet, cred.url("EIO", "4", "transport", "polling"), nil, http.Header{"Origin": {"https://good.example"}})
		}
		if r.header.Get("Access-Control-Allow-Origin") != "https://good.example" || r.header.Get("Access-Control-Allow-Credentials") != "true" {
			t.Fatalf("preflight %v: listed origin headers %v", pre, r.header)
		}
	}
}

func TestCORSOriginFunc(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, &engineio.Options{CORS: &engineio.CORSOptions{
		Origins:    []string{"*"}, // ignored when OriginFunc is set
		OriginFunc: func(origin string) bool { return strings.HasSuffix(origin, ".good.example") },
	}})
	r := s.do(http.MethodGet, s.url("EIO", "4", "transport", "polling"), nil, http.Header{"Origin": {"https://a.good.example"}})
	if r.header.Get("Access-Control-Allow-Origin") != "https://a.good.example" {
		t.Fatalf("allowed origin: %v", r.header)
	}
	r = s.do(http.MethodGet, s.url("EIO", "4", "transport", "polling"), nil, http.Header{"Origin": {"https://bad.example"}})
	if r.header.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("refused origin: %v", r.header)
	}
	// websocket: the function decides as well
	if _, resp, err := s.wsDial(wsDialConfig{header: http.Header{"Origin": {"https://bad.example"}}}, "EIO", "4", "transport", "websocket"); err == nil || resp == nil || resp.StatusCode != 403 {
		t.Fatalf("refused websocket origin: %v", err)
	}
	w, _, err := s.wsDial(wsDialConfig{header: http.Header{"Origin": {"https://b.good.example"}}}, "EIO", "4", "transport", "websocket")
	if err != nil {
		t.Fatal(err)
	}
	parseOpen(t, w.nextText())
}

func TestCORSWebSocketOrigin(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, &engineio.Options{CORS: &engineio.CORSOptions{Origins: []string{"https://app.example"}}})
	bad := http.Header{"Origin": {"https://evil.example"}}
	_, resp, err := s.wsDial(wsDialConfig{header: bad}, "EIO", "4", "transport", "websocket")
	if err == nil || resp == nil {
		t.Fatalf("refused origin connected: %v", err)
	}
	b, _ := io.ReadAll(resp.Body)
	expectError(t, response{resp.StatusCode, resp.Header, string(b)}, 403, 4, "Forbidden")
	// also for an upgrade, which leaves the session alone
	sid := s.eioSession()
	_, resp, err = s.wsDial(wsDialConfig{header: bad}, "EIO", "4", "transport", "websocket", "sid", sid)
	if err == nil || resp == nil || resp.StatusCode != 403 {
		t.Fatalf("refused origin upgraded: %v", err)
	}
	s.expectOpen(sid)
	// the allowed origin, the server's own (a page it serves), and no
	// origin at all (not a browser), connect
	own := s.ts.URL
	for _, h := range []http.Header{{"Origin": {"https://app.example"}}, {"Origin": {own}}, nil} {
		w, _, err := s.wsDial(wsDialConfig{header: h}, "EIO", "4", "transport", "websocket")
		if err != nil {
			t.Fatalf("origin %v: %v", h, err)
		}
		parseOpen(t, w.nextText())
	}
	// without a policy, any origin may open a websocket
	plain := newTestServer(t, nil)
	w, _, err := plain.wsDial(wsDialConfig{header: bad}, "EIO", "4", "transport", "websocket")
	if err != nil {
		t.Fatalf("cross-origin websocket without a policy: %v", err)
	}
	parseOpen(t, w.nextText())
}

func TestCookie(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, &engineio.Options{Cookie: &engineio.CookieOptions{}})
	r := s.do(http.MethodGet, s.url("EIO", "4", "transport", "polling"), nil, nil)
	sid := parseOpen(t, r.body).SID
	if c := r.header.Get("Set-Cookie"); c != "io="+sid+"; Path=/; SameSite=Lax" {
		t.Fatalf("Set-Cookie %q", c)
	}
	// only the handshake sets it
	s.eioPushOK(sid, "4x")
	if r := s.eioPoll(sid); r.header.Get("Set-Cookie") != "" {
		t.Fatalf("poll set a cookie %q", r.header.Get("Set-Cookie"))
	}

	custom := newTestServer(t, &engineio.Options{Cookie: &engineio.CookieOptions{
		Name: "sess", Path: "/app", HTTPOnly: true, Secure: true, SameSite: http.SameSiteStrictMode,
	}})
	r = custom.do(http.MethodGet, custom.url("EIO", "4", "transport", "polling"), nil, nil)
	sid = parseOpen(t, r.body).SID
	if c := r.header.Get("Set-Cookie"); c != "sess="+sid+"; Path=/app; HttpOnly; Secure; SameSite=Strict" {
		t.Fatalf("Set-Cookie %q", c)
	}

	none := newTestServer(t, nil)
	if r := none.do(http.MethodGet, none.url("EIO", "4", "transport", "polling"), nil, nil); r.header.Get("Set-Cookie") != "" {
		t.Fatalf("cookie without the option: %q", r.header.Get("Set-Cookie"))
	}
}
