package consumer

import (
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"runtime/debug"

	"github.com/gosio/gosio/sio/socketio"
)

// This file runs a consumer for one client: it makes the instance, calls
// Connect and Disconnect, and decodes each event into its handler's
// parameters and the handler's results into the acknowledgement. Every
// function here runs on the socket's handler queue (socketio runs a
// socket's middlewares and handlers one at a time, in arrival order), so
// the instance needs no lock.

// ErrorReply is the acknowledgement sent, as its only argument, when a
// handler returns a non-nil error or an argument does not decode:
// {"error": "<message>"}, what Node.js servers commonly pass to the
// callback. A client reads it as
//
//	const res = await socket.emitWithAck("chat_message", msg);
//	if (res?.error) { ... }
type ErrorReply struct {
	// Error is the error's text.
	Error string `json:"error"`
}

// DecodeError reports an event argument, or a CONNECT auth payload, that
// does not decode into the type of its handler's parameter. Its text, with
// the Go decoding error, is logged; the client receives a shorter one that
// names no Go type (`invalid argument 0 of event "chat_message"`, `invalid
// auth payload`), in the ErrorReply of an event or as the message of the
// CONNECT_ERROR.
type DecodeError struct {
	// Event is the event's name; "" for the CONNECT auth payload.
	Event string
	// Index is the argument's position, from 0; -1 for the auth payload.
	Index int
	// Err is the decoding error.
	Err error
}

// Error describes the argument and the decoding error.
func (e *DecodeError) Error() string {
	if e.Index < 0 {
		return fmt.Sprintf("consumer: CONNECT auth payload: %v", e.Err)
	}
	return fmt.Sprintf("consumer: event %q: argument %d: %v", e.Event, e.Index, e.Err)
}

// Unwrap returns Err.
func (e *DecodeError) Unwrap() error { return e.Err }

// clientText is what the client is told: which argument, not why in Go's
// terms (type names, struct fields).
func (e *DecodeError) clientText() string {
	if e.Index < 0 {
		return "invalid auth payload"
	}
	return fmt.Sprintf("invalid argument %d of event %q", e.Index, e.Event)
}

// connectClient makes the client's consumer and runs Connect; on success
// it installs the event dispatch and Disconnect on the socket. It is the
// namespace middleware of the registration.
func (t *table) connectClient(s *socketio.NamespaceSocket, callConnect bool) (inst reflect.Value, c *conn, err error) {
	c = &conn{s: s, connecting: true}
	inst = reflect.New(t.typ.Elem())
	inst.Elem().Set(t.proto.Elem())
	inst.Elem().FieldByIndex(t.embed).Set(reflect.ValueOf(SocketIOConsumer{c: c}))

	if t.connect != nil && callConnect {
		err = t.callConnect(inst, s)
	}
	if err != nil {
		c.endConnect(false)
		// Rooms joined in Connect are left: the socket never connects, and
		// socketio does not clean them up for a rejected socket.
		s.LeaveAll()
		return inst, c, err
	}
	s.OnAny(func(ev *socketio.Event) { t.dispatch(inst, ev) })
	if t.disconnect != nil {
		s.OnDisconnect(func(reason socketio.DisconnectReason) { t.callDisconnect(inst, reason) })
	}
	return inst, c, nil
}

// errConnectPanicked is the CONNECT_ERROR message of a Connect that
// panicked.
const errConnectPanicked = "server error"

func (t *table) callConnect(inst reflect.Value, s *socketio.NamespaceSocket) (err error) {
	h := t.connect
	// A panic in a namespace middleware would leave the socket half
	// connected, with neither a CONNECT reply nor a CONNECT_ERROR: reject
	// the client instead, as net/http ends a request whose handler panics.
	defer func() {
		if r := recover(); r != nil {
			t.log.Error("consumer: Connect panicked", slog.String("consumer", t.typ.String()),
				slog.String("namespace", t.namespace), slog.String("socket", s.ID()),
				slog.Any("panic", r), slog.String("stack", string(debug.Stack())))
			err = &socketio.ConnectError{Message: errConnectPanicked}
		}
	}()
	in := []reflect.Value{inst}
	if len(h.params) == 1 {
		p := reflect.New(h.params[0])
		if raw := s.Handshake().RawAuth; len(raw) > 0 {
			if err := s.Handshake().DecodeAuth(p.Interface()); err != nil {
				d := &DecodeError{Index: -1, Err: err}
				t.log.Warn("consumer: CONNECT auth payload does not decode", slog.String("consumer", t.typ.String()),
					slog.String("namespace", t.namespace), slog.String("socket", s.ID()), slog.Any("error", d))
				return &socketio.ConnectError{Message: d.clientText()}
			}
		}
		in = append(in, p.Elem())
	}
	out := h.fn.Call(in)
	if h.hasErr && !out[0].IsNil() {
		return out[0].Interface().(error)
	}
	return nil
}

func (t *table) callDisconnect(inst reflect.Value, reason socketio.DisconnectReason) {
	h := t.disconnect
	in := []reflect.Value{inst}
	if len(h.params) == 1 {
		in = append(in, reflect.ValueOf(string(reason)).Convert(h.params[0]))
	}
	h.fn.Call(in)
}

// dispatch runs the handler of one event and answers its ack.
func (t *table) dispatch(inst reflect.Value, ev *socketio.Event) {
	h := t.events[ev.Name]
	var in []reflect.Value
	if h == nil {
		if t.catchAll == nil {
			t.log.Info("consumer: unknown event ignored", t.attrs(ev)...)
			return
		}
		h = t.catchAll
		in = []reflect.Value{inst, reflect.ValueOf(ev.Name).Convert(h.params[0]), reflect.ValueOf(ev.Args)}
	} else {
		var err error
		if in, err = h.decode(inst, ev); err != nil {
			t.fail(ev, err, "consumer: event argument does not decode")
			return
		}
	}
	var out []reflect.Value
	if h.variadic != nil {
		out = h.fn.CallSlice(in)
	} else {
		out = h.fn.Call(in)
	}
	t.reply(ev, h, out)
}

// decode turns an event's arguments into the handler's arguments, the
// receiver first: missing arguments leave zero values, extra ones are
// dropped unless the handler is variadic.
func (h *method) decode(inst reflect.Value, ev *socketio.Event) ([]reflect.Value, error) {
	n := len(h.params)
	in := make([]reflect.Value, 1, n+2)
	in[0] = inst
	for i, pt := range h.params {
		p := reflect.New(pt)
		if i < ev.Len() {
			if err := ev.DecodeAt(i, p.Interface()); err != nil {
				return nil, &DecodeError{Event: ev.Name, Index: i, Err: err}
			}
		}
		in = append(in, p.Elem())
	}
	if h.variadic != nil {
		extra := max(ev.Len()-n, 0)
		rest := reflect.MakeSlice(reflect.SliceOf(h.variadic), extra, extra)
		for i := range extra {
			if err := ev.DecodeAt(n+i, rest.Index(i).Addr().Interface()); err != nil {
				return nil, &DecodeError{Event: ev.Name, Index: n + i, Err: err}
			}
		}
		in = append(in, rest)
	}
	return in, nil
}

// reply answers the client's ack with the handler's results: the values,
// or an ErrorReply for a non-nil error. Without an ack, an error is
// logged.
func (t *table) reply(ev *socketio.Event, h *method, out []reflect.Value) {
	if h.hasErr {
		last := out[len(out)-1]
		out = out[:len(out)-1]
		if !last.IsNil() {
			t.fail(ev, last.Interface().(error), "consumer: handler returned an error")
			return
		}
	}
	if !ev.HasAck() {
		return
	}
	args := make([]any, len(out))
	for i, v := range out {
		args[i] = v.Interface()
	}
	// Ack fails either for a closed socket or for results that do not
	// encode, and then leaves the ack unused: the client is answered with
	// the error.
	if err := ev.Ack(args...); err != nil && !errors.Is(err, socketio.ErrSocketDisconnected) {
		t.fail(ev, fmt.Errorf("consumer: event %q: encoding the results: %w", ev.Name, err), "consumer: results do not encode")
	}
}

// fail answers the client's ack with an ErrorReply, or logs err when no
// ack was asked.
func (t *table) fail(ev *socketio.Event, err error, msg string) {
	text := err.Error()
	var d *DecodeError
	if errors.As(err, &d) {
		// The client gets no Go internals; the log has them.
		text = d.clientText()
		if ev.HasAck() {
			t.log.Warn(msg, append(t.attrs(ev), slog.Any("error", err))...)
		}
	}
	if !ev.HasAck() {
		t.log.Warn(msg, append(t.attrs(ev), slog.Any("error", err))...)
		return
	}
	if aErr := ev.Ack(ErrorReply{Error: text}); aErr != nil && !errors.Is(aErr, socketio.ErrSocketDisconnected) {
		t.log.Error("consumer: ack not sent", append(t.attrs(ev), slog.Any("error", aErr))...)
	}
}

func (t *table) attrs(ev *socketio.Event) []any {
	return []any{
		slog.String("consumer", t.typ.String()),
		slog.String("namespace", t.namespace),
		slog.String("socket", ev.Socket().ID()),
		slog.String("event", ev.Name),
	}
}
