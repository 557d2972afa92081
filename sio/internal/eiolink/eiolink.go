// Package eiolink lets the Socket.IO layer install its receiver on an
// Engine.IO session without a public setter: a user's listeners
// (EngineIOSocket.OnMessage, OnClose) add to the session's callbacks and
// cannot replace the ones the Socket.IO server needs.
//
// engineio assigns Receive in its init; socketio calls it from the
// application's OnOpen. The types are plain so that this package imports
// neither.
package eiolink

// Receive installs the application's own receiver on sock (an
// *engineio.EngineIOSocket). It is set by package engineio's init.
var Receive func(sock any, r Receiver)

// Receiver is the application's own receiver of a session. An interface,
// so that installing one (on every connection) allocates nothing when
// the receiver is a pointer.
type Receiver interface {
	// OnMessage is called with each message, after the user's message
	// listeners. here tells it that its caller is the connection's
	// websocket reader, which can run a handler itself: OnMessage may then
	// leave one, returning it (non-nil), and the reader calls RunHere with
	// it once the delivery is over (engineio's inline.go states the rules).
	OnMessage(data []byte, binary, here bool) (left any)
	// RunHere runs what OnMessage left.
	RunHere(left any)
	// OnClose is called with the close reason (an engineio.CloseReason's
	// text) and error, before the user's close listeners.
	OnClose(reason string, err error)
}

// Funcs is a Receiver made of functions; a nil one is not called.
type Funcs struct {
	Message func(data []byte, binary, here bool) (left any)
	Here    func(left any)
	Close   func(reason string, err error)
}

// OnMessage calls f.Message.
func (f *Funcs) OnMessage(data []byte, binary, here bool) any {
	if f.Message == nil {
		return nil
	}
	return f.Message(data, binary, here)
}

// RunHere calls f.Here.
func (f *Funcs) RunHere(left any) {
	if f.Here != nil {
		f.Here(left)
	}
}

// OnClose calls f.Close.
func (f *Funcs) OnClose(reason string, err error) {
	if f.Close != nil {
		f.Close(reason, err)
	}
}

// HandOffReaders makes every websocket reader of engine (an
// *engineio.Server) that runs a handler hand its reading to a new
// goroutine at once: the caller is about to wait for something only a
// reader can read. It is set by package engineio's init.
var HandOffReaders func(engine any)

// SendReply sends data as one text message on sock (an
// *engineio.EngineIOSocket), as its SendWithBinaries does, and reports
// whether data's memory is free again when it returns (written at once or
// copied, and seen by no listener), so that the caller can reuse it. It
// is set by package engineio's init.
var SendReply func(sock any, data []byte) (reusable bool, err error)
