package socketio

import (
	"encoding/json"
	"fmt"
	"sync/atomic"
)

// Args are the arguments of an event or of an acknowledgement, kept as
// JSON with their binary attachments until decoded into Go types.
type Args struct {
	raw         []json.RawMessage
	attachments [][]byte
}

func newArgs(raw []json.RawMessage, attachments [][]byte) Args {
	return Args{raw: raw, attachments: attachments}
}

// Len returns the number of arguments.
func (a Args) Len() int { return len(a.raw) }

// Decode decodes the arguments, in order, into the targets (pointers).
// Fewer targets than arguments ignores the rest; more targets than
// arguments leaves the extra ones untouched. []byte targets and fields
// receive binary attachments; *any targets receive generic values with
// []byte for attachments.
func (a Args) Decode(targets ...any) error {
	for i, t := range targets {
		if i >= len(a.raw) {
			break
		}
		if err := decodeArg(a.raw[i], a.attachments, t); err != nil {
			return fmt.Errorf("socketio: argument %d: %w", i, err)
		}
	}
	return nil
}

// DecodeAt decodes argument i into target.
func (a Args) DecodeAt(i int, target any) error {
	if i < 0 || i >= len(a.raw) {
		return fmt.Errorf("socketio: no argument %d (have %d)", i, len(a.raw))
	}
	return decodeArg(a.raw[i], a.attachments, target)
}

// Any returns argument i as a generic value (nil when absent).
func (a Args) Any(i int) any {
	if i < 0 || i >= len(a.raw) {
		return nil
	}
	v, err := decodeAny(a.raw[i], a.attachments)
	if err != nil {
		return nil
	}
	return v
}

// Raw returns argument i as JSON, binary placeholders included.
func (a Args) Raw(i int) json.RawMessage {
	if i < 0 || i >= len(a.raw) {
		return nil
	}
	return a.raw[i]
}

// RawArgs returns the arguments in a form that Emit sends back unchanged:
// json.RawMessage values, and []byte for arguments that are attachments.
// Attachments nested deeper than the top level are returned decoded. The
// values share the event's memory and must not be modified.
func (a Args) RawArgs() []any {
	out := make([]any, len(a.raw))
	for i, r := range a.raw {
		if len(a.attachments) == 0 {
			out[i] = r
			continue
		}
		v, err := decodeAny(r, a.attachments)
		if err != nil {
			out[i] = r
			continue
		}
		out[i] = v
	}
	return out
}

// Event is one event received from a client: its name, its arguments and,
// when the client asked for one, the means to acknowledge it.
type Event struct {
	Args
	// Name is the event name.
	Name string

	socket *NamespaceSocket
	ackID  int64
	acked  atomic.Bool
	// rawArgState is rawArgUnset, rawArgWriting (by the first RawArgs)
	// or rawArgReady (rawArg is set, and never written again).
	rawArgState atomic.Uint32
	checked     bool // the decoder checked raw's JSON and UTF-8 (see onPacket)

	// rawArg backs what RawArgs returns for an event of one argument and
	// no attachment (the usual message), which then costs no slice of its
	// own; it fits in textEvent's size class.
	rawArg [1]any
}

// The states of Event.rawArg.
const (
	rawArgUnset uint32 = iota
	rawArgWriting
	rawArgReady
)

// RawArgs is Args.RawArgs. The slice returned for an event of one
// argument is the event's own: like the values, it must not be modified.
func (e *Event) RawArgs() []any {
	if len(e.raw) != 1 || len(e.attachments) != 0 {
		return e.Args.RawArgs()
	}
	switch {
	case e.rawArgState.Load() == rawArgReady:
	case e.rawArgState.CompareAndSwap(rawArgUnset, rawArgWriting):
		e.rawArg[0] = e.raw[0]
		e.rawArgState.Store(rawArgReady)
	default: // another goroutine is writing it
		return e.Args.RawArgs()
	}
	return e.rawArg[:]
}

// Socket returns the socket the event came from.
func (e *Event) Socket() *NamespaceSocket { return e.socket }

// HasAck reports whether the client asked for an acknowledgement.
func (e *Event) HasAck() bool { return e.ackID != NoAckID }

// Ack sends the acknowledgement with the given arguments. Only the first
// call that encodes sends; later ones, and calls when no ack was asked,
// return nil and do nothing. Arguments that do not encode return the error
// and leave the ack unused, so that a corrected call can still answer.
func (e *Event) Ack(args ...any) error {
	if e.ackID == NoAckID || e.acked.Load() {
		return nil
	}
	var checked []json.RawMessage
	if e.checked {
		checked = e.raw
	}
	return e.socket.answer(e.ackID, &e.acked, args, checked)
}
