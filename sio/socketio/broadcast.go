package socketio

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"
)

// BroadcastOperator selects sockets of a namespace and acts on them, as the
// Node.js server's BroadcastOperator does. It is an immutable value: each
// modifier returns a copy, so an operator can be kept and reused.
//
//	srv.To("room1").Except("room2").Timeout(time.Second).EmitWithAck(ctx, "ev")
type BroadcastOperator struct {
	nsp    *Namespace
	rooms  []Room
	except []Room
	flags  BroadcastFlags
}

func newBroadcastOperator(nsp *Namespace) BroadcastOperator {
	return BroadcastOperator{nsp: nsp}
}

// To returns a copy that also targets rooms.
func (b BroadcastOperator) To(rooms ...Room) BroadcastOperator {
	b.rooms = append(slices.Clip(b.rooms), rooms...)
	return b
}

// In is To.
func (b BroadcastOperator) In(rooms ...Room) BroadcastOperator { return b.To(rooms...) }

// Except returns a copy that excludes the sockets in rooms.
func (b BroadcastOperator) Except(rooms ...Room) BroadcastOperator {
	b.except = append(slices.Clip(b.except), rooms...)
	return b
}

// Local returns a copy restricted to this server in a cluster.
func (b BroadcastOperator) Local() BroadcastOperator { b.flags.Local = true; return b }

// Volatile returns a copy whose events are dropped for clients not ready.
func (b BroadcastOperator) Volatile() BroadcastOperator { b.flags.Volatile = true; return b }

// Compress returns a copy with the compression flag set.
func (b BroadcastOperator) Compress(c bool) BroadcastOperator { b.flags.Compress = &c; return b }

// Timeout returns a copy whose EmitWithAck waits at most d.
func (b BroadcastOperator) Timeout(d time.Duration) BroadcastOperator {
	b.flags.Timeout = d
	return b
}

func (b BroadcastOperator) opts() *BroadcastOptions {
	return &BroadcastOptions{Rooms: b.rooms, Except: b.except, Flags: b.flags}
}

// Emit sends an event to every selected socket. The packet is encoded once.
func (b BroadcastOperator) Emit(event string, args ...any) error {
	p, err := newEventPacket(b.nsp.name, event, args, NoAckID)
	if err != nil {
		return err
	}
	b.nsp.adapter.Broadcast(p, b.opts())
	return nil
}

// Send emits the "message" event.
func (b BroadcastOperator) Send(args ...any) error { return b.Emit("message", args...) }

// EmitWithAck sends an event to every selected socket and collects their
// acknowledgements until all have answered, or the operator's Timeout or
// ctx ends it; it then returns what arrived with ErrAckTimeout. This is
// Node's io.timeout(ms).emit(event, (err, responses) => ...).
func (b BroadcastOperator) EmitWithAck(ctx context.Context, event string, args ...any) ([]Args, error) {
	id := b.nsp.nextAckID()
	p, err := newEventPacket(b.nsp.name, event, args, id)
	if err != nil {
		return nil, err
	}
	if b.flags.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, b.flags.Timeout)
		defer cancel()
	}
	// As Node's BroadcastOperator does, the result is complete once every
	// server of the cluster (ServerCount; just this one for Local) has
	// reported how many clients it sent the packet to, and that many
	// responses arrived.
	var (
		mu              sync.Mutex
		responses       []Args
		expectedClients int
		reported        int // servers that reported their client count
		expectedServers = -1
		done            = make(chan struct{})
		closed          bool
	)
	check := func() {
		if !closed && expectedServers >= 0 && reported >= expectedServers && len(responses) >= expectedClients {
			closed = true
			close(done)
		}
	}
	b.nsp.adapter.BroadcastWithAck(p, b.opts(),
		func(n int) {
			mu.Lock()
			reported++
			expectedClients += n
			check()
			mu.Unlock()
		},
		func(a Args) {
			mu.Lock()
			responses = append(responses, a)
			check()
			mu.Unlock()
		})
	servers := 1
	if !b.flags.Local {
		if n, err := b.nsp.adapter.ServerCount(ctx); err == nil && n > 1 {
			servers = n
		}
	}
	mu.Lock()
	expectedServers = servers
	check()
	mu.Unlock()
	select {
	case <-done:
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(responses), nil
	case <-ctx.Done():
		mu.Lock()
		defer mu.Unlock()
		closed = true
		return slices.Clone(responses), fmt.Errorf("%w: %w", ErrAckTimeout, ctx.Err())
	}
}

// FetchSockets returns views of the selected sockets, across the cluster.
func (b BroadcastOperator) FetchSockets(ctx context.Context) ([]*RemoteSocket, error) {
	return b.nsp.adapter.FetchSockets(ctx, b.opts())
}

// SocketsJoin makes the selected sockets join rooms.
func (b BroadcastOperator) SocketsJoin(rooms ...Room) { b.nsp.adapter.AddSockets(b.opts(), rooms) }

// SocketsLeave makes the selected sockets leave rooms.
func (b BroadcastOperator) SocketsLeave(rooms ...Room) { b.nsp.adapter.DelSockets(b.opts(), rooms) }

// DisconnectSockets disconnects the selected sockets; close also closes
// their connections.
func (b BroadcastOperator) DisconnectSockets(close bool) {
	b.nsp.adapter.DisconnectSockets(b.opts(), close)
}

// RemoteSocket is a view of a socket returned by FetchSockets: possibly on
// another server of a cluster. Its methods act through the adapter.
type RemoteSocket struct {
	ID        SocketID
	Handshake *Handshake
	Rooms     []Room
	Data      map[string]any

	nsp   *Namespace
	local *NamespaceSocket
}

// Local returns the socket when it is on this server, or nil.
func (r *RemoteSocket) Local() *NamespaceSocket { return r.local }

// Emit sends an event to the socket.
func (r *RemoteSocket) Emit(event string, args ...any) error {
	if r.local != nil {
		return r.local.Emit(event, args...)
	}
	return newBroadcastOperator(r.nsp).To(r.ID).Emit(event, args...)
}

// Join adds the socket to rooms.
func (r *RemoteSocket) Join(rooms ...Room) {
	newBroadcastOperator(r.nsp).In(r.ID).SocketsJoin(rooms...)
}

// Leave removes the socket from rooms.
func (r *RemoteSocket) Leave(rooms ...Room) {
	newBroadcastOperator(r.nsp).In(r.ID).SocketsLeave(rooms...)
}

// Disconnect disconnects the socket; close also closes its connection.
func (r *RemoteSocket) Disconnect(close bool) {
	newBroadcastOperator(r.nsp).In(r.ID).DisconnectSockets(close)
}
