package engineio

import (
	"encoding/binary"
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
type frameTrack struct {
	hdr       [14]byte // the header read so far
	nh        uint8    // its length
	left      int64    // payload bytes of the current frame still to come
	closeSent bool     // the library has written a close frame
}

// midFrame reports whether the library has written part of a frame.
func (t *frameTrack) midFrame() bool { return t.nh > 0 || t.left > 0 }

// feed follows p, the library's next write.
func (t *frameTrack) feed(p []byte) {
	for len(p) > 0 {
		if t.left > 0 {
			k := min(int64(len(p)), t.left)
			t.left -= k
			p = p[k:]
			continue
		}
		t.hdr[t.nh] = p[0]
		t.nh++
		p = p[1:]
		if t.nh < 2 {
			continue
		}
		need := uint8(2)
		switch t.hdr[1] & 0x7F {
		case 126:
			need += 2
		case 127:
			need += 8
		}
		if t.hdr[1]&0x80 != 0 {
			need += 4 // masked: a client's frame, never a server's
		}
		if t.nh < need {
			continue
		}
		switch n := int64(t.hdr[1] & 0x7F); n {
		case 126:
			t.left = int64(binary.BigEndian.Uint16(t.hdr[2:]))
		case 127:
			t.left = int64(binary.BigEndian.Uint64(t.hdr[2:]) &^ (1 << 63))
		default:
			t.left = n
		}
		if t.hdr[0]&0x0F == opClose {
			t.closeSent = true
		}
		t.nh = 0
	}
}

// writeMessage puts one message, a frame of the given opcode whose payload
// is typ (when nonzero: a packet's type byte) followed by data, into the
// batch being gathered (collect), or writes it at once outside a batch. It
// waits, without holding mu, while the library is inside a frame: the rest
// of that frame comes from the library's write in progress, which needs
// only mu.
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
	if b.collected == nil {
		// Outside a batch: the frame in one buffer of its own.
		frame := appendFrameHeader(make([]byte, 0, n+10), opcode, n)
		if typ != 0 {
			frame = append(frame, typ)
		}
		_, err := b.sendLocked(append(frame, data...))
		return err
	}
	buf := appendFrameHeader(*b.collected, opcode, n)
	if typ != 0 {
		buf = append(buf, typ)
	}
	if len(data) < directWriteAt {
		*b.collected = append(buf, data...)
		b.mu.Unlock()
		return nil
	}
	// A large payload is not copied: what was gathered, this header last,
	// goes first, and mu is held until the payload is written too, so that
	// no frame of the library's comes between.
	*b.collected = buf
	if _, err := b.sendHeld(*b.collected); err != nil {
		b.mu.Unlock()
		return err
	}
	*b.collected = (*b.collected)[:0]
	_, err := b.sendLocked(data)
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
