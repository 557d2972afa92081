package main

import (
	"slices"
	"sync"
)

// Message is one entry of a room's conversation: a text message, an image
// (Data travels as a binary attachment) or a notice from the server
// (someone joined or left).
type Message struct {
	ID   string `json:"id"`
	Room string `json:"room"`
	Kind string `json:"kind"` // "text", "image" or "notice"
	From string `json:"from,omitempty"`
	Text string `json:"text,omitempty"`
	// Name and Type describe an image; Data holds its bytes.
	Name string `json:"name,omitempty"`
	Type string `json:"type,omitempty"`
	Data []byte `json:"data,omitempty"`
	// TS is when the server got it, in milliseconds since the Unix epoch.
	TS int64 `json:"ts"`
}

// history keeps the recent conversation of every room in memory, so that
// a client joining a room (or coming back after its recovery window) sees
// what was said. It is bounded: maxEntries per room, and at most
// maxImageBytes of images per room (the oldest images go first).
type history struct {
	maxEntries    int
	maxImageBytes int

	mu    sync.Mutex
	rooms map[string]*roomLog
}

type roomLog struct {
	mu         sync.Mutex // held while a message is logged and broadcast, or a socket joins
	entries    []Message
	imageBytes int
}

func newHistory(maxEntries, maxImageBytes int) *history {
	return &history{maxEntries: maxEntries, maxImageBytes: maxImageBytes, rooms: make(map[string]*roomLog)}
}

// room returns the log of a room, creating it.
func (h *history) room(name string) *roomLog {
	h.mu.Lock()
	defer h.mu.Unlock()
	l := h.rooms[name]
	if l == nil {
		l = &roomLog{}
		h.rooms[name] = l
	}
	return l
}

// appendLocked adds m; l.mu must be held.
func (l *roomLog) appendLocked(m Message, maxEntries, maxImageBytes int) {
	l.entries = append(l.entries, m)
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
