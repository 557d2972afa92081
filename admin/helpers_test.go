package admin

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/gosio/gosio/internal/nodetest"
	"github.com/gosio/gosio/sio/socketio"
)

// testEnv is a Socket.IO server on a random port, instrumented.
type testEnv struct {
	t     *testing.T
	srv   *socketio.SocketIOServer
	ts    *httptest.Server
	admin *Admin
}

// newEnv starts a server, lets setup add its namespaces, then instruments
// it with opts. Cleanup closes the Admin, then shuts the server down.
func newEnv(t *testing.T, opts *Options, sopts *socketio.ServerOptions, setup func(srv *socketio.SocketIOServer)) *testEnv {
	t.Helper()
	srv := socketio.NewServer(sopts)
	if setup != nil {
		setup(srv)
	}
	a, err := Instrument(srv, opts)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(func() {
		a.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		ts.Close()
	})
	return &testEnv{t: t, srv: srv, ts: ts, admin: a}
}

// client is the socket.io-client script of internal/interop/socketio,
// driving several sockets: the UI's and the application's.
type client struct {
	t *testing.T
	p *nodetest.Process
}

func newClient(t *testing.T, url string) *client {
	t.Helper()
	rt := nodetest.Find(t, "socket.io-client")
	return &client{t: t, p: rt.Start(t, "internal/interop/socketio/client.mjs", nodetest.Options{Args: []string{url}, Fatal: "fatal"})}
}

// take returns the first event, in arrival order, that match accepts
// (nodetest.Process.Take).
func (c *client) take(what string, match func(nodetest.Event) bool) nodetest.Event {
	c.t.Helper()
	return c.p.Take(what, match)
}

// tryTake is take that reports a timeout instead of failing.
func (c *client) tryTake(timeout time.Duration, match func(nodetest.Event) bool) (nodetest.Event, bool) {
	c.t.Helper()
	return c.p.TryTake(timeout, match)
}

// connect opens socket id on nsp; it returns its connect or connect_error
// event.
func (c *client) connect(id, nsp string, opts, auth map[string]any) nodetest.Event {
	c.t.Helper()
	if opts == nil {
		opts = map[string]any{}
	}
	opts["reconnection"] = false
	cmd := map[string]any{"cmd": "connect", "id": id, "nsp": nsp, "mgr": id, "opts": opts}
	if auth != nil {
		cmd["sockOpts"] = map[string]any{"auth": auth}
	}
	c.p.Send(cmd)
	return c.take("connect of "+id, func(ev nodetest.Event) bool {
		return (ev.Name() == "connect" || ev.Name() == "connect_error") && ev.String("id") == id
	})
}

// mustConnect is connect, failing on a connect_error.
func (c *client) mustConnect(id, nsp string, opts, auth map[string]any) {
	c.t.Helper()
	if ev := c.connect(id, nsp, opts, auth); ev.Name() != "connect" {
		c.t.Fatalf("%s: %v", id, ev)
	}
}

func (c *client) emit(id, name string, args ...any) {
	c.t.Helper()
	if args == nil {
		args = []any{}
	}
	c.p.Send(map[string]any{"cmd": "emit", "id": id, "name": name, "args": args})
}

// recv returns the arguments of the next event evName received by socket
// id, decoded into the JSON of each.
func (c *client) recv(id, evName string) []json.RawMessage {
	c.t.Helper()
	ev := c.take(fmt.Sprintf("%q received by %q", evName, id), func(ev nodetest.Event) bool {
		return ev.Name() == "recv" && ev.String("id") == id && ev.String("name") == evName
	})
	return rawArgs(c.t, ev)
}

// recvWhere returns the arguments of the next event evName received by
// socket id whose arguments match.
func (c *client) recvWhere(id, evName string, match func(args []json.RawMessage) bool) []json.RawMessage {
	c.t.Helper()
	var out []json.RawMessage
	c.take(fmt.Sprintf("matching %q received by %q", evName, id), func(ev nodetest.Event) bool {
		if ev.Name() != "recv" || ev.String("id") != id || ev.String("name") != evName {
			return false
		}
		out = rawArgs(c.t, ev)
		return match(out)
	})
	return out
}

// noRecv checks that socket id receives no event evName within d.
func (c *client) noRecv(id, evName string, d time.Duration) {
	c.t.Helper()
	if ev, ok := c.tryTake(d, func(ev nodetest.Event) bool {
		return ev.Name() == "recv" && ev.String("id") == id && ev.String("name") == evName
	}); ok {
		c.t.Fatalf("socket %q received %v", id, ev)
	}
}

// event takes the next event named name of socket id.
func (c *client) event(name, id string) nodetest.Event {
	c.t.Helper()
	return c.take(fmt.Sprintf("%q of %q", name, id), func(ev nodetest.Event) bool {
		return ev.Name() == name && ev.String("id") == id
	})
}

func rawArgs(t *testing.T, ev nodetest.Event) []json.RawMessage {
	t.Helper()
	b, err := json.Marshal(ev["args"])
	if err != nil {
		t.Fatal(err)
	}
	var out []json.RawMessage
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func decode[T any](t *testing.T, raw json.RawMessage) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("decode %s: %v", raw, err)
	}
	return v
}

// testHash is the bcrypt hash of "s3cret", at the lowest cost to keep the
// tests fast.
func testHash(t *testing.T) string {
	t.Helper()
	h, err := bcrypt.GenerateFromPassword([]byte("s3cret"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	return string(h)
}

var (
	wsOnly      = map[string]any{"transports": []string{"websocket"}}
	pollingOnly = map[string]any{"transports": []string{"polling"}}
)
