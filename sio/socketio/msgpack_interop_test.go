package socketio

import "testing"

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
