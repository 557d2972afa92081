package socketio

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gosio/gosio/internal/sid"
	"github.com/gosio/gosio/sio/internal/eiolink"
)

type socketState uint8

// A socket is connecting until its CONNECT reply, then connected, then
// disconnecting from the moment it starts leaving (Disconnect, the
// client's DISCONNECT, the connection's end) until its disconnecting
// handlers have run, then disconnected. As Node's socket.connected, it
// counts as connected while disconnecting, so that those handlers may
// still emit.
const (
	stateConnecting socketState = iota
	stateConnected
	stateDisconnecting
	stateDisconnected
)

// NamespaceSocket is one client's connection to one namespace, the Go
// counterpart of the Node.js server's Socket. Its methods are safe for
// concurrent use. Its handlers (connection, events, disconnect) run one at a
// time, in arrival order, so state they alone touch needs no lock.
type NamespaceSocket struct {
	id        SocketID
	pid       string
	nsp       *Namespace
	client    *client
	handshake *Handshake

	// Data holds per-socket values; it is safe for concurrent use and is
	// restored by connection state recovery.
	Data *SocketData

	box mailbox

	// joinMu orders Join against the final leaving of the rooms: once left
	// is set, Join does nothing (Node's _cleanup sets join to a no-op), so
	// a late Join cannot put a departed socket back in the index.
	joinMu sync.Mutex

	mu       sync.Mutex
	handlers handlerTable
	hooks    hookList // OnAny, OnAnyOutgoing, Use, OnError, OnDisconnect(ing)
	acks     map[int64]func(Args, error)

	// The flags share one word: state and everConnected are under mu, left
	// under joinMu; recovered is set on the mailbox before the socket
	// connects.
	state         socketState
	everConnected bool // set once; events are dropped only for a socket that never connected
	left          bool
	recovered     bool
	// nextID, under mu, is the id of the last handler or hook added, which
	// its remover names (in the flags' word: the struct stays in its size
	// class). It would wrap after 2^32 registrations on one socket.
	nextID uint32
}

func newNamespaceSocket(nsp *Namespace, c *client, auth json.RawMessage) *NamespaceSocket {
	id := sid.New()
	if c.v3 {
		id = v3SocketID(nsp.name, c.conn.ID())
	}
	return &NamespaceSocket{
		id:        id,
		nsp:       nsp,
		client:    c,
		handshake: newHandshake(c.conn.Request(), auth),
		Data:      &SocketData{},
	}
}

// ID returns the socket's id: 20 URL-safe characters, distinct from the
// Engine.IO session id.
func (s *NamespaceSocket) ID() SocketID { return s.id }

// Namespace returns the socket's namespace.
func (s *NamespaceSocket) Namespace() *Namespace { return s.nsp }

// Handshake returns how the socket connected.
func (s *NamespaceSocket) Handshake() *Handshake { return s.handshake }

// Recovered reports whether connection state recovery restored this
// socket's id, rooms and data from an earlier connection.
func (s *NamespaceSocket) Recovered() bool { return s.recovered }

// Connected reports whether the socket is connected to its namespace. As
// in the Node.js server, it still is while its OnDisconnecting handlers
// run.
func (s *NamespaceSocket) Connected() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state == stateConnected || s.state == stateDisconnecting
}

// disconnecting reports whether the socket is leaving and its
// OnDisconnecting handlers have not all run.
func (s *NamespaceSocket) disconnecting() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state == stateDisconnecting
}

// Transport returns the name of the underlying Engine.IO transport.
func (s *NamespaceSocket) Transport() string { return s.client.conn.Transport() }

// ConnID returns the id of the Engine.IO connection the socket runs on,
// shared by the client's sockets in every namespace (Node's socket.conn.id).
func (s *NamespaceSocket) ConnID() string { return s.client.conn.ID() }

// Rooms returns the rooms the socket is in, its own id among them.
func (s *NamespaceSocket) Rooms() []Room { return s.nsp.adapter.SocketRooms(s.id) }

// Join adds the socket to rooms. It does nothing once the socket has left
// its namespace.
func (s *NamespaceSocket) Join(rooms ...Room) {
	s.joinMu.Lock()
	defer s.joinMu.Unlock()
	if s.left {
		return
	}
	s.nsp.adapter.AddAll(s.id, rooms)
}

// leaveRooms removes the socket from every room for good.
func (s *NamespaceSocket) leaveRooms() {
	s.joinMu.Lock()
	s.left = true
	s.joinMu.Unlock()
	s.nsp.adapter.DelAll(s.id)
}

// Leave removes the socket from a room.
func (s *NamespaceSocket) Leave(room Room) { s.nsp.adapter.Del(s.id, room) }

// LeaveAll removes the socket from every room, its own included.
func (s *NamespaceSocket) LeaveAll() { s.nsp.adapter.DelAll(s.id) }

// Emit sends an event to this socket. It fails for reserved event names,
// arguments that do not encode, and a disconnected socket.
func (s *NamespaceSocket) Emit(event string, args ...any) error {
	return s.emitter().Emit(event, args...)
}

// Send emits the "message" event.
func (s *NamespaceSocket) Send(args ...any) error { return s.Emit("message", args...) }

// EmitWithAck sends an event and waits for the client's acknowledgement,
// returning its arguments. It returns ErrAckTimeout when ctx ends first (or
// the Timeout set on the emitter passes).
func (s *NamespaceSocket) EmitWithAck(ctx context.Context, event string, args ...any) (Args, error) {
	return s.emitter().EmitWithAck(ctx, event, args...)
}

// EmitWithAckFunc sends an event and returns at once; cb gets the client's
// acknowledgement later, on the socket's mailbox (see
// SocketEmitter.EmitWithAckFunc). It is Node's socket.emit(event, ...args,
// cb); use Timeout(d).EmitWithAckFunc for socket.timeout(ms).emit.
func (s *NamespaceSocket) EmitWithAckFunc(event string, cb func(Args, error), args ...any) error {
	return s.emitter().EmitWithAckFunc(event, cb, args...)
}

// Timeout returns an emitter whose EmitWithAck waits at most d.
func (s *NamespaceSocket) Timeout(d time.Duration) SocketEmitter {
	e := s.emitter()
	e.timeout = d
	return e
}

// Volatile returns an emitter whose events are dropped when the client is
// not ready to receive them.
func (s *NamespaceSocket) Volatile() SocketEmitter {
	e := s.emitter()
	e.volatile = true
	return e
}

// Compress returns an emitter with the compression flag set.
func (s *NamespaceSocket) Compress(compress bool) SocketEmitter {
	e := s.emitter()
	e.compress = &compress
	return e
}

func (s *NamespaceSocket) emitter() SocketEmitter { return SocketEmitter{s: s} }

// To returns a broadcast to rooms that excludes this socket.
func (s *NamespaceSocket) To(rooms ...Room) BroadcastOperator {
	return s.Broadcast().To(rooms...)
}

// In is To.
func (s *NamespaceSocket) In(rooms ...Room) BroadcastOperator { return s.To(rooms...) }

// Except returns a broadcast to everyone but this socket and rooms.
func (s *NamespaceSocket) Except(rooms ...Room) BroadcastOperator {
	return s.Broadcast().Except(rooms...)
}

// Broadcast returns a broadcast to every socket of the namespace but this
// one.
func (s *NamespaceSocket) Broadcast() BroadcastOperator {
	return newBroadcastOperator(s.nsp).Except(s.id)
}

// Disconnect makes the socket leave its namespace with reason "server
// namespace disconnect"; with close, the whole connection is closed, every
// namespace of it included.
//
// As Node's disconnect(), it writes the DISCONNECT packet, then starts the
// leaving (see onClose); of concurrent calls, one does.
func (s *NamespaceSocket) Disconnect(close bool) {
	if close {
		if s.Connected() {
			s.client.close()
		}
		return
	}
	s.mu.Lock()
	if s.state != stateConnected {
		s.mu.Unlock()
		return
	}
	s.state = stateDisconnecting // this call, and no other, leaves
	s.mu.Unlock()
	s.client.writePacket(&SocketIOPacket{Type: PacketDisconnect, Namespace: s.nsp.name, ID: NoAckID}, false)
	s.leave(ReasonServerNamespaceDisconnect, true)
}

// post queues a task on the socket's mailbox.
func (s *NamespaceSocket) post(task func()) {
	s.box.post(&s.nsp.srv.wg, s, task)
}

// postEvent queues an incoming event's dispatch. Called from the
// connection's delivery, it holds the client back while the socket already
// has mailboxLimit tasks queued, as the mailbox's doc describes; a client
// that floods past mailboxFloodLimit is closed. here: the delivery is the
// websocket's reader, which runs the event itself when the mailbox is idle
// (mailbox.postBounded); postEvent then returns ev, for runEventHere.
func (s *NamespaceSocket) postEvent(ev *Event, here bool) *Event {
	c := s.client
	h := holdback{done: c.conn.Done(), hold: s.nsp.srv.readerHold, owed: &c.acksOwed, parked: &c.parked}
	switch s.box.postBounded(&s.nsp.srv.wg, s, task{ev: ev}, h, here) {
	case runHere:
		return ev
	case flooded:
		c.debug("socketio: closing a connection: too many events wait for the handlers",
			slog.String("namespace", s.nsp.name), slog.String("socket", s.id), slog.Int("limit", mailboxFloodLimit))
		c.conn.Close()
	}
	return nil
}

// runEventHere runs an event that postEvent left to the connection's
// reader, as the socket's mailbox would, counted in the server's
// taskGroup; then the mailbox goes on with what was posted meanwhile, on a
// goroutine of its own.
func runEventHere(left any) {
	ev := left.(*Event)
	s := ev.socket
	wg := &s.nsp.srv.wg
	wg.Add(1)
	defer wg.Done()
	defer s.box.doneHere(wg, s)
	if ev.checked && s.client.running.CompareAndSwap(nil, ev) {
		defer s.client.running.Store(nil)
	}
	runTask(s, task{ev: ev})
}

// handOffReaders is called before a wait for acknowledgements: a handler
// that waits may be running on its own connection's reader
// (runEventHere), which must go on reading for the acknowledgement to
// arrive. The engine hands the reading of every such reader to a new
// goroutine.
func (srv *SocketIOServer) handOffReaders() { eiolink.HandOffReaders(srv.engine) }

// runConnect completes a namespace connection: recovery, middlewares, the
// CONNECT reply, then the connection handlers. It runs on the mailbox.
func (s *NamespaceSocket) runConnect(auth json.RawMessage) {
	defer s.nsp.endJoin()
	var restored *PersistedSession
	if rec := s.nsp.srv.recovery; rec != nil {
		var ids struct {
			PID    string `json:"pid"`
			Offset string `json:"offset"`
		}
		if len(auth) > 0 && json.Unmarshal(auth, &ids) == nil && ids.PID != "" {
			restored, _ = s.nsp.adapter.RestoreSession(ids.PID, ids.Offset)
		}
		if restored != nil && tooManyMissed(restored.MissedPackets, rec.MaxMissedPackets) {
			// Refused whole rather than replayed by half: a new session.
			restored = nil
		}
		if restored != nil {
			s.id, s.pid, s.recovered = restored.SID, restored.PID, true
			for k, v := range restored.Data {
				s.Data.Set(k, v)
			}
		} else {
			s.pid = sid.New()
		}
	}
	if !s.recovered || s.nsp.srv.recovery.RunMiddlewares {
		for _, mw := range s.nsp.middlewareList() {
			if err := s.runMiddleware(mw); err != nil {
				s.rejectConnect(err)
				return
			}
		}
	}
	s.mu.Lock()
	if s.state != stateConnecting || s.client.isClosed() {
		s.state = stateDisconnected
		s.mu.Unlock()
		s.client.forget(s)
		s.leaveRooms()
		return
	}
	s.state = stateConnected
	s.everConnected = true
	s.mu.Unlock()
	// As with the Node.js server, a connection that joined a namespace is
	// never closed by the connect timeout, even once it left it.
	s.client.stopConnectTimer()

	s.nsp.addSocket(s)
	rooms := []Room{s.id}
	if restored != nil {
		rooms = append(rooms, restored.Rooms...)
	}
	s.nsp.adapter.AddAll(s.id, rooms)
	// {"sid":...,"pid":...}, as json.Marshal writes it, with no pid
	// without connection state recovery.
	reply := make([]byte, 0, 64)
	reply = appendJSONString(append(reply, `{"sid":`...), s.id)
	if s.pid != "" {
		reply = appendJSONString(append(reply, `,"pid":`...), s.pid)
	}
	reply = append(reply, '}')
	// The CONNECT reply and what the connection handlers send go out
	// together once they return (client.holdWrites), so that a client that
	// has its CONNECT finds their work done, as with the Node.js server.
	s.client.holdWrites()
	defer s.client.releaseWrites(false)
	if s.client.v3 {
		reply = nil // Socket.IO protocol v4: a CONNECT without payload
	}
	s.client.writePacket(&SocketIOPacket{Type: PacketConnect, Namespace: s.nsp.name, ID: NoAckID, Data: reply}, false)
	if restored != nil {
		for _, p := range restored.MissedPackets {
			s.client.writePacket(p.Packet, false)
		}
	}
	for _, h := range s.nsp.connectionHandlers() {
		h(s)
	}
}

// tooManyMissed reports whether replaying missed, counted in Engine.IO
// packets (one per event and one per attachment), would exceed limit
// (RecoveryOptions.MaxMissedPackets; negative for none).
func tooManyMissed(missed []*StoredPacket, limit int) bool {
	if limit < 0 {
		return false
	}
	if len(missed) > limit {
		return true
	}
	n := 0
	for _, p := range missed {
		n += 1 + len(p.Packet.Attachments)
		if n > limit {
			return true
		}
	}
	return false
}

// runMiddleware runs a connection middleware; a panic in it rejects the
// connection with "server error" rather than leaving it half connected.
func (s *NamespaceSocket) runMiddleware(mw func(*NamespaceSocket) error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			s.nsp.srv.opts.Logger.Error("socketio: panic in a middleware", slog.String("namespace", s.nsp.name),
				slog.String("socket", s.id), slog.Any("panic", r), slog.String("stack", string(debug.Stack())))
			err = &ConnectError{Message: "server error"}
		}
	}()
	return mw(s)
}

func (s *NamespaceSocket) rejectConnect(err error) {
	ce := asConnectError(err)
	var body any = map[string]any{"message": ce.Message}
	switch {
	case s.client.v3:
		body = v3ConnectError(ce)
	case ce.Data != nil:
		body.(map[string]any)["data"] = ce.Data
	}
	data, mErr := json.Marshal(body)
	if mErr != nil {
		data = json.RawMessage(`{"message":"` + "connect error" + `"}`)
	}
	s.mu.Lock()
	s.state = stateDisconnected
	s.mu.Unlock()
	s.client.forget(s)
	s.leaveRooms() // rooms a middleware joined
	s.client.writePacket(&SocketIOPacket{Type: PacketConnectError, Namespace: s.nsp.name, ID: NoAckID, Data: data}, false)
}

// onPacket handles a packet for this socket's namespace, with what the
// decoder split of its payload already, if anything (splitPayload).
func (s *NamespaceSocket) onPacket(p *SocketIOPacket, split splitPayload, here bool) *Event {
	raw := split.args
	var err error
	if raw == nil && p.Type != PacketDisconnect {
		raw, err = splitArgs(p.Data)
	}
	switch p.Type {
	case PacketEvent, PacketBinaryEvent:
		if err != nil || len(raw) == 0 {
			s.client.conn.Close()
			return nil
		}
		name, ok := split.name, split.named
		if !ok {
			name, ok = eventName(raw[0])
		}
		if !ok {
			s.client.conn.Close()
			return nil
		}
		// Arguments split by the default parser are JSON and UTF-8 already
		// checked (the engine delivers only UTF-8 text): an ack that sends
		// them back unchanged copies them as they are (Event.Ack).
		ev := split.ev
		if ev == nil {
			ev = new(Event)
		}
		*ev = Event{Args: newArgs(raw[1:], p.Attachments), Name: name, socket: s, ackID: p.ID, checked: split.args != nil}
		return s.postEvent(ev, here)
	case PacketAck, PacketBinaryAck:
		if err != nil {
			s.client.conn.Close()
			return nil
		}
		if fn := s.takeAck(p.ID); fn != nil {
			fn(newArgs(raw, p.Attachments), nil)
		}
	case PacketDisconnect:
		s.onClose(ReasonClientNamespaceDisconnect)
	}
	return nil
}

// eventName decodes an event's name, its first element; false if that is
// not a JSON string.
func eventName(raw json.RawMessage) (string, bool) {
	if body, ok := plainJSONBody(raw); ok {
		return internEventName(body), true
	}
	return unmarshalEventName(raw)
}

// unmarshalEventName decodes a name with escapes. Apart from eventName,
// so that the variable Unmarshal needs on the heap is made only here.
func unmarshalEventName(raw json.RawMessage) (string, bool) {
	var name string
	if err := json.Unmarshal(raw, &name); err != nil {
		return "", false
	}
	return name, true
}

// dispatchEvent runs an event through the catch-all listeners, the
// middlewares and its handler.
func (s *NamespaceSocket) dispatchEvent(ev *Event) {
	s.mu.Lock()
	if !s.everConnected {
		s.mu.Unlock()
		return // the connection was rejected: its events are dropped
	}
	hooks := s.hooks
	hs, handled := s.handlers.get(ev.Name)
	s.mu.Unlock()
	// As in the Node.js server, the catch-all listeners see every event,
	// before the middlewares decide on its own handlers.
	hooks.events(hookAny, ev)
	if hooks.middlewares(ev) && handled {
		hs.run(ev)
	}
}

// registerAck records the continuation of an acknowledgement; it fails on
// a socket that is not connected.
func (s *NamespaceSocket) registerAck(id int64, fn func(Args, error)) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state != stateConnected {
		return false
	}
	if s.acks == nil {
		s.acks = make(map[int64]func(Args, error))
	}
	s.acks[id] = s.nsp.observedAck(fn)
	s.client.owe(1)
	return true
}

func (s *NamespaceSocket) takeAck(id int64) func(Args, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fn, ok := s.acks[id]
	if ok {
		delete(s.acks, id)
		s.client.owe(-1)
	}
	return fn
}

// answer encodes and sends the answer to a client's ack id, unless acked
// is set first (by a concurrent answer); checked are arguments known to be
// valid (appendArgArray), or nil. With the default wire format and no
// attachment, the text encodePacketText makes is the message sent: one
// allocation, not three.
func (s *NamespaceSocket) answer(id int64, acked *atomic.Bool, args []any, checked []json.RawMessage) error {
	_, wantText := s.nsp.srv.opts.PacketParser.(defaultParser)
	bp, dst := takeText(wantText)
	p, text, err := encodePacketText(dst, PacketAck, s.nsp.name, id, nil, args, checked, wantText)
	if err != nil {
		return err
	}
	if !acked.CompareAndSwap(false, true) {
		return nil
	}
	sent, reusable := s.client.writeEncodedReusable(p, text, false)
	if reusable {
		putText(bp, text)
	}
	if !sent {
		return ErrSocketDisconnected
	}
	return nil
}

// textPool holds the buffers an ack or an event to one socket is encoded
// in, given back when the engine wrote or copied it before the send
// returned (a reply, as most acks and echoes are) and no listener saw it:
// it then allocates no memory of its own.
var textPool = sync.Pool{New: func() any { b := make([]byte, 0, 256); return &b }}

// takeText returns a buffer of textPool and its memory to encode in, when
// the text is wanted; else none.
func takeText(want bool) (*[]byte, []byte) {
	if !want {
		return nil, nil
	}
	bp := textPool.Get().(*[]byte)
	return bp, *bp
}

// putText gives text's memory back to textPool as bp, unless there is no
// text (the packet was not encoded as one) or it is large.
func putText(bp *[]byte, text []byte) {
	if text != nil && cap(text) <= 16<<10 {
		*bp = text[:0]
		textPool.Put(bp)
	}
}

// notifyOutgoing tells the OnAnyOutgoing listeners of an event, and
// reports whether there are any (they may keep the arguments, which alias
// p's data).
func (s *NamespaceSocket) notifyOutgoing(p *SocketIOPacket) bool {
	hooks := s.hookSnapshot()
	if !hooks.has(hookAnyOutgoing) {
		return false
	}
	raw, err := splitArgs(p.Data)
	if err != nil || len(raw) == 0 {
		return true
	}
	var name string
	_ = json.Unmarshal(raw[0], &name)
	hooks.outgoing(name, newArgs(raw[1:], p.Attachments))
	return true
}

// onClose makes the socket leave with reason, once: see leave.
func (s *NamespaceSocket) onClose(reason DisconnectReason) {
	s.mu.Lock()
	wasConnected := s.state == stateConnected
	switch s.state {
	case stateDisconnecting, stateDisconnected:
		s.mu.Unlock()
		return
	case stateConnected:
		s.state = stateDisconnecting
	default: // still connecting: runConnect sees it and stops
		s.state = stateDisconnected
	}
	s.mu.Unlock()
	s.leave(reason, wasConnected)
}

// leave completes the leaving that its caller started (the state set to
// disconnecting, or to disconnected for a socket that never connected):
// pending acks fail at once and the connection's reader stops waiting on
// the mailbox; then, on the mailbox after the events already queued, the
// disconnecting handlers run with the socket still connected (as in
// Node's _onclose), the session is persisted for recovery, the socket
// leaves its namespace and rooms, and the disconnect handlers run.
func (s *NamespaceSocket) leave(reason DisconnectReason, wasConnected bool) {
	s.mu.Lock()
	acks := s.acks
	s.acks = nil
	s.client.owe(-len(acks))
	s.mu.Unlock()
	s.box.leave()
	s.client.forget(s)
	for _, fn := range acks {
		fn(Args{}, ErrSocketDisconnected)
	}
	if !wasConnected {
		return
	}
	s.post(func() {
		hooks := s.hookSnapshot()
		hooks.reasons(hookDisconnecting, reason)
		if s.nsp.srv.recovery != nil && reason.recoverable() {
			s.nsp.adapter.PersistSession(&PersistedSession{
				SID: s.id, PID: s.pid, Rooms: s.Rooms(), Data: s.Data.snapshot(),
			})
		}
		s.mu.Lock()
		s.state = stateDisconnected // registerAck refused the leaving socket: no acks
		s.mu.Unlock()
		s.nsp.removeSocket(s)
		s.leaveRooms()
		hooks.reasons(hookDisconnect, reason)
	})
}

// remoteView returns the FetchSockets view of this socket.
func (s *NamespaceSocket) remoteView() *RemoteSocket {
	return &RemoteSocket{
		ID: s.id, Handshake: s.handshake, Rooms: s.Rooms(), Data: s.Data.snapshot(),
		nsp: s.nsp, local: s,
	}
}

// logger is the server's logger (mailboxOwner).
func (s *NamespaceSocket) logger() *slog.Logger { return s.nsp.srv.opts.Logger }

// String names the socket as namespace#id.
func (s *NamespaceSocket) String() string { return fmt.Sprintf("%s#%s", s.nsp.name, s.id) }
