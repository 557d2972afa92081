package clusteradapter

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"

	"github.com/gosio/gosio/internal/clusterreq"
	"github.com/gosio/gosio/internal/rediswire"
	"github.com/gosio/gosio/sio/socketio"
)

// Encode encodes a message as Node's cluster adapters do: JSON, or
// MessagePack when its data carries binary.
func Encode(m Message) ([]byte, error) {
	if hasBinary(m["data"]) {
		return rediswire.MsgpackParser{}.Encode(m)
	}
	return json.Marshal(m)
}

// Decode decodes a message of Encode's, telling JSON (a leading '{') from
// MessagePack.
func Decode(b []byte) (Message, error) {
	return rediswire.DecodeMessage(rediswire.MsgpackParser{}, b)
}

func hasBinary(v any) bool {
	switch t := v.(type) {
	case []byte:
		return true
	case map[string]any:
		for _, e := range t {
			if hasBinary(e) {
				return true
			}
		}
	case []any:
		for _, e := range t {
			if hasBinary(e) {
				return true
			}
		}
	}
	return false
}

// OnMessage handles a message or response of another server, dropping
// with a log line what it cannot use; offset is the message's on the bus
// ("" for none). The bus calls it from its receive loop, one message at a
// time.
func (a *Adapter) OnMessage(m Message, offset string) {
	if err := a.onMessage(m, offset); err != nil {
		a.opts.Logger.Warn("clusteradapter: dropped a message", slog.String("namespace", a.nsp.Name()), slog.Any("err", err))
	}
}

func (a *Adapter) onMessage(m Message, offset string) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	uid, _ := m["uid"].(string)
	if uid == a.uid {
		return nil
	}
	if nsp, _ := m["nsp"].(string); nsp != a.nsp.Name() {
		return nil
	}
	typ, ok := rediswire.Int(m["type"])
	if !ok {
		return errors.New("no type")
	}
	if a.seen(uid, typ) {
		return nil
	}
	data, _ := m["data"].(map[string]any)
	requestID, _ := data["requestId"].(string)
	switch typ {
	case InitialHeartbeat, Heartbeat, AdapterClose:
		return nil
	case Broadcast:
		p, err := rediswire.PacketFromValue(data["packet"])
		if err != nil {
			return err
		}
		opts := rediswire.OptsFromValue(data["opts"])
		if requestID == "" {
			a.deliver(p, opts, offset)
			return nil
		}
		p.ID = a.nsp.NextAckID()
		a.Adapter.BroadcastWithAck(p, opts,
			func(n int) {
				a.respond(uid, BroadcastClientCount, map[string]any{"requestId": requestID, "clientCount": n})
			},
			func(args socketio.Args) {
				var first any
				if args.Len() > 0 {
					first = args.Any(0)
				}
				a.respond(uid, BroadcastAck, map[string]any{"requestId": requestID, "packet": first})
			})
	case SocketsJoin:
		a.Adapter.AddSockets(rediswire.OptsFromValue(data["opts"]), rediswire.StringList(data["rooms"]))
	case SocketsLeave:
		a.Adapter.DelSockets(rediswire.OptsFromValue(data["opts"]), rediswire.StringList(data["rooms"]))
	case DisconnectSockets:
		closeConn, _ := data["close"].(bool)
		a.Adapter.DisconnectSockets(rediswire.OptsFromValue(data["opts"]), closeConn)
	case FetchSockets:
		sockets, _ := a.Adapter.FetchSockets(context.Background(), rediswire.OptsFromValue(data["opts"]))
		vals, err := jsonValues(anySlice(sockets))
		if err != nil {
			return err
		}
		a.respond(uid, FetchSocketsResponse, map[string]any{"requestId": requestID, "sockets": vals})
	case ServerSideEmit:
		event, args, err := rediswire.ServerSideEvent(data["packet"])
		if err != nil {
			return err
		}
		var ack func(any)
		if requestID != "" {
			ack = func(reply any) {
				a.respond(uid, ServerSideEmitResponse, map[string]any{"requestId": requestID, "packet": reply})
			}
		}
		a.nsp.ReceiveServerSideEmit(event, args, ack)
	case FetchSocketsResponse, ServerSideEmitResponse, BroadcastClientCount, BroadcastAck:
		return a.onResponse(typ, requestID, data)
	default:
		return fmt.Errorf("unknown type %d", typ)
	}
	return nil
}

func anySlice(s []*socketio.RemoteSocket) []any {
	out := make([]any, len(s))
	for i, e := range s {
		out[i] = e
	}
	return out
}

func (a *Adapter) onResponse(typ int64, requestID string, data map[string]any) error {
	switch typ {
	case BroadcastClientCount:
		return a.reqs.ClientCount(requestID, data["clientCount"])
	case BroadcastAck:
		return a.reqs.Ack(requestID, data["packet"])
	case FetchSocketsResponse:
		if kind, ok := a.reqs.Kind(requestID); ok && kind == clusterreq.Sockets {
			return a.reqs.Answer(requestID, data["sockets"])
		}
	case ServerSideEmitResponse:
		if kind, ok := a.reqs.Kind(requestID); ok && kind == clusterreq.Replies {
			return a.reqs.Answer(requestID, data["packet"])
		}
	}
	return nil
}
