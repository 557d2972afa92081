package routing_test

import (
	"bytes"
	"log"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gosio/gosio/consumer"
	"github.com/gosio/gosio/routing"
)

// Echo is the consumer of the main namespace in these tests.
type Echo struct {
	consumer.SocketIOConsumer
}

func (e *Echo) EventEcho(args ...any) []any { return args }

func (e *Echo) EventAddress() string { return e.Handshake().Address }

func (e *Echo) EventTransport() string { return e.Socket().Transport() }

// Admin is a second consumer, on "/admin".
type Admin struct {
	consumer.SocketIOConsumer
	Namespace string
}

func (a *Admin) EventWho() string { return "admin" }

// hello is the application's own route, beside the Socket.IO server.
func hello(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("hello")) }

// TestMountPaths mounts at several paths: the path with and without its
// trailing slash, with the Engine.IO query, reaches the server, and the
// application's routes still work.
func TestMountPaths(t *testing.T) {
	tests := []struct {
		path string // given to MountServer
		at   string // where the requests go
	}{
		{"", "/socket.io"},
		{"/socket.io", "/socket.io"},
		{"/socket.io/", "/socket.io"},
		{"socket.io", "/socket.io"},
		{"/ws", "/ws"},
		{"/api/realtime/", "/api/realtime"},
	}
	for _, tt := range tests {
		t.Run("path="+tt.path, func(t *testing.T) {
			srv := newServer(t)
			r := chi.NewRouter()
			r.Get("/hello", hello)
			routing.MountServer(r, tt.path, srv, &Echo{})
			ts := serve(t, r)

			for _, base := range []string{ts.URL + tt.at, ts.URL + tt.at + "/"} {
				sid := eioHandshake(t, base, nil)
				eioPush(t, base, sid, "40", `421["echo","x",1]`)
				got := pollN(t, base, sid, 2)
				assert.True(t, strings.HasPrefix(got[0], `40{"sid":"`), "%q", got)
				assert.Equal(t, `431[["x",1]]`, got[1])
			}
			ws := wsDial(t, wsURL(ts.URL+tt.at+"/")+"?EIO=4&transport=websocket", nil)
			assert.True(t, strings.HasPrefix(ws.read(), "0{"))

			status, body := do(t, http.MethodGet, ts.URL+"/hello", "", nil)
			assert.Equal(t, http.StatusOK, status)
			assert.Equal(t, "hello", body)
			status, _ = do(t, http.MethodGet, ts.URL+"/nothing-here", "", nil)
			assert.Equal(t, http.StatusNotFound, status)
		})
	}
}

// syncBuffer is a bytes.Buffer safe for the logger's concurrent writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestTypicalMiddlewares serves the transports through the middlewares a
// typical chi application uses: Logger (its formatter, writing to a
// buffer instead of stdout: the same WrapResponseWriter), Recoverer,
// RealIP and RequestID. Long-polling, websocket and the upgrade from one
// to the other all work through them.
func TestTypicalMiddlewares(t *testing.T) {
	srv := newServer(t)
	logs := &syncBuffer{}
	r := chi.NewRouter()
	r.Use(middleware.RequestID)
	r.Use(middleware.RealIP)
	r.Use(middleware.RequestLogger(&middleware.DefaultLogFormatter{Logger: log.New(logs, "", 0), NoColor: true}))
	r.Use(middleware.Recoverer)
	r.Get("/hello", hello)
	routing.MountServer(r, "/socket.io/", srv, &Echo{}, &Admin{Namespace: "/admin"})
	ts := serve(t, r)
	base := ts.URL + "/socket.io/"

	t.Run("long-polling", func(t *testing.T) {
		sid := eioHandshake(t, base, http.Header{"X-Real-Ip": {"203.0.113.7"}})
		eioPush(t, base, sid, "40", "40/admin,")
		pollN(t, base, sid, 2)
		eioPush(t, base, sid, `421["address"]`, `42/admin,2["who"]`)
		assert.ElementsMatch(t, []string{`431["203.0.113.7"]`, `43/admin,2["admin"]`}, pollN(t, base, sid, 2))

		// A poll that waits: answered when the server emits.
		done := make(chan []string, 1)
		go func() { done <- eioPoll(t, base, sid) }()
		time.Sleep(50 * time.Millisecond)
		require.NoError(t, srv.Of("/").Emit("tick", 1))
		select {
		case got := <-done:
			assert.Equal(t, []string{`42["tick",1]`}, got)
		case <-time.After(waitTimeout):
			t.Fatal("the waiting poll was not answered")
		}
	})

	t.Run("websocket", func(t *testing.T) {
		ws := wsDial(t, wsURL(base)+"?EIO=4&transport=websocket", http.Header{"X-Real-Ip": {"198.51.100.9"}})
		assert.True(t, strings.HasPrefix(ws.read(), "0{"))
		ws.send("40")
		assert.True(t, strings.HasPrefix(ws.read(), `40{"sid":"`))
		ws.send(`421["address"]`)
		assert.Equal(t, `431["198.51.100.9"]`, ws.read())
		ws.send(`422["echo",{"a":[1,2]}]`)
		assert.Equal(t, `432[[{"a":[1,2]}]]`, ws.read())
	})

	t.Run("upgrade", func(t *testing.T) {
		sid := eioHandshake(t, base, nil)
		eioPush(t, base, sid, "40")
		require.Len(t, eioPoll(t, base, sid), 1)
		ws := wsDial(t, wsURL(base)+"?EIO=4&transport=websocket&sid="+sid, nil)
		ws.send("2probe")
		assert.Equal(t, "3probe", ws.read())
		ws.send("5")
		ws.send(`421["transport"]`)
		assert.Equal(t, `431["websocket"]`, ws.read())
	})

	// The logger saw the requests, the websocket ones once they ended.
	assert.Contains(t, logs.String(), `"GET http://`+strings.TrimPrefix(ts.URL, "http://")+`/socket.io/?EIO=4&transport=polling`)
	assert.Contains(t, logs.String(), `"POST http://`)
}

// pollN polls until n packets have arrived.
func pollN(t *testing.T, base, sid string, n int) []string {
	t.Helper()
	var got []string
	for len(got) < n {
		got = append(got, eioPoll(t, base, sid)...)
	}
	return got
}

// TestCompress checks the claim of the package documentation: chi's
// Compress leaves the transports working (it passes Hijack through and
// leaves the engine's own compressed responses alone); it only compresses
// the small polling responses the engine does not.
func TestCompress(t *testing.T) {
	srv := newServer(t)
	r := chi.NewRouter()
	r.Use(middleware.Compress(5))
	routing.MountServer(r, "", srv, &Echo{})
	ts := serve(t, r)
	base := ts.URL + "/socket.io/"

	sid := eioHandshake(t, base, nil) // the client asks for gzip and decodes it
	eioPush(t, base, sid, "40", `421["echo","`+strings.Repeat("z", 3000)+`"]`)
	got := pollN(t, base, sid, 2)
	assert.Equal(t, `431[["`+strings.Repeat("z", 3000)+`"]]`, got[1])

	ws := wsDial(t, wsURL(base)+"?EIO=4&transport=websocket", nil)
	assert.True(t, strings.HasPrefix(ws.read(), "0{"))
	ws.send("40")
	assert.True(t, strings.HasPrefix(ws.read(), `40{"sid":"`))
}

// TestTimeoutBreaksLongPolling checks the warning of the package
// documentation: chi's Timeout cancels a poll that waits longer than it,
// and the session is lost.
func TestTimeoutBreaksLongPolling(t *testing.T) {
	srv := newServer(t)
	r := chi.NewRouter()
	r.Use(middleware.Timeout(100 * time.Millisecond))
	routing.MountServer(r, "", srv, &Echo{})
	ts := serve(t, r)
	base := ts.URL + "/socket.io/"

	sid := eioHandshake(t, base, nil)
	eioPush(t, base, sid, "40")
	require.Len(t, eioPoll(t, base, sid), 1)
	status, _ := do(t, http.MethodGet, base+"?EIO=4&transport=polling&sid="+sid, "", nil)
	assert.Equal(t, http.StatusGatewayTimeout, status, "the waiting poll is cut off")
	status, body := do(t, http.MethodGet, base+"?EIO=4&transport=polling&sid="+sid, "", nil)
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Contains(t, body, "Session ID unknown")
}

// TestRedirectSlashesBreaksPolling checks the warning of the package
// documentation: chi's RedirectSlashes answers the client's requests to
// "/socket.io/" with a redirect, which a POST or a websocket handshake does
// not survive.
func TestRedirectSlashesBreaksPolling(t *testing.T) {
	srv := newServer(t)
	r := chi.NewRouter()
	r.Use(middleware.RedirectSlashes)
	routing.MountServer(r, "", srv, &Echo{})
	ts := serve(t, r)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Post(ts.URL+"/socket.io/?EIO=4&transport=polling&sid=x", "text/plain", strings.NewReader("40"))
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusMovedPermanently, resp.StatusCode)
}

// TestMountTwice mounts one server, with the same consumers, at two paths.
func TestMountTwice(t *testing.T) {
	srv := newServer(t)
	r := chi.NewRouter()
	routing.MountServer(r, "/socket.io/", srv, &Echo{}, &Admin{Namespace: "/admin"})
	routing.MountServer(r, "/legacy/", srv, &Echo{}, &Admin{Namespace: "/admin"})
	ts := serve(t, r)
	for _, p := range []string{"/socket.io/", "/legacy/"} {
		ws := wsDial(t, wsURL(ts.URL+p)+"?EIO=4&transport=websocket", nil)
		ws.read()
		ws.send("40/admin,")
		assert.True(t, strings.HasPrefix(ws.read(), `40/admin,{"sid":"`))
		ws.send(`42/admin,1["who"]`)
		assert.Equal(t, `43/admin,1["admin"]`, ws.read())
	}
	assert.Panics(t, func() { routing.MountServer(r, "/legacy", srv) }, "chi refuses a second mount at one path")
}

// TestMountInGroup mounts inside a chi group, under the group's own
// middleware only.
func TestMountInGroup(t *testing.T) {
	srv := newServer(t)
	var seen sync.Map
	mark := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			seen.Store(r.URL.Path, true)
			next.ServeHTTP(w, r)
		})
	}
	r := chi.NewRouter()
	r.Get("/hello", hello)
	r.Group(func(r chi.Router) {
		r.Use(mark)
		routing.MountServer(r, "/rt", srv, &Echo{})
	})
	ts := serve(t, r)
	eioHandshake(t, ts.URL+"/rt/", nil)
	do(t, http.MethodGet, ts.URL+"/hello", "", nil)
	_, ok := seen.Load("/rt/")
	assert.True(t, ok)
	_, ok = seen.Load("/hello")
	assert.False(t, ok)
}
