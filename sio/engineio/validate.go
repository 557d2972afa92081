package engineio

import (
	"fmt"
	"time"

	"github.com/gosio/gosio/internal/optcheck"
)

// validate reports the first setup mistake in o, naming the field and the
// fix: an unknown transport, a negative size or duration, a duration
// given without its unit. Zero values are not mistakes: they take the
// defaults.
func (o *Options) validate() error {
	if o == nil {
		return nil
	}
	for _, d := range []struct {
		field string
		d     time.Duration
		def   time.Duration
	}{
		{"Options.PingInterval", o.PingInterval, 25 * time.Second},
		{"Options.PingTimeout", o.PingTimeout, 20 * time.Second},
		{"Options.UpgradeTimeout", o.UpgradeTimeout, 10 * time.Second},
	} {
		if err := optcheck.Duration("engineio: "+d.field, d.d, d.def); err != nil {
			return err
		}
	}
	if o.MaxPayload < 0 {
		return fmt.Errorf("engineio: Options.MaxPayload is %d: it must be positive (leave it 0 for the default, 1000000 bytes)", o.MaxPayload)
	}
	if o.MaxQueuedPackets < 0 {
		return fmt.Errorf("engineio: Options.MaxQueuedPackets is %d: it must be positive (leave it 0 for the default, 4096)", o.MaxQueuedPackets)
	}
	for _, t := range o.Transports {
		if t != TransportPolling && t != TransportWebSocket {
			return fmt.Errorf("engineio: Options.Transports has unknown transport %q: use engineio.TransportPolling (%q) and/or engineio.TransportWebSocket (%q)", t, TransportPolling, TransportWebSocket)
		}
	}
	for name, c := range map[string]*CompressionOptions{"HTTPCompression": o.HTTPCompression, "PerMessageDeflate": o.PerMessageDeflate} {
		if c != nil && c.Threshold < 0 {
			return fmt.Errorf("engineio: Options.%s.Threshold is %d: it must be positive (leave it 0 for the default, 1024 bytes)", name, c.Threshold)
		}
	}
	if o.CORS != nil && o.CORS.MaxAge < 0 {
		return fmt.Errorf("engineio: Options.CORS.MaxAge is %v: it must be positive (0 sends none)", o.CORS.MaxAge)
	}
	return nil
}
