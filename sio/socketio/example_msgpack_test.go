package socketio_test

import (
	"fmt"

	"github.com/gosio/gosio/sio/socketio"
)

// A server for clients made with io(url, {parser:
// require("socket.io-msgpack-parser")}): handlers are written as with the
// default parser; a packet travels as one binary message, []byte as
// msgpack bin.
func ExampleMsgpackParser() {
	opts := &socketio.ServerOptions{PacketParser: socketio.MsgpackParser}
	_ = opts // socketio.NewServer(opts)

	packet, _ := socketio.EventPacket("/", "file", "a.txt", []byte("hi"))
	msg, _, _ := socketio.MsgpackParser.Encode(packet)
	fmt.Printf("binary %v: % x\n", msg.Binary, msg.Data)

	p, _ := socketio.MsgpackParser.NewDecoder(nil).Add(msg.Data, true)
	fmt.Printf("%s %s %q\n", p.Type, p.Data, p.Attachments)
	// Output:
	// binary true: 83 a4 74 79 70 65 02 a4 64 61 74 61 93 a4 66 69 6c 65 a5 61 2e 74 78 74 c4 02 68 69 a3 6e 73 70 a1 2f
	// BINARY_EVENT ["file","a.txt",{"_placeholder":true,"num":0}] ["hi"]
}
