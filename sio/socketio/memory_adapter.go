package socketio

import (
	"context"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// memoryAdapter is the default Adapter: the rooms index of one process,
// and, with connection state recovery on, the store of departed sessions
// and of the packets they may have missed.
type memoryAdapter struct {
	nsp *Namespace

	// The rooms index, under mu: sids has an entry for every socket added
	// and not yet removed by DelAll (even one left in no room), rooms one
	// for every room with a member. A socket's own room is only the own
	// flag of its entry in sids, never an entry of rooms: it always has
	// that one member, so a set for it would cost much and say little.
	mu    sync.RWMutex
	rooms map[Room]stringSet // members of each room, own rooms apart
	sids  map[SocketID]*socketRooms

	recMu    sync.Mutex
	sessions map[string]*persisted
	packets  []*StoredPacket
	pruner   *time.Timer // armed while sessions or packets are kept
	closed   bool
	offsets  atomic.Uint64
	epoch    string
}

type persisted struct {
	s      *PersistedSession
	leftAt time.Time
}

var _ Adapter = (*memoryAdapter)(nil)

// NewInMemoryAdapter is the AdapterFactory of the in-memory adapter.
func NewInMemoryAdapter(nsp *Namespace) Adapter {
	return &memoryAdapter{
		nsp:      nsp,
		rooms:    make(map[Room]stringSet),
		sids:     make(map[SocketID]*socketRooms),
		sessions: make(map[string]*persisted),
		epoch:    strconv.FormatInt(time.Now().UnixMilli(), 36),
	}
}

// Init does nothing for the in-memory adapter.
func (a *memoryAdapter) Init() error { return nil }

// Close stops the expiry of the connection state recovery store.
func (a *memoryAdapter) Close() error {
	a.recMu.Lock()
	defer a.recMu.Unlock()
	a.closed = true
	if a.pruner != nil {
		a.pruner.Stop()
		a.pruner = nil
	}
	return nil
}

// roomHooks returns the room listeners of the adapter's namespace when
// there are any, else nil: the index records its changes only then.
func (a *memoryAdapter) roomHooks() *roomHooks {
	if a.nsp == nil || !a.nsp.rooms.watched() {
		return nil
	}
	return &a.nsp.rooms
}

// AddAll adds a socket to rooms, and tells the namespace's room listeners
// (OnCreateRoom, OnJoinRoom) once the index is updated.
func (a *memoryAdapter) AddAll(id SocketID, rooms []Room) {
	hooks := a.roomHooks()
	a.mu.Lock()
	events := a.addAllLocked(id, rooms, hooks != nil)
	a.mu.Unlock()
	if events != nil {
		hooks.fire(events)
	}
}

func (a *memoryAdapter) addAllLocked(id SocketID, rooms []Room, record bool) []roomEvent {
	var events []roomEvent
	joined := func(r Room, created bool) {
		if !record {
			return
		}
		if created {
			events = append(events, roomEvent{roomCreated, r, id})
		}
		events = append(events, roomEvent{roomJoined, r, id})
	}
	mine := a.sids[id]
	for _, r := range rooms {
		switch {
		case r == id && mine == nil:
			mine = ownRoomOnly
			joined(r, true)
		case r == id:
			if !mine.own { // so never ownRoomOnly
				mine.own = true
				joined(r, true)
			}
		default:
			mine = mine.writable()
			if mine.rooms.add(r) {
				members := a.rooms[r]
				created := members.len() == 0
				members.add(id)
				a.rooms[r] = members
				joined(r, created)
			}
		}
	}
	switch {
	case mine == nil:
		mine = &socketRooms{}
	case mine.own && mine.rooms.len() == 0:
		mine = ownRoomOnly
	}
	a.sids[id] = mine
	return events
}

// Del removes a socket from a room, and tells the namespace's room
// listeners (OnLeaveRoom, OnDeleteRoom) once the index is updated.
func (a *memoryAdapter) Del(id SocketID, room Room) {
	hooks := a.roomHooks()
	a.mu.Lock()
	events := a.delLocked(id, room, hooks != nil)
	a.mu.Unlock()
	if events != nil {
		hooks.fire(events)
	}
}

func (a *memoryAdapter) delLocked(id SocketID, room Room, record bool) []roomEvent {
	var events []roomEvent
	mine := a.sids[id]
	switch {
	case mine == nil:
		return nil
	case room == id:
		if mine.own {
			mine = mine.writable()
			mine.own = false
			if record {
				events = left(events, room, id, true)
			}
		}
	default:
		if mine.rooms.has(room) { // so never ownRoomOnly
			mine.rooms.del(room)
		}
		removed, deleted := a.delMemberLocked(room, id)
		if record && removed {
			events = left(events, room, id, deleted)
		}
		if mine.own && mine.rooms.len() == 0 {
			mine = ownRoomOnly
		}
	}
	a.sids[id] = mine
	return events
}

// left records that id left room, and that the room is gone when deleted.
func left(events []roomEvent, room Room, id SocketID, deleted bool) []roomEvent {
	events = append(events, roomEvent{roomLeft, room, id})
	if deleted {
		events = append(events, roomEvent{roomDeleted, room, id})
	}
	return events
}

// delMemberLocked removes a socket from the members of a room that is not
// its own, and the room once it is empty; it reports whether the socket
// was a member and whether the room is gone.
func (a *memoryAdapter) delMemberLocked(room Room, id SocketID) (removed, deleted bool) {
	members, ok := a.rooms[room]
	if !ok {
		return false, false
	}
	removed = members.has(id)
	members.del(id)
	if members.len() == 0 {
		delete(a.rooms, room)
		return removed, true
	}
	a.rooms[room] = members
	return removed, false
}

// inRoomLocked reports whether a socket is in a room.
func (a *memoryAdapter) inRoomLocked(room Room, id SocketID) bool {
	if room == id {
		return a.sids[id].isOwn()
	}
	members := a.rooms[room]
	return members.has(id)
}

// DelAll removes a socket from every room, its own first, and tells the
// room listeners as Del does.
func (a *memoryAdapter) DelAll(id SocketID) {
	hooks := a.roomHooks()
	var events []roomEvent
	a.mu.Lock()
	if mine := a.sids[id]; mine != nil {
		if mine.own && hooks != nil {
			events = left(events, id, id, true)
		}
		for r := range mine.rooms.all() {
			removed, deleted := a.delMemberLocked(r, id)
			if removed && hooks != nil {
				events = left(events, r, id, deleted)
			}
		}
	}
	delete(a.sids, id)
	a.mu.Unlock()
	if events != nil {
		hooks.fire(events)
	}
}

// SocketRooms returns the rooms of a socket, sorted.
func (a *memoryAdapter) SocketRooms(id SocketID) []Room {
	a.mu.RLock()
	defer a.mu.RUnlock()
	mine := a.sids[id]
	if mine == nil {
		return []Room{}
	}
	out := make([]Room, 0, mine.rooms.len()+1)
	if mine.own {
		out = append(out, id)
	}
	for r := range mine.rooms.all() {
		out = append(out, r)
	}
	slices.Sort(out)
	return out
}

// Sockets returns the ids of the sockets in any of rooms (all when empty).
func (a *memoryAdapter) Sockets(rooms []Room) []SocketID {
	var out []SocketID
	a.forEach(&BroadcastOptions{Rooms: rooms}, func(id SocketID) { out = append(out, id) })
	return out
}

// Rooms returns every room that has a socket in it.
func (a *memoryAdapter) Rooms() []Room {
	a.mu.RLock()
	defer a.mu.RUnlock()
	out := make([]Room, 0, len(a.rooms)+len(a.sids))
	for r := range a.rooms {
		out = append(out, r)
	}
	for id, mine := range a.sids {
		if _, listed := a.rooms[id]; mine.own && !listed {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}

// forEach calls fn for each socket id opts selects. The index is read under
// the lock into a list first, so fn may call back into the adapter.
func (a *memoryAdapter) forEach(opts *BroadcastOptions, fn func(id SocketID)) {
	for _, id := range a.selectIDs(opts) {
		fn(id)
	}
}

// selectIDs returns the ids of the sockets opts selects, each once.
func (a *memoryAdapter) selectIDs(opts *BroadcastOptions) []SocketID {
	a.mu.RLock()
	defer a.mu.RUnlock()
	excluded := func(id SocketID) bool {
		for _, r := range opts.Except {
			if a.inRoomLocked(r, id) {
				return true
			}
		}
		return false
	}
	var ids []SocketID
	switch {
	case len(opts.Rooms) == 0:
		ids = make([]SocketID, 0, len(a.sids))
		for id := range a.sids {
			if !excluded(id) {
				ids = append(ids, id)
			}
		}
	case len(opts.Rooms) == 1:
		// One room: its members are distinct already; only the socket
		// whose own room it is could come twice (as its own room and as
		// a member, when it joined the room of its own name).
		r := opts.Rooms[0]
		members := a.rooms[r] // a copy of the set's header: it is not changed
		own := a.sids[r].isOwn()
		ids = make([]SocketID, 0, members.len()+1)
		if own && !excluded(r) {
			ids = append(ids, r)
		}
		noExcept := len(opts.Except) == 0
		for id := range members.all() {
			if (own && id == r) || (!noExcept && excluded(id)) {
				continue
			}
			ids = append(ids, id)
		}
	default:
		seen := make(map[SocketID]struct{})
		add := func(id SocketID) {
			if _, dup := seen[id]; dup || excluded(id) {
				return
			}
			seen[id] = struct{}{}
			ids = append(ids, id)
		}
		for _, r := range opts.Rooms {
			if a.sids[r].isOwn() {
				add(r)
			}
			members := a.rooms[r]
			for id := range members.all() {
				add(id)
			}
		}
	}
	return ids
}

// forEachSocket calls fn with each local socket opts selects, looking them
// all up under one hold of the namespace's lock.
func (a *memoryAdapter) forEachSocket(opts *BroadcastOptions, fn func(s *NamespaceSocket)) {
	for _, s := range a.nsp.localSockets(a.selectIDs(opts)) {
		fn(s)
	}
}

// Broadcast encodes the packet once and queues the same bytes for every
// selected socket, telling its OnAnyOutgoing listeners (as Node's adapter
// does). With connection state recovery on, an event that is
// neither volatile nor acknowledged gets an offset and is kept.
func (a *memoryAdapter) Broadcast(p *SocketIOPacket, opts *BroadcastOptions) {
	if a.nsp.srv.recovery != nil && p.ID == NoAckID && !opts.Flags.Volatile &&
		(p.Type == PacketEvent || p.Type == PacketBinaryEvent) {
		p = a.store(p, opts)
	}
	enc := encodePacket(p)
	n := 0
	a.forEachSocket(opts, func(s *NamespaceSocket) {
		s.notifyOutgoing(p)
		if s.client.write(enc, opts.Flags.Volatile) {
			n++
		}
	})
	if o := a.nsp.srv.observing(); o != nil {
		o.Broadcast(a.nsp, n)
	}
}

// BroadcastWithAck sends the packet and registers, on each recipient, the
// route of its acknowledgement to ack.
func (a *memoryAdapter) BroadcastWithAck(p *SocketIOPacket, opts *BroadcastOptions, clientCount func(n int), ack func(args Args)) {
	enc := encodePacket(p)
	n := 0
	a.forEachSocket(opts, func(s *NamespaceSocket) {
		if !s.registerAck(p.ID, func(args Args, err error) {
			if err == nil {
				ack(args)
			}
		}) {
			return
		}
		s.notifyOutgoing(p)
		if s.client.write(enc, opts.Flags.Volatile) {
			n++
		} else {
			s.takeAck(p.ID)
		}
	})
	clientCount(n)
	if o := a.nsp.srv.observing(); o != nil {
		o.Broadcast(a.nsp, n)
	}
}

// FetchSockets returns views of the selected sockets.
func (a *memoryAdapter) FetchSockets(_ context.Context, opts *BroadcastOptions) ([]*RemoteSocket, error) {
	var out []*RemoteSocket
	a.forEachSocket(opts, func(s *NamespaceSocket) {
		out = append(out, s.remoteView())
	})
	return out, nil
}

// AddSockets makes the selected sockets join rooms.
func (a *memoryAdapter) AddSockets(opts *BroadcastOptions, rooms []Room) {
	a.forEachSocket(opts, func(s *NamespaceSocket) {
		s.Join(rooms...)
	})
}

// DelSockets makes the selected sockets leave rooms.
func (a *memoryAdapter) DelSockets(opts *BroadcastOptions, rooms []Room) {
	a.forEachSocket(opts, func(s *NamespaceSocket) {
		for _, r := range rooms {
			s.Leave(r)
		}
	})
}

// DisconnectSockets disconnects the selected sockets.
func (a *memoryAdapter) DisconnectSockets(opts *BroadcastOptions, close bool) {
	a.forEachSocket(opts, func(s *NamespaceSocket) {
		s.Disconnect(close)
	})
}

// ServerSideEmit has no other server to reach in one process: it does
// nothing and returns nil.
func (a *memoryAdapter) ServerSideEmit(context.Context, string, []any) error { return nil }

// ServerCount is 1.
func (a *memoryAdapter) ServerCount(context.Context) (int, error) { return 1, nil }

// store gives an event its offset (appended as its last argument, as the
// Node.js server does) and keeps it for sessions that may come back.
func (a *memoryAdapter) store(p *SocketIOPacket, opts *BroadcastOptions) *SocketIOPacket {
	offset := a.epoch + "-" + strconv.FormatUint(a.offsets.Add(1), 36)
	cp := *p
	cp.Data = appendArrayString(p.Data, offset)
	now := time.Now()
	a.recMu.Lock()
	a.prunePacketsLocked(now)
	a.packets = append(a.packets, &StoredPacket{Offset: offset, Opts: cloneOpts(opts), Packet: &cp, EmittedAt: now})
	a.armPrunerLocked()
	a.recMu.Unlock()
	return &cp
}

func (a *memoryAdapter) maxDisconnection() time.Duration {
	if rec := a.nsp.srv.recovery; rec != nil {
		return rec.MaxDisconnectionDuration
	}
	return 2 * time.Minute
}

// prunePacketsLocked drops the stored packets too old to be missed by a
// session that may still come back: they are in emission order, so only
// the head is looked at.
func (a *memoryAdapter) prunePacketsLocked(now time.Time) {
	max := a.maxDisconnection()
	i := 0
	for i < len(a.packets) && now.Sub(a.packets[i].EmittedAt) > max {
		a.packets[i] = nil
		i++
	}
	a.packets = a.packets[i:]
}

// armPrunerLocked schedules the expiry of the store, as the Node.js
// adapter's periodic clean-up: a timer while something is kept, rather
// than a walk of every session on each broadcast.
func (a *memoryAdapter) armPrunerLocked() {
	if a.pruner != nil || a.closed {
		return
	}
	a.pruner = time.AfterFunc(a.maxDisconnection(), a.prune)
}

// prune drops the expired sessions and packets.
func (a *memoryAdapter) prune() {
	a.recMu.Lock()
	defer a.recMu.Unlock()
	a.pruner = nil
	now := time.Now()
	a.prunePacketsLocked(now)
	max := a.maxDisconnection()
	for pid, ps := range a.sessions {
		if now.Sub(ps.leftAt) > max {
			delete(a.sessions, pid)
		}
	}
	if len(a.sessions) > 0 || len(a.packets) > 0 {
		a.armPrunerLocked()
	}
}

// PersistSession keeps a departed socket's state.
func (a *memoryAdapter) PersistSession(s *PersistedSession) {
	a.recMu.Lock()
	defer a.recMu.Unlock()
	a.sessions[s.PID] = &persisted{s: s, leftAt: time.Now()}
	a.armPrunerLocked()
}

// RestoreSession returns the session kept under pid with the packets sent
// to its rooms after offset; nil when the session is unknown or expired,
// or the offset is no longer known.
func (a *memoryAdapter) RestoreSession(pid, offset string) (*PersistedSession, error) {
	a.recMu.Lock()
	defer a.recMu.Unlock()
	now := time.Now()
	a.prunePacketsLocked(now)
	ps := a.sessions[pid]
	if ps == nil {
		return nil, nil
	}
	delete(a.sessions, pid)
	if now.Sub(ps.leftAt) > a.maxDisconnection() {
		return nil, nil
	}
	start := -1
	for i, p := range a.packets {
		if p.Offset == offset {
			start = i + 1
			break
		}
	}
	if start < 0 {
		return nil, nil
	}
	out := *ps.s
	out.MissedPackets = nil
	for _, p := range a.packets[start:] {
		if includesPacket(out.Rooms, &p.Opts) {
			out.MissedPackets = append(out.MissedPackets, p)
		}
	}
	return &out, nil
}

// includesPacket applies a broadcast's room selection to a departed
// session's rooms.
func includesPacket(rooms []Room, opts *BroadcastOptions) bool {
	included := len(opts.Rooms) == 0
	for _, r := range rooms {
		if slices.Contains(opts.Except, r) {
			return false
		}
		if slices.Contains(opts.Rooms, r) {
			included = true
		}
	}
	return included
}

func cloneOpts(o *BroadcastOptions) BroadcastOptions {
	return BroadcastOptions{Rooms: slices.Clone(o.Rooms), Except: slices.Clone(o.Except), Flags: o.Flags}
}

// appendArrayString appends a JSON string as the last element of a JSON
// array, returning a new slice.
func appendArrayString(arr []byte, s string) []byte {
	end := len(arr) - 1
	for end > 0 && arr[end] != ']' {
		end--
	}
	out := make([]byte, 0, len(arr)+len(s)+3)
	out = append(out, arr[:end]...)
	if end > 1 {
		out = append(out, ',')
	}
	out = appendJSONString(out, s)
	return append(out, ']')
}
