// Package pythontest runs the python-socketio client scripts of
// internal/interop/python from Go tests. It uses Debian's system
// interpreter, /usr/bin/python3, where the packages python3-socketio,
// python3-requests and python3-websocket install (test.sh installs them),
// rather than whichever python3 comes first on PATH.
//
// Scripts are run, and their JSON lines streamed, by internal/nodetest:
// Find returns a nodetest.Runtime whose interpreter is Python. When the
// interpreter or a package is missing the test is skipped, except under CI
// (CI=true), where it fails.
package pythontest

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/gosio/gosio/internal/nodetest"
)

// Python is the interpreter the scripts run with; GOSIO_PYTHON overrides it.
func Python() string {
	if p := os.Getenv("GOSIO_PYTHON"); p != "" {
		return p
	}
	return "/usr/bin/python3"
}

// modules are the Python modules the client scripts import.
var modules = "import socketio, engineio, requests, websocket"

// Find checks the interpreter and its python-socketio packages, and returns
// a runtime that starts scripts (paths relative to the repository root)
// with it. It skips the test, or fails it under CI, when they are missing.
func Find(t testing.TB) *nodetest.Runtime {
	t.Helper()
	py := Python()
	root, err := nodetest.RepoRoot()
	if err != nil {
		skipOrFail(t, "repository root not found: %v", err)
		return nil
	}
	if _, err := os.Stat(py); err != nil {
		skipOrFail(t, "python interpreter %s: %v", py, err)
		return nil
	}
	if b, err := exec.Command(py, "-c", modules).CombinedOutput(); err != nil {
		skipOrFail(t, "%s lacks python-socketio: %v: %s", py, err, b)
		return nil
	}
	return &nodetest.Runtime{Node: py, Root: root, NodeModules: filepath.Join(root, "node_modules")}
}

func skipOrFail(t testing.TB, format string, args ...any) {
	t.Helper()
	const hint = "; install python3-socketio python3-requests python3-websocket (apt-get, or run test.sh as root)"
	if nodetest.InCI() {
		t.Fatalf(format+hint+" (CI=true: the python-socketio interop tests must run)", args...)
		return
	}
	t.Skipf(format+hint, args...)
}
