package engineio

import (
	"bufio"
	"encoding/binary"
	"errors"
	"math"
	"net"
	"net/http"
)

// errFrameTooBig is what a frameGuard's Read returns once a frame header
// announced a message larger than the limit.
var errFrameTooBig = errors.New("engineio: websocket frame header announces a message over MaxPayload")

// frameGuard watches the frame headers (RFC 6455 5.2) of the bytes a
// websocket connection reads, and fails the read as soon as a header takes
// a data message (its frames summed) past limit. coder/websocket checks its
// read limit only while it reads a payload, which lets a header announcing
// 2^40 bytes hold a connection open until the ping timeout; the Node.js
// server (ws) refuses such a header at once with 1009, and so does the
// session's reader when it sees errFrameTooBig (readLoop).
//
// Concurrency: Read is called by the connection's one reader
// (coder/websocket reads under its read lock), and feed before any Read;
// the parsing state is theirs.
type frameGuard struct {
	net.Conn
	limit int64

	hdr    [14]byte // the header being parsed
	hn     int      // bytes of hdr received
	skip   int64    // payload bytes of the current frame still to pass
	msgLen int64    // payload bytes of the current data message so far
	failed bool
}

// Read reads from the connection and parses what it got. When a header
// goes over the limit, the bytes before that header are returned, and this
// and every later call fails with errFrameTooBig.
func (g *frameGuard) Read(p []byte) (int, error) {
	if g.failed {
		return 0, errFrameTooBig
	}
	n, err := g.Conn.Read(p)
	if bad := g.scan(p[:n]); bad >= 0 {
		if bad == 0 {
			return 0, errFrameTooBig
		}
		return bad, nil
	}
	return n, err
}

// feed parses bytes the connection read before it was guarded (those
// net/http had buffered past the handshake request).
func (g *frameGuard) feed(b []byte) { g.scan(b) }

// scan advances the parser over b. It returns -1, or, when a header goes
// over the limit, the offset in b where that header starts (0 when it
// started in an earlier read).
func (g *frameGuard) scan(b []byte) int {
	start := 0
	for i := 0; i < len(b); {
		if g.skip > 0 {
			k := int(min(g.skip, int64(len(b)-i)))
			g.skip -= int64(k)
			i += k
			continue
		}
		if g.hn == 0 {
			start = i
			if h, ok := wholeHeader(b[i:]); ok {
				// The usual case: the header is all in b, read at once.
				copy(g.hdr[:], b[i:i+h.lenEnd])
				if !g.checkLength(h.lenEnd - 2) {
					g.failed = true
					return start
				}
				i += h.size
				continue
			}
		}
		g.hdr[g.hn] = b[i]
		g.hn++
		i++
		if g.hn < 2 {
			continue
		}
		h := spanOf(g.hdr[1])
		if g.hn == h.lenEnd && !g.checkLength(h.lenEnd-2) {
			g.failed = true
			return start
		}
		if g.hn == h.size {
			g.hn = 0
		}
	}
	return -1
}

// headerSpan is where a frame header's parts end: its length field at
// lenEnd, the whole header (mask key included) at size.
type headerSpan struct{ lenEnd, size int }

// spanOf returns the span of a frame header from its second byte (the
// mask bit and the 7-bit length, which says how long the length field is).
func spanOf(b1 byte) headerSpan {
	h := headerSpan{lenEnd: 2}
	switch b1 & 0x7f {
	case 126:
		h.lenEnd = 4
	case 127:
		h.lenEnd = 10
	}
	h.size = h.lenEnd
	if b1&0x80 != 0 {
		h.size += 4
	}
	return h
}

// wholeHeader returns the span of the frame header that b starts with,
// and whether b holds all of it.
func wholeHeader(b []byte) (headerSpan, bool) {
	if len(b) < 2 {
		return headerSpan{}, false
	}
	h := spanOf(b[1])
	return h, len(b) >= h.size
}

// checkLength reads the payload length of the header (complete up to its
// length field) and reports whether the message stays within the limit.
func (g *frameGuard) checkLength(lenBytes int) bool {
	var n uint64
	switch lenBytes {
	case 0:
		n = uint64(g.hdr[1] & 0x7f)
	case 2:
		n = uint64(binary.BigEndian.Uint16(g.hdr[2:4]))
	case 8:
		n = binary.BigEndian.Uint64(g.hdr[2:10])
	}
	if n > math.MaxInt64 {
		return false
	}
	g.skip = int64(n)
	switch opcode := g.hdr[0] & 0x0f; {
	case opcode >= 8: // control frames: coder/websocket bounds them to 125 bytes
		return true
	case opcode == 0: // continuation
		g.msgLen += g.skip
	default:
		g.msgLen = g.skip
	}
	return g.msgLen >= 0 && g.msgLen <= g.limit
}

// guardedWriter is the http.ResponseWriter handed to the websocket library:
// its Hijack guards the connection with a frameGuard.
type guardedWriter struct {
	http.ResponseWriter
	hj    http.Hijacker
	limit int64
}

// Hijack hijacks the connection and puts the guard in front of it. The
// bytes already buffered are fed to the guard first: coder/websocket reads
// them, then the connection itself.
func (w guardedWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, brw, err := w.hj.Hijack()
	if err != nil {
		return nil, nil, err
	}
	g := &frameGuard{Conn: conn, limit: w.limit}
	if n := brw.Reader.Buffered(); n > 0 {
		b, _ := brw.Reader.Peek(n)
		g.feed(b)
	}
	return g, brw, nil
}

// Unwrap returns the wrapped writer, for http.ResponseController.
func (w guardedWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// withFrameGuard wraps w, when it can be hijacked, so that the websocket
// made from it refuses frame headers over limit.
func withFrameGuard(w http.ResponseWriter, limit int64) http.ResponseWriter {
	hj, ok := w.(http.Hijacker)
	if !ok {
		return w
	}
	return guardedWriter{ResponseWriter: w, hj: hj, limit: limit}
}
