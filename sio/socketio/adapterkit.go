package socketio

import "fmt"

// This file is the adapter kit: what the authors of adapters (cluster
// adapters, emitters) need beyond the Adapter interface, and applications
// do not. The package documentation's section "Writing an adapter" lists
// it with the other names meant for them.

// EventPacket returns the EVENT packet of an emit to namespace nsp:
// event and args encoded as the JSON array of its payload, each non-nil
// []byte found in args (at any depth) taken out as a binary attachment and
// replaced by its placeholder, the type BINARY_EVENT when there are
// attachments, and no acknowledgement id. It fails for a reserved event
// name (IsReservedEvent) and for arguments encoding/json cannot encode.
func EventPacket(nsp, event string, args ...any) (*SocketIOPacket, error) {
	return newEventPacket(nsp, event, args, NoAckID)
}

// PacketArgs returns the elements of the JSON array p carries (an EVENT's
// name first, then its arguments; an ACK's arguments) as Args that resolve
// p's placeholders to its attachments: an adapter that forwards a packet to
// another wire format decodes it with it. It fails, with an error wrapping
// ErrInvalidPacket, when p.Data is not a JSON array.
func PacketArgs(p *SocketIOPacket) (Args, error) {
	raw, err := splitArgs(p.Data)
	if err != nil {
		return Args{}, fmt.Errorf("socketio: %s payload: %w", p.Type, err)
	}
	return newArgs(raw, p.Attachments), nil
}

// ArgsOf encodes values as the arguments of an event or of an ack ([]byte
// values become binary attachments), for adapters that receive values from
// other servers.
func ArgsOf(values ...any) (Args, error) {
	data, atts, err := encodeArgs(values...)
	if err != nil {
		return Args{}, err
	}
	raw, err := splitArgs(data)
	if err != nil {
		return Args{}, err
	}
	return newArgs(raw, atts), nil
}

// WithOffset returns a copy of an event packet with offset appended to its
// arguments, as connection state recovery sends it.
func WithOffset(p *SocketIOPacket, offset string) *SocketIOPacket {
	cp := *p
	cp.Data = appendArrayString(p.Data, offset)
	return &cp
}

// DeliverLocal sends p to this server's sockets that opts selects, as
// local.Broadcast does, but without keeping it in local's store of
// connection state recovery: for a cluster adapter whose bus keeps the
// packets and gave p its offset (appended with WithOffset). local is the
// in-memory adapter the cluster adapter wraps, made by NewInMemoryAdapter;
// any other adapter is simply told to Broadcast p.
func DeliverLocal(local Adapter, p *SocketIOPacket, opts *BroadcastOptions) {
	a, ok := local.(*memoryAdapter)
	if !ok {
		local.Broadcast(p, opts)
		return
	}
	a.deliver(p, opts)
}

// deliver sends a packet to the local sockets opts selects, without the
// store of connection state recovery.
func (a *memoryAdapter) deliver(p *SocketIOPacket, opts *BroadcastOptions) {
	enc := encodePacket(p)
	a.forEachSocket(opts, func(s *NamespaceSocket) {
		s.notifyOutgoing(p)
		s.client.write(enc, opts.Flags.Volatile)
	})
}
