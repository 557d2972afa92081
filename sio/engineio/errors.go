package engineio

import (
	"encoding/json"
	"errors"
	"net/http"
)

// Sentinel errors of the engine. Wrapped errors carry one phrase of context.
var (
	// ErrInvalidPacket reports a packet or payload that does not decode.
	ErrInvalidPacket = errors.New("engineio: invalid packet")
	// ErrSessionClosed is returned when sending on a closed session.
	ErrSessionClosed = errors.New("engineio: session closed")
	// ErrQueueFull reports a client that does not read fast enough: it
	// left more than Options.MaxQueuedBytes unread (or its queue reached
	// MaxQueuedPackets, when set) and it was closed.
	ErrQueueFull = errors.New("engineio: outbound queue full")
	// ErrPayloadTooLarge reports a request body or frame over MaxPayload.
	ErrPayloadTooLarge = errors.New("engineio: payload too large")
	// ErrServerClosed is returned by handlers once Shutdown has begun.
	ErrServerClosed = errors.New("engineio: server closed")
)

// ErrorCode is the code of an Engine.IO handshake or request error, as the
// Node.js engine.io server sends it in its JSON error body.
type ErrorCode int

// The error codes of the Node.js engine.io server.
const (
	CodeUnknownTransport    ErrorCode = 0
	CodeUnknownSID          ErrorCode = 1
	CodeBadHandshakeMethod  ErrorCode = 2
	CodeBadRequest          ErrorCode = 3
	CodeForbidden           ErrorCode = 4
	CodeUnsupportedProtocol ErrorCode = 5
)

var codeMessages = map[ErrorCode]string{
	CodeUnknownTransport:    "Transport unknown",
	CodeUnknownSID:          "Session ID unknown",
	CodeBadHandshakeMethod:  "Bad handshake method",
	CodeBadRequest:          "Bad request",
	CodeForbidden:           "Forbidden",
	CodeUnsupportedProtocol: "Unsupported protocol version",
}

// ProtocolError is an error answered to an HTTP request as
// {"code":N,"message":"..."}, with status 403 for CodeForbidden and 400
// otherwise.
type ProtocolError struct {
	Code    ErrorCode // the "code" of the JSON body
	Message string    // defaults to the code's standard message
}

// Error returns the message prefixed with the package name.
func (e *ProtocolError) Error() string { return "engineio: " + e.message() }

func (e *ProtocolError) message() string {
	if e.Message != "" {
		return e.Message
	}
	return codeMessages[e.Code]
}

// Status is the HTTP status the error is answered with.
func (e *ProtocolError) Status() int {
	if e.Code == CodeForbidden {
		return http.StatusForbidden
	}
	return http.StatusBadRequest
}

// writeTo answers the request with the error's status and JSON body.
func (e *ProtocolError) writeTo(w http.ResponseWriter) {
	body, _ := json.Marshal(struct {
		Code    ErrorCode `json:"code"`
		Message string    `json:"message"`
	}{e.Code, e.message()})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(e.Status())
	_, _ = w.Write(body)
}

func protocolError(code ErrorCode) *ProtocolError { return &ProtocolError{Code: code} }

// CloseReason says why a session closed, in the words of the Node.js server.
type CloseReason string

// The close reasons of a session.
const (
	// ReasonTransportClose: the client closed the connection or sent a close packet.
	ReasonTransportClose CloseReason = "transport close"
	// ReasonTransportError: the transport failed (a broken connection, an
	// overlapping request, a full queue, an oversized payload).
	ReasonTransportError CloseReason = "transport error"
	// ReasonPingTimeout: no pong arrived within PingTimeout.
	ReasonPingTimeout CloseReason = "ping timeout"
	// ReasonParseError: the client sent a packet that does not decode.
	ReasonParseError CloseReason = "parse error"
	// ReasonForcedClose: the application closed the session.
	ReasonForcedClose CloseReason = "forced close"
	// ReasonServerShutdown: the server is shutting down.
	ReasonServerShutdown CloseReason = "server shutting down"
)
