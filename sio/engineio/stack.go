package engineio

// The websocket handshake runs on the HTTP server's goroutine, and its
// deepest calls (the session's registration, then the 101 response that
// net/http writes in Hijack) take that goroutine's stack past 8 KiB. A
// stack that overflows is copied to one twice its size, each frame on it
// adjusted: twice per handshake, at the depth of those calls, this cost a
// websocket connect about a fifth of its instructions (bench/callgrind.sh
// with 200 clients and no round trips). reserveStack, called where the
// stack is still shallow, asks for the room at once: the runtime grows the
// stack a single time, to the size that fits the request, while only a few
// frames are on it. The goroutine ends with the handshake (the reader of
// the connection is a goroutine of its own), so the room is not kept.

// handshakeStackReserve is the stack room reserveStack asks for: with what
// is below it, enough that the handshake's deepest call fits in the 16 KiB
// stack it leads the runtime to choose.
const handshakeStackReserve = 10 << 10

// reserveStack makes its goroutine's stack at least handshakeStackReserve
// deeper than where it is called.
//
//go:noinline
func reserveStack() {
	var room [handshakeStackReserve]byte
	touchStack(room[:])
}

// touchStack keeps room on the stack of its caller: the compiler cannot
// drop an array that is passed on.
//
//go:noinline
func touchStack(room []byte) { room[len(room)-1] = 0 }
