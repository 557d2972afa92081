package socketio

import (
	"context"
	"encoding/json"
	"fmt"
	"sync/atomic"
	"time"
)

// SocketEmitter emits to one socket with flags (volatile, compress,
// timeout). It is an immutable value: each modifier returns a copy.
type SocketEmitter struct {
	s        *NamespaceSocket
	volatile bool
	compress *bool
	timeout  time.Duration
}

// Timeout returns a copy whose EmitWithAck waits at most d.
func (e SocketEmitter) Timeout(d time.Duration) SocketEmitter { e.timeout = d; return e }

// Volatile returns a copy whose events may be dropped.
func (e SocketEmitter) Volatile() SocketEmitter { e.volatile = true; return e }

// Compress returns a copy with the compression flag set.
func (e SocketEmitter) Compress(c bool) SocketEmitter { e.compress = &c; return e }

// newEventPacket encodes an event for a namespace.
func newEventPacket(nsp string, event string, args []any, ackID int64) (*SocketIOPacket, error) {
	p, _, err := encodeEventPacket(nsp, event, args, nil, ackID, false)
	if err != nil {
		return nil, err
	}
	return &p, nil
}

// encodeEventPacket is newEventPacket which returns the packet as a value (a
// caller that sends only its text keeps it off the heap) and, with
// wantText, the packet's text in the default wire format when it has no
// attachment (else nil), as encodePacketText makes it (client.sendText
// sends it as it is). Arguments that are elements of checked are copied
// unchecked (appendArgArray).
func encodeEventPacket(nsp string, event string, args []any, checked []json.RawMessage, ackID int64, wantText bool) (SocketIOPacket, []byte, error) {
	return encodeEventPacketTo(nil, nsp, event, args, checked, ackID, wantText)
}

// encodeEventPacketTo is encodeEventPacket encoding into dst's memory when
// it is large enough.
func encodeEventPacketTo(dst []byte, nsp string, event string, args []any, checked []json.RawMessage, ackID int64, wantText bool) (SocketIOPacket, []byte, error) {
	if err := checkEventName(event); err != nil {
		return SocketIOPacket{}, nil, err
	}
	p, text, err := encodePacketText(dst, PacketEvent, nsp, ackID, &event, args, checked, wantText)
	if err != nil {
		return SocketIOPacket{}, nil, fmt.Errorf("socketio: encoding %q: %w", event, err)
	}
	return p, text, nil
}

// Emit sends an event to the socket. It fails for a socket that is not
// connected; from OnDisconnecting handlers it succeeds, as in Node.js.
func (e SocketEmitter) Emit(event string, args ...any) error {
	s := e.s
	_, text := s.nsp.srv.opts.PacketParser.(defaultParser)
	var checked []json.RawMessage
	if ev := s.client.running.Load(); ev != nil {
		checked = ev.raw
	}
	wantWire := text && s.nsp.srv.recovery == nil
	bp, dst := takeText(wantWire)
	p, wire, err := encodeEventPacketTo(dst, s.nsp.name, event, args, checked, NoAckID, wantWire)
	if err != nil {
		return err
	}
	if !s.Connected() {
		return ErrSocketDisconnected
	}
	if s.nsp.srv.recovery != nil {
		// Through the adapter, so that the event gets an offset and is kept
		// for a reconnection (as the Node.js server does).
		kept := p
		s.nsp.adapter.Broadcast(&kept, &BroadcastOptions{Rooms: []Room{s.id}, Flags: BroadcastFlags{Volatile: e.volatile, Compress: e.compress}})
		return nil
	}
	seen := s.notifyOutgoing(&p)
	sent, reusable := s.client.writeEncodedReusable(p, wire, e.volatile)
	if reusable && !seen {
		putText(bp, wire)
	}
	if !sent && !e.volatile && !s.disconnecting() {
		// While the socket is disconnecting, an event the closed transport
		// cannot take is dropped without an error, as Node's client._packet
		// drops it.
		return ErrSocketDisconnected
	}
	return nil
}

// EmitWithAck sends an event and waits for the client's acknowledgement.
func (e SocketEmitter) EmitWithAck(ctx context.Context, event string, args ...any) (Args, error) {
	s := e.s
	id := s.nsp.nextAckID()
	p, err := newEventPacket(s.nsp.name, event, args, id)
	if err != nil {
		return Args{}, err
	}
	type result struct {
		args Args
		err  error
	}
	ch := make(chan result, 1)
	if !s.registerAck(id, func(a Args, err error) { ch <- result{a, err} }) {
		return Args{}, ErrSocketDisconnected
	}
	if e.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, e.timeout)
		defer cancel()
	}
	s.notifyOutgoing(p)
	if !s.client.writePacket(p, e.volatile) {
		s.takeAck(id)
		return Args{}, ErrSocketDisconnected
	}
	s.nsp.srv.handOffReaders()
	select {
	case r := <-ch:
		return r.args, r.err
	case <-ctx.Done():
		s.takeAck(id)
		return Args{}, fmt.Errorf("%w: %w", ErrAckTimeout, ctx.Err())
	}
}

// EmitWithAckFunc sends an event and returns at once, without waiting for
// the client's acknowledgement: cb is called once, with the
// acknowledgement's arguments, or with ErrAckTimeout when the emitter's
// Timeout passes first, or ErrSocketDisconnected when the socket leaves
// first. This is Node's socket.timeout(ms).emit(event, ...args, (err,
// ...res) => ...); without a Timeout cb waits until the socket leaves.
//
// cb runs on the socket's mailbox, one at a time with its handlers (after
// the events already queued), so it may touch what they touch; a handler
// may call EmitWithAckFunc and return, and the client's later events are
// handled meanwhile. The error returned is for an event that was not sent
// (reserved name, arguments that do not encode, a disconnected socket);
// cb is then not called.
func (e SocketEmitter) EmitWithAckFunc(event string, cb func(Args, error), args ...any) error {
	s := e.s
	id := s.nsp.nextAckID()
	p, err := newEventPacket(s.nsp.name, event, args, id)
	if err != nil {
		return err
	}
	// Whoever takes the ack from the socket (the client's answer, the
	// socket's leaving, the timer) calls cb: exactly once.
	var timer atomic.Pointer[time.Timer]
	answered := func(a Args, err error) {
		if t := timer.Load(); t != nil {
			t.Stop()
		}
		s.post(func() { cb(a, err) })
	}
	if !s.registerAck(id, answered) {
		return ErrSocketDisconnected
	}
	s.notifyOutgoing(p)
	if !s.client.writePacket(p, e.volatile) {
		if s.takeAck(id) != nil {
			return ErrSocketDisconnected
		}
		return nil // taken by the socket's leaving, which calls cb
	}
	if e.timeout > 0 {
		timer.Store(time.AfterFunc(e.timeout, func() {
			if fn := s.takeAck(id); fn != nil {
				fn(Args{}, fmt.Errorf("%w: %w", ErrAckTimeout, context.DeadlineExceeded))
			}
		}))
	}
	return nil
}
