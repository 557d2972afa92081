package socketio

// This file owns the pieces of the in-memory adapter's rooms index, sized
// for what most sockets are: in their own room and a few others.

import (
	"iter"
	"slices"
)

// stringSetSmall is the size up to which a stringSet is a slice.
const stringSetSmall = 8

// stringSet is a set of strings that is a slice while it holds up to
// stringSetSmall of them and a map beyond: the rooms index holds many
// small sets (most rooms have a few members, most sockets a few rooms),
// and a one-element slice costs a sixteenth of a one-element map. The zero
// value is an empty set. It is not safe for concurrent use.
type stringSet struct {
	list []string
	m    map[string]struct{} // non-nil once the set outgrew list
}

// add inserts v and reports whether it was not there yet.
func (s *stringSet) add(v string) bool {
	if s.m != nil {
		if _, ok := s.m[v]; ok {
			return false
		}
		s.m[v] = struct{}{}
		return true
	}
	if slices.Contains(s.list, v) {
		return false
	}
	if len(s.list) < stringSetSmall {
		s.list = append(s.list, v)
		return true
	}
	s.m = make(map[string]struct{}, 2*stringSetSmall)
	for _, x := range s.list {
		s.m[x] = struct{}{}
	}
	s.m[v] = struct{}{}
	s.list = nil
	return true
}

// del removes v.
func (s *stringSet) del(v string) {
	if s.m != nil {
		delete(s.m, v)
		return
	}
	if i := slices.Index(s.list, v); i >= 0 {
		s.list = slices.Delete(s.list, i, i+1)
	}
}

// has reports whether v is in the set.
func (s *stringSet) has(v string) bool {
	if s.m != nil {
		_, ok := s.m[v]
		return ok
	}
	return slices.Contains(s.list, v)
}

// len returns the number of strings in the set.
func (s *stringSet) len() int {
	if s.m != nil {
		return len(s.m)
	}
	return len(s.list)
}

// all yields the strings of the set, in no particular order.
func (s *stringSet) all() iter.Seq[string] {
	return func(yield func(string) bool) {
		if s.m != nil {
			for v := range s.m {
				if !yield(v) {
					return
				}
			}
			return
		}
		for _, v := range s.list {
			if !yield(v) {
				return
			}
		}
	}
}

// socketRooms is the rooms index's entry of one socket. The entry of a
// socket in its own room and no other, the state of most sockets, is
// ownRoomOnly, shared by all of them: such a socket costs the index its
// map slot alone. An entry is changed in place only once writable made it
// the socket's own.
type socketRooms struct {
	own   bool      // in the room named by its id
	rooms stringSet // its other rooms
}

// ownRoomOnly is the shared entry of the sockets in their own room only.
// It is never changed.
var ownRoomOnly = &socketRooms{own: true}

// writable returns m, or a copy of it that may be changed when m is nil
// (an empty entry) or ownRoomOnly.
func (m *socketRooms) writable() *socketRooms {
	switch m {
	case nil:
		return &socketRooms{}
	case ownRoomOnly:
		return &socketRooms{own: true}
	}
	return m
}

// isOwn reports whether the entry puts the socket in its own room; a nil
// entry (a socket not indexed) does not.
func (m *socketRooms) isOwn() bool { return m != nil && m.own }
