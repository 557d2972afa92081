package socketio

import (
	"context"
	"time"
)

// Room is a room name. Every socket is in the room named by its own id.
type Room = string

// SocketID is a socket's id: 20 URL-safe characters.
type SocketID = string

// BroadcastFlags modify how a broadcast is delivered. They serialize as
// socket.io-adapter's flags do, so a cluster adapter can forward them.
type BroadcastFlags struct {
	// Volatile packets are dropped for clients that are not ready for them.
	Volatile bool `json:"volatile,omitempty"`
	// Compress asks for the packet to be compressed (permessage-deflate,
	// HTTP compression); nil leaves the server's default.
	Compress *bool `json:"compress,omitempty"`
	// Local restricts a broadcast to this server in a cluster.
	Local bool `json:"local,omitempty"`
	// Timeout bounds an acknowledged broadcast; zero means none.
	Timeout time.Duration `json:"-"`
}

// BroadcastOptions select the recipients of a broadcast: the sockets in any
// of Rooms (all sockets when Rooms is empty) and in none of Except.
type BroadcastOptions struct {
	Rooms  []Room         `json:"rooms"`  // the rooms reached; none: every socket
	Except []Room         `json:"except"` // the rooms left out
	Flags  BroadcastFlags `json:"flags"`  // how the broadcast is delivered
}

// PersistedSession is what connection state recovery keeps of a socket
// that left: enough to give the same id, rooms and data back to the client
// that reconnects in time, and the packets it missed.
type PersistedSession struct {
	SID   SocketID       // the socket's id, given back
	PID   string         // the private id the client sends to come back
	Rooms []Room         // the rooms it was in
	Data  map[string]any // its Data
	// MissedPackets is filled by RestoreSession: the event payloads (JSON
	// arrays, offset last) broadcast to the session's rooms since it left.
	MissedPackets []*StoredPacket
}

// StoredPacket is an event kept for connection state recovery.
type StoredPacket struct {
	Offset    string           // the offset the event was sent with
	Opts      BroadcastOptions // who it was sent to
	Packet    *SocketIOPacket  // the event, its offset appended
	EmittedAt time.Time        // when it was sent, for the expiry
}

// Adapter keeps a namespace's rooms index and delivers its broadcasts,
// modelled on the Node.js socket.io-adapter. The in-memory adapter (the
// default) serves one process; a cluster adapter (Redis) implements the
// same interface to reach the sockets of other servers.
//
// Methods are called concurrently and must be safe for it.
type Adapter interface {
	// Init is called once, when the namespace is created.
	Init() error
	// Close releases the adapter's resources.
	Close() error

	// AddAll adds a socket to rooms.
	AddAll(id SocketID, rooms []Room)
	// Del removes a socket from a room.
	Del(id SocketID, room Room)
	// DelAll removes a socket from every room.
	DelAll(id SocketID)
	// SocketRooms returns the rooms of a socket of this server.
	SocketRooms(id SocketID) []Room
	// Sockets returns the ids of this server's sockets in any of rooms (all
	// sockets when rooms is empty).
	Sockets(rooms []Room) []SocketID
	// Rooms returns every room of this server that has a socket in it.
	Rooms() []Room

	// Broadcast delivers a packet to the sockets opts selects.
	Broadcast(p *SocketIOPacket, opts *BroadcastOptions)
	// BroadcastWithAck delivers a packet carrying an ack id and routes each
	// client's acknowledgement to ack; clientCount is told, once per server,
	// how many clients the packet was sent to.
	BroadcastWithAck(p *SocketIOPacket, opts *BroadcastOptions, clientCount func(n int), ack func(args Args))

	// FetchSockets returns the sockets opts selects, across the cluster.
	FetchSockets(ctx context.Context, opts *BroadcastOptions) ([]*RemoteSocket, error)
	// AddSockets makes the selected sockets join rooms.
	AddSockets(opts *BroadcastOptions, rooms []Room)
	// DelSockets makes the selected sockets leave rooms.
	DelSockets(opts *BroadcastOptions, rooms []Room)
	// DisconnectSockets disconnects the selected sockets; close also closes
	// their underlying connection.
	DisconnectSockets(opts *BroadcastOptions, close bool)

	// ServerSideEmit sends an event to the other servers of the cluster.
	ServerSideEmit(ctx context.Context, event string, args []any) error
	// ServerCount returns the number of servers in the cluster.
	ServerCount(ctx context.Context) (int, error)

	// PersistSession keeps a departed socket's state for recovery.
	PersistSession(s *PersistedSession)
	// RestoreSession returns the state kept under pid, with the packets
	// missed since offset, or nil when it cannot be restored.
	RestoreSession(pid, offset string) (*PersistedSession, error)
}

// AdapterFactory makes the adapter of a namespace.
type AdapterFactory func(nsp *Namespace) Adapter
