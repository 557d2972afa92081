package metrics

import (
	"errors"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/gosio/gosio/sio/socketio"
)

// Options configures New. A nil *Options means every default.
type Options struct {
	// Registerer receives the collectors. Default: a registry of the
	// Metrics' own, which Handler serves (pass
	// prometheus.DefaultRegisterer to serve them beside the Go runtime's).
	Registerer prometheus.Registerer
	// Gatherer is what Handler serves. Default: the Registerer when it is
	// a prometheus.Gatherer (as a *prometheus.Registry is), else
	// prometheus.DefaultGatherer.
	Gatherer prometheus.Gatherer
	// AckBuckets are the upper bounds, in seconds, of the acknowledgement
	// round-trip histogram. Default 1 ms to about 16 s, doubling.
	AckBuckets []float64
}

// Metrics is a server's set of collectors. Its counters live as long as
// the server.
type Metrics struct {
	handler http.Handler
	eng     *engineMetrics
	sio     *sioMetrics
}

// New registers the server's collectors on opts.Registerer and hooks them
// onto srv. It fails when the collectors cannot be registered (a second
// New on the same Registerer).
func New(srv *socketio.SocketIOServer, opts *Options) (*Metrics, error) {
	if srv == nil {
		return nil, errors.New("metrics: New needs a server")
	}
	o := Options{}
	if opts != nil {
		o = *opts
	}
	if o.Registerer == nil {
		o.Registerer = prometheus.NewRegistry()
	}
	if o.Gatherer == nil {
		if g, ok := o.Registerer.(prometheus.Gatherer); ok {
			o.Gatherer = g
		} else {
			o.Gatherer = prometheus.DefaultGatherer
		}
	}
	if len(o.AckBuckets) == 0 {
		o.AckBuckets = prometheus.ExponentialBuckets(float64(time.Millisecond)/float64(time.Second), 2, 15)
	}
	m := &Metrics{
		handler: promhttp.HandlerFor(o.Gatherer, promhttp.HandlerOpts{}),
		eng:     newEngineMetrics(),
		sio:     newSIOMetrics(o.AckBuckets),
	}
	for _, c := range append(m.eng.collectors(), m.sio.collectors()...) {
		if err := o.Registerer.Register(c); err != nil {
			return nil, err
		}
	}
	m.eng.hook(srv.Engine())
	m.sio.hook(srv)
	return m, nil
}

// Handler serves the metrics in Prometheus' exposition formats.
func (m *Metrics) Handler() http.Handler { return m.handler }
