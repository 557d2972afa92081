package consumer_test

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gosio/gosio/consumer"
	"github.com/gosio/gosio/sio/socketio"
)

// Consumer types with one mistake each.

type connectTwoParams struct{ consumer.SocketIOConsumer }

func (connectTwoParams) Connect(a, b string) error { return nil }

type connectChanParam struct{ consumer.SocketIOConsumer }

func (connectChanParam) Connect(auth chan int) {}

type connectBadResult struct{ consumer.SocketIOConsumer }

func (connectBadResult) Connect() bool { return true }

type connectVariadic struct{ consumer.SocketIOConsumer }

func (connectVariadic) Connect(auth ...string) {}

type disconnectIntParam struct{ consumer.SocketIOConsumer }

func (disconnectIntParam) Disconnect(code int) {}

type disconnectResult struct{ consumer.SocketIOConsumer }

func (disconnectResult) Disconnect() error { return nil }

type errorNotLast struct{ consumer.SocketIOConsumer }

func (errorNotLast) EventSave() (error, string) { return nil, "" } //nolint:staticcheck // the mistake under test

type nonErrorSecond struct{ consumer.SocketIOConsumer }

type saveError struct{}

func (*saveError) Error() string { return "save" }

func (nonErrorSecond) EventSave() (string, *saveError) { return "", nil }

type funcResult struct{ consumer.SocketIOConsumer }

func (funcResult) EventGet() func() { return nil }

type unexportedStructParam struct{ consumer.SocketIOConsumer }

type point struct{ x, y int }

func (unexportedStructParam) EventMove(p point) {}

type ifaceParam struct{ consumer.SocketIOConsumer }

func (ifaceParam) EventRead(r io.Reader) {}

type complexParam struct{ consumer.SocketIOConsumer }

func (complexParam) EventCalc(z ...complex128) {}

type argsParam struct{ consumer.SocketIOConsumer }

func (argsParam) EventAll(a socketio.Args) {}

type badOnEvent struct{ consumer.SocketIOConsumer }

func (badOnEvent) OnEvent(name string) {}

type reservedName struct{ consumer.SocketIOConsumer }

func (reservedName) EventDisconnect() {}

type bareEvent struct{ consumer.SocketIOConsumer }

func (bareEvent) Event() {}

type twoForOne struct{ consumer.SocketIOConsumer }

func (twoForOne) EventChatMessage()  {}
func (twoForOne) EventChat_Message() {} //nolint:revive // the collision under test

type eventsBadSignature struct{ consumer.SocketIOConsumer }

func (eventsBadSignature) Events() map[string]any { return nil }

type eventsMissing struct{ consumer.SocketIOConsumer }

func (eventsMissing) Events() map[string]string { return map[string]string{"a b": "Nope"} }

type eventsUnexported struct{ consumer.SocketIOConsumer }

func (eventsUnexported) say() string { return "" }

func (eventsUnexported) Events() map[string]string { return map[string]string{"say": "say"} }

type eventsSpecial struct{ consumer.SocketIOConsumer }

func (eventsSpecial) Events() map[string]string { return map[string]string{"hi": "Connect"} }

type eventsConsumerMethod struct{ consumer.SocketIOConsumer }

func (eventsConsumerMethod) Events() map[string]string { return map[string]string{"bye": "Close"} }

type eventsCollision struct{ consumer.SocketIOConsumer }

func (eventsCollision) EventPing()                {}
func (eventsCollision) Pong()                     {}
func (eventsCollision) Events() map[string]string { return map[string]string{"ping": "Pong"} }

type eventsReserved struct{ consumer.SocketIOConsumer }

func (eventsReserved) Hello()                    {}
func (eventsReserved) Events() map[string]string { return map[string]string{"connect": "Hello"} }

type eventsBadHandler struct{ consumer.SocketIOConsumer }

func (eventsBadHandler) Hello(c chan int)          {}
func (eventsBadHandler) Events() map[string]string { return map[string]string{"hello": "Hello"} }

type namespaceInt struct {
	consumer.SocketIOConsumer
	Namespace int
}

type namespaceBadMethod struct{ consumer.SocketIOConsumer }

func (namespaceBadMethod) Namespace() []byte { return nil }

type noEmbed struct{ Rooms []string }

type pointerEmbed struct{ *consumer.SocketIOConsumer }

type Base struct{ consumer.SocketIOConsumer }

type throughPointer struct{ *Base }

type base struct{ consumer.SocketIOConsumer }

// throughUnexported embeds SocketIOConsumer through an unexported embedded
// struct, which reflection (as encoding/json) can still set.
type throughUnexported struct{ base }

// TestRegistrationPanics registers each malformed consumer: the panic
// happens at registration and names the method and the mistake.
func TestRegistrationPanics(t *testing.T) {
	tests := []struct {
		name      string
		prototype any
		want      []string // substrings of the panic message
	}{
		{"Connect with two parameters", &connectTwoParams{}, []string{"method Connect func(string, string) error", "at most one parameter"}},
		{"Connect with a chan parameter", &connectChanParam{}, []string{"method Connect func(chan int)", "parameter auth: chan int cannot be decoded from JSON"}},
		{"Connect returning bool", &connectBadResult{}, []string{"method Connect func() bool", "the only result allowed is an error"}},
		{"Connect variadic", &connectVariadic{}, []string{"method Connect func(...string)", "at most one parameter"}},
		{"Disconnect with an int", &disconnectIntParam{}, []string{"method Disconnect func(int)", "want func() or func(reason string)"}},
		{"Disconnect returning an error", &disconnectResult{}, []string{"method Disconnect func() error"}},
		{"error not last", &errorNotLast{}, []string{"method EventSave func() (error, string)", "result 0 is an error, which must be the last result"}},
		{"non-error second result", &nonErrorSecond{}, []string{"method EventSave func() (string, *consumer_test.saveError)", "result 1 is *consumer_test.saveError, which implements error: declare it as error"}},
		{"func result", &funcResult{}, []string{"method EventGet func() func()", "result 0: func() cannot be encoded as JSON"}},
		{"struct with unexported fields", &unexportedStructParam{}, []string{"method EventMove func(consumer_test.point)", "parameter 0: struct consumer_test.point has no exported fields"}},
		{"interface with methods", &ifaceParam{}, []string{"method EventRead func(io.Reader)", "parameter 0: io.Reader is an interface with methods"}},
		{"variadic complex", &complexParam{}, []string{"method EventCalc func(...complex128)", "complex128 cannot be decoded from JSON"}},
		{"socketio.Args in an event", &argsParam{}, []string{"method EventAll", "socketio.Args is the parameter of the catch-all"}},
		{"OnEvent without args", &badOnEvent{}, []string{"method OnEvent func(string)", "want func(name string, args socketio.Args)"}},
		{"reserved event", &reservedName{}, []string{"method EventDisconnect", `event "disconnect" is reserved; define Disconnect instead`}},
		{"bare Event", &bareEvent{}, []string{"method Event", `needs a name after "Event"`}},
		{"two methods, one event", &twoForOne{}, []string{"methods EventChatMessage and EventChat_Message both handle event \"chat_message\""}},
		{"Events with a bad signature", &eventsBadSignature{}, []string{"method Events must be func() map[string]string"}},
		{"Events naming a missing method", &eventsMissing{}, []string{`"a b" maps to Nope, which is not a method of *consumer_test.eventsMissing`}},
		{"Events naming an unexported method", &eventsUnexported{}, []string{`"say" maps to say, which is unexported: export it`}},
		{"Events naming Connect", &eventsSpecial{}, []string{`"hi" maps to Connect, which is not an event handler`}},
		{"Events naming a SocketIOConsumer method", &eventsConsumerMethod{}, []string{`"bye" maps to Close, a method of consumer.SocketIOConsumer`}},
		{"Events colliding with a method", &eventsCollision{}, []string{`methods EventPing and Pong both handle event "ping"`}},
		{"Events with a reserved name", &eventsReserved{}, []string{`method Events: event "connect" is reserved`}},
		{"Events naming a bad handler", &eventsBadHandler{}, []string{"method Hello func(chan int)", "parameter 0: chan int cannot be decoded"}},
		{"Namespace field not a string", &namespaceInt{}, []string{"field Namespace must be a string, not int"}},
		{"Namespace method not a string", &namespaceBadMethod{}, []string{"method Namespace must be func() string"}},
		{"not a pointer", Chat{}, []string{"the prototype must be a pointer to a struct"}},
		{"nil pointer", (*Chat)(nil), []string{"nil prototype"}},
		{"no SocketIOConsumer", &noEmbed{}, []string{"does not embed consumer.SocketIOConsumer"}},
		{"pointer SocketIOConsumer", &pointerEmbed{}, []string{"embed consumer.SocketIOConsumer by value"}},
		{"through a pointer", &throughPointer{}, []string{"through a pointer"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := socketio.NewServer(nil)
			msg := panicMessage(func() { consumer.AsASGI(tt.prototype, consumer.WithServer(srv)) })
			require.NotEmpty(t, msg, "no panic")
			assert.True(t, strings.HasPrefix(msg, "consumer: "), "message %q", msg)
			for _, w := range tt.want {
				assert.Contains(t, msg, w)
			}
		})
	}
}

func panicMessage(f func()) (msg string) {
	defer func() {
		if r := recover(); r != nil {
			msg = fmt.Sprint(r)
		}
	}()
	f()
	return ""
}

// Typed is a consumer whose handlers use every accepted shape.
type Typed struct {
	consumer.SocketIOConsumer
}

type Stamp struct{ T time.Time }

func (Typed) Connect(auth *json.RawMessage) error                     { return nil }
func (Typed) Disconnect(reason socketio.DisconnectReason)             {}
func (Typed) EventA(b []byte, m map[int]string, s Stamp, t time.Time) {}
func (Typed) EventB(a any, ptr **Message, xs ...[]any) (any, map[string]any, error) {
	return nil, nil, nil
}
func (*Typed) EventC() (json.RawMessage, []byte, error)      { return nil, nil, nil }
func (*Typed) OnEvent(name string, args socketio.Args) error { return nil }
func (*Typed) Helper(c chan int) func()                      { return nil } // not a handler: ignored
func (*Typed) Eventually()                                   {}             // not a handler: lower case after "Event"

// TestRegistrationAccepts registers a consumer with every accepted
// handler shape.
func TestRegistrationAccepts(t *testing.T) {
	srv := socketio.NewServer(nil)
	assert.NotPanics(t, func() { consumer.AsASGI(&Typed{}, consumer.WithServer(srv)) })
	assert.NotPanics(t, func() { consumer.AsASGI(&throughUnexported{}, consumer.WithServer(socketio.NewServer(nil))) })
}

// TestRegisterTwice registers a namespace's consumer again: the same or
// an equal prototype is accepted (one set of consumers mounted at two
// paths), another type, or the same type with other dependencies, panics
// rather than silently replacing the first.
func TestRegisterTwice(t *testing.T) {
	first, second := newStore(), newStore()
	s := newTestServer(t, newChat(first))
	a := s.dial()
	a.mustConnect("/chat", "")

	assert.Empty(t, panicMessage(func() { consumer.AsASGI(newChat(first), consumer.WithServer(s.srv)) }), "an equal prototype")
	msg := panicMessage(func() { consumer.AsASGI(newChat(second), consumer.WithServer(s.srv)) })
	assert.Contains(t, msg, "consumer: *consumer_test.Chat: namespace /chat already has a consumer of this type with other field values")

	b := s.dial()
	b.mustConnect("/chat", "")
	a.emit("/chat", 1, `["chat_message",{"text":"one"}]`)
	a.expectAck("/chat", 1)
	b.emit("/chat", 1, `["chat_message",{"text":"two"}]`)
	b.expectAck("/chat", 1)
	assert.Equal(t, []string{": one", ": two"}, first.all(), "both clients got the first prototype's store")
	assert.Empty(t, second.all())

	msg = panicMessage(func() { consumer.AsASGI(&Admin{Store: first}, consumer.WithServer(s.srv)) })
	assert.Empty(t, msg, "Admin is on /admin")
	type Other struct {
		consumer.SocketIOConsumer
		Namespace string
	}
	msg = panicMessage(func() { consumer.AsASGI(&Other{Namespace: "/chat"}, consumer.WithServer(s.srv)) })
	assert.Contains(t, msg, "namespace /chat already has consumer *consumer_test.Chat")
}
