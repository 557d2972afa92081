package metrics

import (
	"errors"
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/gosio/gosio/sio/engineio"
)

// packetTypes is the number of Engine.IO packet types (open to noop).
const packetTypes = int(engineio.PacketNoop) + 1

// engineMetrics are the Engine.IO server's collectors, with the children
// that every packet touches resolved in advance.
type engineMetrics struct {
	clients     *prometheus.GaugeVec
	polling     prometheus.Gauge
	websocket   prometheus.Gauge
	connections prometheus.Counter
	closes      *prometheus.CounterVec
	upgrades    prometheus.Counter
	queueFull   prometheus.Counter

	packetsIn, packetsOut, bytesIn, bytesOut *prometheus.CounterVec
	// The children of the vectors above, by packet type.
	pktIn, pktOut, bIn, bOut [packetTypes]prometheus.Counter
}

func newEngineMetrics() *engineMetrics {
	m := &engineMetrics{
		clients: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "engineio_clients", Help: "Open Engine.IO sessions, by current transport.",
		}, []string{"transport"}),
		connections: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "engineio_connections_total", Help: "Engine.IO sessions opened.",
		}),
		closes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "engineio_disconnections_total", Help: "Engine.IO sessions closed, by close reason.",
		}, []string{"reason"}),
		upgrades: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "engineio_upgrades_total", Help: "Sessions upgraded from long-polling to websocket.",
		}),
		queueFull: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "engineio_queue_full_closes_total",
			Help: "Sessions closed because the client did not read what was queued for it (outbound queue full).",
		}),
		packetsIn: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "engineio_packets_received_total", Help: "Engine.IO packets received from clients, by type.",
		}, []string{"type"}),
		packetsOut: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "engineio_packets_sent_total", Help: "Engine.IO packets queued for clients, by type.",
		}, []string{"type"}),
		bytesIn: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "engineio_received_bytes_total", Help: "Data bytes of the packets received, by type (framing not counted).",
		}, []string{"type"}),
		bytesOut: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "engineio_sent_bytes_total", Help: "Data bytes of the packets queued, by type (framing not counted).",
		}, []string{"type"}),
	}
	m.polling = m.clients.WithLabelValues(engineio.TransportPolling)
	m.websocket = m.clients.WithLabelValues(engineio.TransportWebSocket)
	for t := range packetTypes {
		name := engineio.PacketType(t).String()
		m.pktIn[t] = m.packetsIn.WithLabelValues(name)
		m.pktOut[t] = m.packetsOut.WithLabelValues(name)
		m.bIn[t] = m.bytesIn.WithLabelValues(name)
		m.bOut[t] = m.bytesOut.WithLabelValues(name)
	}
	return m
}

func (m *engineMetrics) collectors() []prometheus.Collector {
	return []prometheus.Collector{m.clients, m.connections, m.closes, m.upgrades, m.queueFull,
		m.packetsIn, m.packetsOut, m.bytesIn, m.bytesOut}
}

// hook counts every session the engine opens from now on.
func (m *engineMetrics) hook(eng *engineio.Server) {
	eng.OnConnection(m.onConnection)
}

// gauge returns the clients gauge of a transport.
func (m *engineMetrics) gauge(transport string) prometheus.Gauge {
	if transport == engineio.TransportWebSocket {
		return m.websocket
	}
	return m.polling
}

// session follows one Engine.IO session, so that the clients gauge is
// moved once per upgrade and decremented once per close, whatever the
// order in which its listeners and New's own check see them.
type session struct {
	m         *engineMetrics
	sock      *engineio.EngineIOSocket
	mu        sync.Mutex // guards transport and closed
	transport string
	closed    bool
}

func (m *engineMetrics) onConnection(sock *engineio.EngineIOSocket) {
	s := &session{m: m, sock: sock, transport: sock.Transport()}
	m.connections.Inc()
	m.gauge(s.transport).Inc()
	sock.OnPacket(s.packetIn)
	sock.OnPacketCreate(s.packetOut)
	sock.OnUpgrade(s.upgraded)
	sock.OnClose(s.closedWith)
	// A session that closed before its OnClose listener was added never
	// calls it: count its end here.
	select {
	case <-sock.Done():
		s.closedWith(sock.CloseReason(), nil)
	default:
	}
}

func (s *session) packetIn(p engineio.Packet) {
	if t := int(p.Type); t < packetTypes {
		s.m.pktIn[t].Inc()
		s.m.bIn[t].Add(float64(len(p.Data)))
	}
}

func (s *session) packetOut(p engineio.Packet) {
	if t := int(p.Type); t < packetTypes {
		s.m.pktOut[t].Inc()
		s.m.bOut[t].Add(float64(len(p.Data)))
	}
}

func (s *session) upgraded(transport string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || transport == s.transport {
		return
	}
	s.m.gauge(s.transport).Dec()
	s.m.gauge(transport).Inc()
	s.transport = transport
	s.m.upgrades.Inc()
}

func (s *session) closedWith(reason engineio.CloseReason, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	s.closed = true
	s.m.gauge(s.transport).Dec()
	s.m.closes.WithLabelValues(string(reason)).Inc()
	if errors.Is(err, engineio.ErrQueueFull) {
		s.m.queueFull.Inc()
	}
}
