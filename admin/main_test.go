package admin

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's run when any goroutine outlives the tests:
// every test closes its Admin (the stats loop and the sender) and shuts its
// server down.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
