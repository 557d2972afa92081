package clusteradapter

import (
	"context"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/gosio/gosio/sio/socketio"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// memBus is a Bus within one process: what a server publishes is handed,
// in order, to every other server's OnMessage by one delivery goroutine
// per server (owned by the bus, ended by close).
type memBus struct {
	mu    sync.Mutex
	nodes map[string]*memNode
}

type memNode struct {
	a     *Adapter
	queue chan Message
	done  chan struct{}
}

func (b *memBus) join(a *Adapter) {
	n := &memNode{a: a, queue: make(chan Message, 64), done: make(chan struct{})}
	b.mu.Lock()
	b.nodes[a.UID()] = n
	b.mu.Unlock()
	go func() {
		defer close(n.done)
		for m := range n.queue {
			// Through the encoding, as a real bus would carry it.
			enc, err := Encode(m)
			if err != nil {
				panic(err)
			}
			dec, err := Decode(enc)
			if err != nil {
				panic(err)
			}
			n.a.OnMessage(dec, "")
		}
	}()
}

func (b *memBus) close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, n := range b.nodes {
		close(n.queue)
		<-n.done
	}
}

type memPort struct {
	b    *memBus
	self func() string
}

func (p memPort) Publish(_ context.Context, m Message) (string, error) {
	p.b.mu.Lock()
	defer p.b.mu.Unlock()
	for uid, n := range p.b.nodes {
		if uid != p.self() {
			n.queue <- m
		}
	}
	return "", nil
}

func (p memPort) PublishResponse(_ context.Context, uid string, m Message) error {
	p.b.mu.Lock()
	defer p.b.mu.Unlock()
	if n := p.b.nodes[uid]; n != nil {
		n.queue <- m
	}
	return nil
}

func (p memPort) ServerCount(context.Context) (int, error) {
	p.b.mu.Lock()
	defer p.b.mu.Unlock()
	return len(p.b.nodes), nil
}

// TestProtocolOverAMemoryBus runs three servers on a bus of a few lines:
// the protocol needs nothing else of a transport.
func TestProtocolOverAMemoryBus(t *testing.T) {
	bus := &memBus{nodes: make(map[string]*memNode)}
	var srvs []*socketio.SocketIOServer
	for i := range 3 {
		var a *Adapter
		srv := socketio.NewServer(&socketio.ServerOptions{Adapter: func(nsp *socketio.Namespace) socketio.Adapter {
			a = New(nsp, memPort{b: bus, self: func() string { return a.UID() }}, &Options{RequestsTimeout: 2 * time.Second})
			bus.join(a)
			return a
		}})
		srv.OnServerSideEmit("ping", func(ev *socketio.ServerSideEvent) {
			var n float64
			_ = ev.Decode(&n)
			ev.Ack(map[string]any{"server": i, "n": n})
		})
		srvs = append(srvs, srv)
	}
	defer func() {
		for _, s := range srvs {
			_ = s.Shutdown(context.Background())
		}
		bus.close()
	}()
	ctx := context.Background()
	answers, err := srvs[0].ServerSideEmitWithAck(ctx, "ping", 5)
	if err != nil || len(answers) != 2 {
		t.Fatalf("ServerSideEmitWithAck: %d answers, %v", len(answers), err)
	}
	for _, a := range answers {
		if m := a.Any(0).(map[string]any); m["n"] != 5.0 || m["server"] == 0.0 {
			t.Errorf("answer %v", m)
		}
	}
	sockets, err := srvs[1].FetchSockets(ctx)
	if err != nil || len(sockets) != 0 {
		t.Fatalf("FetchSockets of an empty cluster: %v, %v", sockets, err)
	}
	res, err := srvs[2].Timeout(time.Second).EmitWithAck(ctx, "ev")
	if err != nil || len(res) != 0 {
		t.Fatalf("EmitWithAck to no client: %v, %v", res, err)
	}
}

// TestEncodeBinaryAsMsgpack picks MessagePack for messages with binary
// data and JSON otherwise, as Node's adapters do.
func TestEncodeBinaryAsMsgpack(t *testing.T) {
	j, _ := Encode(Message{"type": Broadcast, "data": map[string]any{"packet": []any{"a"}}})
	if j[0] != '{' {
		t.Fatalf("no binary: %q, want JSON", j)
	}
	m, _ := Encode(Message{"type": Broadcast, "data": map[string]any{"packet": []any{"a", []byte{1}}}})
	if m[0] == '{' {
		t.Fatal("binary data encoded as JSON")
	}
	dec, err := Decode(m)
	if err != nil || dec["type"] != int64(Broadcast) {
		t.Fatalf("decoded %v, %v", dec, err)
	}
	if _, err := Decode([]byte{0xdd, 0xff, 0xff, 0xff, 0xff}); err == nil {
		t.Fatal("garbage decoded")
	}
}
