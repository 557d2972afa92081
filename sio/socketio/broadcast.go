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
// Node's io.timeout(ms).emit(event, (err, responses) => ...), blocking.
func (b BroadcastOperator) EmitWithAck(ctx context.Context, event string, args ...any) ([]Args, error) {
	if b.flags.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, b.flags.Timeout)
		defer cancel()
	}
	w, err := b.startWithAck(ctx, event, args)
	if err != nil {
		return nil, err
	}
	b.nsp.srv.handOffReaders()
	return w.wait(ctx)
}

// EmitWithAckFunc sends an event to every selected socket and returns at
// once, without waiting for their acknowledgements: cb is called once,
// with every response when all have answered, or with those that arrived
// and ErrAckTimeout when the operator's Timeout passes. This is Node's
// io.timeout(ms).emit(event, ...args, (err, responses) => ...): set a
// Timeout, as there, or cb waits for every recipient. cb runs on a
// goroutine of its own, which Shutdown waits for. The error returned is
// for an event that cannot be encoded; cb is then not called.
func (b BroadcastOperator) EmitWithAckFunc(event string, cb func([]Args, error), args ...any) error {
	ctx, cancel := context.Background(), context.CancelFunc(func() {})
	if b.flags.Timeout > 0 {
		ctx, cancel = context.WithTimeout(ctx, b.flags.Timeout)
	}
	w, err := b.startWithAck(ctx, event, args)
	if err != nil {
		cancel()
		return err
	}
	wg := &b.nsp.srv.wg
	wg.Add(1)
	go func() { // ends when the acks are in or the timeout passes
		defer wg.Done()
		defer cancel()
		cb(w.wait(ctx))
	}()
	return nil
}

// broadcastAcks collects the acknowledgements of one broadcast.
//
// As Node's BroadcastOperator does, the result is complete once every
// server of the cluster (ServerCount; just this one for Local) has reported
// how many clients it sent the packet to, and that many responses arrived.
type broadcastAcks struct {
	nsp  *Namespace
	id   int64
	done chan struct{} // closed once complete, or once given up

	mu              sync.Mutex
	responses       []Args
	expectedClients int
	reported        int // servers that reported their client count
	expectedServers int // -1 until ServerCount answered
	closed          bool
}

// startWithAck sends the packet (before it returns, so that it keeps its
// place among the caller's emits) and starts collecting the answers; ctx
// bounds the cluster's ServerCount.
func (b BroadcastOperator) startWithAck(ctx context.Context, event string, args []any) (*broadcastAcks, error) {
	id := b.nsp.nextAckID()
	p, err := newEventPacket(b.nsp.name, event, args, id)
	if err != nil {
		return nil, err
	}
	w := &broadcastAcks{nsp: b.nsp, id: id, done: make(chan struct{}), expectedServers: -1}
	b.nsp.adapter.BroadcastWithAck(p, b.opts(),
		func(n int) {
			w.mu.Lock()
			w.reported++
			w.expectedClients += n
			w.checkLocked()
			w.mu.Unlock()
		},
		func(a Args) {
			w.mu.Lock()
			if !w.closed {
				w.responses = append(w.responses, a)
				w.checkLocked()
			}
			w.mu.Unlock()
		})
	servers := 1
	if !b.flags.Local {
		n, err := b.nsp.adapter.ServerCount(ctx)
		b.nsp.observeRequest(AdapterServerCount, err)
		if err == nil && n > 1 {
			servers = n
		}
	}
	w.mu.Lock()
	w.expectedServers = servers
	w.checkLocked()
	w.mu.Unlock()
	return w, nil
}

// checkLocked closes done once the result is complete. Called with mu
// held.
func (w *broadcastAcks) checkLocked() {
	if !w.closed && w.expectedServers >= 0 && w.reported >= w.expectedServers && len(w.responses) >= w.expectedClients {
		w.closed = true
		close(w.done)
	}
}

// wait returns the responses once complete, or, when ctx ends first, those
// that arrived with ErrAckTimeout, having removed the broadcast's ack from
// the sockets of this server that have not answered.
func (w *broadcastAcks) wait(ctx context.Context) ([]Args, error) {
	select {
	case <-w.done:
		w.mu.Lock()
		defer w.mu.Unlock()
		return slices.Clone(w.responses), nil
	case <-ctx.Done():
	}
	w.mu.Lock()
	complete := w.closed
	if !complete {
		w.closed = true
		close(w.done)
	}
	responses := slices.Clone(w.responses)
	w.mu.Unlock()
	if complete { // completed as ctx ended
		return responses, nil
	}
	// The ack ids of a namespace are unique: the sockets that hold this
	// one are the recipients that have not answered. They are looked for
	// among all the namespace's sockets, not the broadcast's rooms, which
	// a recipient may have left since.
	for _, s := range w.nsp.Sockets() {
		s.takeAck(w.id)
	}
	return responses, fmt.Errorf("%w: %w", ErrAckTimeout, ctx.Err())
}

// FetchSockets returns views of the selected sockets, across the cluster.
func (b BroadcastOperator) FetchSockets(ctx context.Context) ([]*RemoteSocket, error) {
	socks, err := b.nsp.adapter.FetchSockets(ctx, b.opts())
	b.nsp.observeRequest(AdapterFetchSockets, err)
	return socks, err
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
	ID        SocketID       // the socket's id
	Handshake *Handshake     // the handshake of its connection
	Rooms     []Room         // its rooms when fetched, its own id among them
	Data      map[string]any // its Data when fetched (a copy)

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
