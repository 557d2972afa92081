package admin

import (
	"sync"
	"time"
)

// aggregatedEvent is one count of the server_stats' aggregatedEvents: how
// many events of a type (and subtype) happened in one second, which the UI
// draws as its dashboard's histograms. Types are those of Node's
// instrument(): rawConnection, rawDisconnection (subtype: the reason),
// packetsIn, packetsOut, bytesIn, bytesOut.
type aggregatedEvent struct {
	// Timestamp is the second, in milliseconds since the epoch.
	Timestamp int64  `json:"timestamp"`
	Type      string `json:"type"`
	SubType   string `json:"subType,omitempty"`
	Count     int64  `json:"count"`
}

// eventKey identifies one count of an eventBuffer.
type eventKey struct {
	second  int64
	typ     string
	subType string
}

// eventBuffer counts events per second between two server_stats. Its
// methods are safe for concurrent use: the engine's hooks add from any
// goroutine, the stats loop takes.
type eventBuffer struct {
	mu     sync.Mutex // guards counts and order
	counts map[eventKey]int64
	order  []eventKey // keys in their first-seen order, as Node's Map keeps them
}

// add counts n events of a type in the current second.
func (b *eventBuffer) add(typ, subType string, n int64) {
	k := eventKey{second: time.Now().Unix(), typ: typ, subType: subType}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.counts == nil {
		b.counts = make(map[eventKey]int64)
	}
	if _, ok := b.counts[k]; !ok {
		b.order = append(b.order, k)
	}
	b.counts[k] += n
}

// take returns the counts and empties the buffer; never nil, as the UI
// iterates over it.
func (b *eventBuffer) take() []aggregatedEvent {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]aggregatedEvent, 0, len(b.order))
	for _, k := range b.order {
		out = append(out, aggregatedEvent{Timestamp: k.second * 1000, Type: k.typ, SubType: k.subType, Count: b.counts[k]})
	}
	clear(b.counts)
	b.order = b.order[:0]
	return out
}
