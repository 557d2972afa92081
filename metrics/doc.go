// Package metrics exports the work of a gosio server as Prometheus metrics.
//
// It is opt-in: a server without it pays nothing. New registers the
// collectors and hooks them onto the server; mount Handler where the
// scraper looks, as /metrics:
//
//	srv := socketio.NewServer(nil)
//	m, err := metrics.New(srv, nil)
//	if err != nil { ... }
//	mux.Handle("/metrics", m.Handler())
//
// Call New before the server serves: the sessions and sockets that exist
// before it are not counted, and New does not make them decrement a gauge
// they never incremented.
//
// The metrics, in Prometheus' base units:
//
//	engineio_clients{transport}                 gauge: open sessions by current transport
//	engineio_connections_total                  sessions opened
//	engineio_disconnections_total{reason}       sessions closed, by close reason
//	engineio_upgrades_total                     upgrades from long-polling to websocket
//	engineio_queue_full_closes_total            sessions closed for not reading (engineio.ErrQueueFull)
//	engineio_packets_received_total{type}       packets from clients, by Engine.IO type
//	engineio_packets_sent_total{type}           packets queued for clients, by type
//	engineio_received_bytes_total{type}         their data bytes (framing not counted)
//	engineio_sent_bytes_total{type}             the same, out
//	socketio_sockets{namespace}                 gauge: connected sockets
//	socketio_connections_total{namespace}       namespace connections accepted
//	socketio_disconnections_total{namespace,reason}
//	socketio_broadcasts_total{namespace}        broadcasts delivered by this server
//	socketio_broadcast_recipients_total{namespace}  the sockets they were queued to
//	socketio_ack_round_trip_seconds{namespace}  histogram: emit to client acknowledgement
//	socketio_adapter_requests_total{namespace,op}   requests to the cluster through the adapter
//	socketio_adapter_request_errors_total{namespace,op}
//
// The engine metrics are built on the engine's hooks (OnConnection and the
// session's OnPacket, OnPacketCreate, OnUpgrade, OnClose), the socket
// metrics on OnNewNamespace, OnConnection and OnDisconnect, and the rest on
// socketio.Observer. On the paths taken per packet, the counters are
// resolved in advance: counting costs no allocation.
//
// Every namespace is a label value: a server whose parent namespaces
// (OfFunc, OfRegexp) accept unbounded names gets one series per name.
package metrics
