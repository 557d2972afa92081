package hardening

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the run when a goroutine outlives the tests: every test
// shuts its servers down and closes its clients.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
