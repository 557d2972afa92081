package socketio

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gosio/gosio/sio/engineio"
)

// trio connects three clients to "/": a in rooms r1,r2; b in r1; c in r3.
func trio(t *testing.T, e *testEnv) (cs [3]*wsClient, ss [3]*NamespaceSocket) {
	t.Helper()
	socks := socketCh(e.srv)
	for i := range cs {
		cs[i], ss[i] = e.connected(socks)
	}
	ss[0].Join("r1", "r2")
	ss[1].Join("r1")
	ss[2].Join("r3")
	return cs, ss
}

// received returns which of the clients got want, as a string of their
// indexes. A marker broadcast to everyone follows it: as a connection
// keeps the order of its packets, a client that gets the marker first did
// not receive want.
func received(t *testing.T, e *testEnv, cs [3]*wsClient, want string) string {
	t.Helper()
	if err := e.srv.Emit("marker"); err != nil {
		t.Fatal(err)
	}
	var got strings.Builder
	for i, c := range cs {
		f := c.nextText()
		if f == want {
			got.WriteByte(byte('0' + i))
			f = c.nextText()
		}
		if f != `2["marker"]` {
			t.Fatalf("client %d got %q, want %q or the marker", i, f, want)
		}
	}
	return got.String()
}

func TestBroadcastOperators(t *testing.T) {
	e := newTestEnv(t, nil)
	cs, ss := trio(t, e)
	cases := []struct {
		name string
		op   BroadcastOperator
		want string
	}{
		{"all", e.srv.Except(), "012"},
		{"to r1", e.srv.To("r1"), "01"},
		{"in r1", e.srv.In("r1"), "01"},
		{"to r1 and r3", e.srv.To("r1").To("r3"), "012"},
		{"to r1,r2 (once each)", e.srv.To("r1", "r2"), "01"},
		{"except r2", e.srv.Except("r2"), "12"},
		{"to r1 except r2", e.srv.To("r1").Except("r2"), "1"},
		{"to a socket id", e.srv.To(ss[2].ID()), "2"},
		{"to nobody", e.srv.To("empty"), ""},
		{"local", e.srv.Local(), "012"},
		{"compress", e.srv.Compress(true).To("r3"), "2"},
		{"socket broadcast", ss[0].Broadcast(), "12"},
		{"socket to r1", ss[0].To("r1"), "1"},
		{"socket in r1", ss[1].In("r1"), "0"},
		{"socket except r3", ss[0].Except("r3"), "1"},
		{"namespace to", e.srv.Of("/").To("r3"), "2"},
		{"operator reuse keeps its own rooms", func() BroadcastOperator {
			base := e.srv.To("r1")
			_ = base.To("r3") // must not leak into base
			return base
		}(), "01"},
	}
	for i, tc := range cases {
		ev := fmt.Sprintf("ev%d", i)
		if err := tc.op.Emit(ev, i); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := received(t, e, cs, fmt.Sprintf(`2["%s",%d]`, ev, i)); got != tc.want {
			t.Errorf("%s: reached %q, want %q", tc.name, got, tc.want)
		}
	}
	// Send, and Emit on the server and namespace.
	_ = e.srv.Send("hello")
	if got := received(t, e, cs, `2["message","hello"]`); got != "012" {
		t.Errorf("Send reached %q", got)
	}
	_ = e.srv.To("r3").Send("hi")
	if got := received(t, e, cs, `2["message","hi"]`); got != "2" {
		t.Errorf("To.Send reached %q", got)
	}
	_ = e.srv.Of("/").Send("ns")
	if got := received(t, e, cs, `2["message","ns"]`); got != "012" {
		t.Errorf("namespace Send reached %q", got)
	}
}

func TestBroadcastStaysInItsNamespace(t *testing.T) {
	e := newTestEnv(t, nil)
	main := socketCh(e.srv)
	admin := socketCh(e.srv.Of("/admin"))
	c1, s1 := e.connected(main)
	c2 := e.dialWS()
	c2.connect("/admin", "")
	a := waitChan(t, admin, "admin connection")
	s1.Join("room")
	a.Join("room")
	_ = e.srv.Of("/admin").To("room").Emit("x")
	c2.expect(`2/admin,["x"]`)
	c1.quiet(50 * time.Millisecond)
	_ = e.srv.To("room").Emit("y")
	c1.expect(`2["y"]`)
	c2.quiet(50 * time.Millisecond)
}

func TestBroadcastBinary(t *testing.T) {
	e := newTestEnv(t, nil)
	cs, _ := trio(t, e)
	_ = e.srv.To("r1").Emit("bin", map[string]any{"b": []byte{7, 8}})
	for _, c := range cs[:2] {
		c.expect(`51-["bin",{"b":{"_placeholder":true,"num":0}}]`)
		if f := c.next(); !f.binary || string(f.bin) != "\x07\x08" {
			t.Fatalf("attachment %+v", f)
		}
	}
	cs[2].quiet(50 * time.Millisecond)
}

func TestFetchSocketsSocketsJoinLeaveDisconnect(t *testing.T) {
	e := newTestEnv(t, nil)
	cs, ss := trio(t, e)
	ctx := context.Background()
	ids := func(rs []*RemoteSocket) string {
		var out []string
		for _, r := range rs {
			for i, s := range ss {
				if r.ID == s.ID() {
					out = append(out, fmt.Sprint(i))
				}
			}
		}
		slices.Sort(out)
		return strings.Join(out, "")
	}
	all, err := e.srv.FetchSockets(ctx)
	if err != nil || ids(all) != "012" {
		t.Fatalf("FetchSockets %s %v", ids(all), err)
	}
	r1, _ := e.srv.In("r1").FetchSockets(ctx)
	if ids(r1) != "01" {
		t.Fatalf("In(r1).FetchSockets %s", ids(r1))
	}
	for _, r := range r1 {
		if r.Local() == nil || r.Local().ID() != r.ID || r.Handshake == nil || !slices.Contains(r.Rooms, "r1") {
			t.Fatalf("remote socket %+v", r)
		}
	}
	ex, _ := e.srv.Except("r2").FetchSockets(ctx)
	if ids(ex) != "12" {
		t.Fatalf("Except(r2).FetchSockets %s", ids(ex))
	}

	// SocketsJoin / SocketsLeave.
	e.srv.In("r1").SocketsJoin("joined", "also")
	if !slices.Contains(ss[0].Rooms(), "joined") || !slices.Contains(ss[1].Rooms(), "also") || slices.Contains(ss[2].Rooms(), "joined") {
		t.Fatalf("rooms after SocketsJoin: %v %v %v", ss[0].Rooms(), ss[1].Rooms(), ss[2].Rooms())
	}
	e.srv.Except("r2").SocketsLeave("joined")
	if !slices.Contains(ss[0].Rooms(), "joined") || slices.Contains(ss[1].Rooms(), "joined") {
		t.Fatalf("rooms after SocketsLeave: %v %v", ss[0].Rooms(), ss[1].Rooms())
	}
	e.srv.SocketsJoin("everyone")
	e.srv.SocketsLeave("also")
	for i, s := range ss {
		if !slices.Contains(s.Rooms(), "everyone") || slices.Contains(s.Rooms(), "also") {
			t.Fatalf("socket %d rooms %v", i, s.Rooms())
		}
	}

	// The RemoteSocket's own methods.
	r0 := r1[slices.IndexFunc(r1, func(r *RemoteSocket) bool { return r.ID == ss[0].ID() })]
	r0.Join("via-remote")
	if !slices.Contains(ss[0].Rooms(), "via-remote") {
		t.Fatal("RemoteSocket.Join")
	}
	r0.Leave("via-remote")
	if slices.Contains(ss[0].Rooms(), "via-remote") {
		t.Fatal("RemoteSocket.Leave")
	}
	if err := r0.Emit("direct", 1); err != nil {
		t.Fatal(err)
	}
	cs[0].expect(`2["direct",1]`)

	// DisconnectSockets: without close the connections stay.
	reasons := [3]<-chan DisconnectReason{reasonOf(ss[0]), reasonOf(ss[1]), reasonOf(ss[2])}
	e.srv.In("r3").DisconnectSockets(false)
	cs[2].expect("1")
	expectReason(t, reasons[2], ReasonServerNamespaceDisconnect)
	if cs[2].isClosed() {
		t.Fatal("DisconnectSockets(false) closed the connection")
	}
	// With close, they end.
	r0.Disconnect(true)
	cs[0].expect("1")
	cs[0].waitClosed()
	expectReason(t, reasons[0], ReasonServerNamespaceDisconnect)
	e.srv.DisconnectSockets(true)
	cs[1].expect("1")
	cs[1].waitClosed()
	expectReason(t, reasons[1], ReasonServerNamespaceDisconnect)
	if left, _ := e.srv.FetchSockets(ctx); len(left) != 0 {
		t.Fatalf("%d sockets left", len(left))
	}
}

func TestBroadcastEmitWithAck(t *testing.T) {
	e := newTestEnv(t, nil)
	cs, _ := trio(t, e)
	type result struct {
		args []Args
		err  error
	}
	res := make(chan result, 1)
	answer := func(c *wsClient, payload, wantJSON, reply string) {
		t.Helper()
		id := ackIDOf(t, c.expectPrefix("2"), wantJSON)
		c.send(fmt.Sprintf("3%d%s", id, reply))
		_ = payload
	}

	// Everyone answers: the result comes without waiting for the timeout.
	start := time.Now()
	go func() {
		a, err := e.srv.Timeout(5*time.Second).EmitWithAck(context.Background(), "q", 1)
		res <- result{a, err}
	}()
	for i, c := range cs {
		answer(c, "", `["q",1]`, fmt.Sprintf(`[%d]`, i))
	}
	r := waitChan(t, res, "acks")
	if r.err != nil || len(r.args) != 3 {
		t.Fatalf("EmitWithAck: %d responses, %v", len(r.args), r.err)
	}
	var got []int
	for _, a := range r.args {
		var n int
		_ = a.Decode(&n)
		got = append(got, n)
	}
	slices.Sort(got)
	if !slices.Equal(got, []int{0, 1, 2}) {
		t.Fatalf("responses %v", got)
	}
	if time.Since(start) > 2*time.Second {
		t.Fatal("waited for the timeout although every client answered")
	}

	// One does not answer: partial responses and ErrAckTimeout.
	go func() {
		a, err := e.srv.To("r1").Except("r2").Timeout(100*time.Millisecond).EmitWithAck(context.Background(), "q", 2)
		res <- result{a, err}
	}()
	answer(cs[1], "", `["q",2]`, `["b"]`)
	cs[0].quiet(30 * time.Millisecond)
	r = waitChan(t, res, "acks")
	if r.err != nil || len(r.args) != 1 {
		t.Fatalf("To(r1).Except(r2): %d responses, %v", len(r.args), r.err)
	}
	go func() {
		a, err := e.srv.Timeout(100*time.Millisecond).EmitWithAck(context.Background(), "q", 3)
		res <- result{a, err}
	}()
	answer(cs[0], "", `["q",3]`, `["a"]`)
	answer(cs[2], "", `["q",3]`, `["c"]`)
	cs[1].expectPrefix("2") // received but never answered
	r = waitChan(t, res, "acks")
	if !errors.Is(r.err, ErrAckTimeout) || len(r.args) != 2 {
		t.Fatalf("partial: %d responses, err %v", len(r.args), r.err)
	}

	// No recipient: an immediate empty result.
	a, err := e.srv.To("nobody").Timeout(time.Hour).EmitWithAck(context.Background(), "q")
	if err != nil || len(a) != 0 {
		t.Fatalf("no recipient: %v %v", a, err)
	}
	// A namespace's EmitWithAck with a context deadline.
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	a, err = e.srv.Of("/").EmitWithAck(ctx, "q", 4)
	if !errors.Is(err, ErrAckTimeout) || len(a) != 0 {
		t.Fatalf("ctx deadline: %v %v", a, err)
	}
	for _, c := range cs {
		c.expectPrefix("2")
	}
	// A broadcast from a socket excludes it.
	go func() {
		a, err := e.srv.Sockets()[0].Broadcast().Timeout(time.Second).EmitWithAck(context.Background(), "q", 5)
		res <- result{a, err}
	}()
	n := 0
	for _, c := range cs {
		if f, ok, _ := c.tryNext(100 * time.Millisecond); ok {
			id := ackIDOf(t, f.text[1:], `["q",5]`)
			c.send(fmt.Sprintf("3%d[]", id))
			n++
		}
	}
	if r := waitChan(t, res, "acks"); n != 2 || r.err != nil || len(r.args) != 2 {
		t.Fatalf("socket broadcast: %d recipients, %d responses, %v", n, len(r.args), r.err)
	}
}

func TestBroadcastIsEncodedOnce(t *testing.T) {
	e := newTestEnv(t, &ServerOptions{Engine: &engineio.Options{HTTPCompression: &engineio.CompressionOptions{Disabled: true}}})
	socks := socketCh(e.srv)
	const n = 50
	// Long-polling clients that do not poll: the packets stay queued, so
	// nothing but the broadcast itself allocates.
	clients := make([]*pollClient, n)
	for i := range clients {
		clients[i] = e.dialPolling()
		clients[i].push("0")
		clients[i].poll()
		waitChan(t, socks, "connection")
	}
	payload := strings.Repeat("x", 64<<10)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	if err := e.srv.Emit("big", payload); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	allocated := after.TotalAlloc - before.TotalAlloc
	// Encoding copies the payload a few times (argument encoding, packet
	// framing); encoding per recipient would allocate n times that.
	if limit := uint64(8 * len(payload)); allocated > limit {
		t.Fatalf("a broadcast of %d bytes to %d sockets allocated %d bytes (limit %d): encoded per recipient?", len(payload), n, allocated, limit)
	}
	// Every client gets the same bytes.
	want := `2["big","` + payload + `"]`
	for i, p := range clients {
		if got := p.poll(); len(got) != 1 || got[0] != want {
			t.Fatalf("client %d got %d packets", i, len(got))
		}
	}
}

// recordingAdapter wraps the in-memory adapter and records what the
// operators ask of it.
type recordingAdapter struct {
	Adapter
	mu    sync.Mutex
	calls []string
	opts  []BroadcastOptions
	pkts  []*SocketIOPacket
}

func (r *recordingAdapter) record(call string, p *SocketIOPacket, o *BroadcastOptions) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, call)
	if o != nil {
		r.opts = append(r.opts, cloneOpts(o))
	} else {
		r.opts = append(r.opts, BroadcastOptions{})
	}
	r.pkts = append(r.pkts, p)
}

func (r *recordingAdapter) Broadcast(p *SocketIOPacket, o *BroadcastOptions) {
	r.record("Broadcast", p, o)
	r.Adapter.Broadcast(p, o)
}

func (r *recordingAdapter) BroadcastWithAck(p *SocketIOPacket, o *BroadcastOptions, count func(int), ack func(Args)) {
	r.record("BroadcastWithAck", p, o)
	r.Adapter.BroadcastWithAck(p, o, count, ack)
}

func (r *recordingAdapter) FetchSockets(ctx context.Context, o *BroadcastOptions) ([]*RemoteSocket, error) {
	r.record("FetchSockets", nil, o)
	return r.Adapter.FetchSockets(ctx, o)
}

func (r *recordingAdapter) AddSockets(o *BroadcastOptions, rooms []Room) {
	r.record("AddSockets:"+strings.Join(rooms, ","), nil, o)
	r.Adapter.AddSockets(o, rooms)
}

func (r *recordingAdapter) DelSockets(o *BroadcastOptions, rooms []Room) {
	r.record("DelSockets:"+strings.Join(rooms, ","), nil, o)
	r.Adapter.DelSockets(o, rooms)
}

func (r *recordingAdapter) DisconnectSockets(o *BroadcastOptions, close bool) {
	r.record(fmt.Sprintf("DisconnectSockets:%v", close), nil, o)
	r.Adapter.DisconnectSockets(o, close)
}

func (r *recordingAdapter) ServerSideEmit(ctx context.Context, event string, args []any) error {
	r.record("ServerSideEmit:"+event, nil, nil)
	return r.Adapter.ServerSideEmit(ctx, event, args)
}

func TestOperatorsReachTheAdapter(t *testing.T) {
	var rec *recordingAdapter
	e := newTestEnv(t, &ServerOptions{Adapter: func(n *Namespace) Adapter {
		a := &recordingAdapter{Adapter: NewInMemoryAdapter(n)}
		if n.Name() == "/" {
			rec = a
		}
		return a
	}})
	if e.srv.Of("/").Adapter() != rec {
		t.Fatal("Namespace.Adapter is not the factory's adapter")
	}
	ctx := context.Background()
	_ = e.srv.To("a").In("b").Except("c").Volatile().Local().Compress(false).Emit("ev", 1)
	_, _ = e.srv.To("a").Timeout(time.Millisecond).EmitWithAck(ctx, "ack")
	_, _ = e.srv.Except("x").FetchSockets(ctx)
	e.srv.In("r").SocketsJoin("j1", "j2")
	e.srv.In("r").SocketsLeave("j1")
	e.srv.Except("keep").DisconnectSockets(true)
	_ = e.srv.ServerSideEmit(ctx, "cluster-event", 1)
	if err := e.srv.ServerSideEmit(ctx, "connect"); !errors.Is(err, ErrReservedEvent) {
		t.Fatalf("ServerSideEmit(connect) = %v", err)
	}
	if n, err := e.srv.Of("/").Adapter().ServerCount(ctx); n != 1 || err != nil {
		t.Fatalf("ServerCount %d %v", n, err)
	}

	rec.mu.Lock()
	defer rec.mu.Unlock()
	wantCalls := []string{"Broadcast", "BroadcastWithAck", "FetchSockets", "AddSockets:j1,j2", "DelSockets:j1", "DisconnectSockets:true", "ServerSideEmit:cluster-event"}
	if !slices.Equal(rec.calls, wantCalls) {
		t.Fatalf("calls %v, want %v", rec.calls, wantCalls)
	}
	o := rec.opts[0]
	if !slices.Equal(o.Rooms, []Room{"a", "b"}) || !slices.Equal(o.Except, []Room{"c"}) || !o.Flags.Volatile || !o.Flags.Local || o.Flags.Compress == nil || *o.Flags.Compress {
		t.Fatalf("Broadcast options %+v", o)
	}
	if p := rec.pkts[0]; p.Type != PacketEvent || p.Namespace != "/" || p.ID != NoAckID || string(p.Data) != `["ev",1]` {
		t.Fatalf("Broadcast packet %+v", p)
	}
	if o := rec.opts[1]; o.Flags.Timeout != time.Millisecond || !slices.Equal(o.Rooms, []Room{"a"}) {
		t.Fatalf("BroadcastWithAck options %+v", o)
	}
	if p := rec.pkts[1]; p.ID < 0 {
		t.Fatalf("BroadcastWithAck packet without an ack id: %+v", p)
	}
	if o := rec.opts[2]; !slices.Equal(o.Except, []Room{"x"}) || len(o.Rooms) != 0 {
		t.Fatalf("FetchSockets options %+v", o)
	}
	if o := rec.opts[5]; !slices.Equal(o.Except, []Room{"keep"}) {
		t.Fatalf("DisconnectSockets options %+v", o)
	}
}

// twoServerAdapter pretends to be one of two servers of a cluster: the
// other server's sockets are reported (and answer) after a delay.
type twoServerAdapter struct {
	Adapter
	remoteClients int
	delay         time.Duration
	wg            *sync.WaitGroup
}

func (a *twoServerAdapter) ServerCount(context.Context) (int, error) { return 2, nil }

func (a *twoServerAdapter) BroadcastWithAck(p *SocketIOPacket, o *BroadcastOptions, count func(int), ack func(Args)) {
	a.Adapter.BroadcastWithAck(p, o, count, ack)
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		time.Sleep(a.delay)
		count(a.remoteClients)
		for range a.remoteClients {
			ack(Args{})
		}
	}()
}

func TestBroadcastEmitWithAckWaitsForEveryServer(t *testing.T) {
	var wg sync.WaitGroup
	defer wg.Wait()
	e := newTestEnv(t, &ServerOptions{Adapter: func(n *Namespace) Adapter {
		return &twoServerAdapter{Adapter: NewInMemoryAdapter(n), remoteClients: 2, delay: 50 * time.Millisecond, wg: &wg}
	}})
	c, _ := e.connected(socketCh(e.srv))
	type result struct {
		args []Args
		err  error
	}
	res := make(chan result, 1)
	go func() {
		a, err := e.srv.Timeout(2*time.Second).EmitWithAck(context.Background(), "q")
		res <- result{a, err}
	}()
	id := ackIDOf(t, c.expectPrefix("2"), `["q"]`)
	c.send(fmt.Sprintf("3%d[]", id))
	// The local client answered at once; the two remote ones come later:
	// the result must hold all three (Node counts the servers that
	// reported, as serverCount tells).
	r := waitChan(t, res, "acks")
	if r.err != nil || len(r.args) != 3 {
		t.Fatalf("%d responses, err %v; want 3", len(r.args), r.err)
	}
}
