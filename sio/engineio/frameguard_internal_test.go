package engineio

import (
	"bytes"
	"testing"
)

// maskedFrame is a client frame header (masked, zero mask) and payload.
func maskedFrame(b0 byte, payload []byte) []byte {
	n := len(payload)
	var h []byte
	switch {
	case n < 126:
		h = []byte{b0, 0x80 | byte(n)}
	case n < 1<<16:
		h = []byte{b0, 0x80 | 126, byte(n >> 8), byte(n)}
	default:
		h = []byte{b0, 0x80 | 127, 0, 0, 0, 0, byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}
	}
	return append(append(h, 0, 0, 0, 0), payload...)
}

// The guard follows frames however the stream is cut into reads, and
// refuses exactly the header that takes a message over the limit.
func TestFrameGuardAcrossReadBoundaries(t *testing.T) {
	const limit = 300
	var stream []byte
	stream = append(stream, maskedFrame(0x81, bytes.Repeat([]byte("a"), 300))...) // at the limit
	stream = append(stream, maskedFrame(0x89, []byte("ping"))...)                 // control
	stream = append(stream, maskedFrame(0x02, bytes.Repeat([]byte("b"), 200))...) // first fragment
	stream = append(stream, maskedFrame(0x8a, nil)...)                            // control between fragments
	stream = append(stream, maskedFrame(0x80, bytes.Repeat([]byte("c"), 100))...) // last: 300 in all
	good := len(stream)
	stream = append(stream, maskedFrame(0x02, bytes.Repeat([]byte("d"), 250))...)
	bad := len(stream)
	stream = append(stream, maskedFrame(0x80, bytes.Repeat([]byte("e"), 51))...) // 301: refused
	for _, chunk := range []int{1, 2, 3, 7, 64, 1000} {
		g := &frameGuard{limit: limit}
		at := -1
		for i := 0; i < len(stream); i += chunk {
			end := min(i+chunk, len(stream))
			if off := g.scan(stream[i:end]); off >= 0 {
				at = i + off
				break
			}
		}
		if at < 0 || !g.failed {
			t.Fatalf("chunks of %d: not refused", chunk)
		}
		// Refused at the header of the continuation, or, when the header
		// began in an earlier read, at the start of the read that
		// completed its length (at most 10 bytes in).
		if at < max(good, bad-chunk+1) || at > bad+10 {
			t.Fatalf("chunks of %d: refused at %d, header at %d", chunk, at, bad)
		}
	}
}

// Headers of every length form (7-bit, 16-bit, 64-bit), whole in a read or
// cut across reads, are all passed over exactly: the guard ends between
// frames, refusing nothing under the limit.
func TestFrameGuardLengthForms(t *testing.T) {
	var stream []byte
	stream = append(stream, maskedFrame(0x82, bytes.Repeat([]byte("x"), 70000))...) // 64-bit length
	stream = append(stream, maskedFrame(0x81, bytes.Repeat([]byte("y"), 300))...)   // 16-bit
	stream = append(stream, maskedFrame(0x81, []byte("z"))...)                      // 7-bit
	for _, chunk := range []int{1, 5, 9, 11, 14, 1000, len(stream)} {
		g := &frameGuard{limit: 1 << 20}
		for i := 0; i < len(stream); i += chunk {
			if off := g.scan(stream[i:min(i+chunk, len(stream))]); off >= 0 {
				t.Fatalf("chunks of %d: refused at %d", chunk, i+off)
			}
		}
		if g.hn != 0 || g.skip != 0 || g.msgLen != 1 {
			t.Fatalf("chunks of %d: ended inside a frame (hn %d, skip %d, msgLen %d)", chunk, g.hn, g.skip, g.msgLen)
		}
	}
}
