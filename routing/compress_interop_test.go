package routing_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/gosio/gosio/internal/nodetest"
	"github.com/gosio/gosio/routing"
)

// TestCompressWithSocketIOClient settles what the README and the package
// documentation say of chi's Compress: the official client, long-polling
// only and with its upgrade to websocket, exchanges small and large
// messages through a router that compresses.
func TestCompressWithSocketIOClient(t *testing.T) {
	rt := nodetest.Find(t, "socket.io-client")
	srv := newServer(t)
	r := chi.NewRouter()
	r.Use(middleware.Compress(5))
	routing.MountServer(r, "", srv, &Echo{})
	ts := serve(t, r)

	p := rt.Start(t, "internal/interop/socketio/client.mjs", nodetest.Options{Args: []string{ts.URL}})
	big := strings.Repeat("z", 5000)
	for _, c := range []struct {
		id   string
		opts map[string]any
		want string
	}{
		{"polling", map[string]any{"transports": []string{"polling"}}, "polling"},
		{"upgrade", map[string]any{}, "websocket"},
	} {
		p.Send(map[string]any{"cmd": "connect", "id": c.id, "nsp": "/", "mgr": c.id, "opts": c.opts})
		p.Until("connect")
		for i, text := range []string{"small", big} {
			tag := c.id + string(rune('0'+i))
			p.Send(map[string]any{"cmd": "emitWithAck", "id": c.id, "name": "echo", "args": []any{text}, "tag": tag, "timeout": 10000})
			ack := p.Until("ack")
			b, _ := json.Marshal(ack["args"])
			if ack.String("tag") != tag || ack["err"] != nil || string(b) != `[["`+text+`"]]` {
				t.Fatalf("%s: ack %v", c.id, ack)
			}
		}
		// The upgrade may end before or after the acks: ask until it shows.
		for i := 0; ; i++ {
			p.Send(map[string]any{"cmd": "transport", "id": c.id})
			got := p.Until("transport").String("name")
			if got == c.want {
				break
			}
			if i == 100 {
				t.Fatalf("%s: transport %q, want %q", c.id, got, c.want)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	p.Send(map[string]any{"cmd": "exit"})
}
