package goclient

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the run when a goroutine outlives the tests, but for the
// zishang520 client's own timers: a ticker its packages start at init, and
// timeouts (such as a Manager's connect timeout) that the client does not
// always cancel on close and that end when they fire.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		goleak.IgnoreTopFunction("github.com/zishang520/socket.io/v3/pkg/utils.SetInterval.func1"),
		goleak.IgnoreTopFunction("github.com/zishang520/socket.io/v3/pkg/utils.SetTimeout.func1"),
	)
}
