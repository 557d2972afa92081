package metrics

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's run when any goroutine outlives the tests:
// every test shuts its server down (which waits for the sockets' handler
// goroutines) and closes its websockets and HTTP clients.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
