package engineio

import (
	"bytes"
	"encoding/base64"
)

// recordSeparator separates the packets of a long-polling payload
// (protocol v4, "Packet encoding: HTTP long-polling").
const recordSeparator = 0x1e

// appendPayloadRecord appends one packet to a long-polling payload being
// built in dst, writing the separator first when dst is not empty.
func appendPayloadRecord(dst []byte, p Packet) []byte {
	if len(dst) > 0 {
		dst = append(dst, recordSeparator)
	}
	if p.Binary {
		dst = append(dst, 'b')
		return base64.StdEncoding.AppendEncode(dst, p.Data)
	}
	return p.appendText(dst)
}

// encodePayload encodes packets as one long-polling payload.
func encodePayload(packets []Packet) []byte {
	var dst []byte
	for _, p := range packets {
		dst = appendPayloadRecord(dst, p)
	}
	return dst
}

// decodePayload splits a long-polling payload into its packets. The packets'
// Data alias body where no base64 decoding was needed.
func decodePayload(body []byte) ([]Packet, error) {
	var packets []Packet
	for {
		i := bytes.IndexByte(body, recordSeparator)
		rec := body
		if i >= 0 {
			rec = body[:i]
		}
		p, err := decodeText(rec)
		if err != nil {
			return nil, err
		}
		packets = append(packets, p)
		if i < 0 {
			return packets, nil
		}
		body = body[i+1:]
	}
}
