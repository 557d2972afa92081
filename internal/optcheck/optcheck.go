// Package optcheck holds the checks engineio.NewServer and
// socketio.NewServer make of their options' durations, so that both word
// their setup-mistake panics alike.
package optcheck

import (
	"fmt"
	"time"
)

// Min is the shortest duration an option accepts: anything shorter is
// taken for a number given without its unit (PingInterval: 25, meant as
// seconds, is 25ns).
const Min = time.Millisecond

// Duration returns an error naming field (with its package prefix, e.g.
// "engineio: Options.PingInterval") when d is negative, or positive but
// below Min; def is the default that zero takes.
func Duration(field string, d, def time.Duration) error {
	switch {
	case d < 0:
		return fmt.Errorf("%s is %v: it must be positive (leave it 0 for the default, %v)", field, d, def)
	case d > 0 && d < Min:
		return fmt.Errorf("%s is %v; did you mean %d * time.Second? (a bare number is nanoseconds)", field, d, int64(d))
	}
	return nil
}
