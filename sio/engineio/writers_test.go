package engineio_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gosio/gosio/sio/engineio"
)

// A client that stops reading blocks the writer that writes to it once
// its socket buffers are full. The other sessions must still be written
// to: the pool starts another writer when its writers make no progress.
func TestAClientThatStopsReadingHoldsUpNoOtherSession(t *testing.T) {
	s := newTestServerWith(t, &engineio.Options{PingInterval: time.Hour, PingTimeout: time.Hour}, serverConfig{noEcho: true})

	stuckSID, stuckConn := dialWithoutReading(t, s)
	defer stuckConn.Close()
	stuck := s.sock(stuckSID)

	// Far more than loopback's socket buffers hold: the writer blocks.
	big := bytes.Repeat([]byte("x"), 1<<20)
	for range 40 {
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

// dialWithoutReading opens a websocket session by hand, reads the handshake
// response and the open packet, and never reads again.
func dialWithoutReading(t *testing.T, s *testServer) (string, net.Conn) {
	t.Helper()
	u, err := url.Parse(s.wsURL("EIO", "4", "transport", "websocket"))
	require.NoError(t, err)
	conn, err := net.Dial("tcp", u.Host)
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
