package engineio

// EngineIOSocket is what the application layer sees of a session. Its
// methods are safe for concurrent use.
//
// Listeners of its events (OnMessage, OnClose, OnPacket, OnPacketCreate,
// OnUpgrading, OnUpgrade: hooks.go) are best added from within a
// Server.OnConnection listener, before any message can arrive.
type EngineIOSocket struct {
	s *EngineIOSession
}

// Message is one Engine.IO message: text, or binary when Binary is set.
type Message struct {
	Data   []byte // the message's bytes
	Binary bool   // a binary message; else Data is UTF-8 text
}

// ID returns the session id: 20 URL-safe characters.
func (k *EngineIOSocket) ID() string { return k.s.id }

// Request returns what was kept of the handshake request. It must not be
// modified.
func (k *EngineIOSocket) Request() *HandshakeRequest { return k.s.req }

// Protocol returns the Engine.IO protocol revision the session speaks: 4,
// or 3 for a client let in by Options.AllowEIO3. It never changes.
func (k *EngineIOSocket) Protocol() int {
	if k.s.v3 {
		return 3
	}
	return 4
}

// Transport returns the current transport: TransportPolling or
// TransportWebSocket.
func (k *EngineIOSocket) Transport() string {
	k.s.mu.Lock()
	defer k.s.mu.Unlock()
	return k.s.transport
}

// Send queues one message. The socket takes data as it is and may write it
// after Send returns, so the caller must not change it afterwards; the same
// slice may be sent to many sockets. It returns ErrSessionClosed on a
// closed session and ErrQueueFull (having closed the session) when the
// client left more than Options.MaxQueuedBytes unread. It never blocks:
// the session's writer writes (see writer.go for the rules).
func (k *EngineIOSocket) Send(data []byte, binary bool) error {
	return k.s.sendMessage(Packet{Type: PacketMessage, Data: data, Binary: binary}, nil)
}

// SendWithBinaries queues a message followed by binary messages, as one
// group like SendGroup, without building a []Message: Socket.IO uses it for
// a packet and its attachments.
func (k *EngineIOSocket) SendWithBinaries(msg Message, binaries ...[]byte) error {
	return k.s.sendMessage(Packet{Type: PacketMessage, Data: msg.Data, Binary: msg.Binary}, binaries)
}

// SendGroup queues several messages together: no message from another
// sender is queued between them. Socket.IO uses it for a packet followed by
// its binary attachments.
func (k *EngineIOSocket) SendGroup(msgs []Message) error {
	if len(msgs) == 1 {
		return k.Send(msgs[0].Data, msgs[0].Binary)
	}
	packets := make([]Packet, len(msgs))
	for i, m := range msgs {
		packets[i] = Packet{Type: PacketMessage, Data: m.Data, Binary: m.Binary}
	}
	return k.s.send(packets...)
}

// Close closes the session with reason "forced close", after what is
// already queued has been written. It is idempotent.
func (k *EngineIOSocket) Close() { k.s.closeGracefully(ReasonForcedClose) }

// Done returns a channel closed when the session closes.
func (k *EngineIOSocket) Done() <-chan struct{} { return k.s.done }

// CloseReason returns why the session closed, or "" while it is open.
func (k *EngineIOSocket) CloseReason() CloseReason {
	r, _ := k.s.closeInfo()
	return r
}

// Writable reports whether a message sent now would go out at once: nothing
// is queued, and on long-polling a GET is waiting. Volatile messages are
// dropped when it is false, as the Node.js server drops them.
func (k *EngineIOSocket) Writable() bool {
	s := k.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || len(s.queue) > 0 || s.upgrading {
		return false
	}
	if s.transport == TransportWebSocket {
		return !s.writing && !s.out.backlogged()
	}
	return s.pollWake != nil
}
