package socketio

import (
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gosio/gosio/internal/sid"
)

var idPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{20}$`)

func TestConnectReplyIsSIDOnly(t *testing.T) {
	e := newTestEnv(t, nil)
	socks := socketCh(e.srv)
	c := e.dialWS()
	c.send("0")
	body := c.expectPrefix("0")
	var keys map[string]any
	if err := json.Unmarshal([]byte(body), &keys); err != nil {
		t.Fatalf("CONNECT reply %q: %v", body, err)
	}
	if len(keys) != 1 {
		t.Fatalf("CONNECT reply %q: want only \"sid\"", body)
	}
	sid, _ := keys["sid"].(string)
	if !idPattern.MatchString(sid) {
		t.Fatalf("sid %q is not 20 URL-safe characters", sid)
	}
	if sid == c.sid {
		t.Fatal("the socket id reuses the Engine.IO session id")
	}
	s := waitChan(t, socks, "connection")
	if s.ID() != sid {
		t.Fatalf("server socket id %q, client got %q", s.ID(), sid)
	}
	if !s.Connected() || s.Recovered() {
		t.Fatalf("Connected()=%v Recovered()=%v", s.Connected(), s.Recovered())
	}
	if s.Transport() != "websocket" || s.client.conn.ID() != c.sid {
		t.Fatalf("Transport %q engine id %q", s.Transport(), s.client.conn.ID())
	}
	if got := s.Namespace().Name(); got != "/" {
		t.Fatalf("namespace %q", got)
	}
	if !strings.Contains(s.String(), sid) {
		t.Fatalf("String() = %q", s.String())
	}
}

func TestConnectReplyCarriesPIDWithRecovery(t *testing.T) {
	e := newTestEnv(t, &ServerOptions{ConnectionStateRecovery: &RecoveryOptions{}})
	c := e.dialWS()
	c.send("0")
	body := c.expectPrefix("0")
	var keys map[string]string
	if err := json.Unmarshal([]byte(body), &keys); err != nil {
		t.Fatalf("CONNECT reply %q: %v", body, err)
	}
	if len(keys) != 2 || !idPattern.MatchString(keys["sid"]) || !idPattern.MatchString(keys["pid"]) || keys["sid"] == keys["pid"] {
		t.Fatalf("CONNECT reply %q: want distinct 20-character sid and pid", body)
	}
}

func TestSocketIDsAreDistinct(t *testing.T) {
	seen := make(map[string]bool)
	for range 10000 {
		id := sid.New()
		if !idPattern.MatchString(id) {
			t.Fatalf("id %q is not 20 URL-safe characters", id)
		}
		if seen[id] {
			t.Fatalf("id %q twice", id)
		}
		seen[id] = true
	}
	// On one connection, each namespace gets its own id.
	e := newTestEnv(t, nil)
	e.srv.Of("/a")
	c := e.dialWS()
	r1 := c.connect("/", "")
	r2 := c.connect("/a", "")
	if r1.SID == r2.SID {
		t.Fatal("two namespaces of one connection share a socket id")
	}
}

func TestUnknownNamespace(t *testing.T) {
	e := newTestEnv(t, nil)
	c := e.dialWS()
	if got := c.connectErr("/nope", ""); got != `{"message":"Invalid namespace"}` {
		t.Fatalf("CONNECT_ERROR payload %q", got)
	}
	// The connection stays usable.
	c.connect("/", "")
	if got := c.connectErr("/nope", `{"a":1}`); got != `{"message":"Invalid namespace"}` {
		t.Fatalf("CONNECT_ERROR payload %q", got)
	}
}

func TestNamespaceMiddlewareRejection(t *testing.T) {
	e := newTestEnv(t, nil)
	var connected atomic.Int32
	e.srv.OnConnection(func(*NamespaceSocket) { connected.Add(1) })
	e.srv.Use(func(s *NamespaceSocket) error {
		s.Join("joined-in-middleware")
		var auth struct {
			Token string `json:"token"`
		}
		_ = s.Handshake().DecodeAuth(&auth)
		switch auth.Token {
		case "ok":
			return nil
		case "plain":
			return errors.New("plain failure")
		}
		return NewConnectError("not authorized", map[string]any{"code": 42, "hint": "token"})
	})
	admin := e.srv.Of("/admin")
	admin.Use(func(*NamespaceSocket) error { return &ConnectError{Message: "admins only"} })

	c := e.dialWS()
	got := c.connectErr("/", `{"token":"bad"}`)
	var body map[string]any
	if err := json.Unmarshal([]byte(got), &body); err != nil {
		t.Fatal(err)
	}
	if mustJSON(t, body) != `{"data":{"code":42,"hint":"token"},"message":"not authorized"}` {
		t.Fatalf("CONNECT_ERROR payload %q", got)
	}
	if got := c.connectErr("/", `{"token":"plain"}`); got != `{"message":"plain failure"}` {
		t.Fatalf("CONNECT_ERROR payload %q", got)
	}
	if got := c.connectErr("/admin", ""); got != `{"message":"admins only"}` {
		t.Fatalf("CONNECT_ERROR payload %q", got)
	}
	if n := connected.Load(); n != 0 {
		t.Fatalf("%d connection handlers ran for rejected sockets", n)
	}
	if n := len(e.srv.Sockets()); n != 0 {
		t.Fatalf("%d sockets in the namespace after rejections", n)
	}
	// A rejected socket leaves no trace in the rooms (Node's _cleanup).
	if rooms := e.srv.Of("/").Adapter().Rooms(); len(rooms) != 0 {
		t.Fatalf("rooms after rejections: %v", rooms)
	}
	// The same connection may try again and succeed.
	r := c.connect("/", `{"token":"ok"}`)
	eventually(t, "connection handler", func() bool { return connected.Load() == 1 })
	s := e.srv.Of("/").Socket(r.SID)
	if s == nil || !slices.Contains(s.Rooms(), "joined-in-middleware") {
		t.Fatalf("socket %v: rooms joined by an accepting middleware are kept", s)
	}
}

func TestMiddlewareRunsInOrderAndStopsAtFirstError(t *testing.T) {
	e := newTestEnv(t, nil)
	order := make(chan string, 10)
	e.srv.Use(func(s *NamespaceSocket) error {
		order <- "one"
		if s.Connected() {
			t.Error("Connected() true inside a middleware")
		}
		s.Data.Set("user", "alice")
		return nil
	})
	e.srv.Use(func(*NamespaceSocket) error { order <- "two"; return errors.New("stop") })
	e.srv.Use(func(*NamespaceSocket) error { order <- "three"; return nil })
	c := e.dialWS()
	c.connectErr("/", "")
	close(order)
	var got []string
	for o := range order {
		got = append(got, o)
	}
	if strings.Join(got, ",") != "one,two" {
		t.Fatalf("middlewares ran %v", got)
	}
}

func TestMiddlewareDataReachesConnectionHandler(t *testing.T) {
	e := newTestEnv(t, nil)
	e.srv.Use(func(s *NamespaceSocket) error { s.Data.Set("user", "alice"); return nil })
	got := make(chan any, 1)
	e.srv.OnConnection(func(s *NamespaceSocket) {
		v, _ := s.Data.Get("user")
		got <- v
	})
	e.dialWS().connect("/", "")
	if v := waitChan(t, got, "connection"); v != "alice" {
		t.Fatalf("Data user = %v", v)
	}
}

func TestDynamicNamespaceRegexp(t *testing.T) {
	e := newTestEnv(t, nil)
	parent := e.srv.OfRegexp(regexp.MustCompile(`^/dyn-\d+$`))
	var mw atomic.Int32
	parent.Use(func(s *NamespaceSocket) error {
		mw.Add(1)
		if s.Namespace().Name() == "/dyn-13" {
			return NewConnectError("unlucky", nil)
		}
		return nil
	})
	socks := socketCh(parent)

	c := e.dialWS()
	r := c.connect("/dyn-1", "")
	s := waitChan(t, socks, "connection on /dyn-1")
	if s.ID() != r.SID || s.Namespace().Name() != "/dyn-1" {
		t.Fatalf("socket %s in %s, client got %s", s.ID(), s.Namespace().Name(), r.SID)
	}
	if got := c.connectErr("/dyn-13", ""); got != `{"message":"unlucky"}` {
		t.Fatalf("CONNECT_ERROR payload %q", got)
	}
	if got := c.connectErr("/dyn-x", ""); got != `{"message":"Invalid namespace"}` {
		t.Fatalf("CONNECT_ERROR payload %q", got)
	}
	if mw.Load() != 2 {
		t.Fatalf("parent middleware ran %d times, want 2", mw.Load())
	}
	names := []string{}
	for _, n := range parent.Children() {
		names = append(names, n.Name())
	}
	slices.Sort(names)
	if strings.Join(names, ",") != "/dyn-1,/dyn-13" {
		t.Fatalf("children %v", names)
	}
	// A child is an ordinary namespace afterwards: Of returns it, and a
	// middleware added to the parent later applies to it too.
	if e.srv.Of("/dyn-1") != s.Namespace() {
		t.Fatal("Of does not return the child")
	}
	parent.Use(func(*NamespaceSocket) error { return errors.New("closed now") })
	c2 := e.dialWS()
	if got := c2.connectErr("/dyn-1", ""); got != `{"message":"closed now"}` {
		t.Fatalf("CONNECT_ERROR payload %q", got)
	}
	// Parent Emit reaches the children's sockets.
	if err := parent.Emit("hello", 1); err != nil {
		t.Fatal(err)
	}
	c.expect(`2/dyn-1,["hello",1]`)
}

func TestDynamicNamespaceFunc(t *testing.T) {
	e := newTestEnv(t, nil)
	parent := e.srv.OfFunc(func(name string, auth json.RawMessage) bool {
		var a struct {
			Room string `json:"room"`
		}
		_ = json.Unmarshal(auth, &a)
		return strings.HasPrefix(name, "/team-") && a.Room == strings.TrimPrefix(name, "/team-")
	})
	socks := socketCh(parent)
	c := e.dialWS()
	if got := c.connectErr("/team-red", `{"room":"blue"}`); got != `{"message":"Invalid namespace"}` {
		t.Fatalf("CONNECT_ERROR payload %q", got)
	}
	c.connect("/team-red", `{"room":"red"}`)
	s := waitChan(t, socks, "connection")
	if s.Namespace().Name() != "/team-red" || s.Handshake().Auth["room"] != "red" {
		t.Fatalf("socket in %s with auth %v", s.Namespace().Name(), s.Handshake().Auth)
	}
	// Once created, the child exists regardless of the auth.
	c2 := e.dialWS()
	c2.connect("/team-red", `{"room":"other"}`)
}

func TestStaticNamespaceWinsOverParent(t *testing.T) {
	e := newTestEnv(t, nil)
	static := socketCh(e.srv.Of("/dyn-1"))
	parent := e.srv.OfRegexp(regexp.MustCompile(`^/dyn-\d+$`))
	dynamic := socketCh(parent)
	e.dialWS().connect("/dyn-1", "")
	waitChan(t, static, "static namespace connection")
	select {
	case <-dynamic:
		t.Fatal("the parent namespace took a name that exists")
	case <-time.After(50 * time.Millisecond):
	}
}

func TestConnectTimeout(t *testing.T) {
	e := newTestEnv(t, &ServerOptions{ConnectTimeout: 100 * time.Millisecond})
	e.srv.Of("/a")
	idle := e.dialWS()
	joined := e.dialWS()
	joined.connect("/", "")
	left := e.dialWS()
	left.connect("/a", "")
	left.send("1/a,") // leaves its only namespace before the timeout

	start := time.Now()
	idle.waitClosed()
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("idle connection closed after %v", d)
	}
	// As with the Node.js server, a connection that joined a namespace in
	// time is never closed by the timeout, even once it left it.
	time.Sleep(200 * time.Millisecond)
	if joined.isClosed() || left.isClosed() {
		t.Fatalf("connections that joined were closed: joined=%v left=%v", joined.isClosed(), left.isClosed())
	}
}

func TestConnectTimeoutAfterRejection(t *testing.T) {
	e := newTestEnv(t, &ServerOptions{ConnectTimeout: 100 * time.Millisecond})
	e.srv.Use(func(*NamespaceSocket) error { return errors.New("no") })
	c := e.dialWS()
	c.connectErr("/", "")
	c.waitClosed()
}

func TestHandshakeFields(t *testing.T) {
	e := newTestEnv(t, nil)
	socks := socketCh(e.srv)
	before := time.Now().UnixMilli()
	c := e.dialWS(dialConfig{
		query:  []string{"room", "lobby"},
		header: http.Header{"X-Custom": {"yes"}, "Origin": {"http://example.com"}},
	})
	c.connect("/", `{"token":"abc","n":1}`)
	s := waitChan(t, socks, "connection")
	h := s.Handshake()
	if h.Auth["token"] != "abc" || h.Auth["n"] != float64(1) {
		t.Fatalf("Auth %v", h.Auth)
	}
	if string(h.RawAuth) != `{"token":"abc","n":1}` {
		t.Fatalf("RawAuth %s", h.RawAuth)
	}
	var auth struct {
		Token string `json:"token"`
	}
	if err := h.DecodeAuth(&auth); err != nil || auth.Token != "abc" {
		t.Fatalf("DecodeAuth: %v %+v", err, auth)
	}
	if h.Query().Get("room") != "lobby" || h.Query().Get("EIO") != "4" || h.Query().Get("transport") != "websocket" {
		t.Fatalf("Query %v", h.Query())
	}
	if h.Headers.Get("X-Custom") != "yes" {
		t.Fatalf("Headers %v", h.Headers)
	}
	if h.Address != "127.0.0.1" {
		t.Fatalf("Address %q", h.Address)
	}
	if h.Issued < before || h.Issued > time.Now().UnixMilli() {
		t.Fatalf("Issued %d not within the test", h.Issued)
	}
	if h.Time == "" || !strings.Contains(h.Time, "GMT") {
		t.Fatalf("Time %q", h.Time)
	}
	if !strings.HasPrefix(h.URL, "/socket.io/?") || !strings.Contains(h.URL, "room=lobby") {
		t.Fatalf("URL %q", h.URL)
	}
	if h.Secure {
		t.Fatal("Secure on plain HTTP")
	}
	if !h.XDomain {
		t.Fatal("XDomain false with an Origin header")
	}

	// Without auth, Auth is empty (Node's {}) and DecodeAuth leaves the
	// target alone.
	c2 := e.dialWS()
	c2.connect("/", "")
	h2 := waitChan(t, socks, "connection").Handshake()
	if h2.Auth == nil || len(h2.Auth) != 0 || len(h2.RawAuth) != 0 || h2.XDomain {
		t.Fatalf("no-auth handshake: Auth %v RawAuth %q XDomain %v", h2.Auth, h2.RawAuth, h2.XDomain)
	}
	if err := h2.DecodeAuth(&auth); err != nil {
		t.Fatal(err)
	}
}

func TestHandshakeSecure(t *testing.T) {
	e := newTestEnvWith(t, nil, envConfig{tls: true})
	socks := socketCh(e.srv)
	e.dialWS().connect("/", "")
	if !waitChan(t, socks, "connection").Handshake().Secure {
		t.Fatal("Secure false over TLS")
	}
}

func TestConnectOverPolling(t *testing.T) {
	e := newTestEnv(t, nil)
	socks := socketCh(e.srv)
	p := e.dialPolling()
	p.push("0")
	got := p.poll()
	if len(got) != 1 || !strings.HasPrefix(got[0], `0{"sid":"`) {
		t.Fatalf("poll %q", got)
	}
	s := waitChan(t, socks, "connection")
	if s.Transport() != "polling" {
		t.Fatalf("Transport %q", s.Transport())
	}
	_ = s.Emit("hi", "there")
	if got := p.poll(); len(got) != 1 || got[0] != `2["hi","there"]` {
		t.Fatalf("poll %q", got)
	}
}
