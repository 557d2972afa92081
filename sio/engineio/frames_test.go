package engineio_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"
)

// The session frames its messages itself while the websocket library
// answers pings on the same connection: however the two meet, the client
// reads every message whole and in order, and every pong whole. The pings
// carry 125 bytes, so that the library writes each pong in pieces (its
// write buffer is 16 bytes); the messages run from one byte to both long
// length forms and past the size written without a copy. The two rarely
// meet inside a frame here: TestWriteMessageWaitsForTheLibrarysFrame
// makes them meet there.
func TestDirectFramesNeverSplitTheLibrarysPongs(t *testing.T) {
	s := newTestServer(t, nil)
	w := s.rawWSOpen()
	sid := parseOpen(t, w.open).SID
	sock := s.sock(sid)

	sizes := []int{1, 100, 124, 125, 126, 300, 1000, 9000}
	const messages, pings = 3000, 3000
	message := func(i int) []byte {
		head := fmt.Sprintf("%d:", i)
		n := max(sizes[i%len(sizes)], len(head))
		if i%500 == 7 {
			n = 70000
		}
		return []byte(head + strings.Repeat(string(rune('a'+i%26)), n-len(head)))
	}
	sent := make(chan error, 1)
	go func() {
		for i := range messages {
			if err := sock.sock.Send(message(i), false); err != nil {
				sent <- err
				return
			}
		}
		sent <- nil
	}()
	pinged := make(chan error, 1)
	go func() {
		for i := range pings {
			payload := bytes.Repeat([]byte{byte('A' + i%26)}, 125)
			if _, err := w.c.Write(maskedClientFrame(0x89, payload)); err != nil {
				pinged <- err
				return
			}
			if i%64 == 0 {
				time.Sleep(time.Millisecond)
			}
		}
		pinged <- nil
	}()

	_ = w.c.SetReadDeadline(time.Now().Add(waitTimeout))
	gotMessages, gotPongs := 0, 0
	for gotMessages < messages || gotPongs < pings {
		op, data := w.frame()
		switch op {
		case 0x1:
			if want := append([]byte("4"), message(gotMessages)...); !bytes.Equal(data, want) {
				t.Fatalf("message %d: got %d bytes %.40q, want %d bytes %.40q", gotMessages, len(data), data, len(want), want)
			}
			gotMessages++
		case 0xA:
			if want := bytes.Repeat([]byte{byte('A' + gotPongs%26)}, 125); !bytes.Equal(data, want) {
				t.Fatalf("pong %d: %q", gotPongs, data)
			}
			gotPongs++
		default:
			t.Fatalf("unexpected frame: opcode %d, %d bytes", op, len(data))
		}
	}
	if err := <-sent; err != nil {
		t.Fatalf("Send: %v", err)
	}
	if err := <-pinged; err != nil {
		t.Fatalf("ping: %v", err)
	}
}

// maskedClientFrame is a final client frame with a zero mask.
func maskedClientFrame(b0 byte, payload []byte) []byte {
	if len(payload) > 125 {
		panic("maskedClientFrame: control-frame sizes only")
	}
	return append([]byte{b0, 0x80 | byte(len(payload)), 0, 0, 0, 0}, payload...)
}
