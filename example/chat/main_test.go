package main

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the run when a goroutine outlives the tests: the
// servers, their "left" notice timers and the test clients all end.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
