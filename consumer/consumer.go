package consumer

import (
	"context"
	"errors"
	"sync"

	"github.com/gosio/gosio/sio/socketio"
)

// ErrNotConnected is returned by Emit and EmitWithAck of a SocketIOConsumer
// that has no client: the prototype given to AsASGI, or, for EmitWithAck,
// a consumer whose Connect has not returned yet.
var ErrNotConnected = errors.New("consumer: no connected client")

// SocketIOConsumer gives a consumer its connection. Embed it, by value, in
// the consumer struct; the methods below are then the consumer's own, as
// self.send and self.close are a Channels consumer's. In the prototype
// given to AsASGI it is the zero value, and each per-connection copy gets
// one bound to its client.
//
// It has no method named Connect, Disconnect, OnEvent, Events or
// Namespace, nor any starting with "Event": those names belong to the
// handlers and hooks a consumer defines. The action that disconnects the
// client is therefore Close, as Channels' self.close.
//
// Its methods are safe for concurrent use: a goroutine the consumer starts
// may call Emit while a handler runs.
type SocketIOConsumer struct {
	c *conn
}

// conn is one client's connection to the consumer's namespace.
type conn struct {
	s *socketio.NamespaceSocket

	mu         sync.Mutex
	connecting bool          // Connect runs, or has emitted and the CONNECT reply is not sent yet
	pending    []pendingEmit // events emitted while connecting, sent once connected
}

type pendingEmit struct {
	event string
	args  []any
}

// emit sends an event, or keeps it for the flush when the client is not
// connected yet.
func (c *conn) emit(event string, args []any) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.connecting {
		// Fail now for what the later Emit would fail for.
		if _, err := socketio.EventPacket(c.s.Namespace().Name(), event, args...); err != nil {
			return err
		}
		c.pending = append(c.pending, pendingEmit{event, args})
		return nil
	}
	return c.s.Emit(event, args...)
}

// endConnect ends the Connect phase; it reports whether events wait for
// the flush, in which case the connecting state lasts until then.
func (c *conn) endConnect(accepted bool) (mustFlush bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if accepted && len(c.pending) > 0 {
		return true
	}
	c.connecting = false
	c.pending = nil
	return false
}

// flush sends the events emitted during Connect, right after the CONNECT
// reply. The lock is held so that an Emit from elsewhere comes after them.
func (c *conn) flush() []error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var errs []error
	for _, p := range c.pending {
		if err := c.s.Emit(p.event, p.args...); err != nil {
			errs = append(errs, err)
		}
	}
	c.pending = nil
	c.connecting = false
	return errs
}

func (c SocketIOConsumer) mustSocket(method string) *socketio.NamespaceSocket {
	if c.c == nil {
		panic("consumer: SocketIOConsumer." + method + " called without a client (on the prototype?)")
	}
	return c.c.s
}

// Socket returns the client's socket, or nil in the prototype.
func (c SocketIOConsumer) Socket() *socketio.NamespaceSocket {
	if c.c == nil {
		return nil
	}
	return c.c.s
}

// ID returns the client's socket id, or "" in the prototype.
func (c SocketIOConsumer) ID() socketio.SocketID {
	if c.c == nil {
		return ""
	}
	return c.c.s.ID()
}

// Server returns the server the client is connected to, or nil in the
// prototype. Its To and Emit reach every client of the main namespace;
// Server().Of(name) reaches another namespace.
func (c SocketIOConsumer) Server() *socketio.SocketIOServer {
	if c.c == nil {
		return nil
	}
	return c.c.s.Namespace().Server()
}

// Handshake returns how the client connected (headers, query, address,
// CONNECT payload), or nil in the prototype.
func (c SocketIOConsumer) Handshake() *socketio.Handshake {
	if c.c == nil {
		return nil
	}
	return c.c.s.Handshake()
}

// Rooms returns the rooms the client is in, its own id among them.
func (c SocketIOConsumer) Rooms() []socketio.Room { return c.mustSocket("Rooms").Rooms() }

// Join adds the client to rooms (Channels' group_add). It works in Connect
// too; the rooms are left again if Connect rejects the client.
func (c SocketIOConsumer) Join(rooms ...socketio.Room) { c.mustSocket("Join").Join(rooms...) }

// Leave removes the client from a room (Channels' group_discard).
func (c SocketIOConsumer) Leave(room socketio.Room) { c.mustSocket("Leave").Leave(room) }

// Emit sends an event to the client. Called in Connect, the event is kept
// and sent right after the CONNECT reply, once the client is connected (a
// rejected client gets nothing); its arguments are then sent as they are
// at that moment. It returns ErrNotConnected in the prototype, and
// socketio's errors otherwise (socketio.ErrReservedEvent, arguments that
// do not encode, socketio.ErrSocketDisconnected).
func (c SocketIOConsumer) Emit(event string, args ...any) error {
	if c.c == nil {
		return ErrNotConnected
	}
	return c.c.emit(event, args)
}

// EmitWithAck sends an event to the client and waits for its
// acknowledgement, or for ctx to end (socketio.ErrAckTimeout). Waiting in a
// handler holds back this client's next events, which run one at a time.
// It returns ErrNotConnected in the prototype and during Connect.
func (c SocketIOConsumer) EmitWithAck(ctx context.Context, event string, args ...any) (socketio.Args, error) {
	if c.c == nil {
		return socketio.Args{}, ErrNotConnected
	}
	c.c.mu.Lock()
	connecting := c.c.connecting
	c.c.mu.Unlock()
	if connecting {
		return socketio.Args{}, ErrNotConnected
	}
	return c.c.s.EmitWithAck(ctx, event, args...)
}

// To returns a broadcast to the clients in rooms, this one excepted
// (Channels' group_send, less the sender). To include this client, use
// c.Socket().Namespace().To(rooms...).
func (c SocketIOConsumer) To(rooms ...socketio.Room) socketio.BroadcastOperator {
	return c.mustSocket("To").To(rooms...)
}

// Broadcast returns a broadcast to every client of the namespace but this
// one.
func (c SocketIOConsumer) Broadcast() socketio.BroadcastOperator {
	return c.mustSocket("Broadcast").Broadcast()
}

// Close disconnects the client from the consumer's namespace, as Channels'
// self.close: the client receives a DISCONNECT packet (its reason is "io
// server disconnect", and it does not reconnect by itself), and then the
// consumer's Disconnect runs with reason "server namespace disconnect".
// The client's other namespaces stay connected. Close in Connect does
// nothing: return an error there to reject the client.
func (c SocketIOConsumer) Close() {
	if c.c != nil {
		c.c.s.Disconnect(false)
	}
}

// CloseConnection closes the client's whole connection, every namespace on
// it included (socket.disconnect(true) in Node).
func (c SocketIOConsumer) CloseConnection() {
	if c.c != nil {
		c.c.s.Disconnect(true)
	}
}
