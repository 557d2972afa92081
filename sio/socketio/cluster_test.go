package socketio

import (
	"encoding/json"
	"net/http"
	"net/url"
	"reflect"
	"sync"
	"testing"
	"time"
)

// TestHandshakeJSONShape checks the handshake's JSON against the shape of
// Node's socket.handshake in a fetchSockets answer: lower-case headers
// with host, one string per query parameter.
func TestHandshakeJSONShape(t *testing.T) {
	h := &Handshake{
		Headers: http.Header{"X-Custom": {"a", "b"}, "Cookie": {"x=1", "y=2"}, "Set-Cookie": {"s=1"}},
		Auth:    map[string]any{"token": "t"}, RawAuth: json.RawMessage(`{"token":"t"}`),
		Address: "127.0.0.1", Time: "Tue Dec 01 2026 10:00:00 GMT+0000 (UTC)", Issued: 1764583200000,
		URL: "/socket.io/?EIO=4&who=me", XDomain: true, host: "example.com:80",
	}
	b, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"headers": map[string]any{"host": "example.com:80", "x-custom": "a, b", "cookie": "x=1; y=2", "set-cookie": []any{"s=1"}},
		"query":   map[string]any{"EIO": "4", "who": "me"},
		"auth":    map[string]any{"token": "t"},
		"address": "127.0.0.1", "time": h.Time, "issued": float64(h.Issued), "url": h.URL,
		"secure": false, "xdomain": true,
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("handshake JSON\n got %v\nwant %v", got, want)
	}
	if q := h.Query(); !reflect.DeepEqual(q, url.Values{"EIO": {"4"}, "who": {"me"}}) {
		t.Fatalf("a local socket's Query %v, parsed from %q", q, h.URL)
	}
	var back Handshake
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Host() != "example.com:80" || back.Headers.Get("X-Custom") != "a, b" || back.Query().Get("who") != "me" ||
		back.Auth["token"] != "t" || back.Issued != h.Issued || !back.XDomain {
		t.Fatalf("decoded %+v", back)
	}
}

// TestHandshakeJSONEmptyAuth gives {} for a client that sent no auth, as
// Node does.
func TestHandshakeJSONEmptyAuth(t *testing.T) {
	b, _ := json.Marshal(&Handshake{})
	var got map[string]any
	_ = json.Unmarshal(b, &got)
	if a, ok := got["auth"].(map[string]any); !ok || len(a) != 0 {
		t.Fatalf("auth %v, want {}", got["auth"])
	}
}

// TestBroadcastFlagsTimeoutInMilliseconds encodes the timeout as Node's
// flags carry it.
func TestBroadcastFlagsTimeoutInMilliseconds(t *testing.T) {
	b, _ := json.Marshal(BroadcastFlags{Volatile: true, Timeout: 1500 * time.Millisecond})
	if string(b) != `{"volatile":true,"timeout":1500}` {
		t.Fatalf("flags %s", b)
	}
	var f BroadcastFlags
	if err := json.Unmarshal([]byte(`{"local":true,"timeout":250}`), &f); err != nil || !f.Local || f.Timeout != 250*time.Millisecond {
		t.Fatalf("decoded %+v, %v", f, err)
	}
}

// TestRemoteSocketJSON round-trips a fetchSockets view, and keeps data
// that is not an object (Node allows any) rather than failing.
func TestRemoteSocketJSON(t *testing.T) {
	r := &RemoteSocket{ID: "abc", Handshake: &Handshake{Auth: map[string]any{}}, Rooms: []Room{"abc", "r"}, Data: map[string]any{"n": 1.0}}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var back RemoteSocket
	if err := json.Unmarshal(b, &back); err != nil || back.ID != "abc" || !reflect.DeepEqual(back.Rooms, r.Rooms) || back.Data["n"] != 1.0 {
		t.Fatalf("back %+v, %v", back, err)
	}
	if err := json.Unmarshal([]byte(`{"id":"x","handshake":null,"rooms":[],"data":"str"}`), &back); err != nil || back.Data[""] != "str" || back.Handshake == nil {
		t.Fatalf("non-object data: %+v, %v", back, err)
	}
}

// TestServerSideEventsRunInOrder delivers server-side events as a cluster
// adapter does and checks the handlers run in arrival order, off the
// caller's goroutine, with a once-only ack.
func TestServerSideEventsRunInOrder(t *testing.T) {
	srv := NewServer(nil)
	defer srv.Shutdown(t.Context())
	var mu sync.Mutex
	var got []float64
	done := make(chan struct{})
	srv.OnServerSideEmit("n", func(ev *ServerSideEvent) {
		var v float64
		_ = ev.Decode(&v)
		ev.Ack(v)
		ev.Ack(-1)
		mu.Lock()
		got = append(got, v)
		if len(got) == 100 {
			close(done)
		}
		mu.Unlock()
	})
	var acks []any
	var ackMu sync.Mutex
	for i := range 100 {
		args, err := ArgsOf(i)
		if err != nil {
			t.Fatal(err)
		}
		srv.Of("/").ReceiveServerSideEmit("n", args, func(reply any) {
			ackMu.Lock()
			acks = append(acks, reply)
			ackMu.Unlock()
		})
	}
	srv.Of("/").ReceiveServerSideEmit("unknown", Args{}, nil)
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("handlers did not run")
	}
	for i, v := range got {
		if v != float64(i) {
			t.Fatalf("event %d got %v: out of order", i, v)
		}
	}
	ackMu.Lock()
	defer ackMu.Unlock()
	if len(acks) != 100 {
		t.Fatalf("%d acks, want 100 (one each)", len(acks))
	}
}

// TestServerSideEmitWithAckAlone returns no answers on one server.
func TestServerSideEmitWithAckAlone(t *testing.T) {
	srv := NewServer(nil)
	defer srv.Shutdown(t.Context())
	res, err := srv.ServerSideEmitWithAck(t.Context(), "x", 1)
	if err != nil || len(res) != 0 {
		t.Fatalf("%v, %v", res, err)
	}
	if _, err := srv.ServerSideEmitWithAck(t.Context(), "connect"); err == nil {
		t.Fatal("a reserved event name was accepted")
	}
}
