package socketio

import (
	"sync/atomic"
	"testing"

	"github.com/gosio/gosio/sio/engineio"
)

// interopParser, when set, is the PacketParser of the servers newTestEnv
// makes (unless the test sets one), and the Node.js client scripts then
// use the same parser: TestInteropMsgpack runs interop tests with it. The
// package's tests do not run in parallel.
var interopParser Parser

// withInteropParser returns opts with interopParser as its PacketParser
// when set and opts has none.
func withInteropParser(opts *ServerOptions) *ServerOptions {
	if interopParser == nil || (opts != nil && opts.PacketParser != nil) {
		return opts
	}
	o := ServerOptions{}
	if opts != nil {
		o = *opts
	}
	o.PacketParser = interopParser
	return &o
}

// TestInteropMsgpack runs the interop tests of the official client with
// socket.io-msgpack-parser on both sides: events, acks both ways, binary,
// broadcasts, rooms, namespaces, middleware errors, disconnect reasons and
// connection state recovery, over each transport.
func TestInteropMsgpack(t *testing.T) {
	interopParser = MsgpackParser
	t.Cleanup(func() { interopParser = nil })
	for _, tc := range []struct {
		name string
		test func(*testing.T)
	}{
		{"Transports", TestInteropTransports},
		{"Namespaces", TestInteropNamespaces},
		{"MiddlewareRejectionAndAuth", TestInteropMiddlewareRejectionAndAuth},
		{"Acks", TestInteropAcks},
		{"BroadcastAcks", TestInteropBroadcastAcks},
		{"Binary", TestInteropBinary},
		{"RoomsExceptVolatileAndSocketBroadcast", TestInteropRoomsExceptVolatileAndSocketBroadcast},
		{"DisconnectReasons", TestInteropDisconnectReasons},
		{"ConnectionStateRecovery", TestInteropConnectionStateRecovery},
		{"UTF8BeyondTheBMP", TestInteropUTF8BeyondTheBMP},
	} {
		t.Run(tc.name, tc.test)
	}
}

// countingParser counts the packets its Parser encodes.
type countingParser struct {
	Parser
	encodes atomic.Int32
}

func (c *countingParser) Encode(p *SocketIOPacket) (engineio.Message, [][]byte, error) {
	c.encodes.Add(1)
	return c.Parser.Encode(p)
}

// TestBroadcastEncodedOncePerParser: a broadcast to several clients,
// binary included, is encoded once, with either parser.
func TestBroadcastEncodedOncePerParser(t *testing.T) {
	for _, tc := range []struct {
		name   string
		parser Parser
	}{{"default", DefaultParser}, {"msgpack", MsgpackParser}} {
		t.Run(tc.name, func(t *testing.T) {
			counter := &countingParser{Parser: tc.parser}
			e := newTestEnv(t, &ServerOptions{PacketParser: counter})
			socks := echoServer(e.srv)
			n := newNodeClient(t, e)
			ids := []string{"a", "b", "c"}
			for i, id := range ids {
				opts := wsOnly
				if i == 1 {
					opts = pollingOnly
				}
				n.connect(id, "/", opts, nil)
				waitChan(t, socks, "connection")
			}
			before := counter.encodes.Load()
			if err := e.srv.Emit("news", "flash", []byte{1, 2, 3}); err != nil {
				t.Fatal(err)
			}
			for _, id := range ids {
				if r := n.recv(id, "news"); !sameJSON(t, r["args"], []any{"flash", binArg([]byte{1, 2, 3})}) {
					t.Fatalf("%s received %v", id, r["args"])
				}
			}
			if got := counter.encodes.Load() - before; got != 1 {
				t.Fatalf("broadcast to %d clients encoded %d times, want 1", len(ids), got)
			}
		})
	}
}

// usesMsgpack reports whether a server with this PacketParser speaks
// msgpack, for the Node.js scripts to use the same parser.
func usesMsgpack(p Parser) bool {
	if c, ok := p.(*countingParser); ok {
		p = c.Parser
	}
	_, ok := p.(msgpackParser)
	return ok
}
