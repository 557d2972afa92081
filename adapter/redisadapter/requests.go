package redisadapter

import (
	"context"
	"errors"
	"fmt"

	"github.com/gosio/gosio/internal/clusterreq"
	"github.com/gosio/gosio/internal/rediswire"
	"github.com/gosio/gosio/sio/socketio"
)

// This file owns the requests of the other servers (redis-adapter's
// onrequest) and the answers to this server's own (onresponse). Both run
// on the receive loop.

// onRequest answers a request of another server.
func (a *Adapter) onRequest(payload []byte) error {
	req, err := rediswire.DecodeMessage(a.opts.Parser, payload)
	if err != nil {
		return err
	}
	typ, ok := rediswire.Int(req["type"])
	if !ok {
		return errors.New("request without a type")
	}
	uid, _ := req["uid"].(string)
	self := uid == a.uid
	requestID, _ := req["requestId"].(string)
	switch typ {
	case rediswire.RequestSockets:
		if self {
			return nil
		}
		ids := a.Adapter.Sockets(rediswire.StringList(req["rooms"]))
		return a.respond(uid, map[string]any{"requestId": requestID, "sockets": rediswire.Strings(ids)})
	case rediswire.RequestAllRooms:
		if self {
			return nil
		}
		return a.respond(uid, map[string]any{"requestId": requestID, "rooms": rediswire.Strings(a.Adapter.Rooms())})
	case rediswire.RequestRemoteJoin, rediswire.RequestRemoteLeave, rediswire.RequestRemoteDisconnect:
		return a.onRemoteAction(typ, self, requestID, uid, req)
	case rediswire.RequestRemoteFetch:
		if self {
			return nil
		}
		sockets, _ := a.Adapter.FetchSockets(context.Background(), rediswire.OptsFromValue(req["opts"]))
		if sockets == nil {
			sockets = []*socketio.RemoteSocket{}
		}
		return a.respond(uid, map[string]any{"requestId": requestID, "sockets": sockets})
	case rediswire.RequestServerSideEmit:
		if self {
			return nil
		}
		return a.onServerSideEmit(requestID, req["data"])
	case rediswire.RequestBroadcast:
		return a.onBroadcastWithAck(uid, requestID, req)
	}
	return fmt.Errorf("unknown request type %d", typ)
}

// onRemoteAction applies a join, leave or disconnect of another server's:
// to the sockets opts selects, or (the older form) to the one socket sid,
// answered.
func (a *Adapter) onRemoteAction(typ int64, self bool, requestID, uid string, req map[string]any) error {
	if o, ok := req["opts"]; ok && o != nil {
		if self { // applied here when it was sent
			return nil
		}
		opts := rediswire.OptsFromValue(o)
		switch typ {
		case rediswire.RequestRemoteJoin:
			a.Adapter.AddSockets(opts, rediswire.StringList(req["rooms"]))
		case rediswire.RequestRemoteLeave:
			a.Adapter.DelSockets(opts, rediswire.StringList(req["rooms"]))
		default:
			closeConn, _ := req["close"].(bool)
			a.Adapter.DisconnectSockets(opts, closeConn)
		}
		return nil
	}
	sid, _ := req["sid"].(string)
	s := a.nsp.Socket(sid)
	if s == nil {
		return nil
	}
	room, _ := req["room"].(string)
	switch typ {
	case rediswire.RequestRemoteJoin:
		s.Join(room)
	case rediswire.RequestRemoteLeave:
		s.Leave(room)
	default:
		closeConn, _ := req["close"].(bool)
		s.Disconnect(closeConn)
	}
	return a.respond(uid, map[string]any{"requestId": requestID})
}

// onServerSideEmit hands an event of another server to the namespace's
// server-side handlers; the answer, when one is awaited, goes to the
// common response channel, as Node's adapter sends it.
func (a *Adapter) onServerSideEmit(requestID string, data any) error {
	event, args, err := rediswire.ServerSideEvent(data)
	if err != nil {
		return err
	}
	var ack func(any)
	if requestID != "" {
		ack = func(reply any) {
			_ = a.publishJSON(a.responseChannel, map[string]any{
				"type": rediswire.RequestServerSideEmit, "requestId": requestID, "data": reply,
			})
		}
	}
	a.nsp.ReceiveServerSideEmit(event, args, ack)
	return nil
}

// onBroadcastWithAck delivers another server's broadcast with acks to the
// local sockets, under an ack id of this namespace, and sends back the
// number of clients reached and each client's first answer.
func (a *Adapter) onBroadcastWithAck(uid, requestID string, req map[string]any) error {
	if uid == a.uid || a.reqs.Tracked(requestID) {
		return nil
	}
	p, err := rediswire.PacketFromValue(req["packet"])
	if err != nil {
		return err
	}
	p.ID = a.nsp.NextAckID()
	opts := rediswire.OptsFromValue(req["opts"])
	a.Adapter.BroadcastWithAck(p, opts,
		func(n int) {
			_ = a.respond(uid, map[string]any{
				"type": rediswire.RequestBroadcastClientCount, "requestId": requestID, "clientCount": n,
			})
		},
		func(args socketio.Args) {
			var first any
			if args.Len() > 0 {
				first = args.Any(0)
			}
			b, err := a.opts.Parser.Encode(map[string]any{
				"type": rediswire.RequestBroadcastAck, "requestId": requestID, "packet": first,
			})
			if err == nil {
				_ = a.publish(a.responseChannelOf(uid), b)
			}
		})
	return nil
}

// responseChannelOf is where the answers to a request of server uid go.
func (a *Adapter) responseChannelOf(uid string) string {
	if a.opts.PublishOnSpecificResponseChannel && uid != "" {
		return a.responseChannel + uid + "#"
	}
	return a.responseChannel
}

// respond publishes a JSON answer to a request of server uid.
func (a *Adapter) respond(uid string, msg map[string]any) error {
	return a.publishJSON(a.responseChannelOf(uid), msg)
}

// onResponse routes an answer to a request of this server's.
func (a *Adapter) onResponse(payload []byte) error {
	res, err := rediswire.DecodeMessage(a.opts.Parser, payload)
	if err != nil {
		return err
	}
	id, _ := res["requestId"].(string)
	typ, _ := rediswire.Int(res["type"])
	if a.reqs.Tracked(id) {
		switch typ {
		case rediswire.RequestBroadcastClientCount:
			return a.reqs.ClientCount(id, res["clientCount"])
		case rediswire.RequestBroadcastAck:
			return a.reqs.Ack(id, res["packet"])
		}
		return nil
	}
	// The answers to fetchSockets carry no type: the request tells.
	switch kind, ok := a.reqs.Kind(id); {
	case !ok:
		return nil // another server's, or too late
	case kind == clusterreq.Sockets:
		return a.reqs.Answer(id, res["sockets"])
	default:
		return a.reqs.Answer(id, res["data"])
	}
}
