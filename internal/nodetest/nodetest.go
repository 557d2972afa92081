// Package nodetest runs Node.js scripts from Go tests: it finds node and
// the repository's node_modules (installed by `npm ci` at the repository
// root from package.json), starts a script with arguments and environment,
// and streams the JSON lines the script prints on stdout to the test as
// Events, while the test may write JSON commands to the script's stdin.
//
// When node or a required package is missing the test is skipped, except
// under CI (the environment variable CI is "true"), where it fails: CI must
// not pass by skipping the interop tests.
package nodetest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// modulePath is the Go module whose root holds package.json and
// node_modules.
const modulePath = "github.com/gosio/gosio"

// DefaultTimeout bounds each wait for an event.
const DefaultTimeout = 30 * time.Second

// Runtime is a usable node and the repository it runs scripts from.
type Runtime struct {
	Node        string // path of the node binary
	Root        string // repository root (where go.mod and package.json are)
	NodeModules string // Root/node_modules
}

// InCI reports whether the tests run under CI, where missing Node.js
// dependencies are a failure rather than a reason to skip.
func InCI() bool { return os.Getenv("CI") == "true" }

// skipOrFail skips the test, or fails it under CI.
func skipOrFail(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if InCI() {
		t.Fatalf("%s (CI=true: the Node.js interop tests must run; install node and run `npm ci` at the repository root)", msg)
		return
	}
	t.Skipf("%s; run `npm ci` at the repository root to enable this test", msg)
}

// Find locates node and the repository's node_modules, and checks that
// every package named is installed. It skips the test (fails it under CI)
// when something is missing.
func Find(t testing.TB, packages ...string) *Runtime {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		skipOrFail(t, "node not found on PATH")
		return nil
	}
	root, err := RepoRoot()
	if err != nil {
		skipOrFail(t, "repository root not found: %v", err)
		return nil
	}
	nm := filepath.Join(root, "node_modules")
	for _, p := range packages {
		if _, err := os.Stat(filepath.Join(nm, filepath.FromSlash(p), "package.json")); err != nil {
			skipOrFail(t, "npm package %s not installed in %s", p, nm)
			return nil
		}
	}
	return &Runtime{Node: node, Root: root, NodeModules: nm}
}

// RepoRoot walks up from the working directory to the directory whose
// go.mod declares the gosio module.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && declaresModule(b, modulePath) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod of module %s above the working directory", modulePath)
		}
		dir = parent
	}
}

func declaresModule(gomod []byte, path string) bool {
	for line := range strings.Lines(string(gomod)) {
		f := strings.Fields(line)
		if len(f) == 2 && f[0] == "module" && strings.Trim(f[1], `"`) == path {
			return true
		}
	}
	return false
}

// Event is one JSON object a script printed on a line of its stdout. By
// convention it has an "event" field naming it.
type Event map[string]any

// Name returns the event's "event" field.
func (e Event) Name() string { s, _ := e["event"].(string); return s }

// String returns the field as a string ("" when absent or not a string).
func (e Event) String(field string) string { s, _ := e[field].(string); return s }

// Int returns the field as an int (JSON numbers are float64).
func (e Event) Int(field string) int { f, _ := e[field].(float64); return int(f) }

// Bool returns the field as a bool.
func (e Event) Bool(field string) bool { b, _ := e[field].(bool); return b }

// Process is a running script.
type Process struct {
	t      testing.TB
	cmd    *exec.Cmd
	cancel context.CancelFunc
	stdin  io.WriteCloser
	events chan Event    // closed when stdout ends
	quit   chan struct{} // closed by stop: events are then dropped

	stdinMu sync.Mutex

	mu     sync.Mutex
	stderr bytes.Buffer
	other  []string // stdout lines that are not JSON

	readers sync.WaitGroup
	waitErr error
	exited  chan struct{}

	// fatal is Options.Fatal. pending holds the events TryTake read and
	// set aside, in arrival order; only the test's goroutine touches it.
	fatal   string
	pending []Event
}

// Options of a script run.
type Options struct {
	Args []string // after the script path
	Env  []string // added to the test's environment, "KEY=value"
	Dir  string   // working directory; default the repository root
	// Fatal names the event by which the script reports its own failure:
	// Take and TryTake fail the test when it comes. Empty: none.
	Fatal string
}

// Start runs the script (a path relative to the repository root) with
// node. The process is killed, and its output goroutines waited for, when
// the test ends.
func (r *Runtime) Start(t testing.TB, script string, opts Options) *Process {
	t.Helper()
	path := script
	if !filepath.IsAbs(path) {
		path = filepath.Join(r.Root, filepath.FromSlash(script))
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("nodetest: script: %v", err)
		return nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, r.Node, append([]string{path}, opts.Args...)...)
	cmd.Dir = opts.Dir
	if cmd.Dir == "" {
		cmd.Dir = r.Root
	}
	cmd.Env = append(os.Environ(), opts.Env...)
	cmd.WaitDelay = 2 * time.Second
	p := &Process{t: t, cmd: cmd, cancel: cancel, events: make(chan Event, 4096), quit: make(chan struct{}), exited: make(chan struct{}), fatal: opts.Fatal}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		cancel()
		t.Fatalf("nodetest: %v", err)
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		cancel()
		t.Fatalf("nodetest: %v", err)
	}
	if p.stdin, err = cmd.StdinPipe(); err != nil {
		cancel()
		t.Fatalf("nodetest: %v", err)
	}
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatalf("nodetest: starting %s: %v", script, err)
	}
	p.readers.Add(2)
	go p.readStdout(stdout)
	go p.readStderr(stderr)
	go func() {
		p.readers.Wait() // Wait must come after the pipes are drained
		p.waitErr = cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		p.stop()
		if t.Failed() {
			p.logOutput()
		}
	})
	return p
}

func (p *Process) readStdout(r io.Reader) {
	defer p.readers.Done()
	defer close(p.events)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 64<<20)
	for sc.Scan() {
		line := sc.Bytes()
		var ev Event
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		if err := json.Unmarshal(line, &ev); err != nil || ev == nil {
			p.mu.Lock()
			p.other = append(p.other, string(line))
			p.mu.Unlock()
			continue
		}
		select {
		case p.events <- ev:
		case <-p.quit:
		}
	}
	_, _ = io.Copy(io.Discard, r)
}

func (p *Process) readStderr(r io.Reader) {
	defer p.readers.Done()
	buf := make([]byte, 32<<10)
	for {
		n, err := r.Read(buf)
		if n > 0 {
			p.mu.Lock()
			if p.stderr.Len() < 1<<20 {
				p.stderr.Write(buf[:n])
			}
			p.mu.Unlock()
		}
		if err != nil {
			return
		}
	}
}

// stop closes stdin, gives the script a second to exit, then kills it; it
// returns once its goroutines have ended.
func (p *Process) stop() {
	close(p.quit)
	p.stdinMu.Lock()
	_ = p.stdin.Close()
	p.stdinMu.Unlock()
	select {
	case <-p.exited:
	case <-time.After(time.Second):
		p.cancel()
		<-p.exited
	}
	p.cancel()
}

func (p *Process) logOutput() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if s := p.stderr.String(); s != "" {
		p.t.Logf("nodetest: stderr of %s:\n%s", filepath.Base(p.cmd.Path), s)
	}
	for _, l := range p.other {
		p.t.Logf("nodetest: stdout: %s", l)
	}
}

// Send writes one JSON command line to the script's stdin.
func (p *Process) Send(cmd any) {
	p.t.Helper()
	b, err := json.Marshal(cmd)
	if err != nil {
		p.t.Fatalf("nodetest: %v", err)
	}
	p.stdinMu.Lock()
	defer p.stdinMu.Unlock()
	if _, err := p.stdin.Write(append(b, '\n')); err != nil {
		p.t.Fatalf("nodetest: writing to the script: %v", err)
	}
}

// ErrExited is returned by Next once the script's stdout has ended.
var ErrExited = errors.New("nodetest: script exited")

// Next returns the next event, or an error when none comes within the
// timeout or the script has exited.
func (p *Process) Next(timeout time.Duration) (Event, error) {
	select {
	case ev, ok := <-p.events:
		if !ok {
			return nil, ErrExited
		}
		return ev, nil
	case <-time.After(timeout):
		return nil, fmt.Errorf("nodetest: no event within %v", timeout)
	}
}

// Expect returns the next event, which must be named name: the test fails
// on another event, on an "error" event, on a timeout, or if the script
// exited.
func (p *Process) Expect(name string) Event {
	p.t.Helper()
	ev, err := p.Next(DefaultTimeout)
	if err != nil {
		p.t.Fatalf("waiting for %q: %v", name, err)
	}
	if ev.Name() != name {
		p.t.Fatalf("got event %v, want %q", ev, name)
	}
	return ev
}

// Until skips events until one named name, failing on an "error" event.
func (p *Process) Until(name string) Event {
	p.t.Helper()
	deadline := time.Now().Add(DefaultTimeout)
	for {
		ev, err := p.Next(time.Until(deadline))
		if err != nil {
			p.t.Fatalf("waiting for %q: %v", name, err)
		}
		if ev.Name() == name {
			return ev
		}
		if ev.Name() == "error" {
			p.t.Fatalf("script error while waiting for %q: %v", name, ev)
		}
	}
}

// Take returns the first event, in arrival order, that match accepts,
// looking first at the events earlier calls set aside; the test fails
// when none comes within DefaultTimeout. what names the awaited event in
// the failure message.
func (p *Process) Take(what string, match func(Event) bool) Event {
	p.t.Helper()
	ev, ok := p.TryTake(DefaultTimeout, match)
	if !ok {
		p.t.Fatalf("%s: no %s; unconsumed events: %v", filepath.Base(p.cmd.Args[1]), what, p.pending)
	}
	return ev
}

// TryTake is Take that reports, instead of failing, when no accepted event
// comes within timeout (or the script has exited). Events it reads that
// match refuses are set aside for later calls; the Options.Fatal event
// fails the test.
func (p *Process) TryTake(timeout time.Duration, match func(Event) bool) (Event, bool) {
	p.t.Helper()
	for i, ev := range p.pending {
		if match(ev) {
			p.pending = slices.Delete(p.pending, i, i+1)
			return ev, true
		}
	}
	deadline := time.Now().Add(timeout)
	for {
		left := time.Until(deadline)
		if left <= 0 {
			return nil, false
		}
		ev, err := p.Next(left)
		if err != nil {
			return nil, false
		}
		if p.fatal != "" && ev.Name() == p.fatal {
			p.t.Fatalf("%s failed: %v", filepath.Base(p.cmd.Args[1]), ev)
		}
		if match(ev) {
			return ev, true
		}
		p.pending = append(p.pending, ev)
	}
}

// Wait waits for the script to exit and returns its exit error.
func (p *Process) Wait(timeout time.Duration) error {
	select {
	case <-p.exited:
		return p.waitErr
	case <-time.After(timeout):
		return fmt.Errorf("nodetest: script still running after %v", timeout)
	}
}
