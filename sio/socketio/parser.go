package socketio

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"unicode/utf8"
)

// This file owns the decoder of the Socket.IO v5 text format (spec: "Packet
// encoding" → "Format") and the reassembly of binary packets from the
// Engine.IO messages that follow their text frame.

// defaultMaxAttachments is ParserOptions.MaxAttachments when left at zero.
const defaultMaxAttachments = 10

// maxAckIDDigits bounds the length of an ack id on the wire: the largest
// int64 has 19 decimal digits.
const maxAckIDDigits = 19

// ParserOptions configures a SocketIOParser. The zero value is usable.
type ParserOptions struct {
	// MaxAttachments is the largest attachment count a binary packet may
	// announce; a packet announcing more is rejected. 0 means 10; a
	// negative value allows no attachment at all.
	MaxAttachments int
	// MaxPayload bounds the total size in bytes of one packet: its text
	// frame plus all its attachments. 0 means unlimited.
	MaxPayload int64
}

// SocketIOParser decodes the Socket.IO packets of ONE connection. Its state
// is the binary packet whose attachments are still awaited. It is not safe
// for concurrent use. After an error the partial packet, if any, is dropped.
type SocketIOParser struct {
	maxPayload int64

	pending *SocketIOPacket // binary packet waiting for attachments
	size    int64           // bytes received so far for pending

	// int32s beside each other, so that the client, which holds a parser,
	// keeps a word for its own use.
	maxAttachments int32
	want           int32 // attachments announced by pending

	// ownsInput is set by the server's own clients, whose engine hands
	// each message over: packets then keep the message's bytes instead of
	// a copy. Add's callers otherwise keep their data.
	ownsInput bool
}

// NewSocketIOParser returns a parser configured by opts (nil means the
// defaults).
func NewSocketIOParser(opts *ParserOptions) *SocketIOParser {
	p := makeParser(opts)
	return &p
}

// makeParser returns a parser configured by opts as a value, for a holder
// that keeps it inline (the server's client) rather than behind a pointer.
func makeParser(opts *ParserOptions) SocketIOParser {
	p := SocketIOParser{maxAttachments: defaultMaxAttachments}
	if opts != nil {
		switch {
		case opts.MaxAttachments > 0:
			p.maxAttachments = int32(min(opts.MaxAttachments, math.MaxInt32))
		case opts.MaxAttachments < 0:
			p.maxAttachments = 0
		}
		if opts.MaxPayload > 0 {
			p.maxPayload = opts.MaxPayload
		}
	}
	return p
}

// Add feeds one Engine.IO message, text or binary. It returns the complete
// packet once all its attachments arrived, or (nil, nil) while attachments
// are still awaited. Add does not retain data: the packet holds copies.
// Every error wraps ErrInvalidPacket; the connection should then be closed.
func (p *SocketIOParser) Add(data []byte, binary bool) (*SocketIOPacket, error) {
	pkt, _, err := p.add(data, binary, false)
	return pkt, err
}

// add is Add, which also returns, when wantArgs is set, what decodeText
// split of a text EVENT's or ACK's payload (splitPayload): splitArgs checks
// the payload's JSON as it splits it, so the receiver need not do both
// again. It is empty for other packets.
func (p *SocketIOParser) add(data []byte, binary, wantArgs bool) (pkt *SocketIOPacket, split splitPayload, err error) {
	if binary {
		pkt, err = p.addAttachment(data)
		return pkt, splitPayload{}, err
	}
	if p.pending != nil {
		n := int(p.want) - len(p.pending.Attachments)
		p.Reset()
		return nil, splitPayload{}, fmt.Errorf("%w: text message while %d attachment(s) are awaited", errAttachmentMismatch, n)
	}
	if p.maxPayload > 0 && int64(len(data)) > p.maxPayload {
		return nil, splitPayload{}, fmt.Errorf("%w: %d bytes, limit %d", errPayloadTooLarge, len(data), p.maxPayload)
	}
	pkt, n, split, err := decodeText(data, int(p.maxAttachments), !p.ownsInput, wantArgs)
	if err != nil {
		return nil, splitPayload{}, err
	}
	if !pkt.Type.isBinary() {
		return pkt, split, nil
	}
	// Placeholders are checked against the announced count right away, so
	// that a bad packet fails before its attachments are buffered.
	if err := checkPlaceholders(pkt.Data, n); err != nil {
		return nil, splitPayload{}, err
	}
	if n == 0 {
		return pkt, splitPayload{}, nil
	}
	pkt.Attachments = make([][]byte, 0, min(n, 64))             // n <= maxAttachments
	p.pending, p.want, p.size = pkt, int32(n), int64(len(data)) // n <= maxAttachments
	return nil, splitPayload{}, nil
}

// Reset drops a partially received binary packet.
func (p *SocketIOParser) Reset() {
	p.pending, p.want, p.size = nil, 0, 0
}

// addAttachment stores one binary message for the pending packet.
func (p *SocketIOParser) addAttachment(data []byte) (*SocketIOPacket, error) {
	if p.pending == nil {
		return nil, fmt.Errorf("%w: %d bytes while no attachment is awaited", errUnexpectedBinary, len(data))
	}
	p.size += int64(len(data))
	if p.maxPayload > 0 && p.size > p.maxPayload {
		p.Reset()
		return nil, fmt.Errorf("%w: attachments exceed %d bytes", errPayloadTooLarge, p.maxPayload)
	}
	att := data
	if !p.ownsInput {
		att = bytes.Clone(data)
	}
	pkt := p.pending
	pkt.Attachments = append(pkt.Attachments, att)
	if len(pkt.Attachments) < int(p.want) {
		return nil, nil
	}
	p.Reset()
	return pkt, nil
}

// decodeText decodes the text frame of one packet and returns it with the
// attachment count announced by its header (0 for non-binary types). The
// packet's payload is a copy of data's when copyPayload is set, else a part
// of data. With wantArgs, a text EVENT's or ACK's payload is checked by
// splitting it (splitArgs), and its elements are returned too, with, for
// an EVENT, the Event to fill (splitPayload); empty for any other packet.
//
// The header is read the way the reference parser reads it: the namespace
// starts with '/' and runs up to the first ',' or the end of the frame (so
// "0/admin" is a CONNECT to "/admin"); the ack id is the run of digits that
// follows; everything after it is the JSON payload.
func decodeText(data []byte, maxAttachments int, copyPayload, wantArgs bool) (*SocketIOPacket, int, splitPayload, error) {
	if len(data) == 0 {
		return nil, 0, splitPayload{}, errEmptyPacket
	}
	c := data[0]
	if c < '0' || c >= '0'+packetTypeCount {
		return nil, 0, splitPayload{}, fmt.Errorf("%w: %q", errUnknownType, c)
	}
	var pkt *SocketIOPacket
	var te *textEvent
	if wantArgs && PacketType(c-'0') == PacketEvent {
		te = new(textEvent)
		pkt = &te.pkt
	} else {
		pkt = new(SocketIOPacket)
	}
	*pkt = SocketIOPacket{Type: PacketType(c - '0'), Namespace: mainNamespace, ID: NoAckID}
	i := 1

	// "<n>-": attachment count of BINARY_EVENT and BINARY_ACK.
	n := 0
	if pkt.Type.isBinary() {
		start := i
		for ; i < len(data) && isDigit(data[i]); i++ {
			d := int(data[i] - '0')
			if maxAttachments < d || n > (maxAttachments-d)/10 {
				return nil, 0, splitPayload{}, fmt.Errorf("%w: more than %d", errTooManyAttachments, maxAttachments)
			}
			n = n*10 + d
		}
		if i == start || i == len(data) || data[i] != '-' {
			return nil, 0, splitPayload{}, fmt.Errorf("%w: expected <digits>- after type %d", errBadAttachments, pkt.Type)
		}
		i++
	}

	// "<nsp>,": only present when it differs from "/".
	if i < len(data) && data[i] == '/' {
		start := i
		for i < len(data) && data[i] != ',' {
			i++
		}
		nsp := data[start:i]
		if err := checkNamespace(nsp); err != nil {
			return nil, 0, splitPayload{}, err
		}
		if string(nsp) != mainNamespace {
			pkt.Namespace = string(nsp)
		}
		if i < len(data) {
			i++ // the ','
		}
	}

	// "<id>": acknowledgement id.
	if i < len(data) && isDigit(data[i]) {
		start := i
		var id int64
		for ; i < len(data) && isDigit(data[i]); i++ {
			d := int64(data[i] - '0')
			if i-start >= maxAckIDDigits || id > (math.MaxInt64-d)/10 {
				return nil, 0, splitPayload{}, fmt.Errorf("%w: %.24q... does not fit in 63 bits", errBadAckID, data[start:])
			}
			id = id*10 + d
		}
		pkt.ID = id
	}

	// The rest is the JSON payload.
	var split splitPayload
	if i < len(data) {
		payload := data[i:]
		if copyPayload {
			payload = append(json.RawMessage(nil), payload...)
		}
		switch {
		case te != nil:
			split.args, _ = splitArgsInto(te.args[:0], payload) // nil on error: validJSON and checkPayloadShape name it
			split.ev = &te.ev
			if len(split.args) > 0 {
				split.name, split.named = plainEventName(split.args[0])
				if split.named && IsReservedEvent(split.name) {
					return nil, 0, splitPayload{}, fmt.Errorf("%w: %w %q", errInvalidPayload, ErrReservedEvent, split.name)
				}
			}
		case wantArgs && pkt.Type == PacketAck:
			split.args, _ = splitArgs(payload)
		}
		if split.args == nil && !validJSON(payload) {
			return nil, 0, splitPayload{}, fmt.Errorf("%w: payload of %s packet", errInvalidJSON, pkt.Type)
		}
		pkt.Data = payload
	}
	if err := checkPayloadShape(pkt.Type, pkt.Data, split.named); err != nil {
		return nil, 0, splitPayload{}, err
	}
	if split.args == nil {
		split.ev = nil
		split.named = false
	}
	return pkt, n, split, nil
}

// splitPayload is what the default decoder made of a text EVENT's or ACK's
// payload besides the packet: its top-level elements, checked as they were
// split, and, for an EVENT, the Event its socket fills in, allocated with
// the packet (textEvent). Both are nil for other packets.
type splitPayload struct {
	args  []json.RawMessage
	ev    *Event
	name  string // an EVENT's name, when named: plain ASCII, not reserved
	named bool
}

// plainEventName returns the name an EVENT's first element, a JSON string
// already checked, holds when it is plain ASCII (no escape): most names
// are, and they are read here once. false leaves the others to eventName.
func plainEventName(raw json.RawMessage) (string, bool) {
	if len(raw) < 2 || raw[0] != '"' {
		return "", false
	}
	body := raw[1 : len(raw)-1]
	for _, c := range body {
		if c == '\\' || c >= utf8.RuneSelf {
			return "", false
		}
	}
	return internEventName(body), true
}

// textEvent is a text EVENT as the receiving side keeps it, in one
// allocation: its packet, room for the usual few elements of its payload,
// and its Event.
type textEvent struct {
	pkt  SocketIOPacket
	args [4]json.RawMessage
	ev   Event
}

// checkPayloadShape enforces the payload rules of the spec ("Exchange
// protocol"), as the reference parser does:
//
//	CONNECT                   absent or an object
//	DISCONNECT                absent
//	EVENT, BINARY_EVENT       a non-empty array whose first element is a string (the event name)
//	ACK, BINARY_ACK           an array, possibly empty
//	CONNECT_ERROR             an object or a string
//
// data has already been checked with validJSON; named: an EVENT's name
// is known not to be reserved (plainEventName).
func checkPayloadShape(t PacketType, data json.RawMessage, named bool) error {
	i := skipJSONSpace(data, 0)
	var first byte // 0 when absent
	if i < len(data) {
		first = data[i]
	}
	ok := false
	switch t {
	case PacketConnect:
		ok = first == 0 || first == '{'
	case PacketDisconnect:
		ok = first == 0
	case PacketEvent, PacketBinaryEvent:
		if first == '[' {
			j := skipJSONSpace(data, i+1)
			ok = j < len(data) && data[j] == '"'
			if ok && !named {
				if name, reserved := reservedEventAt(data, j); reserved {
					return fmt.Errorf("%w: %w %q", errInvalidPayload, ErrReservedEvent, name)
				}
			}
		}
	case PacketAck, PacketBinaryAck:
		ok = first == '['
	case PacketConnectError:
		ok = first == '{' || first == '"'
	}
	if !ok {
		return fmt.Errorf("%w: %s payload must be %s", errInvalidPayload, t, payloadShapes[t])
	}
	return nil
}

// reservedEventAt reports whether the JSON string starting at data[j] (its
// opening quote; data is valid JSON) is a reserved event name, and returns
// the name. socket.io-parser refuses an EVENT so named (isPayloadValid), so
// that a client cannot reach the "connect" or "disconnect" listeners.
func reservedEventAt(data []byte, j int) (string, bool) {
	escaped := false
	end := -1
	for k := j + 1; k < len(data); k++ {
		if data[k] == '\\' {
			escaped = true
			k++
			continue
		}
		if data[k] == '"' {
			end = k
			break
		}
	}
	// The longest reserved name, "removeListener", has 14 bytes; written
	// with escapes it takes at most six bytes a character.
	if end < 0 || end-j-1 > 6*len("removeListener") {
		return "", false
	}
	if !escaped {
		// Compared without a string of its own: most names are not reserved.
		if !IsReservedEvent(string(data[j+1 : end])) {
			return "", false
		}
		return string(data[j+1 : end]), true
	}
	var name string
	if err := json.Unmarshal(data[j:end+1], &name); err != nil {
		return "", false
	}
	return name, IsReservedEvent(name)
}

var payloadShapes = [packetTypeCount]string{
	"absent or an object",
	"absent",
	"a non-empty array starting with the event name",
	"an array",
	"an object or a string",
	"a non-empty array starting with the event name",
	"an array",
}

// checkNamespace rejects namespaces that are not valid UTF-8 or contain
// control characters; nothing legitimate produces them.
func checkNamespace(nsp []byte) error {
	if !utf8.Valid(nsp) {
		return fmt.Errorf("%w: not valid UTF-8", errBadNamespace)
	}
	for _, r := range string(nsp) {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return fmt.Errorf("%w: control character %U", errBadNamespace, r)
		}
	}
	return nil
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
