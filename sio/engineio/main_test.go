package engineio_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's run when any goroutine outlives the tests:
// every test closes its servers, sessions, websockets and HTTP clients
// (httptest.Server.Close closes the idle connections of its Client), so
// nothing needs ignoring.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
