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
	run := func(event string) []string {
		called = nil
		for _, h := range tab.get(event) {
			h.fn(nil)
		}
		return called
	}
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
	assert.Nil(t, tab.get("nope"))
	assert.Nil(t, tab.get(""))

	snapshot := tab.get("b")
	tab.add("b", handlerFn{100, handler("b again")}) // adds
	tab.add("b", handlerFn{101, handler("b third")})
	assert.Equal(t, []string{"b", "b again", "b third"}, run("b"))
	assert.Len(t, snapshot, 1, "a snapshot is not changed by an add")
	assert.Len(t, tab, len(names)+20)

	snapshot = tab.get("b")
	tab.remove("b", 100)
	tab.remove("b", 100)
	tab.remove("nope", 1)
	assert.Equal(t, []string{"b", "b third"}, run("b"))
	assert.Len(t, snapshot, 3, "a snapshot is not changed by a removal")

	tab.del("b")
	tab.del("nope")
	assert.Nil(t, tab.get("b"))
	assert.Equal(t, []string{"b2"}, run("b2"))
	assert.Len(t, tab, len(names)+19)
	tab.remove("b2", 5) // its only handler: the event goes
	assert.Nil(t, tab.get("b2"))
	assert.Len(t, tab, len(names)+18)
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
