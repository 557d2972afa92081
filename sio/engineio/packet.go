package engineio

import (
	"encoding/base64"
	"fmt"
	"slices"
)

// packetType is the type of an Engine.IO packet, the first character of its
// encoding (protocol v4, "Packet encoding").
type PacketType byte

// The Engine.IO v4 packet types.
const (
	PacketOpen    PacketType = 0
	PacketClose   PacketType = 1
	PacketPing    PacketType = 2
	PacketPong    PacketType = 3
	PacketMessage PacketType = 4
	PacketUpgrade PacketType = 5
	PacketNoop    PacketType = 6
)

var packetTypeNames = [...]string{"open", "close", "ping", "pong", "message", "upgrade", "noop"}

// String returns the protocol's name for the type ("open", "message", ...).
func (t PacketType) String() string {
	if int(t) < len(packetTypeNames) {
		return packetTypeNames[t]
	}
	return fmt.Sprintf("PacketType(%d)", byte(t))
}

// packet is one Engine.IO packet. Binary is true only for message packets
// whose Data is binary; such packets travel as binary websocket frames, or as
// "b" followed by base64 in a long-polling payload.
type Packet struct {
	Type   PacketType
	Data   []byte
	Binary bool
}

// appendText appends the text encoding of a non-binary packet to dst: the
// type digit followed by the data.
func (p Packet) appendText(dst []byte) []byte {
	dst = slices.Grow(dst, 1+len(p.Data))
	dst = append(dst, '0'+byte(p.Type))
	return append(dst, p.Data...)
}

// decodeText decodes one packet received as text: a websocket text frame or
// one record of a long-polling payload. A record starting with 'b' is a
// base64-encoded binary message. The returned packet's Data aliases data
// unless it was base64-decoded.
func decodeText(data []byte) (Packet, error) {
	if len(data) == 0 {
		return Packet{}, fmt.Errorf("%w: empty packet", ErrInvalidPacket)
	}
	if data[0] == 'b' {
		buf := make([]byte, base64.StdEncoding.DecodedLen(len(data)-1))
		n, err := base64.StdEncoding.Decode(buf, data[1:])
		if err != nil {
			return Packet{}, fmt.Errorf("%w: bad base64: %v", ErrInvalidPacket, err)
		}
		return Packet{Type: PacketMessage, Data: buf[:n], Binary: true}, nil
	}
	t := data[0] - '0'
	if data[0] < '0' || t > byte(PacketNoop) {
		return Packet{}, fmt.Errorf("%w: unknown type %q", ErrInvalidPacket, data[0])
	}
	return Packet{Type: PacketType(t), Data: data[1:]}, nil
}

// decodeBinary decodes a binary websocket frame: always a message packet
// whose data is the frame as is.
func decodeBinary(data []byte) Packet {
	return Packet{Type: PacketMessage, Data: data, Binary: true}
}
