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
)

// This file owns what the socketio layer offers to cluster adapters (Redis,
// streams, ...) and what a cluster offers to applications, with the
// semantics of Node's socket.io-adapter: events between servers
// (serverSideEmit, with and without acknowledgement), the wire shapes of
// broadcast flags and of fetchSockets results, and the remote sockets'
// emits.

// ServerSideAcker is implemented by the adapters that carry
// ServerSideEmitWithAck to the other servers of a cluster. The in-memory
// adapter, alone in its process, does not need to.
type ServerSideAcker interface {
	// ServerSideEmitWithAck sends an event to the other servers and
	// collects one answer from each, until all answered or the adapter's
	// requests timeout or ctx ends it (then what arrived is returned with
	// an error wrapping ErrAckTimeout).
	ServerSideEmitWithAck(ctx context.Context, event string, args []any) ([]Args, error)
}

// ServerSideEvent is an event another server of the cluster sent with
// ServerSideEmit (Node: io.on("event", (...args, ack) => ...)).
type ServerSideEvent struct {
	Args
	// Name is the event name.
	Name string

	ack   func(reply any)
	acked atomic.Bool
}

// HasAck reports whether the sending server waits for an answer.
func (e *ServerSideEvent) HasAck() bool { return e.ack != nil }

// Ack answers the event. As Node's, one value is sent, once; later calls
// and calls when no answer is awaited do nothing.
func (e *ServerSideEvent) Ack(reply any) {
	if e.ack == nil || !e.acked.CompareAndSwap(false, true) {
		return
	}
	e.ack(reply)
}

// serverSideHandlers holds a namespace's handlers of events from other
// servers, and runs them one at a time in arrival order, on a goroutine
// that exists only while there is work (counted in the server's wg), so a
// handler that waits (on ServerSideEmitWithAck, say) never blocks the
// adapter that delivered the event.
type serverSideHandlers struct {
	mu       sync.Mutex
	handlers map[string][]func(*ServerSideEvent)
	queue    []*ServerSideEvent
	running  bool
}

// OnServerSideEmit adds a handler for an event sent by another server of
// the cluster with ServerSideEmit or ServerSideEmitWithAck.
func (n *Namespace) OnServerSideEmit(event string, fn func(ev *ServerSideEvent)) {
	h := &n.serverSide
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.handlers == nil {
		h.handlers = make(map[string][]func(*ServerSideEvent))
	}
	h.handlers[event] = append(h.handlers[event], fn)
}

// ReceiveServerSideEmit is called by a cluster adapter with an event from
// another server; ack, nil when the sender waits for no answer, publishes
// the answer. The handlers run later, in order, off the caller's goroutine.
func (n *Namespace) ReceiveServerSideEmit(event string, args Args, ack func(reply any)) {
	h := &n.serverSide
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.handlers[event]) == 0 {
		return
	}
	h.queue = append(h.queue, &ServerSideEvent{Args: args, Name: event, ack: ack})
	if h.running {
		return
	}
	h.running = true
	n.srv.wg.Add(1)
	go n.runServerSide()
}

// runServerSide drains the queue of server-side events and ends when it is
// empty.
func (n *Namespace) runServerSide() {
	defer n.srv.wg.Done()
	h := &n.serverSide
	for {
		h.mu.Lock()
		if len(h.queue) == 0 {
			h.running = false
			h.queue = nil
			h.mu.Unlock()
			return
		}
		ev := h.queue[0]
		h.queue = h.queue[1:]
		fns := h.handlers[ev.Name]
		h.mu.Unlock()
		for _, fn := range fns {
			runServerSideHandler(n, fn, ev)
		}
	}
}

func runServerSideHandler(n *Namespace, fn func(*ServerSideEvent), ev *ServerSideEvent) {
	defer func() {
		if r := recover(); r != nil {
			n.srv.opts.Logger.Error("socketio: panic in a server-side handler", slog.String("namespace", n.name),
				slog.String("event", ev.Name), slog.Any("panic", r), slog.String("stack", string(debug.Stack())))
		}
	}()
	fn(ev)
}

// ServerSideEmitWithAck sends an event to the other servers of the cluster
// and returns one answer per server (Node's serverSideEmitWithAck). Alone,
// or with an adapter that carries no acknowledgements, it returns none.
func (n *Namespace) ServerSideEmitWithAck(ctx context.Context, event string, args ...any) ([]Args, error) {
	if err := checkEventName(event); err != nil {
		return nil, err
	}
	if a, ok := n.adapter.(ServerSideAcker); ok {
		n.srv.handOffReaders()
		answers, err := a.ServerSideEmitWithAck(ctx, event, args)
		n.observeRequest(AdapterServerSideEmitWithAck, err)
		return answers, err
	}
	return []Args{}, nil
}

// OnServerSideEmit adds a handler for an event from another server, on the
// main namespace.
func (srv *SocketIOServer) OnServerSideEmit(event string, fn func(ev *ServerSideEvent)) {
	srv.Of("/").OnServerSideEmit(event, fn)
}

// ServerSideEmitWithAck sends an event to the other servers and collects
// their answers, on the main namespace.
func (srv *SocketIOServer) ServerSideEmitWithAck(ctx context.Context, event string, args ...any) ([]Args, error) {
	return srv.Of("/").ServerSideEmitWithAck(ctx, event, args...)
}

// NextAckID returns a fresh acknowledgement id of the namespace: a cluster
// adapter gives one to each broadcast with acks it receives from another
// server, as Node's adapter does, so that it cannot meet the id of an
// emit of this server.
func (n *Namespace) NextAckID() int64 { return n.nextAckID() }

// broadcastFlagsJSON is the shape of Node's broadcast flags, timeout in
// milliseconds.
type broadcastFlagsJSON struct {
	Volatile bool  `json:"volatile,omitempty"`
	Compress *bool `json:"compress,omitempty"`
	Local    bool  `json:"local,omitempty"`
	Timeout  int64 `json:"timeout,omitempty"`
}

// MarshalJSON encodes the flags as Node's socket.io-adapter sends them,
// with timeout in milliseconds.
func (f BroadcastFlags) MarshalJSON() ([]byte, error) {
	return json.Marshal(broadcastFlagsJSON{f.Volatile, f.Compress, f.Local, f.Timeout.Milliseconds()})
}

// UnmarshalJSON decodes Node's broadcast flags.
func (f *BroadcastFlags) UnmarshalJSON(b []byte) error {
	var in broadcastFlagsJSON
	if err := json.Unmarshal(b, &in); err != nil {
		return err
	}
	*f = BroadcastFlags{Volatile: in.Volatile, Compress: in.Compress, Local: in.Local,
		Timeout: time.Duration(in.Timeout) * time.Millisecond}
	return nil
}

// remoteSocketJSON is one socket of a fetchSockets response, as Node's
// adapters send it.
type remoteSocketJSON struct {
	ID        SocketID        `json:"id"`
	Handshake *Handshake      `json:"handshake"`
	Rooms     []Room          `json:"rooms"`
	Data      json.RawMessage `json:"data"`
}

// MarshalJSON encodes the socket as a Node.js server answers fetchSockets.
func (r *RemoteSocket) MarshalJSON() ([]byte, error) {
	data := []byte("{}")
	if r.Data != nil {
		var err error
		if data, err = json.Marshal(r.Data); err != nil {
			return nil, fmt.Errorf("socketio: socket data: %w", err)
		}
	}
	rooms := r.Rooms
	if rooms == nil {
		rooms = []Room{}
	}
	hs := r.Handshake
	if hs == nil {
		hs = &Handshake{}
	}
	return json.Marshal(remoteSocketJSON{ID: r.ID, Handshake: hs, Rooms: rooms, Data: data})
}

// UnmarshalJSON decodes a socket of another server's fetchSockets answer.
// Data that is not a JSON object (Node allows any value) is kept under the
// key "" rather than dropped.
func (r *RemoteSocket) UnmarshalJSON(b []byte) error {
	var in remoteSocketJSON
	if err := json.Unmarshal(b, &in); err != nil {
		return err
	}
	r.ID, r.Handshake, r.Rooms = in.ID, in.Handshake, in.Rooms
	if r.Handshake == nil {
		r.Handshake = &Handshake{Auth: map[string]any{}}
	}
	r.Data = nil
	if len(in.Data) > 0 && string(in.Data) != "null" {
		if err := json.Unmarshal(in.Data, &r.Data); err != nil {
			var v any
			if json.Unmarshal(in.Data, &v) == nil {
				r.Data = map[string]any{"": v}
			}
		}
	}
	return nil
}

// Bind attaches a socket decoded from another server's answer to the
// namespace it was fetched from, so that its methods act through the
// namespace's adapter. Adapters call it; it returns r.
func (r *RemoteSocket) Bind(nsp *Namespace) *RemoteSocket {
	r.nsp = nsp
	return r
}

// Timeout returns an emitter to the socket whose EmitWithAck waits at most
// d (Node's remoteSocket.timeout(ms).emitWithAck).
func (r *RemoteSocket) Timeout(d time.Duration) RemoteSocketEmitter {
	return RemoteSocketEmitter{r: r, timeout: d}
}

// EmitWithAck sends an event to the socket, wherever it is in the
// cluster, and returns its acknowledgement.
func (r *RemoteSocket) EmitWithAck(ctx context.Context, event string, args ...any) (Args, error) {
	return RemoteSocketEmitter{r: r}.EmitWithAck(ctx, event, args...)
}

// RemoteSocketEmitter emits to a RemoteSocket with a timeout. It is an
// immutable value.
type RemoteSocketEmitter struct {
	r       *RemoteSocket
	timeout time.Duration
}

// EmitWithAck sends an event to the socket and returns its
// acknowledgement, or an error wrapping ErrAckTimeout when none came in
// time.
func (e RemoteSocketEmitter) EmitWithAck(ctx context.Context, event string, args ...any) (Args, error) {
	if e.r.local != nil {
		return e.r.local.Timeout(e.timeout).EmitWithAck(ctx, event, args...)
	}
	op := newBroadcastOperator(e.r.nsp).To(e.r.ID)
	if e.timeout > 0 {
		op = op.Timeout(e.timeout)
	}
	res, err := op.EmitWithAck(ctx, event, args...)
	if len(res) > 0 {
		return res[0], nil
	}
	if err == nil {
		err = ErrSocketDisconnected
	}
	return Args{}, err
}

// ConnectionStateRecovery returns the server's recovery options, nil when
// recovery is off. Adapters that keep sessions across servers read it.
func (srv *SocketIOServer) ConnectionStateRecovery() *RecoveryOptions { return srv.recovery }
