package socketio

// Helpers of the interop suite: Go tests driving the official
// socket.io-client@4 through the scripts of internal/interop/socketio.

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gosio/gosio/internal/nodetest"
)

// nodeClient is a running client.mjs. Its events are taken by predicate,
// so that events of different sockets may interleave freely while each
// socket's own events keep their order.
type nodeClient struct {
	t *testing.T
	p *nodetest.Process
}

// startNodeScript runs a script of internal/interop/socketio against e.
func startNodeScript(t *testing.T, e *testEnv, script string, args ...string) *nodetest.Process {
	t.Helper()
	rt := nodetest.Find(t, "socket.io-client")
	opts := nodetest.Options{Args: append([]string{e.ts.URL}, args...), Fatal: "fatal"}
	if usesMsgpack(e.srv.opts.PacketParser) {
		opts.Env = []string{"SIO_PARSER=msgpack"} // client.mjs then uses socket.io-msgpack-parser
	}
	return rt.Start(t, "internal/interop/socketio/"+script, opts)
}

func newNodeClient(t *testing.T, e *testEnv) *nodeClient {
	t.Helper()
	return &nodeClient{t: t, p: startNodeScript(t, e, "client.mjs")}
}

func (n *nodeClient) send(cmd map[string]any) {
	n.t.Helper()
	n.p.Send(cmd)
}

// take returns the first event, in arrival order, that match accepts
// (nodetest.Process.Take).
func (n *nodeClient) take(what string, match func(nodetest.Event) bool) nodetest.Event {
	n.t.Helper()
	return n.p.Take(what, match)
}

// tryTake is take that reports a timeout instead of failing.
func (n *nodeClient) tryTake(timeout time.Duration, match func(nodetest.Event) bool) (nodetest.Event, bool) {
	n.t.Helper()
	return n.p.TryTake(timeout, match)
}

// event takes the next event named name of socket id.
func (n *nodeClient) event(name, id string) nodetest.Event {
	n.t.Helper()
	return n.take(fmt.Sprintf("%q event of %q", name, id), func(ev nodetest.Event) bool {
		return ev.Name() == name && ev.String("id") == id
	})
}

// recv takes the next event named evName received by socket id.
func (n *nodeClient) recv(id, evName string) nodetest.Event {
	n.t.Helper()
	return n.take(fmt.Sprintf("%q received by %q", evName, id), func(ev nodetest.Event) bool {
		return ev.Name() == "recv" && ev.String("id") == id && ev.String("name") == evName
	})
}

// noRecv checks that socket id receives no event evName within d.
func (n *nodeClient) noRecv(id, evName string, d time.Duration) {
	n.t.Helper()
	if ev, ok := n.tryTake(d, func(ev nodetest.Event) bool {
		return ev.Name() == "recv" && ev.String("id") == id && ev.String("name") == evName
	}); ok {
		n.t.Fatalf("socket %q received %v", id, ev)
	}
}

// ack takes the ack event of tag.
func (n *nodeClient) ack(tag string) nodetest.Event {
	n.t.Helper()
	return n.take(fmt.Sprintf("ack %q", tag), func(ev nodetest.Event) bool {
		return ev.Name() == "ack" && ev.String("tag") == tag
	})
}

// connect opens socket id on nsp and waits for its connect event.
func (n *nodeClient) connect(id, nsp string, opts, sockOpts map[string]any) nodetest.Event {
	n.t.Helper()
	n.connectAsync(id, nsp, "", opts, sockOpts)
	return n.event("connect", id)
}

func (n *nodeClient) connectAsync(id, nsp, mgr string, opts, sockOpts map[string]any) {
	n.t.Helper()
	cmd := map[string]any{"cmd": "connect", "id": id, "nsp": nsp}
	if mgr != "" {
		cmd["mgr"] = mgr
	}
	if opts != nil {
		cmd["opts"] = opts
	}
	if sockOpts != nil {
		cmd["sockOpts"] = sockOpts
	}
	n.send(cmd)
}

func (n *nodeClient) emit(id, name string, args ...any) {
	n.t.Helper()
	if args == nil {
		args = []any{}
	}
	n.send(map[string]any{"cmd": "emit", "id": id, "name": name, "args": args})
}

// args returns an event's "args" as JSON values.
func eventArgs(t *testing.T, ev nodetest.Event) []any {
	t.Helper()
	a, ok := ev["args"].([]any)
	if !ok {
		t.Fatalf("event %v has no args", ev)
	}
	return a
}

// binArg is how the scripts write a binary value.
func binArg(b []byte) map[string]any { return map[string]any{"$bin": hex.EncodeToString(b)} }

// sameJSON compares two values by their JSON.
func sameJSON(t *testing.T, got, want any) bool {
	t.Helper()
	var g, w any
	if err := json.Unmarshal([]byte(mustJSON(t, got)), &g); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(mustJSON(t, want)), &w); err != nil {
		t.Fatal(err)
	}
	return reflect.DeepEqual(g, w)
}

// wsOnly, pollingOnly are Manager options.
var (
	wsOnly      = map[string]any{"transports": []string{"websocket"}}
	pollingOnly = map[string]any{"transports": []string{"polling"}}
	noReconnect = map[string]any{"reconnection": false}
)

func withOpts(ms ...map[string]any) map[string]any {
	out := map[string]any{}
	for _, m := range ms {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

// transportsUnder lists the transports an interop case runs on.
var interopTransports = []struct {
	name string
	opts map[string]any
}{
	{"websocket", wsOnly},
	{"polling", pollingOnly},
}

func joinStrings(v []any) string {
	var s []string
	for _, x := range v {
		s = append(s, fmt.Sprint(x))
	}
	return strings.Join(s, ",")
}
