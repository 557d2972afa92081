package engineio

import (
	"context"
	"encoding/base64"
	"fmt"
	"strconv"
	"unicode/utf8"

	"github.com/coder/websocket"
)

// This file owns the wire format of Engine.IO protocol v3, spoken by
// engine.io-client 3.x (socket.io-client 2.x) when Options.AllowEIO3 lets
// it in. A session speaks v3 or v4 for its whole life, decided at its
// handshake (EngineIOSession.v3); the v4 code paths only test that flag
// where the formats differ.
//
// What differs from v4 (engine.io-protocol, v3 branch, "Encoding"):
//   - a long-polling payload is a sequence of "<length>:<packet>" records,
//     length counting the packet's UTF-16 code units, as JavaScript counts
//     a string's length;
//   - a binary packet in text is "b" followed by its type digit and the
//     base64 of its data ("b4AQID"), and a binary websocket frame starts
//     with the type as a byte (4, then the data);
//   - a client that announces XHR2 (no "b64" in its handshake query) gets
//     a payload holding binary packets in the binary payload format
//     (application/octet-stream): for each packet a 0 (text) or 1
//     (binary) byte, the length's decimal digits as bytes 0 to 9, a 255
//     byte, then the packet (text as UTF-8; binary as its type byte and
//     data), and may POST payloads in that format;
//   - the client pings and the server answers with a pong (session.go).

// maxLengthDigits bounds the digits of a v3 record's length: no payload
// accepted (Options.MaxPayload is an int64 of bytes) needs more, and a
// longer prefix is refused before it is parsed.
const maxLengthDigits = 15

// utf16Len is the length JavaScript gives the string whose UTF-8 encoding
// is b: characters outside the Basic Multilingual Plane count twice, and an
// invalid byte, which would arrive as U+FFFD, once.
func utf16Len(b []byte) int {
	n := 0
	for i := 0; i < len(b); {
		units, size := utf16Units(b[i:])
		n += units
		i += size
	}
	return n
}

// utf16Units returns how many UTF-16 code units the first character of b
// (non-empty) takes, and how many bytes it has.
func utf16Units(b []byte) (units, size int) {
	if b[0] < utf8.RuneSelf {
		return 1, 1
	}
	r, size := utf8.DecodeRune(b)
	if r >= 0x10000 {
		return 2, size
	}
	return 1, size
}

// appendPacketV3 appends the text encoding of p: the type digit and the
// data, or, for a binary packet, "b", the type digit and base64.
func appendPacketV3(dst []byte, p Packet) []byte {
	if p.Binary {
		dst = append(dst, 'b', '0'+byte(p.Type))
		return base64.StdEncoding.AppendEncode(dst, p.Data)
	}
	return p.appendText(dst)
}

// appendPayloadRecordV3 appends p to a v3 text payload as
// "<length>:<packet>".
func appendPayloadRecordV3(dst []byte, p Packet) []byte {
	var n int
	if p.Binary {
		n = 2 + base64.StdEncoding.EncodedLen(len(p.Data))
	} else {
		n = 1 + utf16Len(p.Data)
	}
	dst = strconv.AppendInt(dst, int64(n), 10)
	dst = append(dst, ':')
	return appendPacketV3(dst, p)
}

// appendBinaryRecordV3 appends p to a v3 binary payload.
func appendBinaryRecordV3(dst []byte, p Packet) []byte {
	kind := byte(0)
	if p.Binary {
		kind = 1
	}
	dst = append(dst, kind)
	for _, d := range strconv.AppendInt(nil, int64(1+len(p.Data)), 10) {
		dst = append(dst, d-'0')
	}
	dst = append(dst, 0xff)
	if p.Binary {
		dst = append(dst, byte(p.Type))
	} else {
		dst = append(dst, '0'+byte(p.Type))
	}
	return append(dst, p.Data...)
}

// encodePayloadV3 encodes packets as one v3 long-polling payload: the
// binary format when one of them is binary and the client takes binary
// (binary is then true: the response is application/octet-stream), the
// text format otherwise.
func encodePayloadV3(packets []Packet, b64 bool) (body []byte, binary bool) {
	if !b64 {
		for _, p := range packets {
			if p.Binary {
				binary = true
				break
			}
		}
	}
	if len(packets) == 0 {
		return []byte("0:"), false
	}
	for _, p := range packets {
		if binary {
			body = appendBinaryRecordV3(body, p)
		} else {
			body = appendPayloadRecordV3(body, p)
		}
	}
	return body, binary
}

// decodePacketV3 decodes one v3 packet received as text: a websocket text
// frame or a payload's record. Its Data aliases data unless it was
// base64-decoded.
func decodePacketV3(data []byte) (Packet, error) {
	if len(data) > 0 && data[0] == 'b' {
		if len(data) < 2 || data[1] < '0' || data[1] > '0'+byte(PacketNoop) {
			return Packet{}, fmt.Errorf("%w: bad binary packet type", ErrInvalidPacket)
		}
		buf := make([]byte, base64.StdEncoding.DecodedLen(len(data)-2))
		n, err := base64.StdEncoding.Decode(buf, data[2:])
		if err != nil {
			return Packet{}, fmt.Errorf("%w: bad base64: %v", ErrInvalidPacket, err)
		}
		return Packet{Type: PacketType(data[1] - '0'), Data: buf[:n], Binary: true}, nil
	}
	return decodeText(data)
}

// decodeBinaryV3 decodes a v3 binary websocket frame or binary record: the
// packet type as a byte, then the data, which it aliases.
func decodeBinaryV3(data []byte) (Packet, error) {
	if len(data) == 0 || data[0] > byte(PacketNoop) {
		return Packet{}, fmt.Errorf("%w: bad binary packet type", ErrInvalidPacket)
	}
	return Packet{Type: PacketType(data[0]), Data: data[1:], Binary: true}, nil
}

// decodePayloadV3 splits a v3 text payload into its packets, calling fn
// with each in order until fn returns false. A payload that does not
// decode is refused whole, before any of its packets is handed over, as
// the Node.js server ignores such a payload. The packets' Data alias body
// unless base64-decoded.
func decodePayloadV3(body []byte, fn func(Packet) bool) error {
	if len(body) == 0 {
		return fmt.Errorf("%w: empty payload", ErrInvalidPacket)
	}
	var packets []Packet
	for len(body) > 0 {
		colon := -1
		for i := 0; i < len(body) && i <= maxLengthDigits; i++ {
			if body[i] == ':' {
				colon = i
				break
			}
			if body[i] < '0' || body[i] > '9' {
				return fmt.Errorf("%w: bad record length", ErrInvalidPacket)
			}
		}
		if colon <= 0 {
			return fmt.Errorf("%w: bad record length", ErrInvalidPacket)
		}
		n, _ := strconv.Atoi(string(body[:colon]))
		body = body[colon+1:]
		// n counts UTF-16 code units: find the bytes that hold them.
		end, units := 0, 0
		for units < n && end < len(body) {
			u, size := utf16Units(body[end:])
			units += u
			end += size
		}
		if units != n {
			return fmt.Errorf("%w: record shorter than its length", ErrInvalidPacket)
		}
		rec := body[:end]
		body = body[end:]
		if len(rec) == 0 {
			continue
		}
		p, err := decodePacketV3(rec)
		if err != nil {
			return err
		}
		packets = append(packets, p)
	}
	for _, p := range packets {
		if !fn(p) {
			break
		}
	}
	return nil
}

// decodeBinaryPayloadV3 splits a v3 binary payload (a POST of
// application/octet-stream) into its packets, as decodePayloadV3 does.
func decodeBinaryPayloadV3(body []byte, fn func(Packet) bool) error {
	if len(body) == 0 {
		return fmt.Errorf("%w: empty payload", ErrInvalidPacket)
	}
	var packets []Packet
	for len(body) > 0 {
		isText := body[0] == 0
		n, i := 0, 1
		for ; i < len(body) && body[i] != 0xff; i++ {
			if body[i] > 9 || i > maxLengthDigits {
				return fmt.Errorf("%w: bad record length", ErrInvalidPacket)
			}
			n = n*10 + int(body[i])
		}
		if i == 1 || i == len(body) {
			return fmt.Errorf("%w: bad record length", ErrInvalidPacket)
		}
		body = body[i+1:]
		if n > len(body) {
			return fmt.Errorf("%w: record shorter than its length", ErrInvalidPacket)
		}
		rec := body[:n]
		body = body[n:]
		var p Packet
		var err error
		if isText {
			p, err = decodePacketV3(toValidUTF8(rec))
		} else {
			p, err = decodeBinaryV3(rec)
		}
		if err != nil {
			return err
		}
		packets = append(packets, p)
	}
	for _, p := range packets {
		if !fn(p) {
			break
		}
	}
	return nil
}

// writeBinaryV3 writes a binary packet on a v3 session's websocket, in
// one frame assembled in *scratch: a binary frame of the type byte and the
// data, or, for a client that takes no binary, a text frame "b4<base64>".
func (s *EngineIOSession) writeBinaryV3(ws *websocket.Conn, p Packet, scratch *[]byte) error {
	if s.wsB64 {
		*scratch = appendPacketV3((*scratch)[:0], p)
		return ws.Write(context.Background(), websocket.MessageText, *scratch)
	}
	*scratch = append(append((*scratch)[:0], byte(p.Type)), p.Data...)
	return ws.Write(context.Background(), websocket.MessageBinary, *scratch)
}
