package socketio

import "sync/atomic"

// eventNames remembers the names of recently received events, so that an
// incoming event whose name was seen before costs no string of its own: a
// server receives few distinct names, each many times. A slot holds the
// last name hashed to it; two names on one slot take turns, and a client
// that sends random names only replaces entries (each at most
// maxInternedName bytes), so the table stays bounded.
//
// Concurrency: the slots are atomic; a name, once stored, never changes.
var eventNames [256]atomic.Pointer[string]

// maxInternedName is the longest name kept in eventNames.
const maxInternedName = 64

// internEventName returns name as a string, the one kept in eventNames
// when it is there.
func internEventName(name []byte) string {
	if len(name) > maxInternedName {
		return string(name)
	}
	// FNV-1a: cheap for the short names events have.
	h := uint32(2166136261)
	for _, c := range name {
		h = (h ^ uint32(c)) * 16777619
	}
	slot := &eventNames[h%uint32(len(eventNames))]
	if p := slot.Load(); p != nil && *p == string(name) {
		return *p
	}
	s := string(name)
	slot.Store(&s)
	return s
}
