// Package clusterreq is the bookkeeping of the requests a server of a
// cluster sends to the others and waits answers for, shared by every
// cluster adapter (adapter/clusteradapter's protocol and the classic Redis
// adapter): requests with ids, the number of answers expected, a timeout,
// the answers collected (fetched sockets or server-side emit replies), and
// the routes of the client counts and acknowledgements of broadcasts with
// acks. It knows nothing of a wire: each adapter decodes its messages and
// hands the values over.
package clusterreq

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/gosio/gosio/internal/rediswire"
	"github.com/gosio/gosio/sio/socketio"
)

// Kind is what the answers to a request are.
type Kind int

const (
	// Sockets answers are lists of sockets, as fetchSockets serializes them.
	Sockets Kind = iota
	// Replies answers are the arguments of a server-side emit's ack.
	Replies
)

// Table holds one namespace adapter's requests in flight. Its methods are
// safe for concurrent use: the adapter's callers start and wait for
// requests while its receive loop delivers the answers.
type Table struct {
	nsp        *socketio.Namespace
	errTimeout error
	errClosed  error

	// mu guards pending, acks and closed; done is closed by Close.
	mu      sync.Mutex
	pending map[string]*request
	acks    map[string]*ackRoute
	closed  bool
	done    chan struct{}
}

// request is one request waiting for its answers; its fields are under
// the table's mu.
type request struct {
	kind     Kind
	expected int // answers awaited from the other servers
	got      int
	sockets  []*socketio.RemoteSocket
	replies  []socketio.Args
	complete chan struct{} // closed when got reaches expected
}

// ackRoute routes the answers to a broadcast with acks of this server's
// until its timer forgets it.
type ackRoute struct {
	clientCount func(int)
	ack         func(socketio.Args)
	timer       *time.Timer
}

// New returns the table of nsp's adapter. A wait that times out returns
// an error wrapping errTimeout; one ended by Close wraps errClosed.
func New(nsp *socketio.Namespace, errTimeout, errClosed error) *Table {
	return &Table{
		nsp: nsp, errTimeout: errTimeout, errClosed: errClosed,
		pending: make(map[string]*request),
		acks:    make(map[string]*ackRoute),
		done:    make(chan struct{}),
	}
}

// Close ends the waits in flight, forgets the broadcast routes and refuses
// new requests. It is idempotent.
func (t *Table) Close() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return
	}
	t.closed = true
	close(t.done)
	for id, r := range t.acks {
		r.timer.Stop()
		delete(t.acks, id)
	}
}

// FetchSockets registers request id expecting that many answers, runs
// publish (which sends the request), and waits for the answers, timeout,
// ctx or Close. It returns local followed by the sockets of the answers
// that came; short of all of them, with an error wrapping the table's
// timeout error, ctx's, or the closed one.
func (t *Table) FetchSockets(ctx context.Context, id string, expected int, local []*socketio.RemoteSocket, timeout time.Duration, publish func() error) ([]*socketio.RemoteSocket, error) {
	r := &request{kind: Sockets, expected: expected, sockets: local}
	err := t.run(ctx, id, r, timeout, publish)
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]*socketio.RemoteSocket(nil), r.sockets...), err
}

// ServerSideEmit is FetchSockets for a server-side emit with ack: it
// returns the replies that came, never nil.
func (t *Table) ServerSideEmit(ctx context.Context, id string, expected int, timeout time.Duration, publish func() error) ([]socketio.Args, error) {
	r := &request{kind: Replies, expected: expected}
	err := t.run(ctx, id, r, timeout, publish)
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]socketio.Args{}, r.replies...), err
}

func (t *Table) run(ctx context.Context, id string, r *request, timeout time.Duration, publish func() error) error {
	r.complete = make(chan struct{})
	if r.expected <= 0 {
		close(r.complete)
	}
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return t.errClosed
	}
	t.pending[id] = r
	t.mu.Unlock()
	defer func() {
		t.mu.Lock()
		delete(t.pending, id)
		t.mu.Unlock()
	}()
	if err := publish(); err != nil {
		return err
	}
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	var err error
	select {
	case <-r.complete:
		return nil
	case <-timer.C:
		err = t.errTimeout
	case <-ctx.Done():
		err = ctx.Err()
	case <-t.done:
		err = t.errClosed
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return fmt.Errorf("%w: %d of %d answers", err, r.got, r.expected)
}

// Kind returns the kind of request id, false when no such request waits
// (another server's, or one that ended).
func (t *Table) Kind(id string) (Kind, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	r := t.pending[id]
	if r == nil {
		return 0, false
	}
	return r.kind, true
}

// Answer counts one server's answer to request id: v is the list of
// sockets (a Sockets request) or the reply's value (Replies). An answer to
// no waiting request is ignored; one that does not decode is an error and
// is not counted.
func (t *Table) Answer(id string, v any) error {
	kind, ok := t.Kind(id)
	if !ok {
		return nil
	}
	// Decoded outside the lock: the waiting request may end meanwhile.
	var sockets []*socketio.RemoteSocket
	var reply socketio.Args
	switch kind {
	case Sockets:
		raw, err := json.Marshal(v)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(raw, &sockets); err != nil {
			return fmt.Errorf("fetchSockets answer: %w", err)
		}
		for i, s := range sockets {
			if s == nil {
				return errors.New("fetchSockets answer: a null socket")
			}
			sockets[i] = s.Bind(t.nsp)
		}
	default:
		var err error
		if reply, err = socketio.ArgsOf(v); err != nil {
			return err
		}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	r := t.pending[id]
	if r == nil || r.got >= r.expected {
		return nil
	}
	if kind == Sockets {
		r.sockets = append(r.sockets, sockets...)
	} else {
		r.replies = append(r.replies, reply)
	}
	r.got++
	if r.got == r.expected {
		close(r.complete)
	}
	return nil
}

// TrackAcks routes the answers to broadcast-with-acks id to clientCount and
// ack for keep (Node's adapters keep it for the broadcast's timeout:
// nothing tells when the last client of another server has answered). It
// returns false, routing nothing, once the table is closed.
func (t *Table) TrackAcks(id string, keep time.Duration, clientCount func(int), ack func(socketio.Args)) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return false
	}
	t.acks[id] = &ackRoute{clientCount: clientCount, ack: ack, timer: time.AfterFunc(keep, func() {
		t.mu.Lock()
		delete(t.acks, id)
		t.mu.Unlock()
	})}
	return true
}

// Tracked says whether broadcast-with-acks id is this server's own.
func (t *Table) Tracked(id string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.acks[id] != nil
}

func (t *Table) route(id string) *ackRoute {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.acks[id]
}

// ClientCount hands another server's count of the clients a broadcast with
// acks reached (n, a decoded number) to its route, if it is still kept.
func (t *Table) ClientCount(id string, n any) error {
	r := t.route(id)
	if r == nil {
		return nil
	}
	c, ok := rediswire.Int(n)
	if !ok {
		return errors.New("client count is not a number")
	}
	r.clientCount(int(c))
	return nil
}

// Ack hands one client's acknowledgement of a broadcast with acks (its
// first argument, decoded) to its route, if it is still kept.
func (t *Table) Ack(id string, v any) error {
	r := t.route(id)
	if r == nil {
		return nil
	}
	args, err := socketio.ArgsOf(v)
	if err != nil {
		return err
	}
	r.ack(args)
	return nil
}
