package engineio_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/gosio/gosio/sio/engineio"
)

// panicMessage returns what f panics with, "" when it does not.
func panicMessage(f func()) (msg string) {
	defer func() {
		if r := recover(); r != nil {
			msg = fmt.Sprint(r)
		}
	}()
	f()
	return ""
}

// TestNewServerRefusesSetupMistakes: options a user gets wrong are caught
// where the server is made, with the field and the fix in the message,
// rather than breaking every client later.
func TestNewServerRefusesSetupMistakes(t *testing.T) {
	cases := []struct {
		name string
		opts engineio.Options
		want string
	}{
		{"unknown transport", engineio.Options{Transports: []string{"ws"}},
			`engineio: Options.Transports has unknown transport "ws": use engineio.TransportPolling ("polling") and/or engineio.TransportWebSocket ("websocket")`},
		{"ping interval without unit", engineio.Options{PingInterval: 25},
			"engineio: Options.PingInterval is 25ns; did you mean 25 * time.Second? (a bare number is nanoseconds)"},
		{"ping timeout without unit", engineio.Options{PingTimeout: 20},
			"engineio: Options.PingTimeout is 20ns; did you mean 20 * time.Second? (a bare number is nanoseconds)"},
		{"negative ping interval", engineio.Options{PingInterval: -time.Second},
			"engineio: Options.PingInterval is -1s: it must be positive (leave it 0 for the default, 25s)"},
		{"negative upgrade timeout", engineio.Options{UpgradeTimeout: -1},
			"engineio: Options.UpgradeTimeout is -1ns: it must be positive (leave it 0 for the default, 10s)"},
		{"negative max payload", engineio.Options{MaxPayload: -1},
			"engineio: Options.MaxPayload is -1: it must be positive (leave it 0 for the default, 1000000 bytes)"},
		{"negative queue", engineio.Options{MaxQueuedPackets: -5},
			"engineio: Options.MaxQueuedPackets is -5: it must be positive (leave it 0 for the default, 4096)"},
		{"negative threshold", engineio.Options{PerMessageDeflate: &engineio.CompressionOptions{Threshold: -1}},
			"engineio: Options.PerMessageDeflate.Threshold is -1: it must be positive (leave it 0 for the default, 1024 bytes)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := panicMessage(func() { engineio.NewServer(&c.opts) })
			if got != c.want {
				t.Errorf("panic %q\nwant  %q", got, c.want)
			}
		})
	}
	for _, ok := range []engineio.Options{
		{},
		{PingInterval: time.Millisecond, Transports: []string{engineio.TransportWebSocket}},
		{PingInterval: 25 * time.Second, PingTimeout: 20 * time.Second, MaxPayload: 1},
	} {
		if got := panicMessage(func() { engineio.NewServer(&ok) }); got != "" {
			t.Errorf("%+v: panic %q", ok, got)
		}
	}
	if got := panicMessage(func() { engineio.NewServer(nil) }); got != "" {
		t.Errorf("nil options: panic %q", got)
	}
}
