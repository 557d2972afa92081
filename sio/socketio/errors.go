package socketio

import (
	"errors"
	"fmt"
)

// Errors of the Socket.IO layer.
var (
	// ErrReservedEvent is returned when emitting one of the reserved event
	// names (connect, connect_error, disconnect, disconnecting, newListener,
	// removeListener).
	ErrReservedEvent = errors.New("socketio: reserved event name")
	// ErrAckTimeout is returned by EmitWithAck when the acknowledgement(s)
	// did not all arrive in time.
	ErrAckTimeout = errors.New("socketio: operation has timed out")
	// ErrSocketDisconnected is returned when emitting on, or waiting for an
	// ack from, a socket that is no longer connected.
	ErrSocketDisconnected = errors.New("socketio: socket disconnected")
	// ErrServerClosed is returned once the server is shutting down.
	ErrServerClosed = errors.New("socketio: server closed")
)

// ConnectError rejects a namespace connection: the client receives a
// CONNECT_ERROR packet {"message": Message, "data": Data} (Data omitted when
// nil). A middleware or connect handler returns it; any other error is sent
// with its text as the message.
type ConnectError struct {
	Message string // the "message" the client's connect_error handler reads
	Data    any    // the "data" it reads; omitted when nil
}

// Error returns the message.
func (e *ConnectError) Error() string { return "socketio: connect error: " + e.Message }

// NewConnectError returns a *ConnectError with the given message and data.
func NewConnectError(message string, data any) *ConnectError {
	return &ConnectError{Message: message, Data: data}
}

// asConnectError turns a middleware's error into what the client receives.
func asConnectError(err error) *ConnectError {
	var ce *ConnectError
	if errors.As(err, &ce) {
		return ce
	}
	return &ConnectError{Message: err.Error()}
}

// DisconnectReason says why a socket left its namespace, in the words of
// the Node.js server.
type DisconnectReason string

// The disconnect reasons of the Node.js socket.io server.
const (
	ReasonTransportError            DisconnectReason = "transport error"
	ReasonTransportClose            DisconnectReason = "transport close"
	ReasonForcedClose               DisconnectReason = "forced close"
	ReasonPingTimeout               DisconnectReason = "ping timeout"
	ReasonParseError                DisconnectReason = "parse error"
	ReasonServerShuttingDown        DisconnectReason = "server shutting down"
	ReasonForcedServerClose         DisconnectReason = "forced server close"
	ReasonClientNamespaceDisconnect DisconnectReason = "client namespace disconnect"
	ReasonServerNamespaceDisconnect DisconnectReason = "server namespace disconnect"
)

// recoverable reports whether a socket that left for this reason may have
// its state restored by connection state recovery: Node's
// RECOVERABLE_DISCONNECT_REASONS. Not when either side meant to leave, nor
// after a parse error; a server shutting down keeps its sessions, which a
// cluster adapter lets another server restore.
func (r DisconnectReason) recoverable() bool {
	switch r {
	case ReasonTransportError, ReasonTransportClose, ReasonForcedClose,
		ReasonPingTimeout, ReasonServerShuttingDown, ReasonForcedServerClose:
		return true
	}
	return false
}

// IsReservedEvent reports whether event is one of the names socket.io
// keeps for itself (its RESERVED_EVENTS): connect, connect_error,
// disconnect, disconnecting, newListener and removeListener. No Emit may
// send them, no client may send them (the parser refuses such an EVENT, as
// socket.io-parser's isPayloadValid does), and no consumer method may
// claim them. It is the one declaration of these names.
func IsReservedEvent(event string) bool {
	switch event {
	case "connect", "connect_error", "disconnect",
		"disconnecting", "newListener", "removeListener":
		return true
	}
	return false
}

func checkEventName(event string) error {
	if IsReservedEvent(event) {
		return fmt.Errorf("%w: %q", ErrReservedEvent, event)
	}
	return nil
}
