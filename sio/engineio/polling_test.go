package engineio_test

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gosio/gosio/sio/engineio"
)

func TestPollingMessages(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil)
	sid := s.eioSession()

	r := s.eioPush(sid, "4hello")
	if r.status != 200 || r.body != "ok" || r.header.Get("Content-Type") != "text/html" {
		t.Fatalf("push answer %d %q %q", r.status, r.body, r.header.Get("Content-Type"))
	}
	if got := s.eioPollOK(sid); got != "4hello" {
		t.Fatalf("poll %q", got)
	}
	// several packets in one payload, echoed in one payload, in order
	s.eioPushOK(sid, "4test1\x1e4test2\x1e4test3")
	if got := s.eioPollOK(sid); got != "4test1\x1e4test2\x1e4test3" {
		t.Fatalf("poll %q", got)
	}
	// text and binary; binary travels base64 with a "b" prefix
	s.eioPushOK(sid, "4hello\x1ebAQIDBA==")
	if got := s.eioPollOK(sid); got != "4hello\x1ebAQIDBA==" {
		t.Fatalf("poll %q", got)
	}
	a := s.sock(sid)
	for _, want := range []engineio.Message{
		{Data: []byte("hello")}, {Data: []byte("test1")}, {Data: []byte("test2")}, {Data: []byte("test3")},
		{Data: []byte("hello")}, {Data: []byte{1, 2, 3, 4}, Binary: true},
	} {
		m := <-a.msgs
		if !bytes.Equal(m.Data, want.Data) || m.Binary != want.Binary {
			t.Fatalf("application got %q (binary %v), want %q (binary %v)", m.Data, m.Binary, want.Data, want.Binary)
		}
	}
	// empty messages, text and binary, and text with the characters the
	// encoding uses
	s.eioPushOK(sid, "4\x1eb\x1e4b4\x1e4€\x00")
	if got := s.eioPollOK(sid); got != "4\x1eb\x1e4b4\x1e4€\x00" {
		t.Fatalf("poll %q", got)
	}
}

func TestPollingPendingGetAnsweredOnSend(t *testing.T) {
	t.Parallel()
	s := newTestServerWith(t, nil, serverConfig{noEcho: true})
	sid := s.eioSession()
	a := s.sock(sid)
	p := s.eioPollAsync(sid)
	s.waitPoll(sid)
	if p.answered() {
		t.Fatal("a GET with nothing to send was answered at once")
	}
	if err := a.sock.Send([]byte("later"), false); err != nil {
		t.Fatal(err)
	}
	if r := p.wait(t); r.status != 200 || r.body != "4later" {
		t.Fatalf("GET answered %d %q", r.status, r.body)
	}
	// a binary send
	p = s.eioPollAsync(sid)
	s.waitPoll(sid)
	if err := a.sock.Send([]byte{0xff, 0, 1}, true); err != nil {
		t.Fatal(err)
	}
	if r := p.wait(t); r.body != "b/wAB" {
		t.Fatalf("GET answered %q", r.body)
	}
}

func TestPollingQueuedPacketsInOneResponse(t *testing.T) {
	t.Parallel()
	s := newTestServerWith(t, nil, serverConfig{noEcho: true})
	sid := s.eioSession()
	a := s.sock(sid)
	var want []string
	for i := range 50 {
		msg := fmt.Sprintf("m%02d", i)
		if err := a.sock.Send([]byte(msg), i%5 == 0); err != nil {
			t.Fatal(err)
		}
		if i%5 == 0 {
			want = append(want, string(engineio.AppendPayloadRecord(nil, engineio.Packet{Type: engineio.PacketMessage, Data: []byte(msg), Binary: true})))
		} else {
			want = append(want, "4"+msg)
		}
	}
	if err := a.sock.SendGroup([]engineio.Message{{Data: []byte("g1")}, {Data: []byte("g2"), Binary: true}}); err != nil {
		t.Fatal(err)
	}
	want = append(want, "4g1", "bZzI=")
	if got := s.eioPollOK(sid); got != strings.Join(want, "\x1e") {
		t.Fatalf("poll %q\nwant %q", got, strings.Join(want, "\x1e"))
	}
	// the queue was drained: the next GET waits
	p := s.eioPollAsync(sid)
	s.waitPoll(sid)
	if p.answered() {
		t.Fatalf("second GET answered with %q", p.wait(t).body)
	}
	_ = a.sock.Send([]byte("end"), false)
	if r := p.wait(t); r.body != "4end" {
		t.Fatalf("poll %q", r.body)
	}
}

func TestPollingClientClose(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil)
	sid := s.eioSession()
	p := s.eioPollAsync(sid)
	s.waitPoll(sid)
	s.eioPushOK(sid, "1")
	if r := p.wait(t); r.status != 200 || r.body != "6" {
		t.Fatalf("waiting GET: %d %q, want \"6\"", r.status, r.body)
	}
	ev := s.expectReason(sid, engineio.ReasonTransportClose)
	if ev.err != nil {
		t.Errorf("error %v", ev.err)
	}
	expectError(t, s.eioPoll(sid), 400, 1, "Session ID unknown")
	if err := s.sock(sid).sock.Send([]byte("x"), false); err != engineio.ErrSessionClosed {
		t.Errorf("Send on a closed session: %v", err)
	}
}

func TestPollingClientCloseRacingPoll(t *testing.T) {
	t.Parallel()
	// The close packet arrives before the client's GET: the GET is still
	// answered (with a noop), not refused.
	s := newTestServer(t, nil)
	sid := s.eioSession()
	s.eioPushOK(sid, "1")
	s.expectReason(sid, engineio.ReasonTransportClose)
	if r := s.eioPoll(sid); r.status != 200 || r.body != "6" {
		t.Fatalf("GET after the close packet: %d %q, want \"6\"", r.status, r.body)
	}
	expectError(t, s.eioPoll(sid), 400, 1, "Session ID unknown")
}

func TestPollingClosePacketAfterMessages(t *testing.T) {
	t.Parallel()
	s := newTestServerWith(t, nil, serverConfig{noEcho: true})
	sid := s.eioSession()
	s.eioPushOK(sid, "4a\x1e4b\x1e1\x1e4c")
	if m := s.nextMessage(sid); string(m.Data) != "a" {
		t.Fatalf("%q", m.Data)
	}
	if m := s.nextMessage(sid); string(m.Data) != "b" {
		t.Fatalf("%q", m.Data)
	}
	s.expectReason(sid, engineio.ReasonTransportClose)
	select {
	case m := <-s.sock(sid).msgs:
		t.Fatalf("message %q delivered after the close packet", m.Data)
	case <-time.After(20 * time.Millisecond):
	}
}

func TestPollingForcedClose(t *testing.T) {
	t.Parallel()
	t.Run("with a waiting GET", func(t *testing.T) {
		t.Parallel()
		s := newTestServer(t, nil)
		sid := s.eioSession()
		p := s.eioPollAsync(sid)
		s.waitPoll(sid)
		a := s.sock(sid)
		_ = a.sock.Send([]byte("bye"), false)
		a.sock.Close()
		a.sock.Close() // idempotent
		ev := s.expectReason(sid, engineio.ReasonForcedClose)
		if ev.err != nil {
			t.Errorf("error %v", ev.err)
		}
		// the waiting GET may have taken "bye" before the close
		body := p.wait(t).body
		if body == "4bye" {
			body = s.eioPollOK(sid)
		} else if body != "4bye\x1e1" {
			t.Fatalf("GET answered %q, want \"4bye\" then \"1\"", body)
		} else {
			body = "1"
		}
		if body != "1" {
			t.Fatalf("final GET %q", body)
		}
		if a.closeCalls() != 1 || a.sock.CloseReason() != engineio.ReasonForcedClose {
			t.Errorf("OnClose calls %d, reason %q", a.closeCalls(), a.sock.CloseReason())
		}
		select {
		case <-a.sock.Done():
		default:
			t.Error("Done not closed")
		}
	})
	t.Run("with queued packets and no GET", func(t *testing.T) {
		t.Parallel()
		s := newTestServer(t, nil)
		sid := s.eioSession()
		a := s.sock(sid)
		_ = a.sock.Send([]byte("one"), false)
		_ = a.sock.Send([]byte("two"), false)
		a.sock.Close()
		s.expectReason(sid, engineio.ReasonForcedClose)
		if got := s.eioPollOK(sid); got != "4one\x1e4two\x1e1" {
			t.Fatalf("GET after close %q", got)
		}
		expectError(t, s.eioPoll(sid), 400, 1, "Session ID unknown")
	})
	t.Run("with nothing queued and no GET", func(t *testing.T) {
		t.Parallel()
		// As the Node.js server does, the client's next GET gets the close
		// packet: a client between two polls sees a clean close.
		s := newTestServer(t, nil)
		sid := s.eioSession()
		a := s.sock(sid)
		a.sock.Close()
		s.expectReason(sid, engineio.ReasonForcedClose)
		if r := s.eioPoll(sid); r.status != 200 || r.body != "1" {
			t.Fatalf("GET after close: %d %q, want \"1\"", r.status, r.body)
		}
		expectError(t, s.eioPoll(sid), 400, 1, "Session ID unknown")
	})
}

func TestPollingPostDuringWaitingGet(t *testing.T) {
	t.Parallel()
	// The usual client: a GET always waiting, POSTs beside it.
	s := newTestServer(t, nil)
	sid := s.eioSession()
	var got []string
	for i := range 20 {
		p := s.eioPollAsync(sid)
		s.waitPoll(sid)
		s.eioPushOK(sid, fmt.Sprintf("4n%d", i))
		got = append(got, p.wait(t).body)
	}
	for i, g := range got {
		if g != fmt.Sprintf("4n%d", i) {
			t.Fatalf("round %d: %q", i, g)
		}
	}
}

func TestPollingHandlersMountedAlone(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil)
	mux := http.NewServeMux()
	mux.Handle("/poll/", s.srv.LongPolling())
	mux.Handle("/ws/", s.srv.WebSocket())
	alone := newServerOn(t, s.srv, mux, "/poll/")
	sid := parseOpen(t, alone.do("GET", alone.url("EIO", "4", "transport", "polling"), nil, nil).body).SID
	alone.eioPushOK(sid, "4via-poll")
	if got := alone.eioPollOK(sid); got != "4via-poll" {
		t.Fatalf("poll %q", got)
	}
	// the long-polling handler refuses websocket upgrades
	_, resp, err := alone.wsDial(wsDialConfig{}, "EIO", "4", "transport", "websocket")
	if err == nil || resp == nil || resp.StatusCode != 400 {
		t.Fatalf("websocket through the polling handler: %v", err)
	}
	// the websocket handler refuses plain requests, serves websockets
	alone.base = alone.ts.URL + "/ws/"
	expectError(t, alone.do("GET", alone.url("EIO", "4", "transport", "polling"), nil, nil), 400, 3, "Bad request")
	w, _, err := alone.wsDial(wsDialConfig{}, "EIO", "4", "transport", "websocket")
	if err != nil {
		t.Fatal(err)
	}
	o := parseOpen(t, w.nextText())
	w.send("4via-ws")
	w.expectText("4via-ws")
	s.expectOpen(o.SID)
}
