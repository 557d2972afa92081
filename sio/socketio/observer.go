package socketio

import "time"

// Observer is told of the server's work that no hook reports, for metrics
// (package metrics implements it). Its methods are called synchronously on
// the server's hot paths, from many goroutines at once: they must be safe
// for concurrent use, cheap, and never block. A server without an Observer
// pays one atomic load and a nil check at each of these points.
type Observer interface {
	// Broadcast is called once per broadcast this server delivers to its
	// own sockets (Emit on a namespace or rooms, and a cluster's broadcast
	// from another server), with the number of sockets it was queued to.
	Broadcast(nsp *Namespace, recipients int)
	// AckRoundTrip is called when a client's acknowledgement of an emit
	// (EmitWithAck, EmitWithAckFunc, a broadcast's) arrives, with the time
	// since the emit was queued. Acknowledgements that time out are not
	// reported.
	AckRoundTrip(nsp *Namespace, d time.Duration)
	// AdapterRequest is called when a request that asks the cluster
	// through the adapter ends (op is one of the AdapterOp constants),
	// with its error, nil on success.
	AdapterRequest(nsp *Namespace, op AdapterOp, err error)
}

// AdapterOp names a request made to a namespace's adapter, as Observer
// reports it.
type AdapterOp string

// The adapter requests reported to an Observer.
const (
	AdapterFetchSockets          AdapterOp = "fetchSockets"
	AdapterServerCount           AdapterOp = "serverCount"
	AdapterServerSideEmit        AdapterOp = "serverSideEmit"
	AdapterServerSideEmitWithAck AdapterOp = "serverSideEmitWithAck"
)

// observerRef holds an Observer for an atomic.Pointer.
type observerRef struct{ o Observer }

// SetObserver installs o as the server's Observer, replacing any earlier
// one; nil removes it. It may be called while the server runs.
func (srv *SocketIOServer) SetObserver(o Observer) {
	if o == nil {
		srv.observer.Store(nil)
		return
	}
	srv.observer.Store(&observerRef{o})
}

// observing returns the server's Observer, or nil.
func (srv *SocketIOServer) observing() Observer {
	if r := srv.observer.Load(); r != nil {
		return r.o
	}
	return nil
}

// observedAck wraps an acknowledgement's continuation so that its answer
// reports the round trip; without an Observer it is fn itself.
func (n *Namespace) observedAck(fn func(Args, error)) func(Args, error) {
	o := n.srv.observing()
	if o == nil {
		return fn
	}
	sent := time.Now()
	return func(a Args, err error) {
		if err == nil {
			o.AckRoundTrip(n, time.Since(sent))
		}
		fn(a, err)
	}
}

// observeRequest reports the end of an adapter request.
func (n *Namespace) observeRequest(op AdapterOp, err error) {
	if o := n.srv.observing(); o != nil {
		o.AdapterRequest(n, op, err)
	}
}
