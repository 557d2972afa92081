package engineio

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"testing"
	"time"
)

// frameTrack follows frames of every length form however the library's
// writes cut them, and marks the close frame.
func TestFrameTrackFollowsFramesCutAnywhere(t *testing.T) {
	var stream []byte
	var ends []int // offsets where a frame ends
	// A masked frame first: never the library's, but followed too.
	stream = append(stream, maskedFrame(0x81, bytes.Repeat([]byte{'m'}, 300))...)
	ends = append(ends, len(stream))
	for i, n := range []int{0, 1, 125, 126, 65535, 65536, 3} {
		op := byte(opText)
		if i == 6 {
			op = opClose
		}
		stream = appendFrameHeader(stream, op, n)
		stream = append(stream, bytes.Repeat([]byte{'x'}, n)...)
		ends = append(ends, len(stream))
	}
	atEnd := func(off int) bool {
		for _, e := range ends {
			if e == off {
				return true
			}
		}
		return off == 0
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 50 {
		var tr frameTrack
		off := 0
		for off < len(stream) {
			k := 1 + rng.IntN(20)
			if round%2 == 1 {
				k = 1 + rng.IntN(70000)
			}
			k = min(k, len(stream)-off)
			tr.feed(stream[off : off+k])
			off += k
			if got, want := tr.midFrame(), !atEnd(off); got != want {
				t.Fatalf("round %d: at %d midFrame = %v, want %v", round, off, got, want)
			}
			if got, want := tr.closeSent, off > ends[6]; got != want { // from the close frame's first byte on
				t.Fatalf("round %d: at %d closeSent = %v, want %v", round, off, got, want)
			}
		}
	}
}

func TestAppendFrameHeaderLengthForms(t *testing.T) {
	for _, c := range []struct {
		n    int
		want []byte
	}{
		{0, []byte{0x81, 0}},
		{125, []byte{0x81, 125}},
		{126, []byte{0x81, 126, 0, 126}},
		{65535, []byte{0x81, 126, 0xFF, 0xFF}},
		{65536, []byte{0x81, 127, 0, 0, 0, 0, 0, 1, 0, 0}},
	} {
		if got := appendFrameHeader(nil, opText, c.n); !bytes.Equal(got, c.want) {
			t.Errorf("appendFrameHeader(%d) = %x, want %x", c.n, got, c.want)
		}
	}
}

// A message framed by the session waits for the library's frame in
// progress to end, and goes after it, whole.
func TestWriteMessageWaitsForTheLibrarysFrame(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	server, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer server.Close()
	b := newSendBuffer(&Server{}, server)
	b.direct = true

	pong := appendFrameHeader(nil, 0xA, 125)
	pong = append(pong, bytes.Repeat([]byte{'p'}, 125)...)
	if _, err := b.Write(pong[:16]); err != nil { // as the library's buffer flushes
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		b.collect()
		if err := b.writeMessage(opText, '4', []byte("hello")); err != nil {
			done <- err
			return
		}
		done <- b.flush(false)
	}()
	select {
	case err := <-done:
		t.Fatalf("writeMessage returned inside the library's frame: %v", err)
	case <-time.After(50 * time.Millisecond):
	}
	if _, err := b.Write(pong[16:]); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	want := append(append([]byte(nil), pong...), 0x81, 6, '4', 'h', 'e', 'l', 'l', 'o')
	got := make([]byte, len(want))
	_ = client.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.ReadFull(client, got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("the stream is\n%x\nwant\n%x", got, want)
	}

	// After the library's close frame, no frame of the session's.
	if _, err := b.Write([]byte{0x88, 0}); err != nil {
		t.Fatal(err)
	}
	b.collect()
	defer b.flush(false)
	if err := b.writeMessage(opText, '4', []byte("late")); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("writeMessage after a close frame: %v, want net.ErrClosed", err)
	}
}
