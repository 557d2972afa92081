package socketio

import (
	"sync"

	"github.com/gosio/gosio/sio/engineio"
)

// This file owns the seam between the packet model and its wire format:
// the Parser a server is configured with (Node's `parser` option), and the
// encodedPacket that carries one encoding to any number of clients.

// Parser is a wire format of Socket.IO packets, the Go form of the Node.js
// server's `parser` option. DefaultParser is the protocol's text format
// with binary attachments; MsgpackParser is the format of
// socket.io-msgpack-parser. A client must be configured with the same
// format as the server. Implementations are safe for concurrent use.
type Parser interface {
	// Encode returns the Engine.IO messages of p: first, then the binary
	// messages that follow it, if any. p.Data is the JSON payload with
	// placeholders for p.Attachments, as SocketIOPacket documents. The
	// result may alias p's memory. It fails only for a payload that is not
	// valid JSON.
	Encode(p *SocketIOPacket) (first engineio.Message, binaries [][]byte, err error)
	// NewDecoder returns the decoder of ONE connection, limited by opts
	// (never nil when the server calls it).
	NewDecoder(opts *ParserOptions) PacketDecoder
}

// PacketDecoder decodes the packets of one connection, one Engine.IO
// message at a time. It is not safe for concurrent use.
type PacketDecoder interface {
	// Add feeds one message; it returns a complete packet, or (nil, nil)
	// while more messages are needed. Its packets' Data is JSON with
	// placeholders for their Attachments, whatever the wire format, so
	// that handlers see the same Args. Every error wraps ErrInvalidPacket:
	// the connection is then closed.
	Add(data []byte, binary bool) (*SocketIOPacket, error)
}

// DefaultParser is the Socket.IO v5 text format: a text message per
// packet, followed by its binary attachments (socket.io-parser, the
// default of every official client and server).
var DefaultParser Parser = defaultParser{}

type defaultParser struct{}

func (defaultParser) Encode(p *SocketIOPacket) (engineio.Message, [][]byte, error) {
	return engineio.Message{Data: encodeTextPacket(p)}, p.Attachments, nil
}

func (defaultParser) NewDecoder(opts *ParserOptions) PacketDecoder { return NewSocketIOParser(opts) }

// encodedPacket is a packet encoded at most once per parser, on its first
// write, and then queued as is for any number of clients: all the clients
// of one server share its parser, so that a broadcast is encoded once.
//
// once guards the fields after it, which are written once and then only
// read.
type encodedPacket struct {
	p *SocketIOPacket

	once        sync.Once
	parser      Parser
	first       engineio.Message
	attachments [][]byte
	err         error
}

// encodePacket returns p to be encoded on first use; p must not change
// afterwards.
func encodePacket(p *SocketIOPacket) *encodedPacket { return &encodedPacket{p: p} }

// frames returns the messages of the packet in the format of parser.
func (e *encodedPacket) frames(parser Parser) (engineio.Message, [][]byte, error) {
	e.once.Do(func() {
		e.parser = parser
		e.first, e.attachments, e.err = parser.Encode(e.p)
	})
	if e.parser != parser { // a packet written by servers with different parsers
		return parser.Encode(e.p)
	}
	return e.first, e.attachments, e.err
}
