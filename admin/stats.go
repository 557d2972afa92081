package admin

import (
	"os"
	"time"

	"github.com/gosio/gosio/sio/socketio"
)

// serverStats is the server_stats event, the UI's dashboard and Servers
// page. In a cluster every server sends its own to the admin namespace,
// whose adapter takes it to the UIs connected to any server.
type serverStats struct {
	ServerID            string             `json:"serverId"`
	Hostname            string             `json:"hostname"`
	PID                 int                `json:"pid"`
	Uptime              float64            `json:"uptime"` // seconds
	ClientsCount        int                `json:"clientsCount"`
	PollingClientsCount int                `json:"pollingClientsCount"`
	AggregatedEvents    []aggregatedEvent  `json:"aggregatedEvents"`
	Namespaces          []namespaceDetails `json:"namespaces"`
}

// namespaceDetails is a namespace and its number of sockets on this server.
type namespaceDetails struct {
	Name         string `json:"name"`
	SocketsCount int    `json:"socketsCount"`
}

// stats returns this server's statistics, and empties the aggregated
// counts.
func (a *Admin) stats() serverStats {
	var nsps []namespaceDetails
	for _, n := range namespaces(a.srv) {
		nsps = append(nsps, namespaceDetails{Name: n.Name(), SocketsCount: len(n.Sockets())})
	}
	return serverStats{
		ServerID:            a.opts.ServerID,
		Hostname:            hostname(),
		PID:                 os.Getpid(),
		Uptime:              time.Since(a.start).Seconds(),
		ClientsCount:        a.srv.Engine().ClientsCount(),
		PollingClientsCount: int(max(a.polling.Load(), 0)),
		AggregatedEvents:    a.events.take(),
		Namespaces:          nsps,
	}
}

// statsLoop sends server_stats now and every 2 seconds, and in
// Development mode the Data changes, until Close.
func (a *Admin) statsLoop() {
	defer a.wg.Done()
	t := time.NewTicker(statsInterval)
	defer t.Stop()
	for {
		a.sendStats()
		select {
		case <-a.done:
			return
		case <-t.C:
		}
	}
}

// sendStats sends one server_stats, then the socket_updated of the local
// sockets whose Data changed since the last time.
func (a *Admin) sendStats() {
	if err := a.nsp.Emit("server_stats", a.stats()); err != nil {
		a.log.Debug("admin: server_stats", "err", err)
	}
	if a.opts.Mode == Development {
		a.sendDataChanges()
	}
}

// namespaceByName returns the namespace named name if it exists: the UI's
// commands never create one.
func namespaceByName(srv *socketio.SocketIOServer, name string) *socketio.Namespace {
	for _, n := range namespaces(srv) {
		if n.Name() == name {
			return n
		}
	}
	return nil
}
