package admin

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/gosio/gosio/sio/socketio"
)

// adminDataKey is the socket Data key where Development mode keeps what
// the UI shows of a socket that a server of the cluster may be asked for:
// {"clientId": the first 12 characters of the Engine.IO id, "transport"},
// as Node's instrument() keeps socket.data._admin. Keys starting with
// "_admin" are not shown as the socket's data.
const adminDataKey = "_admin"

// fetchTimeout bounds the FetchSockets of all_sockets and of a socket's
// serialization.
const fetchTimeout = 5 * time.Second

// serializedSocket is a socket as the UI lists it (typed-events.ts'
// SerializedSocket).
type serializedSocket struct {
	ID        string         `json:"id"`
	ClientID  string         `json:"clientId,omitempty"`
	Transport string         `json:"transport,omitempty"`
	Nsp       string         `json:"nsp"`
	Data      map[string]any `json:"data"`
	Handshake map[string]any `json:"handshake"`
	Rooms     []string       `json:"rooms"`
}

// serialize returns the UI's view of a socket fetched from any server.
func serialize(r *socketio.RemoteSocket, nsp string) serializedSocket {
	out := serializedSocket{ID: r.ID, Nsp: nsp, Data: userData(r.Data), Rooms: r.Rooms, Handshake: map[string]any{}}
	if out.Rooms == nil {
		out.Rooms = []string{}
	}
	if m, ok := r.Data[adminDataKey].(map[string]any); ok {
		out.ClientID, _ = m["clientId"].(string)
		out.Transport, _ = m["transport"].(string)
	}
	if r.Handshake != nil {
		if b, err := json.Marshal(r.Handshake); err == nil {
			_ = json.Unmarshal(b, &out.Handshake)
		}
		// Neither the CONNECT payload (passwords, tokens) nor anything
		// else the handshake may carry is shown.
		delete(out.Handshake, "auth")
		out.Handshake["address"] = clientAddress(r.Handshake)
	}
	return out
}

// clientAddress is the address the UI shows: a proxy's Cf-Connecting-Ip or
// X-Forwarded-For header, else the peer's address.
func clientAddress(h *socketio.Handshake) string {
	if v := h.Headers.Get("Cf-Connecting-Ip"); v != "" {
		return v
	}
	if v := h.Headers.Get("X-Forwarded-For"); v != "" {
		return v
	}
	return h.Address
}

// userData returns the socket's Data without the admin's own keys; never
// nil.
func userData(d map[string]any) map[string]any {
	out := make(map[string]any, len(d))
	for k, v := range d {
		if !strings.HasPrefix(k, adminDataKey) {
			out[k] = v
		}
	}
	return out
}

// allSockets returns every socket of every namespace, across the cluster.
func (a *Admin) allSockets() []serializedSocket {
	ctx, cancel := context.WithTimeout(context.Background(), fetchTimeout)
	defer cancel()
	out := []serializedSocket{}
	for _, n := range namespaces(a.srv) {
		rs, err := n.FetchSockets(ctx)
		if err != nil {
			a.log.Warn("admin: fetch sockets", "namespace", n.Name(), "err", err)
		}
		for _, r := range rs {
			out = append(out, serialize(r, n.Name()))
		}
	}
	return out
}

// localSocket returns the view of one socket of this server, false when it
// is gone.
func localSocket(n *socketio.Namespace, id string) (*socketio.RemoteSocket, bool) {
	ctx, cancel := context.WithTimeout(context.Background(), fetchTimeout)
	defer cancel()
	rs, err := n.In(id).Local().FetchSockets(ctx)
	if err != nil || len(rs) == 0 {
		return nil, false
	}
	return rs[0], true
}
