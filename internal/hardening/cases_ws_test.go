package hardening

import (
	"encoding/binary"
	"strings"
	"testing"
)

// rawConnected is a raw websocket client joined to "/".
func rawConnected(t *testing.T, s *server) *rawWS {
	t.Helper()
	w := s.mustRaw(t)
	if err := w.write(text("40")); err != nil {
		t.Fatal(err)
	}
	w.expectText(t, "40{")
	return w
}

// closePayload is a close frame's payload with the code.
func closePayload(code uint16, reason string) []byte {
	return append(binary.BigEndian.AppendUint16(nil, code), reason...)
}

// RFC 6455 violations and limits on a websocket session: the server closes
// with the status the ws package of Node.js uses (1002 protocol error, 1009
// message too big).
func websocketFrameCases() []matrixCase {
	closes := func(name string, want int, frames ...[]byte) matrixCase {
		return matrixCase{name, func(t *testing.T, s *server) {
			w := rawConnected(t, s)
			_ = w.write(frames...)
			if got := w.closeCode(closeWait); got != want {
				t.Fatalf("close code %d, want %d", got, want)
			}
		}}
	}
	big := "4" + strings.Repeat("x", 1e6)
	return []matrixCase{
		closes("ws/frame/over-max-payload", 1009, text(big)),
		closes("ws/frame/over-max-payload-fragmented", 1009, frame(false, 0, 1, true, []byte(big[:6e5])), frame(true, 0, 0, true, []byte(big[6e5:]))),
		{"ws/frame/unmasked", func(t *testing.T, s *server) {
			// coder/websocket drops the connection without a close frame
			// (Node's ws sends 1002): either way it is closed at once
			w := rawConnected(t, s)
			_ = w.write(frame(true, 0, 1, false, []byte(`42["echo"]`)))
			if got := w.closeCode(closeWait); got != -1 && got != 1002 {
				t.Fatalf("close code %d, want 1002 or none", got)
			}
		}},
		closes("ws/frame/opcode-3", 1002, frame(true, 0, 3, true, []byte("x"))),
		closes("ws/frame/opcode-11", 1002, frame(true, 0, 11, true, nil)),
		closes("ws/frame/rsv1", 1002, frame(true, 4, 1, true, []byte("42[\"echo\"]"))),
		closes("ws/frame/rsv2", 1002, frame(true, 2, 1, true, []byte("4x"))),
		closes("ws/frame/rsv3", 1002, frame(true, 1, 1, true, []byte("4x"))),
		closes("ws/frame/ping-126-bytes", 1002, frame(true, 0, 9, true, make([]byte, 126))),
		closes("ws/frame/ping-fragmented", 1002, frame(false, 0, 9, true, []byte("p"))),
		closes("ws/frame/close-code-999", 1002, frame(true, 0, 8, true, closePayload(999, ""))),
		closes("ws/frame/close-code-1005", 1002, frame(true, 0, 8, true, closePayload(1005, ""))),
		closes("ws/frame/close-one-byte", 1002, frame(true, 0, 8, true, []byte{3})),
		closes("ws/frame/stray-continuation", 1002, frame(true, 0, 0, true, []byte("42[\"echo\"]"))),
		closes("ws/frame/text-inside-fragmented", 1002, frame(false, 0, 1, true, []byte("42")), text(`["echo"]`)),
		closes("ws/frame/close-1000-answered", 1000, frame(true, 0, 8, true, closePayload(1000, "bye"))),
		{"ws/frame/fragmented-message", func(t *testing.T, s *server) {
			w := rawConnected(t, s)
			_ = w.write(frame(false, 0, 1, true, []byte("42")), frame(false, 0, 0, true, []byte(`1["echo",`)), frame(true, 0, 0, true, []byte(`"frag"]`)))
			w.expectText(t, `431["frag"]`)
		}},
		{"ws/frame/ping-between-fragments", func(t *testing.T, s *server) {
			w := rawConnected(t, s)
			_ = w.write(frame(false, 0, 1, true, []byte("421")), frame(true, 0, 9, true, []byte("hi")), frame(true, 0, 0, true, []byte(`["echo","p"]`)))
			w.expectText(t, `431["p"]`)
		}},
		{"ws/frame/empty-text", func(t *testing.T, s *server) {
			w := rawConnected(t, s)
			_ = w.write(text(""))
			if got := w.closeCode(closeWait); got == -2 {
				t.Fatal("an empty message left the connection open")
			}
		}},
		{"ws/frame/binary-without-attachment-pending", func(t *testing.T, s *server) {
			w := rawConnected(t, s)
			_ = w.write(frame(true, 0, 2, true, []byte{1, 2, 3}))
			if got := w.closeCode(closeWait); got == -2 {
				t.Fatal("an unexpected attachment left the connection open")
			}
		}},
	}
}

// The upgrade from long-polling (engine.io socket.ts maybeUpgrade).
func upgradeCases() []matrixCase {
	probe := func(t *testing.T, s *server, sid string) *rawWS {
		t.Helper()
		w, refused := s.dialRaw(t, nil, "sid", sid)
		if w == nil {
			t.Fatalf("upgrade refused: %s", refused)
		}
		_ = w.write(text("2probe"))
		w.expectText(t, "3probe")
		return w
	}
	return []matrixCase{
		{"upgrade/ok", func(t *testing.T, s *server) {
			sid := s.pollConnect(t)
			w := probe(t, s, sid)
			_ = w.write(text("5"), text(`421["echo","up"]`))
			w.expectText(t, `431["up"]`)
		}},
		{"upgrade/two-websockets-one-sid", func(t *testing.T, s *server) {
			// Node accepts the second websocket and closes it at once
			sid := s.pollConnect(t)
			w := probe(t, s, sid)
			_ = w.write(text("5"))
			expectRefusedOrClosed(t, s, sid)
			_ = w.write(text(`421["echo","still"]`))
			w.expectText(t, `431["still"]`)
		}},
		{"upgrade/two-probes-one-sid", func(t *testing.T, s *server) {
			sid := s.pollConnect(t)
			w := probe(t, s, sid)
			expectRefusedOrClosed(t, s, sid)
			_ = w.write(text("5"), text(`421["echo","first"]`))
			w.expectText(t, `431["first"]`)
		}},
		{"upgrade/binary-on-probe", func(t *testing.T, s *server) {
			sid := s.pollConnect(t)
			w, refused := s.dialRaw(t, nil, "sid", sid)
			if w == nil {
				t.Fatal(refused)
			}
			_ = w.write(frame(true, 0, 2, true, []byte("2probe")))
			if got := w.closeCode(closeWait); got == -2 {
				t.Fatal("a binary probe left the probe open")
			}
			pollEcho(t, s, sid) // the session goes on over long-polling
		}},
		{"upgrade/wrong-probe", func(t *testing.T, s *server) {
			sid := s.pollConnect(t)
			w, refused := s.dialRaw(t, nil, "sid", sid)
			if w == nil {
				t.Fatal(refused)
			}
			_ = w.write(text(`42["echo","before-probe"]`))
			if got := w.closeCode(closeWait); got == -2 {
				t.Fatal("a message before the probe left the probe open")
			}
			pollEcho(t, s, sid)
		}},
		{"upgrade/probe-for-closed-sid", func(t *testing.T, s *server) {
			sid := s.pollConnect(t)
			s.pollClose(sid)
			_, refused := s.dialRaw(t, nil, "sid", sid)
			if refused != `400 {"code":1,"message":"Session ID unknown"}` && refused != "400 Session ID unknown" {
				t.Fatalf("probe for a closed session: %q", refused)
			}
		}},
		{"upgrade/websocket-session", func(t *testing.T, s *server) {
			c := s.dialWS(t, true)
			expectRefusedOrClosed(t, s, c.sid)
			if err := c.echo(); err != nil {
				t.Fatal(err)
			}
		}},
		{"upgrade/polling-after-upgrade", func(t *testing.T, s *server) {
			sid := s.pollConnect(t)
			w := probe(t, s, sid)
			_ = w.write(text("5"))
			w.write(text(`421["echo","x"]`))
			w.expectText(t, `431["x"]`)
			r := s.must(t, "GET", s.url("transport", "polling", "sid", sid), "", nil)
			expectError(t, r, 400, 3, "Bad request")
		}},
	}
}

// expectRefusedOrClosed dials a websocket for sid, which already has one:
// it must be refused with code 3, or accepted and closed before any
// Engine.IO packet (as Node does).
func expectRefusedOrClosed(t *testing.T, s *server, sid string) {
	t.Helper()
	w, refused := s.dialRaw(t, nil, "sid", sid)
	if w == nil {
		if refused != `400 {"code":3,"message":"Bad request"}` {
			t.Fatalf("another websocket for %s: %q", sid, refused)
		}
		return
	}
	_ = w.write(text("2probe"))
	for {
		op, p, err := w.readFrame(waitFor)
		if err != nil || op == 8 {
			return
		}
		if op == 1 {
			t.Fatalf("another websocket for %s got %q", sid, p)
		}
	}
}
