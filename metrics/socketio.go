package metrics

import (
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/gosio/gosio/sio/socketio"
)

// sioMetrics are the Socket.IO server's collectors. It is the server's
// socketio.Observer.
type sioMetrics struct {
	sockets     *prometheus.GaugeVec
	connections *prometheus.CounterVec
	disconnects *prometheus.CounterVec
	broadcasts  *prometheus.CounterVec
	recipients  *prometheus.CounterVec
	acks        *prometheus.HistogramVec
	requests    *prometheus.CounterVec
	requestErrs *prometheus.CounterVec

	nsps sync.Map // *socketio.Namespace -> *nspMetrics
}

// nspMetrics are one namespace's children of the vectors, resolved once.
type nspMetrics struct {
	name        string
	sockets     prometheus.Gauge
	connections prometheus.Counter
	broadcasts  prometheus.Counter
	recipients  prometheus.Counter
	acks        prometheus.Observer
}

var _ socketio.Observer = (*sioMetrics)(nil)

func newSIOMetrics(ackBuckets []float64) *sioMetrics {
	nsp := []string{"namespace"}
	return &sioMetrics{
		sockets: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "socketio_sockets", Help: "Connected Socket.IO sockets, by namespace.",
		}, nsp),
		connections: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "socketio_connections_total", Help: "Namespace connections accepted.",
		}, nsp),
		disconnects: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "socketio_disconnections_total", Help: "Sockets disconnected, by namespace and reason.",
		}, []string{"namespace", "reason"}),
		broadcasts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "socketio_broadcasts_total", Help: "Broadcasts delivered to this server's sockets.",
		}, nsp),
		recipients: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "socketio_broadcast_recipients_total", Help: "Sockets the broadcasts were queued to.",
		}, nsp),
		acks: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "socketio_ack_round_trip_seconds", Help: "Time from an emit to the client's acknowledgement.",
			Buckets: ackBuckets,
		}, nsp),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "socketio_adapter_requests_total", Help: "Requests made to the cluster through the adapter, by operation.",
		}, []string{"namespace", "op"}),
		requestErrs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "socketio_adapter_request_errors_total", Help: "Adapter requests that failed, by operation.",
		}, []string{"namespace", "op"}),
	}
}

func (m *sioMetrics) collectors() []prometheus.Collector {
	return []prometheus.Collector{m.sockets, m.connections, m.disconnects, m.broadcasts,
		m.recipients, m.acks, m.requests, m.requestErrs}
}

// hook follows every namespace of srv, those to come and those there are,
// and makes m the server's Observer.
func (m *sioMetrics) hook(srv *socketio.SocketIOServer) {
	srv.OnNewNamespace(m.follow)
	for _, n := range srv.Namespaces() {
		m.follow(n)
	}
	srv.SetObserver(m)
}

// follow counts the connections of a namespace, once however often it is
// handed over.
func (m *sioMetrics) follow(n *socketio.Namespace) {
	if _, loaded := m.nsps.LoadOrStore(n, m.newNsp(n.Name())); loaded {
		return
	}
	n.OnConnection(m.onConnection)
}

func (m *sioMetrics) newNsp(name string) *nspMetrics {
	return &nspMetrics{
		name:        name,
		sockets:     m.sockets.WithLabelValues(name),
		connections: m.connections.WithLabelValues(name),
		broadcasts:  m.broadcasts.WithLabelValues(name),
		recipients:  m.recipients.WithLabelValues(name),
		acks:        m.acks.WithLabelValues(name),
	}
}

// of returns the namespace's children, made when follow has not seen it.
func (m *sioMetrics) of(n *socketio.Namespace) *nspMetrics {
	if v, ok := m.nsps.Load(n); ok {
		return v.(*nspMetrics)
	}
	v, _ := m.nsps.LoadOrStore(n, m.newNsp(n.Name()))
	return v.(*nspMetrics)
}

func (m *sioMetrics) onConnection(s *socketio.NamespaceSocket) {
	nm := m.of(s.Namespace())
	nm.connections.Inc()
	nm.sockets.Inc()
	// The connection handlers and the disconnect handlers both run on the
	// socket's mailbox, these after those: a socket that leaves during its
	// connection handlers still calls this listener.
	s.OnDisconnect(func(reason socketio.DisconnectReason) {
		nm.sockets.Dec()
		m.disconnects.WithLabelValues(nm.name, string(reason)).Inc()
	})
}

// Broadcast implements socketio.Observer.
func (m *sioMetrics) Broadcast(n *socketio.Namespace, recipients int) {
	nm := m.of(n)
	nm.broadcasts.Inc()
	nm.recipients.Add(float64(recipients))
}

// AckRoundTrip implements socketio.Observer.
func (m *sioMetrics) AckRoundTrip(n *socketio.Namespace, d time.Duration) {
	m.of(n).acks.Observe(d.Seconds())
}

// AdapterRequest implements socketio.Observer.
func (m *sioMetrics) AdapterRequest(n *socketio.Namespace, op socketio.AdapterOp, err error) {
	m.requests.WithLabelValues(n.Name(), string(op)).Inc()
	if err != nil {
		m.requestErrs.WithLabelValues(n.Name(), string(op)).Inc()
	}
}
