package socketio

import (
	"context"
	"fmt"
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
	if err := checkEventName(event); err != nil {
		return nil, err
	}
	data, atts, err := EncodeEvent(event, args...)
	if err != nil {
		return nil, fmt.Errorf("socketio: encoding %q: %w", event, err)
	}
	t := PacketEvent
	if len(atts) > 0 {
		t = PacketBinaryEvent
	}
	return &SocketIOPacket{Type: t, Namespace: nsp, ID: ackID, Data: data, Attachments: atts}, nil
}

// Emit sends an event to the socket.
func (e SocketEmitter) Emit(event string, args ...any) error {
	s := e.s
	p, err := newEventPacket(s.nsp.name, event, args, NoAckID)
	if err != nil {
		return err
	}
	if !s.Connected() {
		return ErrSocketDisconnected
	}
	if s.nsp.srv.recovery != nil {
		// Through the adapter, so that the event gets an offset and is kept
		// for a reconnection (as the Node.js server does).
		s.nsp.adapter.Broadcast(p, &BroadcastOptions{Rooms: []Room{s.id}, Flags: BroadcastFlags{Volatile: e.volatile, Compress: e.compress}})
		return nil
	}
	s.notifyOutgoing(p)
	if !s.client.writePacket(p, e.volatile) && !e.volatile {
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
	select {
	case r := <-ch:
		return r.args, r.err
	case <-ctx.Done():
		s.takeAck(id)
		return Args{}, fmt.Errorf("%w: %w", ErrAckTimeout, ctx.Err())
	}
}
