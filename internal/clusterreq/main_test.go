package clusterreq

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the run when a goroutine (a wait, an ack route's timer)
// outlives the tests.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
