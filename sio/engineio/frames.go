package engineio

import (
	"encoding/binary"
	"math"
	"net"
	"runtime"
)

// Direct frames: the session's packets are framed here and put straight
// into the sendBuffer, instead of going through the websocket library's
// Write, which takes two locks made of channels and a select per message:
// about a fifth of the instructions of an echo round trip, and as many as
// this whole package spends on it (bench/README.md gives the counts).
// A server's frame is simple (no mask); what needs care is that the
// library still writes frames of its own on the same connection: the
// pong to a ping and the close frame, from the reader or a closer, as one
// or more writes into the sendBuffer. So the sendBuffer follows the
// library's frames (frameTrack) and puts a frame of its own only between
// two of them, never inside one, and none after the library's close
// frame. Connections with permessage-deflate keep the library's Write,
// which compresses.

// Opcodes of the frames written directly (RFC 6455 5.2).
const (
	opText   = 0x1
	opBinary = 0x2
	opClose  = 0x8
)

// appendFrameHeader appends the header of a final, unmasked frame of n
// payload bytes.
func appendFrameHeader(b []byte, opcode byte, n int) []byte {
	b = append(b, 0x80|opcode)
	switch {
	case n <= 125:
		return append(b, byte(n))
	case n <= 0xFFFF:
		return append(b, 126, byte(n>>8), byte(n))
	default:
		b = append(b, 127)
		return binary.BigEndian.AppendUint64(b, uint64(n))
	}
}

// frameTrack follows the frames the websocket library writes, from the
// bytes of its writes (split anywhere), to know when one is in progress.
// Its 16 bytes are part of every idle connection.
type frameTrack struct {
	left      int64 // payload bytes of the current frame still to come, or its length being read
	phase     uint8 // where the next byte falls: trackStart, trackLength, trackExtended or trackPayload
	ext       uint8 // bytes of the extended length and of the mask still to come
	masked    bool  // the frame has a mask (a client's frame: never the library's here)
	closeSent bool  // the library has begun a close frame
}

// The phases of frameTrack.
const (
	trackStart    = iota // between two frames
	trackLength          // the second header byte: mask bit and length
	trackExtended        // the extended length, then a mask (never in a server's frame)
	trackPayload
)

// midFrame reports whether the library has written part of a frame.
func (t *frameTrack) midFrame() bool { return t.phase != trackStart }

// feed follows p, the library's next write.
func (t *frameTrack) feed(p []byte) {
	for len(p) > 0 {
		switch t.phase {
		case trackPayload:
			k := min(int64(len(p)), t.left)
			t.left -= k
			p = p[k:]
			if t.left == 0 {
				t.phase = trackStart
			}
			continue
		case trackStart:
			if p[0]&0x0F == opClose {
				t.closeSent = true
			}
			t.phase = trackLength
		case trackLength:
			t.left, t.ext = int64(p[0]&0x7F), 0
			switch t.left {
			case 126:
				t.left, t.ext = 0, 2
			case 127:
				t.left, t.ext = 0, 8
			}
			if t.masked = p[0]&0x80 != 0; t.masked {
				t.ext += 4 // the mask follows the extended length
			}
			t.phase = trackExtended
		case trackExtended:
			if !t.masked || t.ext > 4 {
				t.left = (t.left<<8 | int64(p[0])) & math.MaxInt64 // RFC 6455: the top bit is 0
			}
			t.ext--
		}
		p = p[1:]
		if t.phase == trackExtended && t.ext == 0 {
			t.phase = trackPayload
			if t.left == 0 {
				t.phase = trackStart
			}
		}
	}
}

// writeMessage puts one message, a frame of the given opcode whose payload
// is typ (when nonzero: a packet's type byte) followed by data, into the
// batch being gathered: it is called between collect and flush. It waits,
// without holding mu, while the library is inside a frame: the rest of
// that frame comes from the library's write in progress, which needs only
// mu. The header is gathered, then data as a write of the library's is
// (gatherLocked: a large payload is not copied, and no frame of the
// library's comes between the two).
func (b *sendBuffer) writeMessage(opcode, typ byte, data []byte) error {
	n := len(data)
	if typ != 0 {
		n++
	}
	b.mu.Lock()
	for b.coder.midFrame() && b.err == nil { // ended by the library's next write or Close
		b.mu.Unlock()
		runtime.Gosched()
		b.mu.Lock()
	}
	if err := b.err; err != nil || b.coder.closeSent {
		b.mu.Unlock()
		if err == nil {
			err = net.ErrClosed // no frame after a close frame (RFC 6455 5.5.1)
		}
		return err
	}
	*b.collected = appendFrameHeader(*b.collected, opcode, n)
	if typ != 0 {
		*b.collected = append(*b.collected, typ)
	}
	_, err := b.gatherLocked(data)
	return err
}

// Close closes the connection. Every later write fails, and one waiting
// for a frame of the library's that will never end (cut by a timeout) ends.
func (b *sendBuffer) Close() error {
	err := b.Conn.Close() // first: it ends a blocking write, which holds mu
	b.mu.Lock()
	if b.err == nil {
		b.err = net.ErrClosed
	}
	b.mu.Unlock()
	return err
}
