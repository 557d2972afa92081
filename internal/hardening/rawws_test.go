package hardening

// rawWS is a websocket client written by hand over TCP, for the frames a
// well-behaved library refuses to send: unmasked, bad opcodes, RSV bits,
// oversized headers, stray continuations.

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

type rawWS struct {
	conn net.Conn
	br   *bufio.Reader
}

// dialRaw does the websocket handshake on the Engine.IO URL with the query
// kv, with extra header lines; it returns the client after the 101, or the
// status line of a refusal.
func (s *server) dialRaw(t testing.TB, extra []string, kv ...string) (*rawWS, string) {
	t.Helper()
	u, _ := url.Parse(s.wsURL(kv...))
	conn, err := net.DialTimeout("tcp", u.Host, waitFor)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	var req strings.Builder
	fmt.Fprintf(&req, "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n", u.RequestURI(), u.Host)
	req.WriteString("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n")
	for _, h := range extra {
		req.WriteString(h + "\r\n")
	}
	req.WriteString("\r\n")
	_ = conn.SetDeadline(time.Now().Add(waitFor))
	if _, err := io.WriteString(conn, req.String()); err != nil {
		return nil, "write: " + err.Error()
	}
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		return nil, "read: " + err.Error()
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		resp.Body.Close()
		return nil, fmt.Sprintf("%d %s", resp.StatusCode, b)
	}
	_ = conn.SetDeadline(time.Time{})
	return &rawWS{conn: conn, br: br}, ""
}

// mustRaw is dialRaw that fails on a refusal and reads the open packet.
func (s *server) mustRaw(t testing.TB, kv ...string) *rawWS {
	t.Helper()
	w, refused := s.dialRaw(t, nil, kv...)
	if w == nil {
		t.Fatalf("websocket refused: %s", refused)
	}
	if _, p, err := w.readFrame(waitFor); err != nil || !strings.HasPrefix(string(p), "0{") {
		t.Fatalf("open packet: %q %v", p, err)
	}
	return w
}

// frame builds one client frame. mask false sends it unmasked (forbidden).
func frame(fin bool, rsv, opcode byte, mask bool, payload []byte) []byte {
	b0 := opcode | rsv<<4
	if fin {
		b0 |= 0x80
	}
	out := []byte{b0}
	var m byte
	if mask {
		m = 0x80
	}
	switch n := len(payload); {
	case n < 126:
		out = append(out, m|byte(n))
	case n < 1<<16:
		out = append(out, m|126, byte(n>>8), byte(n))
	default:
		out = append(out, m|127)
		out = binary.BigEndian.AppendUint64(out, uint64(n))
	}
	if !mask {
		return append(out, payload...)
	}
	key := []byte{0x12, 0x34, 0x56, 0x78}
	out = append(out, key...)
	for i, c := range payload {
		out = append(out, c^key[i%4])
	}
	return out
}

// text is a masked final text frame.
func text(s string) []byte { return frame(true, 0, 1, true, []byte(s)) }

func (w *rawWS) write(b ...[]byte) error {
	_ = w.conn.SetWriteDeadline(time.Now().Add(waitFor))
	for _, x := range b {
		if _, err := w.conn.Write(x); err != nil {
			return err
		}
	}
	return nil
}

// readFrame reads one server frame (servers do not mask).
func (w *rawWS) readFrame(d time.Duration) (opcode byte, payload []byte, err error) {
	_ = w.conn.SetReadDeadline(time.Now().Add(d))
	var h [2]byte
	if _, err := io.ReadFull(w.br, h[:]); err != nil {
		return 0, nil, err
	}
	n := uint64(h[1] & 0x7f)
	switch n {
	case 126:
		var e [2]byte
		if _, err := io.ReadFull(w.br, e[:]); err != nil {
			return 0, nil, err
		}
		n = uint64(binary.BigEndian.Uint16(e[:]))
	case 127:
		var e [8]byte
		if _, err := io.ReadFull(w.br, e[:]); err != nil {
			return 0, nil, err
		}
		n = binary.BigEndian.Uint64(e[:])
	}
	if n > 64<<20 {
		return 0, nil, errors.New("server frame too large")
	}
	payload = make([]byte, n)
	_, err = io.ReadFull(w.br, payload)
	return h[0] & 0x0f, payload, err
}

// closeCode reads frames until the server's close frame and returns its
// status code; 1005 for a close frame without one, -1 when the connection
// ended without a close frame, -2 when nothing came within d.
func (w *rawWS) closeCode(d time.Duration) int {
	deadline := time.Now().Add(d)
	for {
		op, p, err := w.readFrame(time.Until(deadline))
		var ne net.Error
		switch {
		case errors.As(err, &ne) && ne.Timeout():
			return -2
		case err != nil:
			return -1
		case op == 8 && len(p) >= 2:
			return int(binary.BigEndian.Uint16(p))
		case op == 8:
			return 1005
		case op == 1 && string(p) == "2":
			_ = w.write(text("3"))
		}
	}
}

// expectText reads frames until a text frame with the prefix.
func (w *rawWS) expectText(t testing.TB, prefix string) string {
	t.Helper()
	deadline := time.Now().Add(waitFor)
	for {
		op, p, err := w.readFrame(time.Until(deadline))
		if err != nil {
			t.Fatalf("waiting for %q: %v", prefix, err)
		}
		if op == 8 {
			t.Fatalf("waiting for %q: close frame %x", prefix, p)
		}
		if op == 1 && strings.HasPrefix(string(p), prefix) {
			return string(p)
		}
	}
}
