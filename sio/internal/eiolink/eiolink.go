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
var Receive func(sock any, onMessage func(data []byte, binary bool), onClose func(reason string, err error))
