package socketio

import (
	"fmt"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestInMemoryAdapterIndex checks the rooms index through the Adapter
// methods, own rooms (kept as a flag, not a set) and rooms grown past the
// small-set size included.
func TestInMemoryAdapterIndex(t *testing.T) {
	a := NewInMemoryAdapter(nil)
	sorted := func(ids []SocketID) []SocketID { slices.Sort(ids); return ids }
	sockets := func(rooms ...Room) []SocketID { return sorted(a.Sockets(rooms)) }

	a.AddAll("A", []Room{"A", "r"})
	a.AddAll("B", []Room{"B", "r", "A"}) // B joins the room named by A's id
	a.AddAll("C", nil)                   // indexed, in no room

	assert.Equal(t, []Room{"A", "r"}, a.SocketRooms("A"))
	assert.Equal(t, []Room{"A", "B", "r"}, a.SocketRooms("B"))
	assert.Empty(t, a.SocketRooms("C"))
	assert.Equal(t, []Room{"A", "B", "r"}, a.Rooms(), "A listed once")
	assert.Equal(t, []SocketID{"A", "B", "C"}, sockets())
	assert.Equal(t, []SocketID{"A", "B"}, sockets("A"))
	assert.Equal(t, []SocketID{"B"}, sockets("B"))
	assert.Equal(t, []SocketID{"A", "B"}, sockets("A", "r"), "no duplicate")
	assert.Empty(t, sockets("nope"))

	var got []SocketID
	a.(*memoryAdapter).forEach(&BroadcastOptions{Except: []Room{"B"}}, func(id SocketID) { got = append(got, id) })
	assert.Equal(t, []SocketID{"A", "C"}, sorted(got), "except an own room")
	got = nil
	a.(*memoryAdapter).forEach(&BroadcastOptions{Rooms: []Room{"r"}, Except: []Room{"A"}}, func(id SocketID) { got = append(got, id) })
	assert.Empty(t, got, "except the room named by A's id: A and B")

	a.Del("A", "A") // A leaves its own room; B is still in it
	assert.Equal(t, []Room{"r"}, a.SocketRooms("A"))
	assert.Equal(t, []SocketID{"B"}, sockets("A"))
	assert.Equal(t, []Room{"A", "B", "r"}, a.Rooms())
	a.Del("B", "A")
	assert.Equal(t, []Room{"B", "r"}, a.Rooms(), "a room goes with its last member")
	assert.Equal(t, []SocketID{"A", "B", "C"}, sockets(), "a socket in no room still counts")

	a.DelAll("B")
	assert.Equal(t, []Room{"r"}, a.Rooms())
	assert.Equal(t, []SocketID{"A", "C"}, sockets())
	a.Del("Z", "r") // unknown socket: nothing happens
	a.DelAll("Z")
	assert.Equal(t, []SocketID{"A"}, sockets("r"))

	// Many rooms per socket and many members per room: the sets become maps.
	const n = 3 * stringSetSmall
	var rooms []Room
	for i := range n {
		rooms = append(rooms, fmt.Sprintf("room%02d", i))
		a.AddAll(fmt.Sprintf("s%02d", i), []Room{fmt.Sprintf("s%02d", i), "big"})
	}
	a.AddAll("A", rooms)
	a.AddAll("A", rooms) // twice: no change
	assert.Len(t, a.SocketRooms("A"), n+1)
	assert.Len(t, sockets("big"), n)
	assert.Equal(t, []SocketID{"A"}, sockets("room07"))
	a.Del("A", "room07")
	assert.Empty(t, sockets("room07"))
	a.Del("s03", "big")
	assert.Len(t, sockets("big"), n-1)
	assert.NotContains(t, sockets("big"), "s03")
	a.DelAll("A")
	assert.Equal(t, []Room{"big"}, slices.DeleteFunc(a.Rooms(), func(r Room) bool { return r[0] == 's' }))
	for i := range n {
		a.DelAll(fmt.Sprintf("s%02d", i))
	}
	a.DelAll("C")
	assert.Empty(t, a.Rooms())
	assert.Empty(t, sockets())

	// Leaving and joining the own room again, with other rooms or none.
	a.AddAll("D", []Room{"D"})
	a.Del("D", "D")
	assert.Equal(t, []SocketID{"D"}, sockets())
	assert.Empty(t, a.Rooms())
	a.AddAll("D", []Room{"x", "D"})
	a.Del("D", "x")
	assert.Equal(t, []Room{"D"}, a.SocketRooms("D"))
	a.Del("D", "D")
	a.AddAll("D", []Room{"D"})
	assert.Equal(t, []Room{"D"}, a.Rooms())
	a.DelAll("D")
	assert.Empty(t, a.SocketRooms("D"))
	assert.Equal(t, socketRooms{own: true}, *ownRoomOnly, "the shared entry is never changed")
}

func TestStringSet(t *testing.T) {
	var s stringSet
	for i := range 2 * stringSetSmall {
		assert.True(t, s.add(fmt.Sprint(i)))
		assert.False(t, s.add(fmt.Sprint(i)))
		assert.Equal(t, i+1, s.len())
	}
	assert.NotNil(t, s.m, "grown into a map")
	s.del("3")
	assert.False(t, s.has("3"))
	assert.True(t, s.has("4"))
	var all []string
	for v := range s.all() {
		all = append(all, v)
	}
	assert.Len(t, all, 2*stringSetSmall-1)

	var small stringSet
	small.add("a")
	small.add("b")
	small.del("a")
	small.del("zz")
	assert.Equal(t, []string{"b"}, small.list)
}
