package socketio

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestHandlerTable(t *testing.T) {
	var tab handlerTable
	called := ""
	handler := func(tag string) func(*Event) { return func(*Event) { called = tag } }
	names := []string{"m", "b", "z", "a", "b2", "ev10", "ev2"}
	for _, n := range names {
		tab.set(n, handler(n))
	}
	for i := range 20 {
		tab.set(fmt.Sprint("x", i), handler("x"))
	}
	for _, n := range names {
		tab.get(n)(nil)
		assert.Equal(t, n, called)
	}
	assert.Nil(t, tab.get("nope"))
	assert.Nil(t, tab.get(""))

	tab.set("b", handler("b again")) // replaces
	tab.get("b")(nil)
	assert.Equal(t, "b again", called)
	assert.Len(t, tab, len(names)+20)

	tab.del("b")
	tab.del("nope")
	assert.Nil(t, tab.get("b"))
	tab.get("b2")(nil)
	assert.Equal(t, "b2", called)
	assert.Len(t, tab, len(names)+19)
}

func TestHookListKeepsOrderPerKind(t *testing.T) {
	var got []string
	l := hookList{
		{hookDisconnect, func(r DisconnectReason) { got = append(got, "d1:"+string(r)) }},
		{hookAny, func(*Event) { got = append(got, "any1") }},
		{hookDisconnecting, func(DisconnectReason) { got = append(got, "ing") }},
		{hookDisconnect, func(DisconnectReason) { got = append(got, "d2") }},
		{hookAny, func(*Event) { got = append(got, "any2") }},
	}
	l.events(hookAny, nil)
	l.reasons(hookDisconnect, ReasonTransportClose)
	assert.Equal(t, []string{"any1", "any2", "d1:transport close", "d2"}, got)
	assert.True(t, l.has(hookDisconnecting))
	assert.False(t, l.has(hookAnyOutgoing))
	assert.True(t, l.middlewares(nil), "no middleware: the event goes on")
}
