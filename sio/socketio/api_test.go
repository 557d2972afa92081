package socketio

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestServerAccessors(t *testing.T) {
	e := newTestEnv(t, nil)
	if e.srv.Path() != "/socket.io/" || e.srv.Engine() == nil || e.srv.Engine().Path() != "/socket.io/" {
		t.Fatalf("Path %q, engine path %q", e.srv.Path(), e.srv.Engine().Path())
	}
	n := e.srv.Of("chat") // a missing slash is added
	if n.Name() != "/chat" || e.srv.Of("/chat") != n || n.Server() != e.srv {
		t.Fatalf("Of(chat) = %q", n.Name())
	}
	if e.srv.Of("") != e.srv.Of("/") {
		t.Fatal(`Of("") is not the main namespace`)
	}
	// Operators with nobody to reach.
	if res, err := e.srv.EmitWithAck(context.Background(), "x"); err != nil || len(res) != 0 {
		t.Fatalf("EmitWithAck with no socket: %v %v", res, err)
	}
	if err := n.In("r").Emit("x"); err != nil {
		t.Fatal(err)
	}
	ce := NewConnectError("nope", 1)
	if !strings.Contains(ce.Error(), "nope") {
		t.Fatalf("ConnectError.Error() = %q", ce.Error())
	}
	var target *ConnectError
	if !errors.As(error(ce), &target) {
		t.Fatal("errors.As")
	}
}

func TestEmitterModifiers(t *testing.T) {
	e := newTestEnv(t, nil)
	c, s := e.connected(socketCh(e.srv))
	// An idle websocket is writable: a volatile event goes out.
	eventually(t, "writable", s.client.conn.Writable)
	if err := s.Compress(true).Volatile().Timeout(time.Second).Emit("v", 1); err != nil {
		t.Fatal(err)
	}
	c.expect(`2["v",1]`)
	base := s.Timeout(time.Second)
	_ = base.Volatile() // a copy: base stays as it was
	if base.volatile {
		t.Fatal("SocketEmitter modifiers change the receiver")
	}
}

func TestArgsAccessors(t *testing.T) {
	e := newTestEnv(t, nil)
	c, s := e.connected(socketCh(e.srv))
	type seen struct {
		raw0, raw5 string
		any5       any
		errAt      error
		errDecode  error
		decoded    int
	}
	ch := make(chan seen, 1)
	s.On("ev", func(ev *Event) {
		var sn seen
		sn.raw0 = string(ev.Raw(0))
		sn.raw5 = string(ev.Raw(5))
		sn.any5 = ev.Any(5)
		var x int
		sn.errAt = ev.DecodeAt(5, &x)
		var str string
		sn.errDecode = ev.Decode(&str) // fewer targets than arguments
		var a, b, extra int
		extra = -1
		_ = ev.Args.Decode(new(string), &a, &b, &extra)
		sn.decoded = a + b*10
		if extra != -1 {
			t.Error("Decode touched a target beyond the arguments")
		}
		ch <- sn
	})
	c.send(`2["ev","a",1,2]`)
	sn := waitChan(t, ch, "event")
	if sn.raw0 != `"a"` || sn.raw5 != "" || sn.any5 != nil || sn.errAt == nil || sn.errDecode != nil || sn.decoded != 21 {
		t.Fatalf("%+v", sn)
	}
}

func TestAckWithArgumentsThatDoNotEncode(t *testing.T) {
	e := newTestEnv(t, nil)
	c, s := e.connected(socketCh(e.srv))
	errs := make(chan error, 2)
	s.On("q", func(ev *Event) {
		errs <- ev.Ack(make(chan int)) // does not encode
		errs <- ev.Ack("fixed")
	})
	c.send(`29["q"]`)
	if err := waitChan(t, errs, "first ack"); err == nil {
		t.Fatal("an ack of a channel succeeded")
	}
	if err := waitChan(t, errs, "second ack"); err != nil {
		t.Fatal(err)
	}
	c.expect(`39["fixed"]`)
}

func TestOnAnyOutgoingWithRecoveryIsToldOnce(t *testing.T) {
	e := newTestEnv(t, &ServerOptions{ConnectionStateRecovery: &RecoveryOptions{}})
	c, s := e.connected(socketCh(e.srv))
	var told atomic.Int32
	s.OnAnyOutgoing(func(string, Args) { told.Add(1) })
	_ = s.Emit("one")
	c.expectPrefix(`2["one",`)
	_ = e.srv.Emit("two")
	c.expectPrefix(`2["two",`)
	if told.Load() != 2 {
		t.Fatalf("OnAnyOutgoing told %d times for 2 events", told.Load())
	}
}

func TestParentNamespaceHandlersAddedLater(t *testing.T) {
	e := newTestEnv(t, nil)
	parent := e.srv.OfRegexp(regexp.MustCompile(`^/room-\w+$`))
	c := e.dialWS()
	c.connect("/room-a", "") // creates the child, with no handler yet
	got := make(chan string, 2)
	parent.OnConnection(func(s *NamespaceSocket) { got <- s.Namespace().Name() })
	c2 := e.dialWS()
	c2.connect("/room-a", "")
	c2.connect("/room-b", "")
	a, b := waitChan(t, got, "connection"), waitChan(t, got, "connection")
	if a+b != "/room-a/room-b" && a+b != "/room-b/room-a" {
		t.Fatalf("connections on %q and %q", a, b)
	}
}
