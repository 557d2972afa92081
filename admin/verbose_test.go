package admin

import (
	"encoding/json"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/gosio/gosio/internal/nodetest"

	"github.com/gosio/gosio/sio/socketio"
)

// TestDevelopmentEvents follows one application socket through the
// development-mode events: all_sockets, socket_connected, socket_updated
// (upgrade, then Data), room_joined, event_received, event_sent, room_left
// and socket_disconnected; and a child namespace created after Instrument
// is watched too.
func TestDevelopmentEvents(t *testing.T) {
	e := newEnv(t, &Options{NoAuth: true}, &socketio.ServerOptions{ConnectionStateRecovery: &socketio.RecoveryOptions{}}, func(srv *socketio.SocketIOServer) {
		handlers := func(s *socketio.NamespaceSocket) {
			s.Data.Set("nick", "alice")
			s.On("join", func(ev *socketio.Event) { s.Join("room1") })
			s.On("hi", func(ev *socketio.Event) {
				_ = s.Emit("hello", "world", 2)
				_ = s.Namespace().To("room1").Emit("news", "flash")
			})
			s.On("rename", func(ev *socketio.Event) { s.Data.Set("nick", "bob") })
		}
		srv.Of("/app").OnConnection(handlers)
		srv.OfRegexp(regexp.MustCompile(`^/dyn-\d+$`)).OnConnection(handlers)
	})
	c := newClient(t, e.ts.URL)
	c.mustConnect("ui", "/admin", wsOnly, nil)
	c.recv("ui", "config")
	if all := decode[[]serializedSocket](t, c.recv("ui", "all_sockets")[0]); len(all) != 1 || all[0].Nsp != "/admin" {
		t.Fatalf("all_sockets %+v, want the UI's own socket", all)
	}

	// Long-polling first, then the upgrade.
	c.mustConnect("app", "/app", nil, map[string]any{"token": "secret"})
	var sock serializedSocket
	c.recvWhere("ui", "socket_connected", func(args []json.RawMessage) bool {
		sock = decode[serializedSocket](t, args[0])
		return sock.Nsp == "/app"
	})
	id := sock.ID
	if len(sock.ClientID) != 12 || sock.Transport != "polling" || !slices.Equal(sock.Rooms, []string{id}) {
		t.Fatalf("socket_connected %+v", sock)
	}
	if sock.Data["nick"] != "alice" || len(sock.Data) != 1 {
		t.Fatalf("data %v, want nick alice and nothing of the admin's", sock.Data)
	}
	if _, ok := sock.Handshake["auth"]; ok {
		t.Fatalf("the handshake shows the CONNECT payload: %v", sock.Handshake)
	}
	if h, _ := sock.Handshake["headers"].(map[string]any); h["host"] == nil || sock.Handshake["address"] == "" || sock.Handshake["url"] == nil {
		t.Fatalf("handshake %v", sock.Handshake)
	}
	c.recvWhere("ui", "socket_updated", func(args []json.RawMessage) bool {
		u := decode[map[string]any](t, args[0])
		return u["id"] == id && u["nsp"] == "/app" && u["transport"] == "websocket"
	})

	c.emit("app", "join")
	c.recvWhere("ui", "room_joined", func(args []json.RawMessage) bool {
		return string(args[0]) == `"/app"` && string(args[1]) == `"room1"` && decode[string](t, args[2]) == id
	})
	c.emit("app", "hi", 1, map[string]any{"a": true})
	isEvent := func(name string) func(args []json.RawMessage) bool {
		return func(args []json.RawMessage) bool {
			return decode[string](t, args[1]) == id && decode[[]any](t, args[2])[0] == name
		}
	}
	got := c.recvWhere("ui", "event_received", isEvent("hi"))
	if string(got[0]) != `"/app"` || !sameJSON(t, got[2], `["hi",1,{"a":true}]`) || decode[string](t, got[3]) == "" {
		t.Fatalf("event_received %s", got)
	}
	got = c.recvWhere("ui", "event_sent", isEvent("hello"))
	if !hasPrefixJSON(t, got[2], `["hello","world",2]`) { // and the offset, with recovery
		t.Fatalf("event_sent %s", got)
	}
	got = c.recvWhere("ui", "event_sent", isEvent("news")) // a broadcast
	if !hasPrefixJSON(t, got[2], `["news","flash"]`) {
		t.Fatalf("event_sent %s", got)
	}
	c.emit("app", "rename")
	c.recvWhere("ui", "socket_updated", func(args []json.RawMessage) bool {
		u := decode[map[string]any](t, args[0])
		d, _ := u["data"].(map[string]any)
		return u["id"] == id && d["nick"] == "bob" && len(d) == 1
	})

	c.p.Send(map[string]any{"cmd": "disconnect", "id": "app"})
	c.recvWhere("ui", "room_left", func(args []json.RawMessage) bool {
		return string(args[1]) == `"room1"` && decode[string](t, args[2]) == id
	})
	c.recvWhere("ui", "socket_disconnected", func(args []json.RawMessage) bool {
		return string(args[0]) == `"/app"` && decode[string](t, args[1]) == id && string(args[2]) == `"client namespace disconnect"`
	})

	// A child namespace made after Instrument.
	c.mustConnect("dyn", "/dyn-7", wsOnly, nil)
	c.recvWhere("ui", "socket_connected", func(args []json.RawMessage) bool {
		return decode[serializedSocket](t, args[0]).Nsp == "/dyn-7"
	})
	c.recvWhere("ui", "server_stats", func(args []json.RawMessage) bool {
		st := decode[serverStats](t, args[0])
		return slices.Contains(st.Namespaces, namespaceDetails{Name: "/dyn-7", SocketsCount: 1})
	})
	// The UI's own events are not told to itself.
	c.emit("ui", "whatever")
	if ev, ok := c.tryTake(time.Second, func(ev nodetest.Event) bool {
		return ev.Name() == "recv" && ev.String("name") == "event_received" && string(rawArgs(t, ev)[0]) == `"/admin"`
	}); ok {
		t.Fatalf("the UI was told of its own event: %v", ev)
	}
}

// sameJSON reports whether raw is the JSON want, whitespace aside.
func sameJSON(t *testing.T, raw json.RawMessage, want string) bool {
	t.Helper()
	var a, b any
	if json.Unmarshal(raw, &a) != nil || json.Unmarshal([]byte(want), &b) != nil {
		return false
	}
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

// hasPrefixJSON reports whether the JSON array raw starts with the
// elements of the JSON array want: with connection state recovery on, an
// event's arguments end with its offset.
func hasPrefixJSON(t *testing.T, raw json.RawMessage, want string) bool {
	t.Helper()
	var a, b []any
	if json.Unmarshal(raw, &a) != nil || json.Unmarshal([]byte(want), &b) != nil || len(a) < len(b) {
		return false
	}
	x, _ := json.Marshal(a[:len(b)])
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}
