package engineio_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
	"weak"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/require"

	"github.com/gosio/gosio/sio/engineio"
)

// A client that stops reading blocks the writer that writes to it once
// its socket buffers are full. The other sessions must still be written
// to: each session has a writer of its own.
func TestAClientThatStopsReadingHoldsUpNoOtherSession(t *testing.T) {
	s := newTestServerWith(t, &engineio.Options{PingInterval: time.Hour, PingTimeout: time.Hour}, serverConfig{noEcho: true})

	stuckSID, stuckConn := dialWithoutReading(t, s)
	defer stuckConn.Close()
	stuck := s.sock(stuckSID)

	// Far more than loopback's socket buffers hold: the writer blocks.
	big := bytes.Repeat([]byte("x"), 1<<20)
	for range 4 {
		require.NoError(t, stuck.sock.Send(big, false))
	}

	for i := range 3 {
		w, open := s.wsOpen()
		require.NoError(t, s.sock(open.SID).sock.Send([]byte("hello"), false))
		require.Equal(t, "4hello", w.nextNonPing().String(), "client %d", i)
		w.closeNow()
	}
	// Closing the stuck session ends the blocked write.
	stuck.sock.Close()
	s.expectReason(stuckSID, engineio.ReasonForcedClose)
}

// 200 clients that stop reading, each with a write blocked on it, must not
// delay a healthy client: its packet goes out at once, not after a delay
// per blocked writer (the old writer pool added one writer per 2 ms, so
// the healthy client waited 400 ms and more). The server's socket send
// buffers are made small, so that what the blocked writes copy into the
// kernel before they block costs little CPU.
func TestManyClientsThatStopReadingDoNotDelayAHealthyOne(t *testing.T) {
	s := newTestServerWith(t, &engineio.Options{PingInterval: time.Hour, PingTimeout: time.Hour},
		serverConfig{noEcho: true, listen: smallSendBuffers})
	const stuckN = 200
	big := bytes.Repeat([]byte("x"), 64<<10) // more than the buffers hold: each write blocks
	var stuck []*appSock
	for range stuckN {
		sid, conn := dialWithoutReading(t, s)
		defer conn.Close()
		stuck = append(stuck, s.sock(sid))
	}
	healthy, open := s.wsOpen()
	h := s.sock(open.SID)
	for round := range 3 {
		for _, a := range stuck {
			require.NoError(t, a.sock.Send(big, false))
		}
		start := time.Now()
		require.NoError(t, h.sock.Send([]byte(fmt.Sprint("hello", round)), false))
		require.Equal(t, fmt.Sprint("4hello", round), healthy.nextNonPing().String())
		// Generous for a loaded machine; the fault this guards against
		// delayed the packet by 2 ms per blocked client.
		if d := time.Since(start); d > 250*time.Millisecond {
			t.Fatalf("round %d: the healthy client waited %v behind %d clients that do not read", round, d, stuckN)
		}
	}
	for _, a := range stuck {
		a.sock.Close()
	}
}

// smallSendBuffers gives every accepted connection an 8 KiB send buffer.
func smallSendBuffers(l net.Listener) net.Listener { return smallBufListener{l} }

type smallBufListener struct{ net.Listener }

func (l smallBufListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetWriteBuffer(8 << 10)
	}
	return c, err
}

// A client that reads as fast as it can is never closed because the
// server sends faster than the socket drains: a burst of 20,000 packets
// (more than the old 4,096-packet queue) arrives whole, in order.
func TestAReadingClientIsNotClosedByABurst(t *testing.T) {
	t.Parallel()
	s := newTestServerWith(t, nil, serverConfig{noEcho: true})
	w, open := s.wsOpen()
	a := s.sock(open.SID)
	const n = 20000
	go func() {
		for i := range n {
			if err := a.sock.Send([]byte(fmt.Sprintf("m%d", i)), false); err != nil {
				t.Errorf("send %d: %v", i, err)
				return
			}
		}
	}()
	for i := range n {
		m := w.nextNonPing()
		if m.String() != fmt.Sprintf("4m%d", i) {
			t.Fatalf("frame %d: %q", i, m)
		}
	}
	s.expectOpen(open.SID)
}

// The bound is on what the client leaves unread, in bytes: a client that
// does not read is closed with "transport error" (ErrQueueFull) once
// MaxQueuedBytes of packets wait for it, and no Send blocks.
func TestMaxQueuedBytesClosesAClientThatDoesNotRead(t *testing.T) {
	t.Parallel()
	s := newTestServerWith(t, &engineio.Options{MaxQueuedBytes: 1 << 20}, serverConfig{noEcho: true})
	sid, conn := dialWithoutReading(t, s)
	defer conn.Close()
	a := s.sock(sid)
	chunk := bytes.Repeat([]byte("y"), 32<<10)
	var err error
	for i := 0; i < 10000 && err == nil; i++ { // 320 MB at most
		err = a.sock.Send(chunk, false)
	}
	require.ErrorIs(t, err, engineio.ErrQueueFull)
	ev := s.expectReason(sid, engineio.ReasonTransportError)
	require.ErrorIs(t, ev.err, engineio.ErrQueueFull)
}

// A closed session is released at once, not kept for PingTimeout by the
// timers of its close: here a websocket session closed gracefully while
// its writer drains, and a long-polling one whose last GET collects the
// rest.
func TestAClosedSessionIsReleased(t *testing.T) {
	t.Parallel()
	long := &engineio.Options{PingInterval: time.Hour, PingTimeout: time.Hour}
	srv := engineio.NewServer(long)
	s := newBareServer(t, srv)
	opened := make(chan weak.Pointer[engineio.EngineIOSocket], 4)
	srv.OnConnection(func(sock *engineio.EngineIOSocket) {
		sock.OnMessage(func(data []byte, _ bool) {
			for range 100 {
				_ = sock.Send(data, false)
			}
			sock.Close()
		})
		opened <- weak.Make(sock)
	})

	// websocket: the close comes while 100 packets are queued
	w, _ := s.wsOpen()
	wsSock := <-opened
	w.send("4bye")
	for range 100 {
		require.Equal(t, "4bye", w.nextNonPing().String())
	}
	require.NoError(t, ignoreNormalClose(w.expectEnd()))

	// long-polling: the close is collected by one more GET
	sid := s.eioSession()
	pollSock := <-opened
	s.eioPushOK(sid, "4bye")
	body := s.eioPollOK(sid)
	require.True(t, strings.HasSuffix(body, "\x1e1"), "last GET %q", body)

	eventually(t, "both sessions collected", func() bool {
		runtime.GC()
		return wsSock.Value() == nil && pollSock.Value() == nil && srv.ClientsCount() == 0
	})
}

func ignoreNormalClose(err error) error {
	if err == nil || websocket.CloseStatus(err) == websocket.StatusNormalClosure {
		return nil
	}
	var ce websocket.CloseError
	if errors.As(err, &ce) {
		return err
	}
	return nil // the end of the stream after the close handshake
}

// dialWithoutReading opens a websocket session by hand, reads the handshake
// response and the open packet, and never reads again. It is Linux-only, as
// the module is (for SO_RCVBUF).
func dialWithoutReading(t *testing.T, s *testServer) (string, net.Conn) {
	t.Helper()
	u, err := url.Parse(s.wsURL("EIO", "4", "transport", "websocket"))
	require.NoError(t, err)
	// A small receive buffer: a client that does not read blocks the
	// server's writes soon, after little copying.
	d := net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
		return rc.Control(func(fd uintptr) {
			_ = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4<<10)
		})
	}}
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	conn, err := d.DialContext(ctx, "tcp", u.Host)
	require.NoError(t, err)
	_, err = conn.Write([]byte(upgradeRequest(u)))
	require.NoError(t, err)
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(waitTimeout)))
	br := bufio.NewReaderSize(conn, 512)
	resp, err := http.ReadResponse(br, nil)
	require.NoError(t, err)
	require.Equal(t, http.StatusSwitchingProtocols, resp.StatusCode)
	open := readServerTextFrame(t, br)
	require.True(t, strings.HasPrefix(open, "0{"), open)
	var o struct{ SID string }
	require.NoError(t, json.Unmarshal([]byte(open[1:]), &o))
	return o.SID, conn
}

// A client that stops reading, and reads again later, gets everything,
// once and in order, while the server goes on sending: what its socket
// did not take waits for it (the drain), then the queue.
func TestAClientThatPausesReadingGetsEverythingInOrder(t *testing.T) {
	t.Parallel()
	s := newTestServerWith(t, &engineio.Options{PingInterval: time.Hour, PingTimeout: time.Hour},
		serverConfig{noEcho: true, listen: smallSendBuffers})
	sid, conn := dialWithoutReading(t, s)
	defer conn.Close()
	a := s.sock(sid)
	const n = 4000
	pad := strings.Repeat("p", 1000)
	sent := make(chan error, 1)
	go func() {
		for i := range n {
			if err := a.sock.Send(fmt.Appendf(nil, "%d %s", i, pad), false); err != nil {
				sent <- err
				return
			}
			if i == n/2 {
				time.Sleep(50 * time.Millisecond) // the socket is stalled by now
			}
		}
		sent <- nil
	}()
	time.Sleep(100 * time.Millisecond) // the client does not read meanwhile
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(2*waitTimeout)))
	br := bufio.NewReader(conn)
	for i := range n {
		require.Equal(t, fmt.Sprintf("4%d %s", i, pad), readServerTextFrame(t, br), "frame %d", i)
	}
	require.NoError(t, <-sent)
	s.expectOpen(sid)
}

// Over TLS the connection is not a socket the server writes to without
// blocking: every write goes through the drain, in order all the same.
func TestWritesOverTLS(t *testing.T) {
	t.Parallel()
	srv := engineio.NewServer(nil)
	opened := make(chan *engineio.EngineIOSocket, 1)
	srv.OnConnection(func(sock *engineio.EngineIOSocket) { opened <- sock })
	ts := httptest.NewTLSServer(srv)
	defer ts.Close()
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*waitTimeout)
	defer cancel()
	c, _, err := websocket.Dial(ctx, "wss"+strings.TrimPrefix(ts.URL, "https")+"/?EIO=4&transport=websocket",
		&websocket.DialOptions{HTTPClient: ts.Client()})
	require.NoError(t, err)
	defer c.CloseNow()
	_, open, err := c.Read(ctx)
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(string(open), "0{"))
	sock := <-opened
	const n = 3000
	go func() {
		for i := range n {
			if sock.Send(fmt.Appendf(nil, "%d", i), i%7 == 0) != nil {
				return
			}
		}
	}()
	for i := range n {
		typ, data, err := c.Read(ctx)
		require.NoError(t, err)
		if i%7 == 0 {
			require.Equal(t, websocket.MessageBinary, typ)
			require.Equal(t, fmt.Sprint(i), string(data))
		} else {
			require.Equal(t, fmt.Sprint("4", i), string(data))
		}
	}
}
