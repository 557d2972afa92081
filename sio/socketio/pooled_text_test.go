package socketio

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/gosio/gosio/sio/engineio"
)

// Acks and echoes are encoded in pooled buffers that go back to the pool
// once the engine has written or copied them. A client that reads nothing
// until it has sent everything stalls its socket (40 MB of answers, in
// buffers small enough to be pooled: more than loopback buffers hold), so
// that answers go to the backlog or stay
// queued; every answer then arrives with its own content, none overwritten
// by a later one encoded in the same memory. An OnAnyOutgoing listener
// keeps what it is told, which later events must not change either.
func TestPooledAnswersSurviveAStalledSocket(t *testing.T) {
	e := newTestEnv(t, &ServerOptions{Engine: &engineio.Options{MaxQueuedBytes: 256 << 20}})
	const n = 2500
	body := func(i int) string { return strings.Repeat(string(rune('a'+i%26)), 8000) }
	kept := make(chan json.RawMessage, n) // aliases what was encoded
	e.srv.OnConnection(func(s *NamespaceSocket) {
		s.OnAnyOutgoing(func(event string, args Args) {
			if event == "told" {
				kept <- args.Raw(0)
			}
		})
		s.On("q", func(ev *Event) {
			var i int
			_ = ev.Decode(&i)
			_ = ev.Ack(i, body(i))
		})
		s.On("e", func(ev *Event) {
			var i int
			_ = ev.Decode(&i)
			_ = s.Emit("r", i, body(i+13))
		})
		s.On("t", func(ev *Event) {
			var i int
			_ = ev.Decode(&i)
			_ = s.Emit("told", fmt.Sprint(i)) // the handler's first send: a reply
		})
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(e.url("transport", "websocket"), "http"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	c.SetReadLimit(1 << 20)
	read := func() string {
		t.Helper()
		for {
			_, m, err := c.Read(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if string(m) != "2" {
				return string(m)
			}
		}
	}
	read() // open
	if err := c.Write(ctx, websocket.MessageText, []byte("40")); err != nil {
		t.Fatal(err)
	}
	if m := read(); !strings.HasPrefix(m, "40{") {
		t.Fatalf("CONNECT reply %q", m)
	}
	for i := range n {
		for _, pkt := range []string{fmt.Sprintf(`2%d["q",%d]`, i, i), fmt.Sprintf(`2["e",%d]`, i), fmt.Sprintf(`2["t",%d]`, i)} {
			if err := c.Write(ctx, websocket.MessageText, []byte("4"+pkt)); err != nil {
				t.Fatal(err)
			}
		}
	}
	acks, events, told := 0, 0, 0
	for acks < n || events < n || told < n {
		m := read()
		switch {
		case strings.HasPrefix(m, "43"):
			if want := fmt.Sprintf(`43%d[%d,"%s"]`, acks, acks, body(acks)); m != want {
				t.Fatalf("ack %d: %.60q..., want %.60q...", acks, m, want)
			}
			acks++
		case strings.HasPrefix(m, `42["r"`):
			if want := fmt.Sprintf(`42["r",%d,"%s"]`, events, body(events+13)); m != want {
				t.Fatalf("event %d: %.60q..., want %.60q...", events, m, want)
			}
			events++
		case strings.HasPrefix(m, `42["told"`):
			told++
		default:
			t.Fatalf("unexpected %.60q", m)
		}
	}
	for i := range n {
		if got := <-kept; string(got) != fmt.Sprintf(`"%d"`, i) {
			t.Fatalf("OnAnyOutgoing kept %q for event %d", got, i)
		}
	}
}
