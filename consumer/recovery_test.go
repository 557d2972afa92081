package consumer_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gosio/gosio/consumer"
	"github.com/gosio/gosio/sio/engineio"
	"github.com/gosio/gosio/sio/socketio"
)

// Recovering counts its Connect calls and answers "ping".
type Recovering struct {
	consumer.SocketIOConsumer
	connects *atomic.Int32
}

func (r *Recovering) Connect() error {
	r.connects.Add(1)
	return r.Emit("welcome")
}

func (r *Recovering) EventPing() string { return "pong" }

// TestRecoveredClientKeepsItsConsumer checks that a client restored by
// connection state recovery, which skips the namespace middlewares (and so
// Connect) by default, still has its events handled by a consumer.
func TestRecoveredClientKeepsItsConsumer(t *testing.T) {
	srv := socketio.NewServer(&socketio.ServerOptions{
		Engine:                  &engineio.Options{PingInterval: time.Minute, PingTimeout: time.Minute},
		ConnectionStateRecovery: &socketio.RecoveryOptions{},
	})
	connects := &atomic.Int32{}
	consumer.AsASGI(&Recovering{connects: connects}, consumer.WithServer(srv))
	mux := http.NewServeMux()
	mux.Handle("/socket.io/", srv)
	ts := httptest.NewServer(mux)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
		defer cancel()
		_ = srv.Shutdown(ctx)
		ts.Close()
	})
	url := "ws" + strings.TrimPrefix(ts.URL, "http") + "/socket.io/?EIO=4&transport=websocket"

	c1 := dialURL(t, url)
	c1.send("40")
	var hello struct{ SID, PID string }
	reply := c1.read()
	require.True(t, strings.HasPrefix(reply, "40{"), "CONNECT reply, got %q", reply)
	require.NoError(t, json.Unmarshal([]byte(reply[2:]), &hello))
	require.NotEmpty(t, hello.PID)
	var welcome []string
	require.NoError(t, json.Unmarshal([]byte(c1.expectEvent("/")), &welcome))
	require.Len(t, welcome, 2, "welcome carries its offset")
	c1.close()
	require.Eventually(t, func() bool { return len(srv.Sockets()) == 0 }, waitTimeout, 5*time.Millisecond)
	time.Sleep(50 * time.Millisecond) // the disconnect task persists the session

	c2 := dialURL(t, url)
	auth, _ := json.Marshal(map[string]string{"pid": hello.PID, "offset": welcome[1]})
	c2.send("40" + string(auth))
	reply = c2.read()
	var again struct{ SID string }
	require.NoError(t, json.Unmarshal([]byte(strings.TrimPrefix(reply, "40")), &again))
	assert.Equal(t, hello.SID, again.SID, "recovered with the same id")
	c2.emit("/", 1, `["ping"]`)
	assert.Equal(t, `["pong"]`, c2.expectAck("/", 1))
	assert.Equal(t, int32(1), connects.Load(), "Connect is not called again for a recovered client")
}
