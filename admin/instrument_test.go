package admin

import (
	"context"
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gosio/gosio/sio/socketio"
)

func TestOptionsRefused(t *testing.T) {
	srv := socketio.NewServer(nil)
	for _, c := range []struct {
		name string
		opts *Options
		want string
	}{
		{"nil", nil, "Options.Auth must be set"},
		{"no auth", &Options{}, "Options.Auth must be set"},
		{"both", &Options{NoAuth: true, Auth: &BasicAuth{Username: "a", PasswordHash: testHash(t)}}, "both set"},
		{"plain password", &Options{Auth: &BasicAuth{Username: "a", PasswordHash: "s3cret"}}, "bcrypt hash"},
		{"mode", &Options{NoAuth: true, Mode: "dev"}, "Mode"},
	} {
		t.Run(c.name, func(t *testing.T) {
			a, err := Instrument(srv, c.opts)
			if err == nil {
				a.Close()
				t.Fatal("accepted")
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %q, want it to say %q", err, c.want)
			}
		})
	}
}

// TestBasicAuth: wrong credentials are refused with "invalid credentials",
// the right ones get a session id, which then lets the UI in without a
// password; an unknown session id does not.
func TestBasicAuth(t *testing.T) {
	e := newEnv(t, &Options{Auth: &BasicAuth{Username: "admin", PasswordHash: testHash(t)}, Mode: Production}, nil, nil)
	c := newClient(t, e.ts.URL)

	for i, auth := range []map[string]any{
		nil,
		{"username": "admin", "password": "wrong"},
		{"username": "root", "password": "s3cret"},
		{"username": "admin", "password": 12},
		{"sessionId": "0123456789abcdef"},
	} {
		id := "bad" + string(rune('0'+i))
		ev := c.connect(id, "/admin", wsOnly, auth)
		if ev.Name() != "connect_error" || ev.String("message") != "invalid credentials" {
			t.Fatalf("auth %v: %v, want connect_error invalid credentials", auth, ev)
		}
	}

	c.mustConnect("ui", "/admin", wsOnly, map[string]any{"username": "admin", "password": "s3cret"})
	session := decode[string](t, c.recv("ui", "session")[0])
	if !regexp.MustCompile(`^[0-9a-f]{16}$`).MatchString(session) {
		t.Fatalf("session id %q, want 16 hex digits", session)
	}
	c.recv("ui", "config")

	c.mustConnect("again", "/admin", wsOnly, map[string]any{"sessionId": session})
	c.recv("again", "config")
	c.noRecv("again", "session", 500*time.Millisecond)
}

// TestConfigAndStats checks the config's features and the shape and
// values of server_stats.
func TestConfigAndStats(t *testing.T) {
	e := newEnv(t, &Options{NoAuth: true, Mode: Production, ServerID: "node-a"}, nil, func(srv *socketio.SocketIOServer) {
		srv.Of("/chat")
	})
	c := newClient(t, e.ts.URL)
	c.mustConnect("app", "/chat", pollingOnly, nil)
	c.mustConnect("ui", "/admin", wsOnly, nil)

	cfg := decode[struct {
		SupportedFeatures []string `json:"supportedFeatures"`
	}](t, c.recv("ui", "config")[0])
	want := []string{"EMIT", "JOIN", "LEAVE", "DISCONNECT", "MJOIN", "MLEAVE", "MDISCONNECT", "AGGREGATED_EVENTS"}
	if !slices.Equal(cfg.SupportedFeatures, want) {
		t.Fatalf("supportedFeatures %v, want %v", cfg.SupportedFeatures, want)
	}
	c.noRecv("ui", "all_sockets", 200*time.Millisecond) // production mode

	// The first stats may predate the clients: wait for one that counts both.
	type stats struct {
		ServerID            string  `json:"serverId"`
		Hostname            string  `json:"hostname"`
		PID                 int     `json:"pid"`
		Uptime              float64 `json:"uptime"`
		ClientsCount        int     `json:"clientsCount"`
		PollingClientsCount int     `json:"pollingClientsCount"`
		AggregatedEvents    []struct {
			Timestamp int64   `json:"timestamp"`
			Type      string  `json:"type"`
			SubType   *string `json:"subType"`
			Count     int     `json:"count"`
		} `json:"aggregatedEvents"`
		Namespaces []struct {
			Name         string `json:"name"`
			SocketsCount int    `json:"socketsCount"`
		} `json:"namespaces"`
	}
	var st stats
	counts := map[string]int{}
	c.recvWhere("ui", "server_stats", func(args []json.RawMessage) bool {
		var keys map[string]json.RawMessage
		if err := json.Unmarshal(args[0], &keys); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"serverId", "hostname", "pid", "uptime", "clientsCount", "pollingClientsCount", "aggregatedEvents", "namespaces"} {
			if _, ok := keys[k]; !ok {
				t.Fatalf("server_stats without %q: %s", k, args[0])
			}
		}
		st = decode[stats](t, args[0])
		for _, ev := range st.AggregatedEvents {
			counts[ev.Type] += ev.Count
			if ev.Timestamp%1000 != 0 || ev.Count <= 0 {
				t.Fatalf("aggregated event %+v: want a whole second and a positive count", ev)
			}
		}
		return st.ClientsCount == 2 && counts["rawConnection"] >= 2
	})
	host, _ := os.Hostname()
	if st.ServerID != "node-a" || st.Hostname != host || st.PID != os.Getpid() || st.Uptime <= 0 {
		t.Fatalf("stats %+v", st)
	}
	if st.PollingClientsCount != 1 {
		t.Fatalf("pollingClientsCount %d, want 1 (the app's polling client)", st.PollingClientsCount)
	}
	got := map[string]int{}
	for _, n := range st.Namespaces {
		got[n.Name] = n.SocketsCount
	}
	if got["/"] != 0 || got["/chat"] != 1 || got["/admin"] != 1 || len(got) != 3 {
		t.Fatalf("namespaces %v, want / 0, /chat 1, /admin 1", got)
	}
	for _, typ := range []string{"packetsIn", "packetsOut", "bytesIn", "bytesOut"} {
		if counts[typ] == 0 {
			t.Fatalf("no %s in the aggregated events %v", typ, counts)
		}
	}

	// A client that leaves is counted as a rawDisconnection with its reason.
	c.p.Send(map[string]any{"cmd": "closeEngine", "id": "app"})
	c.recvWhere("ui", "server_stats", func(args []json.RawMessage) bool {
		st := decode[stats](t, args[0])
		for _, ev := range st.AggregatedEvents {
			if ev.Type == "rawDisconnection" && ev.SubType != nil && *ev.SubType == "transport close" {
				return st.PollingClientsCount == 0 && st.ClientsCount == 1
			}
		}
		return false
	})
}

// TestCommands: the UI's emit, join, leave and _disconnect act on the
// application's sockets; ReadOnly refuses every one of them.
func TestCommands(t *testing.T) {
	for _, readonly := range []bool{false, true} {
		name := map[bool]string{false: "commands", true: "readonly"}[readonly]
		t.Run(name, func(t *testing.T) {
			var app *socketio.Namespace
			e := newEnv(t, &Options{NoAuth: true, ReadOnly: readonly, Mode: Production}, nil, func(srv *socketio.SocketIOServer) {
				app = srv.Of("/app")
				app.OnConnection(func(s *socketio.NamespaceSocket) {
					s.On("rooms", func(ev *socketio.Event) { _ = ev.Ack(s.Rooms()) })
				})
			})
			c := newClient(t, e.ts.URL)
			evA := c.connect("a", "/app", wsOnly, nil)
			if evA.Name() != "connect" {
				t.Fatalf("a: %v", evA)
			}
			c.mustConnect("b", "/app", wsOnly, nil)
			c.mustConnect("ui", "/admin", wsOnly, nil)
			cfg := decode[struct {
				SupportedFeatures []string `json:"supportedFeatures"`
			}](t, c.recv("ui", "config")[0])
			if readonly != !slices.Contains(cfg.SupportedFeatures, "EMIT") {
				t.Fatalf("readonly %v, features %v", readonly, cfg.SupportedFeatures)
			}
			// Client a's socket, by the id its client reports (Sockets has
			// no order).
			idA := socketio.SocketID(evA.String("sid"))
			sockA := app.Socket(idA)
			if sockA == nil {
				t.Fatal("no socket")
			}

			c.emit("ui", "emit", "/app", nil, "hello", "everyone", 1)
			c.emit("ui", "join", "/app", "vip", nil)
			c.emit("ui", "emit", "/nowhere", nil, "hello") // ignored: no such namespace
			if readonly {
				c.noRecv("a", "hello", time.Second)
				c.noRecv("b", "hello", 0)
				if slices.Contains(sockA.Rooms(), "vip") {
					t.Fatal("readonly: the join command was obeyed")
				}
				c.emit("ui", "_disconnect", "/app", false, nil)
				time.Sleep(500 * time.Millisecond)
				if len(app.Sockets()) != 2 {
					t.Fatal("readonly: the disconnect command was obeyed")
				}
				return
			}
			for _, id := range []string{"a", "b"} {
				args := c.recv(id, "hello")
				if string(args[0]) != `"everyone"` || string(args[1]) != `1` {
					t.Fatalf("%s got hello %s", id, args)
				}
			}
			waitFor(t, "both in vip", func() bool {
				rs, _ := app.In("vip").FetchSockets(context.Background())
				return len(rs) == 2
			})
			c.emit("ui", "leave", "/app", "vip", idA)
			waitFor(t, "a left vip", func() bool { return !slices.Contains(sockA.Rooms(), "vip") })
			c.emit("ui", "emit", "/app", "vip", "vip-only")
			c.recv("b", "vip-only")
			c.noRecv("a", "vip-only", 300*time.Millisecond)
			c.emit("ui", "_disconnect", "/app", false, idA)
			if ev := c.event("disconnect", "a"); ev.String("reason") != "io server disconnect" {
				t.Fatalf("a: %v", ev)
			}
			c.emit("ui", "_disconnect", "/app", true, nil)
			c.event("disconnect", "b")
		})
	}
}

// waitFor polls cond for up to 20 seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting: %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
