package engineio_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/gosio/gosio/sio/engineio"
	"github.com/gosio/gosio/sio/internal/eiolink"
)

// inlineApp is an application that leaves every websocket message to the
// reader to run (as the Socket.IO server leaves an event whose socket is
// idle): "block" waits until "release" is delivered, which only a reader
// can read; every message run is reported on ran, in the order run.
type inlineApp struct {
	release chan struct{}
	ran     chan string
	// beforeBlock runs in the handler of "block", before it waits.
	beforeBlock func()
}

func newInlineApp() *inlineApp {
	return &inlineApp{release: make(chan struct{}), ran: make(chan string, 1024)}
}

func (a *inlineApp) install(sock *engineio.EngineIOSocket) {
	eiolink.Receive(sock, &eiolink.Funcs{
		Message: func(data []byte, _, here bool) any {
			m := string(data)
			if m == "release" {
				close(a.release)
				return nil
			}
			if !here {
				a.ran <- "not here: " + m
				return nil
			}
			return m
		},
		Here: func(left any) {
			m := left.(string)
			if m == "block" {
				if a.beforeBlock != nil {
					a.beforeBlock()
				}
				select {
				case <-a.release:
				case <-time.After(waitTimeout):
					m = "block: stranded"
				}
			}
			a.ran <- m
		},
		Close: func(string, error) {},
	})
}

// expectRun reads what the application ran, in order.
func (a *inlineApp) expectRun(t *testing.T, want ...string) {
	t.Helper()
	for _, w := range want {
		select {
		case got := <-a.ran:
			if got != w {
				t.Fatalf("ran %q, want %q", got, w)
			}
		case <-time.After(2 * waitTimeout):
			t.Fatalf("%q was never run", w)
		}
	}
}

// A handler the reader runs that blocks on what only its own client can
// send: the watch hands the reading to a new goroutine, which reads the
// message, and the connection then has exactly one reader: what follows
// is delivered once each, in order.
func TestWatchHandsOnAReaderWhoseHandlerBlocks(t *testing.T) {
	app := newInlineApp()
	s := newTestServerWith(t, nil, serverConfig{noEcho: true, onOpen: app.install})
	w, _ := s.wsOpen()
	w.send("4block")
	w.send("4release")
	app.expectRun(t, "block")
	var want []string
	for i := range 200 {
		m := fmt.Sprintf("m%d", i)
		w.send("4" + m)
		want = append(want, m)
	}
	app.expectRun(t, want...)
	select {
	case m := <-app.ran:
		t.Fatalf("ran %q besides", m)
	case <-time.After(50 * time.Millisecond):
	}
}

// eiolink.HandOffReaders hands the reading on at once, without the watch
// (whose period is an hour here): a handler that is about to wait for its
// own client calls it.
func TestHandOffReadersBeforeAWait(t *testing.T) {
	app := newInlineApp()
	srv := engineio.NewServer(nil)
	engineio.SetWatchPeriod(srv, time.Hour)
	app.beforeBlock = func() { eiolink.HandOffReaders(srv) }
	s := newBareServer(t, srv)
	srv.OnConnection(app.install)
	w, _ := s.wsOpen()
	w.send("4block")
	w.send("4release")
	app.expectRun(t, "block")
	w.send("4after")
	app.expectRun(t, "after")
}

// A long-polling POST is not a reader that can run a handler: its messages
// are delivered with here false.
func TestPollingDeliversNothingHere(t *testing.T) {
	app := newInlineApp()
	s := newTestServerWith(t, nil, serverConfig{noEcho: true, onOpen: app.install})
	sid := s.eioSession()
	s.eioPushOK(sid, "4hello")
	app.expectRun(t, "not here: hello")
}
