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
// *engineio.EngineIOSocket): onMessage is called with each message after
// the user's message listeners, and onClose with the close reason (an
// engineio.CloseReason's text) and error before the user's close
// listeners. It is set by package engineio's init.
//
// here tells onMessage that its caller is the connection's websocket
// reader, which can run a handler itself: onMessage may then leave one,
// returning it (non-nil), and the reader calls RunHere with it once the
// delivery is over (engineio's inline.go states the rules).
var Receive func(sock any, r Receiver)

// Receiver is the application's own receiver of a session.
type Receiver struct {
	OnMessage func(data []byte, binary, here bool) (left any)
	RunHere   func(left any)
	OnClose   func(reason string, err error)
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
