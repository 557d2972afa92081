package socketio

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"
)

// A handler calls EmitWithAckFunc and returns: the official client's later
// events are handled before its acknowledgement arrives, which then reaches
// the callback on the socket's mailbox; an unanswered one times out with
// ErrAckTimeout and leaves no ack behind.
func TestInteropEmitWithAckFuncDoesNotStallTheSocket(t *testing.T) {
	for _, tr := range interopTransports {
		t.Run(tr.name, func(t *testing.T) {
			e := newTestEnv(t, nil)
			steps := make(chan string, 16)
			socks := socketCh(e.srv)
			e.srv.OnConnection(func(s *NamespaceSocket) {
				s.On("start", func(*Event) {
					err := s.Timeout(waitFor).EmitWithAckFunc("question", func(a Args, err error) {
						var answer string
						_ = a.Decode(&answer)
						steps <- fmt.Sprintf("answer %q %v", answer, err)
					}, "why?")
					steps <- fmt.Sprintf("start returned %v", err)
				})
				s.On("later", func(*Event) { steps <- "later" })
				s.On("unanswered", func(*Event) {
					_ = s.Timeout(100*time.Millisecond).EmitWithAckFunc("ignored", func(_ Args, err error) {
						steps <- fmt.Sprintf("timeout %v", errors.Is(err, ErrAckTimeout))
					})
				})
			})
			n := newNodeClient(t, e)
			n.connect("a", "/", tr.opts, nil)
			s := waitChan(t, socks, "connection")
			n.emit("a", "start")
			q := n.recv("a", "question")
			if !sameJSON(t, q["args"], []any{"why?"}) {
				t.Fatalf("question %v", q)
			}
			if got := waitChan(t, steps, "start"); got != "start returned <nil>" {
				t.Fatalf("got %q", got)
			}
			n.emit("a", "later")
			if got := waitChan(t, steps, "later"); got != "later" {
				t.Fatalf("got %q before the later event", got)
			}
			n.send(map[string]any{"cmd": "ack", "id": "a", "key": q["ackKey"], "args": []any{"because"}})
			if got := waitChan(t, steps, "answer"); got != `answer "because" <nil>` {
				t.Fatalf("got %q", got)
			}
			n.emit("a", "unanswered")
			n.recv("a", "ignored")
			if got := waitChan(t, steps, "timeout"); got != "timeout true" {
				t.Fatalf("got %q", got)
			}
			if k := pendingAcks(s); k != 0 {
				t.Fatalf("%d acks left", k)
			}
		})
	}
}

// The broadcast form: the callback gets every client's response, or those
// that came and ErrAckTimeout; the emitting handler returns at once.
func TestInteropBroadcastEmitWithAckFunc(t *testing.T) {
	e := newTestEnv(t, nil)
	results := make(chan string, 4)
	socks := socketCh(e.srv)
	n := newNodeClient(t, e)
	n.connect("a", "/", wsOnly, nil)
	n.connect("b", "/", wsOnly, nil)
	a, b := waitChan(t, socks, "a"), waitChan(t, socks, "b")
	report := func(res []Args, err error) {
		var got []string
		for _, r := range res {
			var v string
			_ = r.Decode(&v)
			got = append(got, v)
		}
		results <- fmt.Sprintf("%d %v %v", len(got), errors.Is(err, ErrAckTimeout), err == nil)
	}
	if err := e.srv.Timeout(waitFor).EmitWithAckFunc("vote", report, 1); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"a", "b"} {
		v := n.recv(id, "vote")
		n.send(map[string]any{"cmd": "ack", "id": id, "key": v["ackKey"], "args": []any{id}})
	}
	if got := waitChan(t, results, "complete broadcast"); got != "2 false true" {
		t.Fatalf("got %q", got)
	}
	if err := e.srv.Timeout(200*time.Millisecond).EmitWithAckFunc("vote", report, 2); err != nil {
		t.Fatal(err)
	}
	v := n.recv("a", "vote") // only a answers
	n.send(map[string]any{"cmd": "ack", "id": "a", "key": v["ackKey"], "args": []any{"a"}})
	n.recv("b", "vote")
	if got := waitChan(t, results, "timed-out broadcast"); got != "1 true false" {
		t.Fatalf("got %q", got)
	}
	if pendingAcks(a)+pendingAcks(b) != 0 {
		t.Fatalf("acks left: %d, %d", pendingAcks(a), pendingAcks(b))
	}
}

// The deadlock with the official client: it sends 1,074 events;
// the handler of the first, once the mailbox is full, asks the client a
// question with EmitWithAck and gets the answer, and every event is then
// handled.
func TestInteropEmitWithAckFromAHandlerWhileTheMailboxIsFull(t *testing.T) {
	e := newTestEnv(t, nil)
	socks := socketCh(e.srv)
	full := make(chan struct{})
	answer := make(chan string, 1)
	var handled atomic.Int32
	e.srv.OnConnection(func(s *NamespaceSocket) {
		s.On("ev", func(ev *Event) {
			if handled.Add(1) == 1 {
				<-full
				ctx, cancel := context.WithTimeout(context.Background(), waitFor)
				defer cancel()
				a, err := s.EmitWithAck(ctx, "question")
				var v string
				_ = a.Decode(&v)
				answer <- fmt.Sprintf("%q %v", v, err)
			}
		})
	})
	n := newNodeClient(t, e)
	n.connect("a", "/", wsOnly, nil)
	s := waitChan(t, socks, "connection")
	const total = mailboxLimit + 50
	for i := range total {
		n.emit("a", "ev", i)
	}
	eventually(t, "the mailbox to fill", func() bool { return queuedTasks(s) >= mailboxLimit })
	close(full)
	q := n.recv("a", "question")
	n.send(map[string]any{"cmd": "ack", "id": "a", "key": q["ackKey"], "args": []any{"yes"}})
	if got := waitChan(t, answer, "the answer"); got != `"yes" <nil>` {
		t.Fatalf("EmitWithAck returned %s", got)
	}
	eventually(t, "every event handled", func() bool { return handled.Load() == total })
}
