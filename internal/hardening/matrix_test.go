package hardening

import (
	"runtime"
	"testing"
	"time"

	"github.com/gosio/gosio/sio/socketio"
)

// matrixCase is one bad input and the assertion of its outcome. run gets
// the shared server (recovery on, default options otherwise); a case that
// needs other options starts a server of its own and closes it.
type matrixCase struct {
	name string
	run  func(t *testing.T, s *server)
}

// TestBadInputMatrix runs every case of matrixCases in turn against one
// server. After each case its clients are closed, and then: the canary (a
// websocket client on "/") must answer an emit-with-ack round trip, the
// server must be back to the canary's one session, and the goroutine count
// must return to the baseline taken before the first case.
//
// The cases named "defect/..." are the defects of issue 10 and fail until
// they are fixed.
func TestBadInputMatrix(t *testing.T) {
	s := newServer(t, &socketio.ServerOptions{ConnectionStateRecovery: &socketio.RecoveryOptions{}})
	canary := s.dialWS(t, true)
	if err := canary.echo(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
	base := runtime.NumGoroutine() + 1 // the subtest's own goroutine
	names := map[string]bool{}
	for _, tc := range matrixCases() {
		if names[tc.name] {
			t.Fatalf("two cases named %q", tc.name)
		}
		names[tc.name] = true
		t.Run(tc.name, func(t *testing.T) {
			// registered first, so it runs after the case's own cleanups
			t.Cleanup(func() {
				if err := canary.echo(); err != nil {
					t.Errorf("canary after %s: %v", tc.name, err)
					canary.close()
					canary = s.dialWS(t, true) // so that later cases are judged on their own
				}
				if !waitUntil(func() bool { return s.sessions() == 1 }) {
					t.Errorf("%d sessions open after the case, want the canary's 1", s.sessions())
				}
				settleGoroutines(t, base)
				if n := s.panics.Swap(0); n > 0 {
					t.Errorf("%d handler panic(s)", n)
				}
			})
			tc.run(t, s)
		})
	}
	if n := len(names); n < 70 {
		t.Errorf("the matrix has %d cases, want at least 70", n)
	}
}

// matrixCases lists every case: those that passed on 0785b4c and must keep
// passing, then the defects of issue 10.
func matrixCases() []matrixCase {
	var cases []matrixCase
	cases = append(cases, engineHTTPCases()...)
	cases = append(cases, websocketFrameCases()...)
	cases = append(cases, upgradeCases()...)
	cases = append(cases, socketIOCases()...)
	cases = append(cases, resourceCases()...)
	cases = append(cases, defectCases()...)
	return cases
}
