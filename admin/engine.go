package admin

import (
	"sync/atomic"

	"github.com/gosio/gosio/sio/engineio"
	"github.com/gosio/gosio/sio/socketio"
)

// watchEngine counts what server_stats reports of the Engine.IO sessions,
// in both modes (Node's registerEngineListeners): connections, closes by
// reason, the sessions still on long-polling, packets and bytes each way.
func (a *Admin) watchEngine() {
	a.onClose(a.srv.Engine().OnConnection(func(sock *engineio.EngineIOSocket) {
		a.events.add("rawConnection", "", 1)
		if sock.Transport() == engineio.TransportPolling {
			a.polling.Add(1)
			var left atomic.Bool // the session left long-polling: upgraded or closed
			leave := func() {
				if left.CompareAndSwap(false, true) {
					a.polling.Add(-1)
				}
			}
			sock.OnUpgrade(func(string) { leave() })
			sock.OnClose(func(engineio.CloseReason, error) { leave() })
		}
		sock.OnPacketCreate(func(p engineio.Packet) {
			if len(p.Data) > 0 {
				a.events.add("packetsOut", "", 1)
				a.events.add("bytesOut", "", int64(len(p.Data)))
			}
		})
		sock.OnPacket(func(p engineio.Packet) {
			if len(p.Data) > 0 {
				a.events.add("packetsIn", "", 1)
				a.events.add("bytesIn", "", int64(len(p.Data)))
			}
		})
		sock.OnClose(func(reason engineio.CloseReason, _ error) {
			a.events.add("rawDisconnection", string(reason), 1)
		})
	}))
}

// namespaces returns the server's namespaces.
func namespaces(srv *socketio.SocketIOServer) []*socketio.Namespace {
	return srv.Namespaces()
}
