package socketio

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// connected dials a websocket client, joins "/" and returns both ends.
func (e *testEnv) connected(socks <-chan *NamespaceSocket) (*wsClient, *NamespaceSocket) {
	e.t.Helper()
	c := e.dialWS()
	r := c.connect("/", "")
	s := waitChan(e.t, socks, "connection")
	if s.ID() != r.SID {
		e.t.Fatalf("socket %s, client got %s", s.ID(), r.SID)
	}
	return c, s
}

func TestEmitToClient(t *testing.T) {
	e := newTestEnv(t, nil)
	c, s := e.connected(socketCh(e.srv))
	if err := s.Emit("plain", "a", 1, true, nil, map[string]any{"k": []int{1, 2}}); err != nil {
		t.Fatal(err)
	}
	c.expect(`2["plain","a",1,true,null,{"k":[1,2]}]`)
	if err := s.Send("hi"); err != nil {
		t.Fatal(err)
	}
	c.expect(`2["message","hi"]`)
	if err := s.Emit("bin", []byte{1, 2}, map[string]any{"deep": []any{[]byte{3}}}); err != nil {
		t.Fatal(err)
	}
	c.expect(`52-["bin",{"_placeholder":true,"num":0},{"deep":[{"_placeholder":true,"num":1}]}]`)
	if f := c.next(); !f.binary || !bytes.Equal(f.bin, []byte{1, 2}) {
		t.Fatalf("attachment 0: %+v", f)
	}
	if f := c.next(); !f.binary || !bytes.Equal(f.bin, []byte{3}) {
		t.Fatalf("attachment 1: %+v", f)
	}
	// A custom namespace is named in the packet.
	adminSocks := socketCh(e.srv.Of("/admin"))
	c.connect("/admin", "")
	a := waitChan(t, adminSocks, "admin connection")
	_ = a.Emit("x")
	c.expect(`2/admin,["x"]`)
	// Compress is accepted (it only hints the transport).
	if err := s.Compress(false).Emit("c"); err != nil {
		t.Fatal(err)
	}
	c.expect(`2["c"]`)
}

func TestEmitErrors(t *testing.T) {
	e := newTestEnv(t, nil)
	c, s := e.connected(socketCh(e.srv))
	for _, ev := range []string{"connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"} {
		if err := s.Emit(ev); !errors.Is(err, ErrReservedEvent) {
			t.Errorf("Emit(%q) = %v, want ErrReservedEvent", ev, err)
		}
		if _, err := s.EmitWithAck(context.Background(), ev); !errors.Is(err, ErrReservedEvent) {
			t.Errorf("EmitWithAck(%q) = %v, want ErrReservedEvent", ev, err)
		}
		if err := e.srv.Emit(ev); !errors.Is(err, ErrReservedEvent) {
			t.Errorf("server Emit(%q) = %v, want ErrReservedEvent", ev, err)
		}
		if err := s.Broadcast().Emit(ev); !errors.Is(err, ErrReservedEvent) {
			t.Errorf("socket broadcast Emit(%q) = %v, want ErrReservedEvent", ev, err)
		}
		if _, err := e.srv.Timeout(time.Second).EmitWithAck(context.Background(), ev); !errors.Is(err, ErrReservedEvent) {
			t.Errorf("server EmitWithAck(%q) = %v, want ErrReservedEvent", ev, err)
		}
	}
	// Arguments that do not encode.
	if err := s.Emit("bad", make(chan int)); err == nil {
		t.Error("Emit of a channel succeeded")
	}
	if err := s.Emit("ok-after"); err != nil {
		t.Fatal(err)
	}
	c.expect(`2["ok-after"]`)
	// Nothing reserved went out.
	c.quiet(50 * time.Millisecond)
	// A disconnected socket: once its leaving is over (its disconnect
	// handlers run last), it sends nothing.
	left := make(chan DisconnectReason, 1)
	s.OnDisconnect(func(r DisconnectReason) { left <- r })
	s.Disconnect(false)
	c.expect("1")
	waitChan(t, left, "the disconnect handler")
	if err := s.Emit("late"); !errors.Is(err, ErrSocketDisconnected) {
		t.Fatalf("Emit after disconnect = %v", err)
	}
	if _, err := s.EmitWithAck(context.Background(), "late"); !errors.Is(err, ErrSocketDisconnected) {
		t.Fatalf("EmitWithAck after disconnect = %v", err)
	}
}

func TestEventFromClient(t *testing.T) {
	e := newTestEnv(t, nil)
	type got struct {
		name   string
		n      int
		s      string
		bin    []byte
		hasAck bool
	}
	ch := make(chan got, 10)
	socks := socketCh(e.srv)
	c, s := e.connected(socks)
	s.On("ev", func(ev *Event) {
		var g got
		g.name, g.hasAck = ev.Name, ev.HasAck()
		g.n = ev.Len()
		_ = ev.Decode(&g.s)
		if ev.Len() > 1 {
			_ = ev.DecodeAt(1, &g.bin)
		}
		if ev.Socket() != s {
			t.Error("Event.Socket is not the socket")
		}
		if err := ev.Ack("ignored"); err != nil {
			t.Errorf("Ack without an ack id: %v", err)
		}
		ch <- g
	})
	c.send(`2["ev","text"]`)
	g := waitChan(t, ch, "event")
	if g.name != "ev" || g.s != "text" || g.n != 1 || g.hasAck {
		t.Fatalf("event %+v", g)
	}
	c.send(`51-["ev","with-bin",{"_placeholder":true,"num":0}]`)
	c.sendBin([]byte{9, 8, 7})
	g = waitChan(t, ch, "binary event")
	if g.s != "with-bin" || !bytes.Equal(g.bin, []byte{9, 8, 7}) {
		t.Fatalf("binary event %+v", g)
	}
	// Unhandled events are dropped, handlers can be removed.
	s.Off("ev")
	c.send(`2["ev","gone"]`)
	c.send(`2["other"]`)
	select {
	case g := <-ch:
		t.Fatalf("handler ran after Off: %+v", g)
	case <-time.After(50 * time.Millisecond):
	}
	// On adds: every handler runs, in registration order, as Node's
	// socket.on; a remover removes one.
	s.On("ev", func(*Event) { ch <- got{name: "first"} })
	rm := s.On("ev", func(*Event) { ch <- got{name: "second"} })
	s.On("ev", func(*Event) { ch <- got{name: "third"} })
	c.send(`2["ev"]`)
	for _, want := range []string{"first", "second", "third"} {
		if g := waitChan(t, ch, "event"); g.name != want {
			t.Fatalf("handler %q ran, want %q", g.name, want)
		}
	}
	rm()
	c.send(`2["ev"]`)
	for _, want := range []string{"first", "third"} {
		if g := waitChan(t, ch, "event"); g.name != want {
			t.Fatalf("after the removal, handler %q ran, want %q", g.name, want)
		}
	}
}

func TestAckToClient(t *testing.T) {
	e := newTestEnv(t, nil)
	c, s := e.connected(socketCh(e.srv))
	s.On("q", func(ev *Event) {
		var n int
		_ = ev.Decode(&n)
		if !ev.HasAck() {
			t.Error("HasAck false")
		}
		if err := ev.Ack(n*2, "done"); err != nil {
			t.Error(err)
		}
		_ = ev.Ack("second ack is ignored")
	})
	s.On("binq", func(ev *Event) { _ = ev.Ack([]byte("pong"), map[string]any{"b": []byte{1}}) })
	c.send(`27["q",21]`)
	c.expect(`37[42,"done"]`)
	c.send(`2123456789["binq"]`)
	c.expect(`62-123456789[{"_placeholder":true,"num":0},{"b":{"_placeholder":true,"num":1}}]`)
	if f := c.next(); !bytes.Equal(f.bin, []byte("pong")) {
		t.Fatalf("attachment %+v", f)
	}
	if f := c.next(); !bytes.Equal(f.bin, []byte{1}) {
		t.Fatalf("attachment %+v", f)
	}
	c.quiet(50 * time.Millisecond) // no second ack
}

func TestEmitWithAck(t *testing.T) {
	e := newTestEnv(t, nil)
	c, s := e.connected(socketCh(e.srv))

	type result struct {
		args Args
		err  error
	}
	res := make(chan result, 1)
	go func() {
		a, err := s.EmitWithAck(context.Background(), "question", 1)
		res <- result{a, err}
	}()
	id := ackIDOf(t, c.expectPrefix("2"), `["question",1]`)
	c.send(fmt.Sprintf(`3%d["answer",{"n":2}]`, id))
	r := waitChan(t, res, "ack")
	if r.err != nil {
		t.Fatal(r.err)
	}
	var word string
	var obj struct{ N int }
	if err := r.args.Decode(&word, &obj); err != nil || word != "answer" || obj.N != 2 {
		t.Fatalf("ack args %q %+v: %v", word, obj, err)
	}

	// A binary ack.
	go func() {
		a, err := s.EmitWithAck(context.Background(), "bin")
		res <- result{a, err}
	}()
	id = ackIDOf(t, c.expectPrefix("2"), `["bin"]`)
	c.send(fmt.Sprintf(`61-%d[{"_placeholder":true,"num":0}]`, id))
	c.sendBin([]byte{0xde, 0xad})
	r = waitChan(t, res, "binary ack")
	var b []byte
	if err := r.args.Decode(&b); err != nil || !bytes.Equal(b, []byte{0xde, 0xad}) {
		t.Fatalf("binary ack %x: %v", b, err)
	}

	// Timeout(d): no answer → ErrAckTimeout; the late answer is ignored.
	start := time.Now()
	_, err := s.Timeout(50*time.Millisecond).EmitWithAck(context.Background(), "slow")
	if !errors.Is(err, ErrAckTimeout) {
		t.Fatalf("err = %v, want ErrAckTimeout", err)
	}
	if d := time.Since(start); d < 50*time.Millisecond || d > 2*time.Second {
		t.Fatalf("timed out after %v", d)
	}
	id = ackIDOf(t, c.expectPrefix("2"), `["slow"]`)
	c.send(fmt.Sprintf(`3%d["late"]`, id))

	// A context deadline works the same.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	if _, err := s.EmitWithAck(ctx, "ctx"); !errors.Is(err, ErrAckTimeout) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v", err)
	}
	c.expectPrefix("2")

	// Emitter modifiers compose.
	go func() {
		a, err := s.Volatile().Timeout(time.Second).Compress(true).EmitWithAck(context.Background(), "mod")
		res <- result{a, err}
	}()
	id = ackIDOf(t, c.expectPrefix("2"), `["mod"]`)
	c.send(fmt.Sprintf(`3%d[]`, id))
	if r := waitChan(t, res, "ack"); r.err != nil || r.args.Len() != 0 {
		t.Fatalf("ack %+v", r)
	}

	// A disconnection fails a pending ack at once.
	go func() {
		a, err := s.EmitWithAck(context.Background(), "never")
		res <- result{a, err}
	}()
	c.expectPrefix("2")
	c.send("1")
	if r := waitChan(t, res, "failed ack"); !errors.Is(r.err, ErrSocketDisconnected) {
		t.Fatalf("err = %v, want ErrSocketDisconnected", r.err)
	}
}

// ackIDOf splits "<id><json>" and checks the JSON.
func ackIDOf(t *testing.T, body, wantJSON string) int {
	t.Helper()
	var id int
	i := strings.IndexByte(body, '[')
	if i <= 0 {
		t.Fatalf("packet %q has no ack id", body)
	}
	if _, err := fmt.Sscanf(body[:i], "%d", &id); err != nil {
		t.Fatalf("packet %q: %v", body, err)
	}
	if body[i:] != wantJSON {
		t.Fatalf("packet %q, want payload %s", body, wantJSON)
	}
	return id
}

func TestVolatileIsDroppedWhenNotWritable(t *testing.T) {
	e := newTestEnv(t, nil)
	socks := socketCh(e.srv)
	p := e.dialPolling()
	p.push("0")
	p.poll()
	s := waitChan(t, socks, "connection")

	// No GET waiting: a volatile event is dropped, a normal one queued.
	if err := s.Volatile().Emit("volatile", 1); err != nil {
		t.Fatal(err)
	}
	if err := e.srv.Volatile().Emit("volatile-broadcast", 1); err != nil {
		t.Fatal(err)
	}
	_ = s.Emit("normal", 2)
	// With something queued, volatile is dropped too.
	_ = s.Volatile().Emit("volatile", 3)
	if got := p.poll(); strings.Join(got, "|") != `2["normal",2]` {
		t.Fatalf("poll %q", got)
	}

	// A GET waiting: volatile goes out.
	type pollResult struct{ got []string }
	done := make(chan pollResult, 1)
	go func() { done <- pollResult{p.poll()} }()
	eventually(t, "GET pending", s.client.conn.Writable)
	_ = s.Volatile().Emit("volatile", 4)
	if r := waitChan(t, done, "poll"); strings.Join(r.got, "|") != `2["volatile",4]` {
		t.Fatalf("poll %q", r.got)
	}
	go func() { done <- pollResult{p.poll()} }()
	eventually(t, "GET pending", s.client.conn.Writable)
	_ = e.srv.Volatile().Emit("volatile-broadcast", 5)
	if r := waitChan(t, done, "poll"); strings.Join(r.got, "|") != `2["volatile-broadcast",5]` {
		t.Fatalf("poll %q", r.got)
	}
}

func TestOnAnyAndOnAnyOutgoing(t *testing.T) {
	e := newTestEnv(t, nil)
	c, s := e.connected(socketCh(e.srv))
	var mu sync.Mutex
	var log []string
	add := func(s string) {
		mu.Lock()
		log = append(log, s)
		mu.Unlock()
	}
	s.OnAny(func(ev *Event) { add("any1:" + ev.Name + ":" + string(ev.Raw(0))) })
	s.OnAny(func(ev *Event) { add("any2:" + ev.Name) })
	s.On("ev", func(*Event) { add("handler") })
	s.OnAnyOutgoing(func(event string, args Args) {
		add("out:" + event + ":" + fmt.Sprint(args.Len()) + ":" + string(args.Raw(0)))
	})
	done := make(chan struct{})
	s.On("done", func(*Event) { close(done) })

	c.send(`2["ev","x"]`)
	c.send(`2["unhandled"]`)
	c.send(`2["done"]`)
	waitChan(t, done, "done")
	_ = s.Emit("e1", "a", 1)
	_ = s.Emit("e2", []byte{1})
	_ = e.srv.Emit("broadcast", "b")
	_ = s.To(s.ID()).Emit("never-self") // excludes s
	go func() { _, _ = s.EmitWithAck(context.Background(), "withack", 7) }()
	c.expect(`2["e1","a",1]`)
	c.expectPrefix("51-")
	c.next()
	c.expect(`2["broadcast","b"]`)
	c.send("3" + strings.TrimSuffix(c.expectPrefix("2"), `["withack",7]`) + "[]")

	mu.Lock()
	defer mu.Unlock()
	want := []string{
		`any1:ev:"x"`, "any2:ev", "handler",
		"any1:unhandled:", "any2:unhandled",
		"any1:done:", "any2:done",
		`out:e1:2:"a"`, `out:e2:1:{"_placeholder":true,"num":0}`,
		`out:broadcast:1:"b"`, "out:withack:1:7",
	}
	if !slices.Equal(log, want) {
		t.Fatalf("log\n%q\nwant\n%q", log, want)
	}
}

func TestPacketMiddlewareAndOnError(t *testing.T) {
	e := newTestEnv(t, nil)
	c, s := e.connected(socketCh(e.srv))
	var mu sync.Mutex
	var log []string
	add := func(s string) {
		mu.Lock()
		log = append(log, s)
		mu.Unlock()
	}
	errForbidden := errors.New("forbidden event")
	s.OnAny(func(ev *Event) { add("any:" + ev.Name) })
	s.Use(func(ev *Event) error {
		add("mw1:" + ev.Name)
		if ev.Name == "forbidden" {
			return errForbidden
		}
		return nil
	})
	s.Use(func(ev *Event) error { add("mw2:" + ev.Name); return nil })
	s.OnError(func(err error) {
		if !errors.Is(err, errForbidden) {
			t.Errorf("OnError got %v", err)
		}
		add("error")
	})
	s.On("forbidden", func(*Event) { add("forbidden handler") })
	s.On("allowed", func(ev *Event) { add("allowed handler"); _ = ev.Ack("ok") })

	c.send(`2["forbidden"]`)
	c.send(`21["allowed"]`)
	c.expect(`31["ok"]`)
	mu.Lock()
	defer mu.Unlock()
	// As with the Node.js server, the catch-all listeners run before the
	// middlewares, which decide on the event's own handler.
	want := []string{
		"any:forbidden", "mw1:forbidden", "error",
		"any:allowed", "mw1:allowed", "mw2:allowed", "allowed handler",
	}
	if !slices.Equal(log, want) {
		t.Fatalf("log\n%q\nwant\n%q", log, want)
	}
}

func TestEventsOfASocketRunOneAtATimeInOrder(t *testing.T) {
	e := newTestEnv(t, nil)
	c, s := e.connected(socketCh(e.srv))
	const n = 200
	var inFlight, maxInFlight atomic.Int32
	var got []int
	done := make(chan struct{})
	s.On("n", func(ev *Event) {
		if v := inFlight.Add(1); v > maxInFlight.Load() {
			maxInFlight.Store(v)
		}
		var i int
		_ = ev.Decode(&i)
		if i%17 == 0 {
			time.Sleep(time.Millisecond)
		}
		got = append(got, i) // no lock: the handlers of a socket never overlap
		inFlight.Add(-1)
		if i == n-1 {
			close(done)
		}
	})
	for i := range n {
		c.send(fmt.Sprintf(`2["n",%d]`, i))
	}
	waitChan(t, done, "last event")
	if maxInFlight.Load() != 1 {
		t.Fatalf("%d handlers ran at once", maxInFlight.Load())
	}
	for i, v := range got {
		if v != i {
			t.Fatalf("event %d handled at position %d", v, i)
		}
	}
	if len(got) != n {
		t.Fatalf("%d events handled", len(got))
	}
}

func TestHandlersOfDifferentSocketsRunConcurrently(t *testing.T) {
	e := newTestEnv(t, nil)
	socks := socketCh(e.srv)
	c1, s1 := e.connected(socks)
	c2, s2 := e.connected(socks)
	release := make(chan struct{})
	s1.On("block", func(*Event) { <-release })
	s2.On("ping", func(ev *Event) { _ = ev.Ack() })
	c1.send(`2["block"]`)
	c2.send(`20["ping"]`)
	c2.expect("30[]") // answered while s1's handler is blocked
	close(release)
}

func TestHandlerPanicDoesNotKillTheServer(t *testing.T) {
	var buf syncBuffer
	old := log.Writer()
	log.SetOutput(&buf)
	defer log.SetOutput(old)
	e := newTestEnv(t, nil)
	socks := socketCh(e.srv)
	c, s := e.connected(socks)
	s.On("boom", func(*Event) { panic("handler exploded") })
	s.On("after", func(ev *Event) { _ = ev.Ack("still here") })
	c.send(`2["boom"]`)
	c.send(`21["after"]`)
	c.expect(`31["still here"]`)
	// Another client is served too, and a panicking connection handler
	// does not break the namespace either.
	e.srv.OnConnection(func(*NamespaceSocket) { panic("connection handler exploded") })
	c2 := e.dialWS()
	c2.connect("/", "")
	waitChan(t, socks, "second connection")
	eventually(t, "the connection handler's panic logged", func() bool {
		return strings.Contains(buf.String(), "connection handler exploded")
	})
	if out := buf.String(); !strings.Contains(out, "panic in a handler socket="+s.String()+" panic=\"handler exploded\"") {
		t.Fatalf("the panic was not logged with its socket: %q", buf.String())
	}
	if !s.Connected() {
		t.Fatal("the socket whose handler panicked was disconnected")
	}
}

// syncBuffer is a bytes.Buffer safe for the log package's concurrent use.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func TestSocketData(t *testing.T) {
	e := newTestEnv(t, nil)
	_, s := e.connected(socketCh(e.srv))
	if _, ok := s.Data.Get("k"); ok {
		t.Fatal("fresh Data has a value")
	}
	s.Data.Set("k", 1)
	s.Data.Set("user", map[string]any{"name": "bob"})
	if v, ok := s.Data.Get("k"); !ok || v != 1 {
		t.Fatalf("Get k = %v %v", v, ok)
	}
	s.Data.Delete("k")
	if _, ok := s.Data.Get("k"); ok {
		t.Fatal("Delete kept the value")
	}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 100 {
				s.Data.Set(fmt.Sprint(i), j)
				s.Data.Get(fmt.Sprint(i))
			}
		}()
	}
	wg.Wait()
	rs, err := e.srv.FetchSockets(context.Background())
	if err != nil || len(rs) != 1 {
		t.Fatalf("FetchSockets %v %v", rs, err)
	}
	if rs[0].Data["user"].(map[string]any)["name"] != "bob" || rs[0].Data["7"] != 99 {
		t.Fatalf("FetchSockets Data %v", rs[0].Data)
	}
	// The view is a snapshot.
	rs[0].Data["user"] = "changed"
	if v, _ := s.Data.Get("user"); v == "changed" {
		t.Fatal("FetchSockets returned the live map")
	}
}

func TestRooms(t *testing.T) {
	e := newTestEnv(t, nil)
	socks := socketCh(e.srv)
	c, s := e.connected(socks)
	if got := s.Rooms(); !slices.Equal(got, []Room{s.ID()}) {
		t.Fatalf("Rooms %v, want only its own id", got)
	}
	s.Join("a", "b")
	s.Join("c")
	want := []Room{"a", "b", "c", s.ID()}
	slices.Sort(want)
	if got := s.Rooms(); !slices.Equal(got, want) {
		t.Fatalf("Rooms %v, want %v", got, want)
	}
	s.Leave("b")
	s.Leave("not-in")
	_ = e.srv.To("b").Emit("to-b")
	_ = e.srv.To("a").Emit("to-a")
	c.expect(`2["to-a"]`)
	adapterRooms := e.srv.Of("/").Adapter().Rooms()
	if slices.Contains(adapterRooms, "b") || !slices.Contains(adapterRooms, "a") {
		t.Fatalf("adapter rooms %v", adapterRooms)
	}
	s.LeaveAll()
	if got := s.Rooms(); len(got) != 0 {
		t.Fatalf("Rooms after LeaveAll %v", got)
	}
	_ = e.srv.Emit("all") // not even the socket's own room is left
	_ = e.srv.To(s.ID()).Emit("own")
	c.quiet(50 * time.Millisecond)
	s.Join("z")
	_ = e.srv.To("z").Emit("z")
	c.expect(`2["z"]`)
}

func TestDisconnectingSeesRooms(t *testing.T) {
	e := newTestEnv(t, nil)
	c, s := e.connected(socketCh(e.srv))
	s.Join("r1", "r2")
	type seen struct {
		reason DisconnectReason
		rooms  []Room
		conn   bool
	}
	disconnecting := make(chan seen, 1)
	disconnected := make(chan seen, 1)
	s.OnDisconnecting(func(r DisconnectReason) { disconnecting <- seen{r, s.Rooms(), s.Connected()} })
	s.OnDisconnect(func(r DisconnectReason) {
		s.Join("late") // ignored: the socket left
		disconnected <- seen{r, s.Rooms(), s.Connected()}
	})
	c.send("1")
	d := waitChan(t, disconnecting, "disconnecting")
	if d.reason != ReasonClientNamespaceDisconnect || !slices.Contains(d.rooms, "r1") || !slices.Contains(d.rooms, s.ID()) {
		t.Fatalf("disconnecting %+v", d)
	}
	d = waitChan(t, disconnected, "disconnect")
	if d.reason != ReasonClientNamespaceDisconnect || len(d.rooms) != 0 || d.conn {
		t.Fatalf("disconnect %+v", d)
	}
	if rooms := e.srv.Of("/").Adapter().Rooms(); len(rooms) != 0 {
		t.Fatalf("adapter rooms after disconnect: %v", rooms)
	}
	if e.srv.Of("/").Socket(s.ID()) != nil || len(e.srv.Sockets()) != 0 {
		t.Fatal("the socket is still in its namespace")
	}
}

// TestAckWithTheEventsOwnArgs sends an event's arguments back in its ack:
// they go out byte for byte (the decoder checked them), while a part of one
// of them, which is not a JSON value, is still refused.
func TestAckWithTheEventsOwnArgs(t *testing.T) {
	e := newTestEnv(t, nil)
	c, s := e.connected(socketCh(e.srv))
	partErr := make(chan error, 2)
	s.On("echo", func(ev *Event) {
		// Parts of `{"a":[1, 2]}` that are not one JSON value: `"a":`,
		// and `{"a"`, which starts where the argument starts.
		partErr <- ev.Ack(json.RawMessage(ev.Raw(0)[1:5]))
		partErr <- ev.Ack(json.RawMessage(ev.Raw(0)[:4]))
		if err := ev.Ack(ev.RawArgs()...); err != nil {
			t.Error(err)
		}
	})
	c.send(`23["echo",{"a":[1, 2]} , "\u00e9\n",7]`)
	c.expect(`33[{"a":[1, 2]},"\u00e9\n",7]`)
	for range 2 {
		if err := waitChan(t, partErr, "the ack of a part"); !errors.Is(err, errInvalidJSON) {
			t.Fatalf("ack of a part of an argument: %v, want errInvalidJSON", err)
		}
	}
}
