package engineio_test

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/require"
)

// The websocket's buffers are 512 bytes: messages around and far beyond
// that size must cross intact both ways, text and binary.
func TestWebSocketMessagesAroundTheBufferSize(t *testing.T) {
	s := newTestServer(t, nil)
	w, _ := s.wsOpen()
	defer w.closeNow()
	for _, n := range []int{1, 510, 511, 512, 513, 1023, 1024, 1025, 4096, 70_000, 300_000} {
		text := strings.Repeat("x", n-1) + "!"
		w.send("4" + text)
		require.Equal(t, "4"+text, w.nextNonPing().String(), "text of %d bytes", n)

		bin := bytes.Repeat([]byte{0, 1, 2, 3, 254, 255}, n/6+1)[:n]
		w.sendBinary(bin)
		got := w.nextNonPing()
		require.Equal(t, websocket.MessageBinary, got.typ, "binary of %d bytes", n)
		require.Equal(t, bin, got.data, "binary of %d bytes", n)
	}
}

// A client may send frames right behind its upgrade request, before it has
// read the 101 response: net/http then holds them in its buffer at the
// hijack, and they must reach the session first, in order.
func TestWebSocketFramesSentWithTheUpgradeRequest(t *testing.T) {
	s := newTestServer(t, nil)
	u, err := url.Parse(s.wsURL("EIO", "4", "transport", "websocket"))
	require.NoError(t, err)
	conn, err := net.Dial("tcp", u.Host)
	require.NoError(t, err)
	defer conn.Close()
	require.NoError(t, conn.SetDeadline(time.Now().Add(waitTimeout)))

	var req bytes.Buffer
	req.WriteString(upgradeRequest(u))
	for _, m := range []string{"4first", "4second"} {
		req.Write(maskedTextFrame(m))
	}
	_, err = conn.Write(req.Bytes())
	require.NoError(t, err)

	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	require.NoError(t, err)
	require.Equal(t, http.StatusSwitchingProtocols, resp.StatusCode)
	require.True(t, strings.HasPrefix(readServerTextFrame(t, br), "0{"), "the open packet comes first")
	require.Equal(t, "4first", readServerTextFrame(t, br))
	require.Equal(t, "4second", readServerTextFrame(t, br))
}

// upgradeRequest is a websocket upgrade request for u, as a client writes
// it on the wire.
func upgradeRequest(u *url.URL) string {
	return "GET " + u.RequestURI() + " HTTP/1.1\r\nHost: " + u.Host + "\r\n" +
		"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
}

// maskedTextFrame is a client's unfragmented text frame (payload < 126
// bytes), masked with a fixed key as RFC 6455 lets a client choose.
func maskedTextFrame(payload string) []byte {
	key := [4]byte{1, 2, 3, 4}
	f := []byte{0x81, 0x80 | byte(len(payload)), key[0], key[1], key[2], key[3]}
	for i := 0; i < len(payload); i++ {
		f = append(f, payload[i]^key[i%4])
	}
	return f
}

// readServerTextFrame reads one unmasked, unfragmented text frame.
func readServerTextFrame(t *testing.T, br *bufio.Reader) string {
	t.Helper()
	var h [2]byte
	_, err := io.ReadFull(br, h[:])
	require.NoError(t, err)
	require.Equal(t, byte(0x81), h[0], "a final text frame")
	n := int(h[1] & 0x7f)
	switch n {
	case 126:
		var b [2]byte
		_, err = io.ReadFull(br, b[:])
		n = int(binary.BigEndian.Uint16(b[:]))
	case 127:
		var b [8]byte
		_, err = io.ReadFull(br, b[:])
		n = int(binary.BigEndian.Uint64(b[:]))
	}
	require.NoError(t, err)
	p := make([]byte, n)
	_, err = io.ReadFull(br, p)
	require.NoError(t, err)
	return string(p)
}
