package socketio

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestHandlerTable(t *testing.T) {
	var tab handlerTable
	var called []string
	handler := func(tag string) func(*Event) { return func(*Event) { called = append(called, tag) } }
	runOf := func(h namedHandler, ok bool) []string {
		called = nil
		if ok {
			h.run(nil)
		}
		return called
	}
	run := func(event string) []string { return runOf(tab.get(event)) }
	has := func(event string) bool { _, ok := tab.get(event); return ok }
	names := []string{"m", "b", "z", "a", "b2", "ev10", "ev2"}
	id := uint32(0)
	for _, n := range names {
		id++
		tab.add(n, handlerFn{id, handler(n)})
	}
	for i := range 20 {
		id++
		tab.add(fmt.Sprint("x", i), handlerFn{id, handler("x")})
	}
	for _, n := range names {
		assert.Equal(t, []string{n}, run(n))
	}
	assert.False(t, has("nope"))
	assert.False(t, has(""))

	snap, ok := tab.get("b")
	tab.add("b", handlerFn{100, handler("b again")}) // adds
	tab.add("b", handlerFn{101, handler("b third")})
	assert.Equal(t, []string{"b", "b again", "b third"}, run("b"))
	assert.Equal(t, []string{"b"}, runOf(snap, ok), "a snapshot is not changed by an add")
	assert.Len(t, tab, len(names)+20)

	snap, ok = tab.get("b")
	tab.remove("b", 100)
	tab.remove("b", 100)
	tab.remove("nope", 1)
	assert.Equal(t, []string{"b", "b third"}, run("b"))
	assert.Equal(t, []string{"b", "b again", "b third"}, runOf(snap, ok), "a snapshot is not changed by a removal")

	// Removing the first handler puts the next one first.
	snap, ok = tab.get("b")
	tab.remove("b", 2)
	assert.Equal(t, []string{"b third"}, run("b"))
	assert.Equal(t, []string{"b", "b third"}, runOf(snap, ok), "a snapshot is not changed by a removal")
	tab.add("b", handlerFn{102, handler("b fourth")})
	assert.Equal(t, []string{"b third", "b fourth"}, run("b"))

	tab.del("b")
	tab.del("nope")
	assert.False(t, has("b"))
	assert.Equal(t, []string{"b2"}, run("b2"))
	assert.Len(t, tab, len(names)+19)
	tab.remove("b2", 5) // its only handler: the event goes
	assert.False(t, has("b2"))
	assert.Len(t, tab, len(names)+18)
}

// A socket's handlers are registered on every connection: with the
// remover dropped, On allocates nothing but the table, once for its first
// few events.
func TestOnAllocatesOnlyTheTable(t *testing.T) {
	fn := func(*Event) {}
	allocs := testing.AllocsPerRun(100, func() {
		s := &NamespaceSocket{}
		s.On("a", fn)
		s.On("b", fn)
		s.On("c", fn)
		s.On("d", fn)
		if len(s.handlers) != 4 {
			t.Fatal(len(s.handlers))
		}
	})
	assert.Equal(t, 2.0, allocs, "the socket and its table")
	s := &NamespaceSocket{}
	off := s.On("a", fn)
	s.On("a", fn)
	off()
	off()
	h, ok := s.handlers.get("a")
	assert.True(t, ok)
	assert.Equal(t, uint32(2), h.first.id)
	assert.Empty(t, h.more)
	s.On("nil", nil)() // a nil handler is not added; its remover does nothing
	assert.False(t, func() bool { _, ok := s.handlers.get("nil"); return ok }())
}

func TestHookListKeepsOrderPerKind(t *testing.T) {
	var got []string
	l := hookList{
		{hookDisconnect, 1, func(r DisconnectReason) { got = append(got, "d1:"+string(r)) }},
		{hookAny, 2, func(*Event) { got = append(got, "any1") }},
		{hookDisconnecting, 3, func(DisconnectReason) { got = append(got, "ing") }},
		{hookDisconnect, 4, func(DisconnectReason) { got = append(got, "d2") }},
		{hookAny, 5, func(*Event) { got = append(got, "any2") }},
	}
	l.events(hookAny, nil)
	l.reasons(hookDisconnect, ReasonTransportClose)
	assert.Equal(t, []string{"any1", "any2", "d1:transport close", "d2"}, got)
	assert.True(t, l.has(hookDisconnecting))
	assert.False(t, l.has(hookAnyOutgoing))
	assert.True(t, l.middlewares(nil), "no middleware: the event goes on")
}
