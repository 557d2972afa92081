package socketio

import (
	"encoding/json"
	"errors"
	"strconv"
)

// This file owns the packet model of the Socket.IO v5 protocol and its text
// encoding (spec: "Packet encoding" → "Format"):
//
//	<packet type>[<# of binary attachments>-][<namespace>,][<acknowledgment id>][JSON-stringified payload without binary]
//
// followed, for BINARY_EVENT and BINARY_ACK, by the attachments sent as
// separate binary Engine.IO messages.

// PacketType is the Socket.IO packet type (0..6), see the spec section
// "Exchange protocol".
type PacketType byte

// Packet types of the Socket.IO v5 protocol (spec: "Exchange protocol").
const (
	// PacketConnect requests (client) or grants (server) access to a namespace.
	PacketConnect PacketType = 0
	// PacketDisconnect leaves a namespace.
	PacketDisconnect PacketType = 1
	// PacketEvent carries an event: a non-empty array whose first element is the name.
	PacketEvent PacketType = 2
	// PacketAck answers an event that carried an ack id.
	PacketAck PacketType = 3
	// PacketConnectError refuses access to a namespace.
	PacketConnectError PacketType = 4
	// PacketBinaryEvent is an event followed by binary attachments.
	PacketBinaryEvent PacketType = 5
	// PacketBinaryAck is an ack followed by binary attachments.
	PacketBinaryAck PacketType = 6
)

// packetTypeCount is the number of defined packet types; valid types are
// 0..packetTypeCount-1.
const packetTypeCount = 7

var packetTypeNames = [packetTypeCount]string{
	"CONNECT",
	"DISCONNECT",
	"EVENT",
	"ACK",
	"CONNECT_ERROR",
	"BINARY_EVENT",
	"BINARY_ACK",
}

// String returns the protocol name of the type ("CONNECT", "EVENT", ...), or
// "PacketType(n)" for an undefined value.
func (t PacketType) String() string {
	if t < packetTypeCount {
		return packetTypeNames[t]
	}
	return "PacketType(" + strconv.Itoa(int(t)) + ")"
}

// valid reports whether t is one of the seven packet types of the protocol.
func (t PacketType) valid() bool { return t < packetTypeCount }

// isBinary reports whether t is BINARY_EVENT or BINARY_ACK, the types whose
// header announces a number of attachments.
func (t PacketType) isBinary() bool { return t == PacketBinaryEvent || t == PacketBinaryAck }

// NoAckID is the SocketIOPacket.ID of a packet that carries no
// acknowledgement id.
const NoAckID int64 = -1

// mainNamespace is the namespace left out of the encoding (spec: "the
// namespace is only included if it is different from the main namespace").
const mainNamespace = "/"

// SocketIOPacket is one decoded or to-be-encoded Socket.IO packet.
type SocketIOPacket struct {
	// Type is the packet type.
	Type PacketType
	// Namespace is the namespace; "/" when absent on the wire. The encoder
	// treats "" like "/" and prefixes a missing leading '/'. A namespace
	// containing ',' cannot be represented on the wire.
	Namespace string
	// ID is the acknowledgement id; any negative value (NoAckID) means none.
	ID int64
	// Data is the JSON payload as on the wire, placeholders included; nil
	// when absent.
	Data json.RawMessage
	// Attachments are the binary attachments; the index is the placeholder
	// num that refers to it.
	Attachments [][]byte
}

// Errors returned by the parser and the argument decoders. Every decoding
// error wraps ErrInvalidPacket, the one exported, and one of the more
// specific sentinels below (kept unexported: their text says what was
// wrong), so both errors.Is(err, ErrInvalidPacket) and, inside the
// package, errors.Is(err, errBadAckID) hold.
var (
	// ErrInvalidPacket is the root of all decoding errors: the peer sent
	// something that is not a valid Socket.IO packet, and the connection
	// should be closed (spec: "the receiver MUST close the connection").
	ErrInvalidPacket = errors.New("socketio: invalid packet")
	// errEmptyPacket reports a text message with no byte at all.
	errEmptyPacket = newPacketError("empty packet")
	// errUnknownType reports a first byte that is not '0'..'6'.
	errUnknownType = newPacketError("unknown type")
	// errBadAttachments reports a binary packet header whose attachment
	// count is missing, not a decimal number or not followed by '-'.
	errBadAttachments = newPacketError("bad attachment count")
	// errTooManyAttachments reports a binary packet announcing more
	// attachments than ParserOptions.MaxAttachments.
	errTooManyAttachments = newPacketError("too many attachments")
	// errBadNamespace reports a namespace that is not valid UTF-8 or holds
	// control characters.
	errBadNamespace = newPacketError("bad namespace")
	// errBadAckID reports an ack id that does not fit in an int64.
	errBadAckID = newPacketError("bad ack id")
	// errInvalidJSON reports a payload that is not well-formed JSON.
	errInvalidJSON = newPacketError("invalid JSON")
	// errInvalidPayload reports a payload whose shape is wrong for the
	// packet type, or a missing mandatory payload.
	errInvalidPayload = newPacketError("invalid payload")
	// errUnexpectedBinary reports a binary message while no attachment is
	// awaited.
	errUnexpectedBinary = newPacketError("unexpected binary message")
	// errBadPlaceholder reports a placeholder whose num is missing, not an
	// integer, or does not index an attachment.
	errBadPlaceholder = newPacketError("bad placeholder")
	// errAttachmentMismatch reports that the attachments received do not
	// match the header: a text message arrived while attachments were still
	// awaited.
	errAttachmentMismatch = newPacketError("attachment count mismatch")
	// errPayloadTooLarge reports a packet whose text and attachments exceed
	// ParserOptions.MaxPayload.
	errPayloadTooLarge = newPacketError("payload too large")
)

// newPacketError builds a sentinel wrapping ErrInvalidPacket, whose message reads
// "socketio: invalid packet: <what>".
func newPacketError(what string) error {
	return &packetError{root: ErrInvalidPacket, msg: ErrInvalidPacket.Error() + ": " + what}
}

type packetError struct {
	root error
	msg  string
}

func (e *packetError) Error() string { return e.msg }
func (e *packetError) Unwrap() error { return e.root }

// encodePacketText encodes args (after the event name, when event is not
// nil) as the payload of a packet of type t (PacketEvent or PacketAck) for
// namespace nsp and ack id id, checked as appendArgArray says. With
// wantText (the server's format is the default one) the header is written
// first, in the same buffer, and text is the whole packet as it goes on
// the wire when it has no attachment; else text is nil. The packet's Data
// is the end of that buffer, which is dst's memory when it is large
// enough. The packet is returned as a value, so that a caller that sends
// text allocates none.
func encodePacketText(dst []byte, t PacketType, nsp string, id int64, event *string, args []any, checked []json.RawMessage, wantText bool) (SocketIOPacket, []byte, error) {
	var room [32]byte
	var hdr []byte
	if wantText {
		hdr = appendTextPacket(room[:0], &SocketIOPacket{Type: t, Namespace: nsp, ID: id})
	}
	buf, atts, err := appendArgArrayTo(dst, hdr, event, args, checked)
	if err != nil {
		return SocketIOPacket{}, nil, err
	}
	p := SocketIOPacket{Type: t, Namespace: nsp, ID: id, Data: buf[len(hdr):], Attachments: atts}
	switch {
	case len(atts) > 0 && t == PacketAck:
		p.Type = PacketBinaryAck
	case len(atts) > 0:
		p.Type = PacketBinaryEvent
	case wantText:
		return p, buf, nil
	}
	return p, nil, nil
}

// encodeTextPacket returns the text frame of p, without any Engine.IO prefix.
// The attachments are to be sent after it, in order, as binary messages.
// An EVENT or ACK with attachments is written as BINARY_EVENT or BINARY_ACK
// with the "<n>-" count.
func encodeTextPacket(p *SocketIOPacket) []byte {
	return appendTextPacket(make([]byte, 0, encodedLen(p)), p)
}

// appendTextPacket is encodeTextPacket appending to dst, so that a caller can put the
// Engine.IO message prefix in front without a copy.
func appendTextPacket(dst []byte, p *SocketIOPacket) []byte {
	t := p.Type
	if len(p.Attachments) > 0 {
		switch t {
		case PacketEvent:
			t = PacketBinaryEvent
		case PacketAck:
			t = PacketBinaryAck
		}
	}
	dst = append(dst, '0'+byte(t))
	if t.isBinary() {
		dst = strconv.AppendInt(dst, int64(len(p.Attachments)), 10)
		dst = append(dst, '-')
	}
	if nsp := p.Namespace; nsp != "" && nsp != mainNamespace {
		if nsp[0] != '/' {
			dst = append(dst, '/')
		}
		dst = append(dst, nsp...)
		dst = append(dst, ',')
	}
	if p.ID >= 0 {
		dst = strconv.AppendInt(dst, p.ID, 10)
	}
	return append(dst, p.Data...)
}

// encodedLen is an upper bound of the encoded length, to size the buffer once.
func encodedLen(p *SocketIOPacket) int {
	// type + count + '-' + '/' + ',' + id
	return 1 + 20 + 1 + 1 + len(p.Namespace) + 1 + 20 + len(p.Data)
}
