package socketio

import (
	"fmt"
	"testing"
	"time"

	"github.com/gosio/gosio/sio/engineio"
)

func panicMessage(f func()) (msg string) {
	defer func() {
		if r := recover(); r != nil {
			msg = fmt.Sprint(r)
		}
	}()
	f()
	return ""
}

// TestNewServerRefusesSetupMistakes: socketio's own options, and the
// engine's through it, are checked where the server is made.
func TestNewServerRefusesSetupMistakes(t *testing.T) {
	cases := []struct {
		name string
		opts ServerOptions
		want string
	}{
		{"connect timeout without unit", ServerOptions{ConnectTimeout: 45},
			"socketio: ServerOptions.ConnectTimeout is 45ns; did you mean 45 * time.Second? (a bare number is nanoseconds)"},
		{"negative connect timeout", ServerOptions{ConnectTimeout: -time.Second},
			"socketio: ServerOptions.ConnectTimeout is -1s: it must be positive (leave it 0 for the default, 45s)"},
		{"negative recovery window", ServerOptions{ConnectionStateRecovery: &RecoveryOptions{MaxDisconnectionDuration: -time.Minute}},
			"socketio: RecoveryOptions.MaxDisconnectionDuration is -1m0s: it must be positive (leave it 0 for the default, 2m0s)"},
		{"engine transport", ServerOptions{Engine: &engineio.Options{Transports: []string{"ws"}}},
			`engineio: Options.Transports has unknown transport "ws": use engineio.TransportPolling ("polling") and/or engineio.TransportWebSocket ("websocket")`},
		{"engine ping interval", ServerOptions{Engine: &engineio.Options{PingInterval: 25}},
			"engineio: Options.PingInterval is 25ns; did you mean 25 * time.Second? (a bare number is nanoseconds)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := panicMessage(func() { NewServer(&c.opts) }); got != c.want {
				t.Errorf("panic %q\nwant  %q", got, c.want)
			}
		})
	}
}
