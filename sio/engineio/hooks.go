package engineio

import (
	"log/slog"
	"net/http"

	"github.com/gosio/gosio/internal/listeners"
	"github.com/gosio/gosio/sio/internal/eiolink"
)

// This file owns the engine's event listeners, Node's engine.on(...) and
// socket.on(...): several listeners per event, each registration returning
// the function that removes it. The application's own receiver (the
// Socket.IO server's) is not one of them: it is installed through
// eiolink, so no listener can replace or remove it.
//
// Cost: with no listener, an event costs an atomic load and a nil check.

func init() {
	eiolink.Receive = func(sock any, r eiolink.Receiver) {
		// Stored as itself: an interface holding a pointer goes into the
		// atomic.Value without an allocation.
		sock.(*EngineIOSocket).s.app.Store(r)
	}
	eiolink.HandOffReaders = func(engine any) { engine.(*Server).watch.handOffAll() }
	eiolink.SendReply = func(sock any, data []byte) (bool, error) {
		return sock.(*EngineIOSocket).s.sendMessageReply(Packet{Type: PacketMessage, Data: data}, nil)
	}
}

// ConnectionError describes a request refused with an Engine.IO error, as
// Node's "connection_error" event does.
type ConnectionError struct {
	// Request is the refused request. It must not be modified.
	Request *http.Request
	// Code is the Engine.IO error code, 0 to 5.
	Code ErrorCode
	// Message is the code's standard message, as the Node.js server gives
	// it: "Transport unknown", "Session ID unknown", "Bad handshake
	// method", "Bad request", "Forbidden", "Unsupported protocol version".
	Message string
	// Context holds details, with the Node.js server's keys: "transport",
	// "sid", "method", "protocol", "name" (such as "TRANSPORT_MISMATCH" or
	// "TRANSPORT_HANDSHAKE_ERROR"), "message" (AllowRequest's error).
	Context map[string]any
}

// nop is the remover of a nil listener, which is not added.
func nop() {}

// serverHooks are the listeners of a Server's events.
type serverHooks struct {
	connection     listeners.List[func(*EngineIOSocket)]
	connErr        listeners.List[func(*ConnectionError)]
	initialHeaders listeners.List[func(http.Header, *http.Request)]
	headers        listeners.List[func(http.Header, *http.Request)]
}

// OnConnection adds a listener called with each new session, after the
// application's OnOpen and before the session reads anything, as Node's
// "connection" event. It returns the function that removes the listener.
// Listeners must not block.
func (s *Server) OnConnection(fn func(sock *EngineIOSocket)) (remove func()) {
	if fn == nil {
		return nop
	}
	return s.hooks.connection.Add(fn)
}

// OnConnectionError adds a listener of the requests refused with an
// Engine.IO error (an unknown transport or session id, a bad handshake
// method, request or protocol version, a refusal by AllowRequest), as
// Node's "connection_error" event. It returns the remover.
func (s *Server) OnConnectionError(fn func(e *ConnectionError)) (remove func()) {
	if fn == nil {
		return nop
	}
	return s.hooks.connErr.Add(fn)
}

// OnInitialHeaders adds a listener called with the response headers of a
// handshake (polling or websocket) before they are written, as Node's
// "initial_headers": it may change them. The session cookie and the CORS
// headers are already set. It returns the remover.
func (s *Server) OnInitialHeaders(fn func(h http.Header, r *http.Request)) (remove func()) {
	if fn == nil {
		return nop
	}
	return s.hooks.initialHeaders.Add(fn)
}

// OnHeaders adds a listener called with the response headers of each
// request a transport answers (the handshake, after the OnInitialHeaders
// listeners; each polling GET and POST; the websocket upgrade) before
// they are written, as Node's "headers": it may change them. Error
// responses do not get them. It returns the remover.
func (s *Server) OnHeaders(fn func(h http.Header, r *http.Request)) (remove func()) {
	if fn == nil {
		return nop
	}
	return s.hooks.headers.Add(fn)
}

// refused answers a request with an Engine.IO error and tells the
// OnConnectionError listeners.
func (s *Server) refused(w http.ResponseWriter, r *http.Request, pe *ProtocolError, ctx map[string]any) {
	if l := s.opts.Logger; l.Enabled(r.Context(), slog.LevelDebug) { // the client caused it: Debug only
		l.LogAttrs(r.Context(), slog.LevelDebug, "engineio: request refused",
			slog.Int("code", int(pe.Code)), slog.String("message", pe.message()),
			slog.String("transport", r.URL.Query().Get("transport")),
			slog.String("remote", r.RemoteAddr))
	}
	if fns := s.hooks.connErr.Funcs(); fns != nil {
		e := &ConnectionError{Request: r, Code: pe.Code, Message: codeMessages[pe.Code], Context: ctx}
		for _, fn := range fns {
			fn(e)
		}
	}
	pe.writeTo(w)
}

// writeHeaders runs the header listeners on a response about to be
// written; initial is set for a handshake.
func (s *Server) writeHeaders(w http.ResponseWriter, r *http.Request, initial bool) {
	if initial {
		for _, fn := range s.hooks.initialHeaders.Funcs() {
			fn(w.Header(), r)
		}
	}
	for _, fn := range s.hooks.headers.Funcs() {
		fn(w.Header(), r)
	}
}

// sessionHooks are the listeners of a session's events. A session gets
// them with its first listener (hooksFor), so that most sessions, which
// have none, pay one nil pointer.
type sessionHooks struct {
	message   listeners.List[func([]byte, bool)]
	close     listeners.List[func(CloseReason, error)]
	Packet    listeners.List[func(Packet)]
	packetOut listeners.List[func(Packet)]
	upgrading listeners.List[func(string)]
	upgrade   listeners.List[func(string)]
}

// hooksFor returns the session's listeners, creating them.
func (s *EngineIOSession) hooksFor() *sessionHooks {
	if h := s.hooks.Load(); h != nil {
		return h
	}
	s.hooks.CompareAndSwap(nil, &sessionHooks{})
	return s.hooks.Load()
}

// OnMessage adds a listener of the messages the client sends, called one
// at a time in arrival order, before the application's own receiver. The
// data is the engine's: the listener must neither keep nor modify it. It
// returns the function that removes the listener. Listeners must not
// block: they hold up the connection's reads.
func (k *EngineIOSocket) OnMessage(fn func(data []byte, binary bool)) (remove func()) {
	if fn == nil {
		return nop
	}
	return k.s.hooksFor().message.Add(fn)
}

// OnClose adds a listener called once when the session closes, after the
// application's own close handling, with the reason and, for transport
// errors, the error (Node's "close" with its description). A listener
// added once the session has closed is not called. It returns the
// remover.
func (k *EngineIOSocket) OnClose(fn func(reason CloseReason, err error)) (remove func()) {
	if fn == nil {
		return nop
	}
	return k.s.hooksFor().close.Add(fn)
}

// OnPacket adds a listener of every packet the client sends (messages,
// pongs, the close and upgrade packets...), before the engine handles it,
// as Node's "packet". The packet's data must be neither kept nor
// modified. It returns the remover.
func (k *EngineIOSocket) OnPacket(fn func(p Packet)) (remove func()) {
	if fn == nil {
		return nop
	}
	return k.s.hooksFor().Packet.Add(fn)
}

// OnPacketCreate adds a listener of every packet the server queues for the
// client, messages (a Socket.IO packet's binary attachments are packets
// of their own) and pings, as Node's "packetCreate". It runs outside the
// session's lock, before the packet is queued (a ping: just after). The
// packet's data must be neither kept nor modified. It returns the
// remover.
func (k *EngineIOSocket) OnPacketCreate(fn func(p Packet)) (remove func()) {
	if fn == nil {
		return nop
	}
	return k.s.hooksFor().packetOut.Add(fn)
}

// OnUpgrading adds a listener called when the client probes an upgrade,
// with the transport it probes ("websocket"), as Node's "upgrading". It
// returns the remover.
func (k *EngineIOSocket) OnUpgrading(fn func(transport string)) (remove func()) {
	if fn == nil {
		return nop
	}
	return k.s.hooksFor().upgrading.Add(fn)
}

// OnUpgrade adds a listener called when an upgrade completes, with the new
// transport, as Node's "upgrade"; Transport returns it from then on. It
// returns the remover.
func (k *EngineIOSocket) OnUpgrade(fn func(transport string)) (remove func()) {
	if fn == nil {
		return nop
	}
	return k.s.hooksFor().upgrade.Add(fn)
}

// firePacket tells the OnPacket listeners of an incoming packet.
func (s *EngineIOSession) firePacket(p Packet) {
	if h := s.hooks.Load(); h != nil {
		for _, fn := range h.Packet.Funcs() {
			fn(p)
		}
	}
}

// firePacketCreate tells the OnPacketCreate listeners of outgoing packets.
func (s *EngineIOSession) firePacketCreate(p Packet) {
	if h := s.hooks.Load(); h != nil {
		for _, fn := range h.packetOut.Funcs() {
			fn(p)
		}
	}
}

// fireMessage tells the OnMessage listeners of a message.
func (s *EngineIOSession) fireMessage(data []byte, binary bool) {
	if h := s.hooks.Load(); h != nil {
		for _, fn := range h.message.Funcs() {
			fn(data, binary)
		}
	}
}

// fireClose tells the OnClose listeners that the session closed.
func (s *EngineIOSession) fireClose(reason CloseReason, err error) {
	if h := s.hooks.Load(); h != nil {
		for _, fn := range h.close.Funcs() {
			fn(reason, err)
		}
	}
}

// fireUpgrade tells the OnUpgrading (done false) or OnUpgrade (done true)
// listeners.
func (s *EngineIOSession) fireUpgrade(transport string, done bool) {
	h := s.hooks.Load()
	if h == nil {
		return
	}
	l := &h.upgrading
	if done {
		l = &h.upgrade
	}
	for _, fn := range l.Funcs() {
		fn(transport)
	}
}
