package socketio

import (
	"regexp"
	"slices"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gosio/gosio/sio/engineio"
)

// hookLog collects what listeners report, from any goroutine.
type hookLog struct {
	mu  sync.Mutex
	got []string
}

func (l *hookLog) add(s string) {
	l.mu.Lock()
	l.got = append(l.got, s)
	l.mu.Unlock()
}

func (l *hookLog) list() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.got)
}

func (l *hookLog) reset() {
	l.mu.Lock()
	l.got = nil
	l.mu.Unlock()
}

func nspNames(ns []*Namespace) []string {
	var out []string
	for _, n := range ns {
		out = append(out, n.Name())
	}
	return out
}

func TestNamespacesAndOnNewNamespace(t *testing.T) {
	e := newTestEnv(t, &ServerOptions{CleanupEmptyChildNamespaces: true})
	assert.Equal(t, []string{"/"}, nspNames(e.srv.Namespaces()))

	var log hookLog
	e.srv.OnNewNamespace(func(n *Namespace) { log.add("1:" + n.Name()) })
	rm := e.srv.OnNewNamespace(func(n *Namespace) { log.add("2:" + n.Name()) })
	// A listener may set up the namespace before anyone connects to it.
	e.srv.OnNewNamespace(func(n *Namespace) {
		n.OnConnection(func(s *NamespaceSocket) { log.add("conn:" + n.Name()) })
	})

	e.srv.Of("/b")
	e.srv.Of("/b") // exists: not new
	e.srv.Of("a")
	assert.Equal(t, []string{"1:/b", "2:/b", "1:/a", "2:/a"}, log.list())
	assert.Equal(t, []string{"/", "/a", "/b"}, nspNames(e.srv.Namespaces()))

	rm()
	log.reset()
	parent := e.srv.OfRegexp(regexp.MustCompile(`^/dyn-\w+$`))
	c := e.dialWS()
	c.connect("/dyn-x", "")
	eventually(t, "the first socket of the child met the listener's handler", func() bool {
		return slices.Contains(log.list(), "conn:/dyn-x")
	})
	assert.Equal(t, []string{"1:/dyn-x", "conn:/dyn-x"}, log.list(), "new_namespace before the first connection")
	assert.Equal(t, []string{"/", "/a", "/b", "/dyn-x"}, nspNames(e.srv.Namespaces()))

	// Released when empty, the child is new again when next made.
	c.send("1/dyn-x,")
	eventually(t, "the child released", func() bool { return len(parent.Children()) == 0 })
	assert.Equal(t, []string{"/", "/a", "/b"}, nspNames(e.srv.Namespaces()))
	log.reset()
	c.connect("/dyn-x", "")
	eventually(t, "the child made again", func() bool { return len(log.list()) == 2 })
	assert.Equal(t, []string{"1:/dyn-x", "conn:/dyn-x"}, log.list())
}

func TestRoomEvents(t *testing.T) {
	e := newTestEnv(t, nil)
	nsp := e.srv.Of("/")
	var log, second hookLog
	nsp.OnCreateRoom(func(r Room) { log.add("create:" + r) })
	nsp.OnDeleteRoom(func(r Room) { log.add("delete:" + r) })
	nsp.OnJoinRoom(func(r Room, id SocketID) { log.add("join:" + r + ":" + id) })
	nsp.OnLeaveRoom(func(r Room, id SocketID) { log.add("leave:" + r + ":" + id) })
	rm := nsp.OnJoinRoom(func(r Room, id SocketID) { second.add(r) })

	socks := socketCh(e.srv)
	c1, s1 := e.connected(socks)
	a := s1.ID()
	// As Node's in-memory adapter: a socket's own room is a room.
	eventually(t, "own room", func() bool { return len(log.list()) == 2 })
	assert.Equal(t, []string{"create:" + a, "join:" + a + ":" + a}, log.list())
	assert.Equal(t, []string{a}, second.list(), "several listeners")

	rm()
	log.reset()
	s1.Join("r1", "r2", "r1")
	assert.Equal(t, []string{"create:r1", "join:r1:" + a, "create:r2", "join:r2:" + a}, log.list())
	assert.Equal(t, []string{a}, second.list(), "a removed listener is not called")

	_, s2 := e.connected(socks)
	b := s2.ID()
	eventually(t, "second own room", func() bool { return len(log.list()) == 6 })
	log.reset()
	s2.Join("r1")
	s2.Join("r1") // already in: nothing
	assert.Equal(t, []string{"join:r1:" + b}, log.list(), "an existing room is not created")

	log.reset()
	s1.Leave("r1")
	s1.Leave("r1")   // not in it: nothing
	s1.Leave("nope") // no such room: nothing
	assert.Equal(t, []string{"leave:r1:" + a}, log.list(), "r1 still has a member")

	log.reset()
	c1.close()
	eventually(t, "s1 left", func() bool { return len(log.list()) == 4 })
	assert.Equal(t, []string{"leave:" + a + ":" + a, "delete:" + a, "leave:r2:" + a, "delete:r2"}, log.list(),
		"own room first, each leave before its delete")

	log.reset()
	s2.Leave(b)
	assert.Equal(t, []string{"leave:" + b + ":" + b, "delete:" + b}, log.list())
	log.reset()
	s2.LeaveAll()
	assert.Equal(t, []string{"leave:r1:" + b, "delete:r1"}, log.list())
}

func TestSocketOnAnyFamily(t *testing.T) {
	e := newTestEnv(t, nil)
	c, s := e.connected(socketCh(e.srv))
	var log hookLog
	done := make(chan struct{}, 10)
	s.On("done", func(*Event) { done <- struct{}{} })

	rmA := s.OnAny(func(ev *Event) { log.add("a:" + ev.Name) })
	s.OnAny(func(ev *Event) { log.add("b:" + ev.Name) })
	s.PrependAny(func(ev *Event) { log.add("first:" + ev.Name) })
	assert.Len(t, s.ListenersAny(), 3)
	c.send(`2["x"]`)
	c.send(`2["done"]`)
	waitChan(t, done, "done")
	assert.Equal(t, []string{"first:x", "a:x", "b:x", "first:done", "a:done", "b:done"}, log.list())

	rmA()
	rmA()
	log.reset()
	c.send(`2["x"]`)
	c.send(`2["done"]`)
	waitChan(t, done, "done")
	assert.Equal(t, []string{"first:x", "b:x", "first:done", "b:done"}, log.list())
	assert.Len(t, s.ListenersAny(), 2)
	// The copy belongs to the caller.
	fns := s.ListenersAny()
	fns[0] = nil
	assert.NotNil(t, s.ListenersAny()[0])

	s.OffAny()
	assert.Empty(t, s.ListenersAny())
	log.reset()
	c.send(`2["done"]`)
	waitChan(t, done, "done")
	assert.Empty(t, log.list())

	rmOut := s.OnAnyOutgoing(func(ev string, args Args) { log.add("out:" + ev) })
	s.PrependAnyOutgoing(func(ev string, args Args) { log.add("out0:" + ev) })
	s.OnAnyOutgoing(func(ev string, args Args) { log.add("out2:" + ev + ":" + string(args.Raw(0))) })
	require.Len(t, s.ListenersAnyOutgoing(), 3)
	require.NoError(t, s.Emit("e", 1))
	c.expect(`2["e",1]`)
	assert.Equal(t, []string{"out0:e", "out:e", "out2:e:1"}, log.list())
	rmOut()
	log.reset()
	require.NoError(t, s.Emit("f", 2))
	c.expect(`2["f",2]`)
	assert.Equal(t, []string{"out0:f", "out2:f:2"}, log.list())
	s.OffAnyOutgoing()
	assert.Empty(t, s.ListenersAnyOutgoing())
	log.reset()
	require.NoError(t, s.Emit("g"))
	c.expect(`2["g"]`)
	assert.Empty(t, log.list())

	assert.NotPanics(t, func() {
		s.OnAny(nil)()
		s.On("x", nil)()
		s.OnAnyOutgoing(nil)()
	}, "nil listeners are ignored")
}

// A user's listeners on the engine's sockets add to socketio's own
// receiver: before, EngineIOSocket.OnMessage and OnClose were setters, and
// a user's hook silently replaced socketio's, which broke the connection.
func TestEngineListenersDoNotDisplaceSocketIO(t *testing.T) {
	e := newTestEnv(t, nil)
	var log hookLog
	e.srv.Engine().OnConnection(func(sock *engineio.EngineIOSocket) {
		sock.OnMessage(func(data []byte, _ bool) { log.add("msg:" + string(data)) })
		sock.OnClose(func(r engineio.CloseReason, _ error) { log.add("close:" + string(r)) })
	})
	socks := socketCh(e.srv)
	disconnected := make(chan DisconnectReason, 1)
	got := make(chan string, 1)
	e.srv.OnConnection(func(s *NamespaceSocket) {
		s.OnDisconnect(func(r DisconnectReason) { disconnected <- r })
		s.On("ev", func(ev *Event) { got <- string(ev.Raw(0)) })
	})
	c, _ := e.connected(socks)
	c.send(`2["ev","hi"]`)
	assert.Equal(t, `"hi"`, waitChan(t, got, "the event"))
	c.close()
	assert.Equal(t, ReasonTransportClose, waitChan(t, disconnected, "socketio's disconnect"))
	eventually(t, "the user's close listener", func() bool { return slices.Contains(log.list(), "close:transport close") })
	assert.Contains(t, log.list(), `msg:2["ev","hi"]`)
	assert.Contains(t, log.list(), `msg:0`)
}
