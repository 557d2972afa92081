package wiretest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// fakeServer is a scripted Engine.IO peer: it sends the open packet and a
// ping, checks the pong, then echoes each text message and answers
// "binary" with a BINARY_EVENT and its attachment.
func fakeServer(t *testing.T) *httptest.Server {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("transport") == "polling" {
			fakePolling(w, r)
			return
		}
		ws, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer ws.CloseNow()
		ctx := r.Context()
		_ = ws.Write(ctx, websocket.MessageText, []byte(`0{"sid":"abc","pingInterval":25000}`))
		_ = ws.Write(ctx, websocket.MessageText, []byte("2"))
		ponged := false
		for {
			typ, b, err := ws.Read(ctx)
			if err != nil {
				return
			}
			switch {
			case typ == websocket.MessageText && string(b) == "3":
				ponged = true
			case typ == websocket.MessageText && string(b) == "4close":
				if ponged {
					_ = ws.Write(ctx, websocket.MessageText, []byte("4ponged"))
				}
				_ = ws.Close(websocket.StatusNormalClosure, "")
				return
			case typ == websocket.MessageText && string(b) == "4binary":
				_ = ws.Write(ctx, websocket.MessageText, []byte("6"))
				_ = ws.Write(ctx, websocket.MessageText, []byte(`451-/n,7["file",{"_placeholder":true,"num":0}]`))
				_ = ws.Write(ctx, websocket.MessageBinary, []byte{1, 2})
			default:
				_ = ws.Write(ctx, typ, b)
			}
		}
	}))
	t.Cleanup(ts.Close)
	return ts
}

func fakePolling(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.Method == http.MethodGet && r.URL.Query().Get("sid") == "":
		_, _ = io.WriteString(w, `0{"sid":"poll1"}`)
	case r.Method == http.MethodPost:
		b, _ := io.ReadAll(r.Body)
		if string(b) != "40\x1e42[\"a\"]" {
			http.Error(w, "bad payload "+string(b), http.StatusBadRequest)
			return
		}
		_, _ = io.WriteString(w, "ok")
	default:
		_, _ = io.WriteString(w, "40{\"sid\":\"s\"}\x1e6")
	}
}

func TestConnEchoAndPing(t *testing.T) {
	ts := fakeServer(t)
	c := Dial(t, ts.URL+"/?EIO=4&transport=websocket", nil)
	if c.SID() != "abc" || c.Open()["pingInterval"] != float64(25000) {
		t.Fatalf("open packet: sid %q, %v", c.SID(), c.Open())
	}
	c.WriteText("4hello")
	if got := c.NextText(); got != "4hello" {
		t.Fatalf("echo %q", got)
	}
	c.WriteBinary([]byte{9})
	if got := c.NextBinary(); string(got) != "\x09" {
		t.Fatalf("binary echo %q", got)
	}
	c.Quiet(50 * time.Millisecond)
	c.WriteText("4close")
	if f := c.Next(); f.Text != "4ponged" {
		t.Fatalf("the ping was not answered: %+v", f)
	}
	c.WaitClosed()
	if !c.IsClosed() {
		t.Fatal("IsClosed after WaitClosed")
	}
	c.Close()
	c.Close() // idempotent
}

func TestConnNextPacketGathersAttachments(t *testing.T) {
	ts := fakeServer(t)
	c := Dial(t, ts.URL+"/?EIO=4&transport=websocket", nil)
	c.WriteText("4binary")
	p, ok, closed := c.NextPacket(Timeout)
	if !ok || closed {
		t.Fatalf("NextPacket: ok %v closed %v", ok, closed)
	}
	if p.Type != '5' || p.NSP != "/n" || p.ID != 7 || p.Event != "file" || len(p.Args) != 1 ||
		len(p.Attachments) != 1 || string(p.Attachments[0]) != "\x01\x02" {
		t.Fatalf("packet %v, args %s", p, p.Args)
	}
	if _, ok, _ := c.NextPacket(50 * time.Millisecond); ok {
		t.Fatal("a packet out of nothing")
	}
}

func TestParsePacket(t *testing.T) {
	cases := []struct {
		in    string
		typ   byte
		nsp   string
		id    int
		event string
		args  int
		n     int
	}{
		{`0{"sid":"x"}`, '0', "/", -1, "", 0, 0},
		{`0/chat,{"sid":"x"}`, '0', "/chat", -1, "", 0, 0},
		{`1/chat`, '1', "/chat", -1, "", 0, 0},
		{`2["ev",1,"a"]`, '2', "/", -1, "ev", 2, 0},
		{`2/a,12["ev"]`, '2', "/a", 12, "ev", 0, 0},
		{`3/a,4[1,2,3]`, '3', "/a", 4, "", 3, 0},
		{`62-9[{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`, '6', "/", 9, "", 2, 2},
		{``, 0, "", -1, "", 0, 0},
	}
	for _, tc := range cases {
		p, n := ParsePacket(tc.in)
		if p.Type != tc.typ || p.NSP != tc.nsp || p.ID != tc.id || p.Event != tc.event || len(p.Args) != tc.args || n != tc.n {
			t.Errorf("ParsePacket(%q) = %v event %q args %d n %d", tc.in, p, p.Event, len(p.Args), n)
		}
	}
}

func TestEventText(t *testing.T) {
	s, err := EventText("/chat", 3, 0, "ev", 1)
	if err != nil || s != `42/chat,3["ev",1]` {
		t.Fatalf("EventText = %q, %v", s, err)
	}
	s, err = EventText("/", -1, 1, "up", Placeholder(0))
	if err != nil || s != `451-["up",{"_placeholder":true,"num":0}]` {
		t.Fatalf("EventText = %q, %v", s, err)
	}
	if _, err := EventText("/", -1, 0, "ev", func() {}); err == nil {
		t.Fatal("EventText encoded a func")
	}
}

func TestPolling(t *testing.T) {
	ts := fakeServer(t)
	base := ts.URL + "/?EIO=4&transport=polling"
	sid := Handshake(t, ts.Client(), base, nil)
	if sid != "poll1" {
		t.Fatalf("sid %q", sid)
	}
	Push(t, ts.Client(), base+"&sid="+sid, "40", `42["a"]`)
	got := Poll(t, nil, base+"&sid="+sid)
	if strings.Join(got, "|") != `40{"sid":"s"}|6` {
		t.Fatalf("Poll = %q", got)
	}
	if status, _ := Do(t, nil, http.MethodPost, base+"&sid="+sid, "junk", nil); status != http.StatusBadRequest {
		t.Fatalf("status %d", status)
	}
}

func TestWebSocketURL(t *testing.T) {
	for in, want := range map[string]string{"http://h/p": "ws://h/p", "https://h": "wss://h"} {
		if got := WebSocketURL(in); got != want {
			t.Errorf("WebSocketURL(%q) = %q", in, got)
		}
	}
}
