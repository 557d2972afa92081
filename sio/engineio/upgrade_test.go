package engineio_test

import (
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/gosio/gosio/sio/engineio"
)

func TestUpgrade(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil)
	sid := s.eioSession()
	a := s.sock(sid)
	pending := s.eioPollAsync(sid)
	s.waitPoll(sid)

	w, _, err := s.wsDial(wsDialConfig{}, "EIO", "4", "transport", "websocket", "sid", sid)
	if err != nil {
		t.Fatal(err)
	}
	w.send("2probe")
	w.expectText("3probe")
	// the waiting GET ends with a noop
	if r := pending.wait(t); r.status != 200 || r.body != "6" {
		t.Fatalf("waiting GET: %d %q, want \"6\"", r.status, r.body)
	}
	if tr := a.sock.Transport(); tr != engineio.TransportPolling {
		t.Fatalf("transport before the upgrade packet: %q", tr)
	}
	w.send("5")
	w.send("4hello")
	w.expectText("4hello")
	if tr := a.sock.Transport(); tr != engineio.TransportWebSocket {
		t.Fatalf("transport after the upgrade: %q", tr)
	}

	// long-polling requests on the upgraded session are refused, and leave
	// it alone
	expectError(t, s.eioPoll(sid), 400, 3, "Bad request")
	expectError(t, s.eioPush(sid, "4x"), 400, 3, "Bad request")

	// a second websocket for the session is accepted, then closed at once
	w2, _, err := s.wsDial(wsDialConfig{}, "EIO", "4", "transport", "websocket", "sid", sid)
	if err != nil {
		t.Fatalf("second websocket refused: %v", err)
	}
	w2.expectEnd()

	w.send("4still here")
	w.expectText("4still here")
	s.expectOpen(sid)
	if s.srv.ClientsCount() != 1 {
		t.Fatalf("%d sessions", s.srv.ClientsCount())
	}

	// the upgraded session closes as a websocket one does
	_ = w.c.Close(websocket.StatusNormalClosure, "")
	s.expectReason(sid, engineio.ReasonTransportClose)
}

// Until the upgrade packet arrives, long-polling is still the session's
// transport and is flushed as usual (as with the Node.js server): a GET
// after the probe gets what is queued at once; one with nothing to send
// gets a noop, which lets the client finish the upgrade. What is sent
// after the upgrade goes over the websocket.
func TestUpgradePacketsQueuedDuringUpgrade(t *testing.T) {
	t.Parallel()
	s := newTestServerWith(t, nil, serverConfig{noEcho: true})
	sid := s.eioSession()
	a := s.sock(sid)
	_ = a.sock.Send([]byte("before"), false) // queued, never polled

	w := s.wsProbe(sid)
	want := []string{"4before"}
	for i := range 5 {
		msg := fmt.Sprintf("during%d", i)
		_ = a.sock.Send([]byte(msg), i == 2)
		if i == 2 {
			want = append(want, "b"+base64.StdEncoding.EncodeToString([]byte(msg)))
		} else {
			want = append(want, "4"+msg)
		}
	}
	// a GET during the upgrade gets the packets
	if got := s.eioPollOK(sid); got != strings.Join(want, "\x1e") {
		t.Fatalf("GET during the upgrade: %q, want %q", got, strings.Join(want, "\x1e"))
	}
	// and, with nothing queued, a noop
	if got := s.eioPollOK(sid); got != "6" {
		t.Fatalf("empty GET during the upgrade: %q, want \"6\"", got)
	}
	w.send("5")
	_ = a.sock.Send([]byte("after"), false)
	w.expectText("4after")
	w.expectNothing(50 * time.Millisecond)
}

// The raw reproduction: a packet the application sends in answer
// to a POST made after the probe (here an echo) is answered at once to the
// next GET, not held for the upgrade behind a noop.
func TestUpgradeGetAfterProbeGetsTheReply(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil) // echoes
	sid := s.eioSession()
	w := s.wsProbe(sid)
	s.eioPushOK(sid, "40")
	if got := s.eioPollOK(sid); got != "40" {
		t.Fatalf("GET after the probe: %q, want the echo \"40\"", got)
	}
	w.send("5")
	w.send("4x")
	w.expectText("4x")
}

func TestUpgradeMessagesInEveryPhase(t *testing.T) {
	t.Parallel()
	// Messages are sent all along while the client polls, probes and
	// upgrades: each arrives once, in order, on one transport or the other.
	// The client does what engine.io-client does: once it has "3probe", it
	// lets the GET in flight return and sends "5"; in odd rounds it polls
	// once more after the probe first (a poll that crossed the probe).
	s := newTestServerWith(t, nil, serverConfig{noEcho: true})
	for round := range 10 {
		sid := s.eioSession()
		a := s.sock(sid)
		stop := make(chan struct{})
		sent := make(chan int, 1)
		go func() {
			i := 0
			defer func() { sent <- i }()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if a.sock.Send([]byte(fmt.Sprintf("%d", i)), false) != nil {
					return
				}
				i++
				time.Sleep(200 * time.Microsecond)
			}
		}()
		var got []string
		collect := func(body string) {
			for rec := range strings.SplitSeq(body, "\x1e") {
				if rec != "6" {
					got = append(got, rec)
				}
			}
		}
		for len(got) < 20 {
			collect(s.eioPollOK(sid))
		}
		pending := s.eioPollAsync(sid)
		w := s.wsProbe(sid)
		collect(pending.wait(t).body)
		if round%2 == 1 {
			collect(s.eioPollOK(sid))
		}
		w.send("5")
		close(stop)
		n := <-sent
		for len(got) < n {
			got = append(got, w.next().String())
		}
		for i, g := range got {
			if g != fmt.Sprintf("4%d", i) {
				t.Fatalf("round %d: message %d is %q (of %d)", round, i, g, n)
			}
		}
		w.expectNothing(5 * time.Millisecond)
		w.closeNow()
	}
}

func TestUpgradeRaceWithWaitingGet(t *testing.T) {
	t.Parallel()
	// A client that sends the upgrade packet right after the probe's
	// answer, while its GET may still be on its way out: the GET must end
	// (noop or 400), and nothing sent afterwards may go to it.
	s := newTestServerWith(t, nil, serverConfig{noEcho: true})
	for round := range 30 {
		sid := s.eioSession()
		a := s.sock(sid)
		pending := s.eioPollAsync(sid)
		s.waitPoll(sid)
		w := s.wsProbe(sid)
		w.send("5")
		eventually(t, "upgrade done", func() bool { return a.sock.Transport() == engineio.TransportWebSocket })
		for i := range 3 {
			_ = a.sock.Send([]byte(fmt.Sprintf("m%d", i)), false)
		}
		for i := range 3 {
			if m := w.nextText(); m != fmt.Sprintf("4m%d", i) {
				t.Fatalf("round %d: frame %q", round, m)
			}
		}
		r := pending.wait(t)
		if !(r.status == 200 && r.body == "6") && r.status != 400 {
			t.Fatalf("round %d: the GET of the upgraded session got %d %q", round, r.status, r.body)
		}
		w.closeNow()
	}
}

func TestUpgradeTimeout(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, &engineio.Options{UpgradeTimeout: time.Second})
	sid := s.eioSession()
	w := s.wsProbe(sid)
	// no upgrade packet: the probe websocket is dropped
	w.expectEnd()
	// and the session goes on with long-polling
	s.eioPushOK(sid, "4polling")
	if got := s.eioPollOK(sid); got != "4polling" {
		t.Fatalf("poll %q", got)
	}
	s.expectOpen(sid)
	// a new upgrade can then succeed
	u := s.wsUpgrade(sid)
	u.send("4ws")
	u.expectText("4ws")
}

func TestUpgradeAbandoned(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil)
	cases := map[string]func(w *wsClient){
		"probe connection closed":      func(w *wsClient) { _ = w.c.Close(websocket.StatusNormalClosure, "") },
		"probe connection dropped":     func(w *wsClient) { _ = w.c.CloseNow() },
		"message before upgrade":       func(w *wsClient) { w.send("4early") },
		"binary frame before upgrade":  func(w *wsClient) { w.sendBinary([]byte{1}) },
		"upgrade packet without probe": nil,
	}
	for name, abandon := range cases {
		t.Run(name, func(t *testing.T) {
			sid := s.eioSession()
			var w *wsClient
			if abandon == nil {
				var err error
				w, _, err = s.wsDial(wsDialConfig{}, "EIO", "4", "transport", "websocket", "sid", sid)
				if err != nil {
					t.Fatal(err)
				}
				w.send("5")
			} else {
				w = s.wsProbe(sid)
				abandon(w)
			}
			w.expectEnd()
			s.eioPushOK(sid, "4x")
			// until the server has seen the probe go, a GET gets a noop
			got := s.eioPollOK(sid)
			for got == "6" {
				got = s.eioPollOK(sid)
			}
			if got != "4x" {
				t.Fatalf("poll after the abandoned upgrade: %q", got)
			}
			if tr := s.sock(sid).sock.Transport(); tr != engineio.TransportPolling {
				t.Fatalf("transport %q", tr)
			}
			s.expectOpen(sid)
		})
	}
}

func TestUpgradeSecondProbeRefused(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil)
	sid := s.eioSession()
	w := s.wsProbe(sid)
	w2, _, err := s.wsDial(wsDialConfig{}, "EIO", "4", "transport", "websocket", "sid", sid)
	if err != nil {
		t.Fatalf("second websocket refused: %v", err)
	}
	w2.expectEnd()
	w.send("5")
	w.send("4first")
	w.expectText("4first")
}

func TestUpgradeDisallowed(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, &engineio.Options{DisallowUpgrades: true})
	sid := s.eioSession()
	_, resp, err := s.wsDial(wsDialConfig{}, "EIO", "4", "transport", "websocket", "sid", sid)
	if err == nil || resp == nil || resp.StatusCode != 400 {
		t.Fatalf("upgrade allowed: %v", err)
	}
	s.eioPushOK(sid, "4x")
	if got := s.eioPollOK(sid); got != "4x" {
		t.Fatalf("poll %q", got)
	}
}

func TestUpgradeOfClosedSession(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil)
	sid := s.eioSession()
	w := s.wsProbe(sid)
	// the session closes during the upgrade: the probe goes with it
	s.eioPushOK(sid, "1")
	w.expectEnd()
	s.expectReason(sid, engineio.ReasonTransportClose)

	// a forced close once the probe was answered: the client is moving to
	// the websocket, so the upgrade completes, what was queued comes
	// there, then a normal close
	sid = s.eioSession()
	w = s.wsProbe(sid)
	a := s.sock(sid)
	_ = a.sock.Send([]byte("bye"), false)
	a.sock.Close()
	s.expectReason(sid, engineio.ReasonForcedClose)
	w.send("5")
	if err := w.expectEndAfter("4bye"); !isCloseStatus(err, websocket.StatusNormalClosure) {
		t.Fatalf("websocket ended with %v, want a normal closure", err)
	}
	expectError(t, s.eioPoll(sid), 400, 3, "Bad request")

	// the same with nothing queued
	sid = s.eioSession()
	w = s.wsProbe(sid)
	s.sock(sid).sock.Close()
	w.send("5")
	if err := w.expectEndAfter(); !isCloseStatus(err, websocket.StatusNormalClosure) {
		t.Fatalf("websocket ended with %v, want a normal closure", err)
	}
}

func TestForcedCloseDuringUnfinishedUpgrade(t *testing.T) {
	t.Parallel()
	// closed while probed, and the client never sends the upgrade packet:
	// the probe is dropped at the upgrade timeout, the queued packets go to
	// a last GET
	s := newTestServer(t, &engineio.Options{UpgradeTimeout: time.Second})
	sid := s.eioSession()
	w := s.wsProbe(sid)
	a := s.sock(sid)
	_ = a.sock.Send([]byte("bye"), false)
	a.sock.Close()
	w.expectEnd()
	s.expectReason(sid, engineio.ReasonForcedClose)
	if r := s.eioPoll(sid); r.status != 200 || r.body != "4bye\x1e1" {
		t.Fatalf("GET after the abandoned upgrade: %d %q", r.status, r.body)
	}
	// closed before the probe was answered: the probe goes at once
	sid = s.eioSession()
	p, _, err := s.wsDial(wsDialConfig{}, "EIO", "4", "transport", "websocket", "sid", sid)
	if err != nil {
		t.Fatal(err)
	}
	s.sock(sid).sock.Close()
	p.send("2probe")
	p.expectEnd()
	if r := s.eioPoll(sid); r.status != 200 || r.body != "1" {
		t.Fatalf("GET after the close: %d %q", r.status, r.body)
	}
}

// A client that closes its session over long-polling while a probe
// websocket is open (the Admin UI does, on a refused login) leaves no
// session behind: its probe then fails, and the session is unregistered
// once its final GET comes or PingTimeout has passed, as when no probe was
// open. The probe's failure stopped the timer that unregisters it, so the
// session stayed in the server's count until shutdown.
func TestClientCloseDuringProbeUnregisters(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, &engineio.Options{PingInterval: time.Second, PingTimeout: 300 * time.Millisecond})
	sid := s.eioSession()
	w, _, err := s.wsDial(wsDialConfig{}, "EIO", "4", "transport", "websocket", "sid", sid)
	if err != nil {
		t.Fatal(err)
	}
	w.send("2probe")
	w.expectText("3probe")
	if r := s.do("POST", s.pollURL(sid), strings.NewReader("1"), nil); r.status != 200 {
		t.Fatalf("close packet: %d %q", r.status, r.body)
	}
	if ev := s.waitClose(sid); ev.reason != engineio.ReasonTransportClose {
		t.Fatalf("closed with %q", ev.reason)
	}
	w.closeNow()
	deadline := time.Now().Add(5 * time.Second)
	for s.srv.ClientsCount() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d sessions still registered 5 s after a close with PingTimeout 300 ms", s.srv.ClientsCount())
		}
		time.Sleep(20 * time.Millisecond)
	}
}
