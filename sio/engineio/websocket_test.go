package engineio_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/gosio/gosio/sio/engineio"
)

func TestWebSocketMessages(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil)
	w, o := s.wsOpen()
	w.send("4hello")
	w.expectText("4hello")
	w.sendBinary([]byte{1, 2, 3, 4})
	if m := w.next(); m.typ != websocket.MessageBinary || !bytes.Equal(m.data, []byte{1, 2, 3, 4}) {
		t.Fatalf("binary echo %v %q", m.typ, m.data)
	}
	w.send("4")
	w.expectText("4")
	w.sendBinary(nil)
	if m := w.next(); m.typ != websocket.MessageBinary || len(m.data) != 0 {
		t.Fatalf("empty binary echo %v %q", m.typ, m.data)
	}
	// a base64 record in a text frame is a binary message too, as the
	// Node.js parser reads it
	w.send("bAQI=")
	if m := w.next(); m.typ != websocket.MessageBinary || !bytes.Equal(m.data, []byte{1, 2}) {
		t.Fatalf("base64 text frame echo %v %q", m.typ, m.data)
	}
	a := s.sock(o.SID)
	for _, want := range []engineio.Message{
		{Data: []byte("hello")}, {Data: []byte{1, 2, 3, 4}, Binary: true}, {Data: []byte{}}, {Data: []byte{}, Binary: true}, {Data: []byte{1, 2}, Binary: true},
	} {
		m := <-a.msgs
		if !bytes.Equal(m.Data, want.Data) || m.Binary != want.Binary {
			t.Fatalf("application got %q/%v, want %q/%v", m.Data, m.Binary, want.Data, want.Binary)
		}
	}
	// packets without meaning from a client are ignored
	w.send("6")
	w.send("5")
	w.send("0")
	w.send("3")
	w.send("4still")
	w.expectText("4still")
	s.expectOpen(o.SID)
}

func TestWebSocketManyMessagesInOrder(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil)
	w, _ := s.wsOpen()
	const n = 2000
	go func() {
		for i := range n {
			if i%3 == 0 {
				_ = w.write(websocket.MessageBinary, []byte(fmt.Sprintf("b%d", i)))
			} else {
				_ = w.write(websocket.MessageText, []byte(fmt.Sprintf("4t%d", i)))
			}
		}
	}()
	for i := range n {
		m := w.next()
		want := fmt.Sprintf("4t%d", i)
		if i%3 == 0 {
			want = fmt.Sprintf("binary:b%d", i)
		}
		if m.String() != want {
			t.Fatalf("message %d: %q, want %q", i, m, want)
		}
	}
}

func TestWebSocketConcurrentSenders(t *testing.T) {
	t.Parallel()
	s := newTestServerWith(t, nil, serverConfig{noEcho: true})
	w, o := s.wsOpen()
	a := s.sock(o.SID)
	const senders, each = 8, 200
	var wg sync.WaitGroup
	for g := range senders {
		wg.Go(func() {
			for i := range each {
				if err := a.sock.Send([]byte(fmt.Sprintf("%d:%d", g, i)), false); err != nil {
					t.Errorf("Send: %v", err)
					return
				}
			}
		})
	}
	// groups stay together
	wg.Go(func() {
		for i := range each {
			_ = a.sock.SendGroup([]engineio.Message{{Data: []byte(fmt.Sprintf("g%d", i))}, {Data: []byte{byte(i)}, Binary: true}})
		}
	})
	next := make([]int, senders)
	group := 0
	for range senders*each + each {
		m := w.next()
		if m.typ == websocket.MessageBinary {
			t.Fatalf("binary frame %v out of its group", m.data)
		}
		var g, i int
		if strings.HasPrefix(string(m.data), "4g") {
			if _, err := fmt.Sscanf(string(m.data), "4g%d", &i); err != nil || i != group {
				t.Fatalf("group %q, want %d", m.data, group)
			}
			if b := w.next(); b.typ != websocket.MessageBinary || !bytes.Equal(b.data, []byte{byte(i)}) {
				t.Fatalf("group %d followed by %q", i, b)
			}
			group++
			continue
		}
		if _, err := fmt.Sscanf(string(m.data), "4%d:%d", &g, &i); err != nil {
			t.Fatalf("frame %q", m.data)
		}
		if i != next[g] {
			t.Fatalf("sender %d: message %d after %d", g, i, next[g]-1)
		}
		next[g]++
	}
	wg.Wait()
}

func TestWebSocketClientCloses(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil)
	t.Run("close frame", func(t *testing.T) {
		w, o := s.wsOpen()
		if err := w.c.Close(websocket.StatusNormalClosure, ""); err != nil {
			t.Fatal(err)
		}
		ev := s.expectReason(o.SID, engineio.ReasonTransportClose)
		if s.srv.Session(o.SID) != nil {
			t.Error("session still registered")
		}
		_ = ev
	})
	t.Run("going away", func(t *testing.T) {
		w, o := s.wsOpen()
		_ = w.c.Close(websocket.StatusGoingAway, "bye")
		s.expectReason(o.SID, engineio.ReasonTransportClose)
	})
	t.Run("connection dropped", func(t *testing.T) {
		w, o := s.wsOpen()
		_ = w.c.CloseNow()
		s.expectReason(o.SID, engineio.ReasonTransportClose)
	})
	t.Run("close packet", func(t *testing.T) {
		w, o := s.wsOpen()
		w.send("1")
		w.expectEnd()
		s.expectReason(o.SID, engineio.ReasonTransportClose)
		eventually(t, "session unregistered", func() bool { return s.srv.Session(o.SID) == nil })
	})
	t.Run("error status", func(t *testing.T) {
		w, o := s.wsOpen()
		_ = w.c.Close(websocket.StatusInternalError, "broken")
		s.expectReason(o.SID, engineio.ReasonTransportError)
	})
}

func TestWebSocketForcedClose(t *testing.T) {
	t.Parallel()
	s := newTestServerWith(t, nil, serverConfig{noEcho: true})
	w, o := s.wsOpen()
	a := s.sock(o.SID)
	for i := range 100 {
		_ = a.sock.Send([]byte(fmt.Sprintf("m%d", i)), false)
	}
	a.sock.Close()
	a.sock.Close()
	s.expectReason(o.SID, engineio.ReasonForcedClose)
	// everything queued arrives, then a normal close
	want := make([]string, 100)
	for i := range want {
		want[i] = fmt.Sprintf("4m%d", i)
	}
	if err := w.expectEndAfter(want...); !isCloseStatus(err, websocket.StatusNormalClosure) {
		t.Fatalf("websocket ended with %v, want a normal closure", err)
	}
	if a.closeCalls() != 1 {
		t.Errorf("OnClose called %d times", a.closeCalls())
	}
	if err := a.sock.Send([]byte("late"), false); !errors.Is(err, engineio.ErrSessionClosed) {
		t.Errorf("Send after close: %v", err)
	}
	if s.srv.Session(o.SID) != nil {
		t.Error("session still registered")
	}
}

func TestWebSocketForcedCloseIdle(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil)
	w, o := s.wsOpen()
	s.sock(o.SID).sock.Close()
	if err := w.expectEndAfter(); !isCloseStatus(err, websocket.StatusNormalClosure) {
		t.Fatalf("websocket ended with %v, want a normal closure", err)
	}
	s.expectReason(o.SID, engineio.ReasonForcedClose)
}

// A client that never reads while the server sends a lot: its queue fills,
// it is closed with ErrQueueFull, and no Send ever blocks.
func TestWebSocketSlowClient(t *testing.T) {
	t.Parallel()
	s := newTestServerWith(t, &engineio.Options{MaxQueuedPackets: 16}, serverConfig{noEcho: true})
	w, _, err := s.wsDial(wsDialConfig{noRead: true}, "EIO", "4", "transport", "websocket")
	if err != nil {
		t.Fatal(err)
	}
	defer w.closeNow()
	a := <-s.opened
	big := bytes.Repeat([]byte("x"), 64<<10)
	result := make(chan error, 1)
	go func() {
		for range 5000 { // 320 MB: far more than any socket buffer
			if err := a.sock.Send(big, false); err != nil {
				result <- err
				return
			}
		}
		result <- nil
	}()
	select {
	case err := <-result:
		if !errors.Is(err, engineio.ErrQueueFull) {
			t.Fatalf("sending ended with %v, want ErrQueueFull", err)
		}
	case <-time.After(4 * waitTimeout):
		t.Fatal("the sender blocked")
	}
	ev := s.expectReason(a.sock.ID(), engineio.ReasonTransportError)
	if !errors.Is(ev.err, engineio.ErrQueueFull) {
		t.Errorf("close error %v, want ErrQueueFull", ev.err)
	}
	if err := a.sock.Send(big, false); !errors.Is(err, engineio.ErrSessionClosed) {
		t.Errorf("Send after the close: %v", err)
	}
	if err := a.sock.SendGroup([]engineio.Message{{Data: big}, {Data: big}}); !errors.Is(err, engineio.ErrSessionClosed) {
		t.Errorf("SendGroup after the close: %v", err)
	}
}

// A forced close of a websocket whose client stopped reading must not keep
// the connection and its goroutines forever: the drain is bounded.
func TestWebSocketForcedCloseOfStuckClient(t *testing.T) {
	t.Parallel()
	s := newTestServerWith(t, &engineio.Options{PingTimeout: 300 * time.Millisecond}, serverConfig{noEcho: true})
	w, _, err := s.wsDial(wsDialConfig{noRead: true}, "EIO", "4", "transport", "websocket")
	if err != nil {
		t.Fatal(err)
	}
	defer w.closeNow()
	a := <-s.opened
	big := bytes.Repeat([]byte("x"), 64<<10)
	for range 200 { // 12.5 MB: the writer is stuck behind full socket buffers
		if err := a.sock.Send(big, false); err != nil {
			t.Fatal(err)
		}
	}
	a.sock.Close()
	s.expectReason(a.sock.ID(), engineio.ReasonForcedClose)
	ctx, cancel := context.WithTimeout(context.Background(), 3*waitTimeout)
	defer cancel()
	if err := s.srv.Shutdown(ctx); err != nil {
		t.Fatalf("the stuck websocket's goroutines did not end: Shutdown: %v", err)
	}
}

func TestPerMessageDeflate(t *testing.T) {
	t.Parallel()
	big := "4" + strings.Repeat("compress me ", 500)
	t.Run("enabled", func(t *testing.T) {
		t.Parallel()
		s := newTestServer(t, &engineio.Options{PerMessageDeflate: &engineio.CompressionOptions{Threshold: 100}})
		w, resp, err := s.wsDial(wsDialConfig{compress: true}, "EIO", "4", "transport", "websocket")
		if err != nil {
			t.Fatal(err)
		}
		if ext := resp.Header.Get("Sec-WebSocket-Extensions"); !strings.Contains(ext, "permessage-deflate") {
			t.Fatalf("extensions %q, want permessage-deflate", ext)
		}
		parseOpen(t, w.nextText())
		w.send(big)
		w.expectText(big)
		// the upgrade websocket negotiates it too
		sid := s.eioSession()
		u, resp, err := s.wsDial(wsDialConfig{compress: true}, "EIO", "4", "transport", "websocket", "sid", sid)
		if err != nil {
			t.Fatal(err)
		}
		if ext := resp.Header.Get("Sec-WebSocket-Extensions"); !strings.Contains(ext, "permessage-deflate") {
			t.Fatalf("upgrade extensions %q", ext)
		}
		u.send("2probe")
		u.expectText("3probe")
		u.send("5")
		u.send(big)
		u.expectText(big)
	})
	for name, opts := range map[string]*engineio.Options{
		"default":  nil,
		"disabled": {PerMessageDeflate: &engineio.CompressionOptions{Disabled: true}},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := newTestServer(t, opts)
			w, resp, err := s.wsDial(wsDialConfig{compress: true}, "EIO", "4", "transport", "websocket")
			if err != nil {
				t.Fatal(err)
			}
			if ext := resp.Header.Get("Sec-WebSocket-Extensions"); ext != "" {
				t.Fatalf("extensions %q, want none", ext)
			}
			parseOpen(t, w.nextText())
			w.send(big)
			w.expectText(big)
		})
	}
}

func TestWebSocketHandshakeCookie(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, &engineio.Options{Cookie: &engineio.CookieOptions{}})
	w, resp, err := s.wsDial(wsDialConfig{}, "EIO", "4", "transport", "websocket")
	if err != nil {
		t.Fatal(err)
	}
	o := parseOpen(t, w.nextText())
	if c := resp.Header.Get("Set-Cookie"); c != "io="+o.SID+"; Path=/; SameSite=Lax" {
		t.Fatalf("Set-Cookie %q", c)
	}
}
