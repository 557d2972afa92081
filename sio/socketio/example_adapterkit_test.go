package socketio_test

import (
	"fmt"

	"github.com/gosio/gosio/sio/socketio"
)

// An adapter that forwards broadcasts over its own bus builds the packet of
// an emit once, and reads a packet back into values with PacketArgs.
func ExampleEventPacket() {
	p, err := socketio.EventPacket("/chat", "file", "a.txt", []byte("hi"))
	if err != nil {
		panic(err)
	}
	fmt.Printf("%s %s %s %q\n", p.Type, p.Namespace, p.Data, p.Attachments)

	args, err := socketio.PacketArgs(p)
	if err != nil {
		panic(err)
	}
	var name, file string
	var data []byte
	_ = args.Decode(&name, &file, &data)
	fmt.Println(name, file, string(data))

	// Connection state recovery sends an event with its offset last.
	fmt.Printf("%s\n", socketio.WithOffset(p, "42-1").Data)
	// Output:
	// BINARY_EVENT /chat ["file","a.txt",{"_placeholder":true,"num":0}] ["hi"]
	// file a.txt hi
	// ["file","a.txt",{"_placeholder":true,"num":0},"42-1"]
}
