package main

import (
	"cmp"
	"context"
	"slices"
	"sync"
	"time"

	"github.com/gosio/gosio/sio/socketio"
)

// Message is one entry of a room's conversation: a text message, an image
// (Data travels as a binary attachment) or a notice from the server
// (someone joined or left).
type Message struct {
	ID   string `json:"id"`
	Room string `json:"room"`
	Kind string `json:"kind"` // "text", "image" or "notice"
	From string `json:"from,omitempty"`
	// User is the sender's user id: the page tells its own messages by it.
	User string `json:"user,omitempty"`
	Text string `json:"text,omitempty"`
	// Name and Type describe an image; Data holds its bytes.
	Name string `json:"name,omitempty"`
	Type string `json:"type,omitempty"`
	Data []byte `json:"data,omitempty"`
	// TS is when the server got it, in milliseconds since the Unix epoch.
	TS int64 `json:"ts"`
}

// Member is one client in a room, as the member list shows it.
type Member struct {
	ID   string `json:"id"`
	Nick string `json:"nick"`
	User string `json:"user"`
}

// Members is the "members" event: who is in a room now.
type Members struct {
	Room    string   `json:"room"`
	Members []Member `json:"members"`
}

// hub is what every client's consumer shares: the namespace, for the
// broadcasts that include the sender and for FetchSockets, and the recent
// conversation of each room, kept in memory so that a client joining a
// room, or coming back after its recovery window, sees what was said.
// History is bounded: maxEntries per room, and at most maxImageBytes of
// images per room (the oldest images go first).
type hub struct {
	nsp           *socketio.Namespace
	users         *users
	maxEntries    int
	maxImageBytes int

	mu    sync.Mutex
	rooms map[string]*roomLog
}

type roomLog struct {
	mu         sync.Mutex // held while a message is logged and broadcast, or a client joins
	announce   sync.Mutex // held while the member list is fetched and sent
	entries    []Message
	imageBytes int
}

func newHub(nsp *socketio.Namespace, maxEntries, maxImageBytes int) *hub {
	return &hub{nsp: nsp, maxEntries: maxEntries, maxImageBytes: maxImageBytes, rooms: make(map[string]*roomLog)}
}

// room returns the log of a room, creating it.
func (h *hub) room(name string) *roomLog {
	h.mu.Lock()
	defer h.mu.Unlock()
	l := h.rooms[name]
	if l == nil {
		l = &roomLog{}
		h.rooms[name] = l
	}
	return l
}

// post stamps a message, logs it in its room and sends it with b (the
// room, less the sender or not), under the room's lock so that the history
// and the live stream agree: a client joining the room gets the message
// either in the history or live, never twice nor not at all. It returns
// the message's time.
func (h *hub) post(m Message, b socketio.BroadcastOperator) int64 {
	l := h.room(m.Room)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.appendLocked(&m, h.maxEntries, h.maxImageBytes)
	_ = b.Emit("chat_message", m)
	return m.TS
}

// enter logs and sends the notice that nick joined room, then has join
// put the client in the room's Socket.IO room, and returns the history
// since the given time, all under the room's lock.
func (h *hub) enter(room, nick string, notice bool, join func(), since int64, history bool) []Message {
	l := h.room(room)
	l.mu.Lock()
	defer l.mu.Unlock()
	if notice {
		m := Message{ID: messageID(""), Room: room, Kind: "notice", Text: nick + " joined"}
		l.appendLocked(&m, h.maxEntries, h.maxImageBytes)
		_ = h.nsp.To(roomKey(room)).Emit("chat_message", m)
	}
	join()
	if !history {
		return nil
	}
	i, _ := slices.BinarySearchFunc(l.entries, since, func(m Message, ts int64) int {
		if m.TS <= ts {
			return -1
		}
		return 1
	})
	return slices.Clone(l.entries[i:])
}

// members lists a room's clients through FetchSockets (which, with a
// cluster adapter, would reach every server).
func (h *hub) members(room string) []Member {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	socks, err := h.nsp.In(roomKey(room)).FetchSockets(ctx)
	if err != nil {
		return nil
	}
	out := make([]Member, 0, len(socks))
	for _, s := range socks {
		nick, _ := s.Data["nick"].(string)
		user, _ := s.Data["user"].(string)
		out = append(out, Member{ID: s.ID, Nick: nick, User: user})
	}
	slices.SortFunc(out, func(a, b Member) int {
		return cmp.Or(cmp.Compare(a.Nick, b.Nick), cmp.Compare(a.ID, b.ID))
	})
	return out
}

// announce sends a room its member list, and returns it.
func (h *hub) announce(room string) []Member {
	if room == "" {
		return nil
	}
	// A room's announcements are serialized, each list fetched and sent
	// under the room's lock: otherwise a list fetched before a change could
	// be sent after one fetched after it, and stay on the pages.
	l := h.room(room)
	l.announce.Lock()
	defer l.announce.Unlock()
	ms := h.members(room)
	_ = h.nsp.To(roomKey(room)).Emit("members", Members{Room: room, Members: ms})
	return ms
}

// appendLocked stamps m with the time, later than the last entry's (the
// history is searched by time: a room's times are unique), and adds it;
// l.mu must be held.
func (l *roomLog) appendLocked(m *Message, maxEntries, maxImageBytes int) {
	m.TS = nowMillis()
	if n := len(l.entries); n > 0 && m.TS <= l.entries[n-1].TS {
		m.TS = l.entries[n-1].TS + 1
	}
	l.entries = append(l.entries, *m)
	l.imageBytes += len(m.Data)
	for len(l.entries) > maxEntries || (l.imageBytes > maxImageBytes && len(l.entries) > 1) {
		if len(l.entries) <= maxEntries {
			// Too many image bytes: drop the oldest image.
			i := slices.IndexFunc(l.entries, func(e Message) bool { return len(e.Data) > 0 })
			if i < 0 || i == len(l.entries)-1 {
				break
			}
			l.imageBytes -= len(l.entries[i].Data)
			l.entries = slices.Delete(l.entries, i, i+1)
			continue
		}
		l.imageBytes -= len(l.entries[0].Data)
		l.entries[0] = Message{}
		l.entries = l.entries[1:]
	}
}

// snapshotLocked returns a copy of the entries; l.mu must be held.
func (l *roomLog) snapshotLocked() []Message {
	return slices.Clone(l.entries)
}
