// Package redisadapter is a socketio.Adapter that joins gosio servers
// into a cluster over Redis pub/sub, on the wire of Node's
// @socket.io/redis-adapter 8.3: Go and Node.js servers can share one
// cluster, and @socket.io/redis-emitter can drive them.
//
// # Use
//
//	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
//	srv := socketio.NewServer(&socketio.ServerOptions{Adapter: redisadapter.New(rdb, nil)})
//
// The package lives apart from sio/socketio so that a program that serves
// one process does not link a Redis client.
//
// # Wire
//
// Per namespace nsp and key prefix key (default "socket.io"): broadcasts
// are published, MessagePack-encoded as [uid, packet, {rooms, except,
// flags}], on "key#nsp#" or, for a broadcast to exactly one room, on
// "key#nsp#room#"; requests between servers (JSON objects of types 0-6,
// MessagePack for BROADCAST and BROADCAST_ACK) on "key-request#nsp#";
// their responses on "key-response#nsp#" or, with
// PublishOnSpecificResponseChannel, "key-response#nsp#uid#". The number of
// servers is the number of subscribers of the request channel (PUBSUB
// NUMSUB).
//
// # Failures
//
// While Redis is unreachable, broadcasts reach this server's clients only;
// the subscription is re-established when Redis comes back, and the outage
// is logged once, when it begins, and once when it ends. Requests to the
// other servers (FetchSockets, EmitWithAck, ServerSideEmitWithAck) return
// what arrived within RequestsTimeout. Malformed messages on the channels
// are dropped with a log line.
package redisadapter
