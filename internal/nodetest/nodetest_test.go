package nodetest

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// recorder is a testing.TB whose Skipf and Fatalf only record (and do not
// stop the caller), to observe what Find decides.
type recorder struct {
	testing.TB
	skipped, fatal string
}

func (r *recorder) Helper()                        {}
func (r *recorder) Skipf(format string, a ...any)  { r.skipped = fmt.Sprintf(format, a...) }
func (r *recorder) Fatalf(format string, a ...any) { r.fatal = fmt.Sprintf(format, a...) }

func TestDeclaresModule(t *testing.T) {
	t.Parallel()
	cases := map[string]bool{
		"module github.com/gosio/gosio\n\ngo 1.26\n":    true,
		"// x\nmodule \"github.com/gosio/gosio\"\n":     true,
		"module github.com/gosio/gosio/bench\n":         false,
		"module example.com/other\n":                    false,
		"require github.com/gosio/gosio v1.0.0\n":       false,
		"go 1.26\nmodule   github.com/gosio/gosio   \n": true,
	}
	for gomod, want := range cases {
		if got := declaresModule([]byte(gomod), modulePath); got != want {
			t.Errorf("%q: %v, want %v", gomod, got, want)
		}
	}
}

func TestRepoRoot(t *testing.T) {
	t.Parallel()
	root, err := RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"go.mod", "package.json"} {
		if _, err := os.Stat(filepath.Join(root, f)); err != nil {
			t.Errorf("repository root %s: %v", root, err)
		}
	}
}

// Not parallel: it changes PATH and CI.
func TestFindSkipsOrFailsWithoutNode(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	t.Setenv("CI", "")
	r := &recorder{TB: t}
	Find(r)
	if r.skipped == "" || r.fatal != "" {
		t.Errorf("without node and CI: skipped %q, fatal %q; want a skip", r.skipped, r.fatal)
	}
	t.Setenv("CI", "true")
	r = &recorder{TB: t}
	Find(r)
	if r.fatal == "" || r.skipped != "" {
		t.Errorf("without node under CI: skipped %q, fatal %q; want a failure", r.skipped, r.fatal)
	}
}

func TestFindSkipsOrFailsWithoutPackage(t *testing.T) {
	t.Setenv("CI", "")
	r := &recorder{TB: t}
	Find(r, "no-such-package-for-nodetest")
	if r.skipped == "" && r.fatal == "" {
		t.Error("a missing package neither skipped nor failed")
	}
	if r.fatal != "" {
		t.Errorf("failed outside CI: %q", r.fatal)
	}
	t.Setenv("CI", "true")
	r = &recorder{TB: t}
	Find(r, "no-such-package-for-nodetest")
	if r.fatal == "" {
		t.Errorf("a missing package under CI did not fail (skipped %q)", r.skipped)
	}
}

func writeScript(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "script.mjs")
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestStartStreamsEvents(t *testing.T) {
	t.Parallel()
	rt := Find(t)
	script := writeScript(t, `
import { createInterface } from "node:readline";
const emit = (o) => process.stdout.write(JSON.stringify(o) + "\n");
emit({ event: "hello", args: process.argv.slice(2), env: process.env.NODETEST_X, n: 42, ok: true });
console.log("not json");
console.error("to stderr");
const rl = createInterface({ input: process.stdin });
rl.on("line", (line) => emit({ event: "echo", got: JSON.parse(line) }));
rl.on("close", () => { emit({ event: "bye" }); process.exit(0); });
`)
	p := rt.Start(t, script, Options{Args: []string{"a", "b c"}, Env: []string{"NODETEST_X=y"}})
	ev := p.Expect("hello")
	args, _ := ev["args"].([]any)
	if len(args) != 2 || args[0] != "a" || args[1] != "b c" || ev.String("env") != "y" || ev.Int("n") != 42 || !ev.Bool("ok") {
		t.Fatalf("hello event %v", ev)
	}
	p.Send(map[string]any{"cmd": "x", "v": 1})
	p.Send(map[string]any{"cmd": "y"})
	if ev := p.Until("echo"); ev["got"].(map[string]any)["cmd"] != "x" {
		t.Fatalf("echo %v", ev)
	}
	if ev := p.Expect("echo"); ev["got"].(map[string]any)["cmd"] != "y" {
		t.Fatalf("echo %v", ev)
	}
	if _, err := p.Next(50 * time.Millisecond); err == nil {
		t.Fatal("an event out of nowhere")
	}
	p.stdinMu.Lock()
	_ = p.stdin.Close()
	p.stdinMu.Unlock()
	p.Expect("bye")
	if _, err := p.Next(5 * time.Second); !errors.Is(err, ErrExited) {
		t.Fatalf("after exit: %v", err)
	}
	if err := p.Wait(5 * time.Second); err != nil {
		t.Fatalf("exit: %v", err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.other) != 1 || p.other[0] != "not json" || p.stderr.String() != "to stderr\n" {
		t.Fatalf("other output %q, stderr %q", p.other, p.stderr.String())
	}
}

func TestStartKillsAtCleanup(t *testing.T) {
	t.Parallel()
	rt := Find(t)
	script := writeScript(t, `
process.stdin.resume();
process.stdin.on("end", () => {}); // ignores the end of stdin
setInterval(() => process.stdout.write(JSON.stringify({ event: "tick" }) + "\n"), 1);
`)
	var p *Process
	t.Run("run", func(t *testing.T) {
		p = rt.Start(t, script, Options{})
		p.Expect("tick")
		// stop reading: the script fills the events buffer and blocks
	})
	// the subtest's cleanup killed it and ended the output goroutines
	if err := p.Wait(time.Second); err == nil {
		t.Fatal("the script exited cleanly; it should have been killed")
	}
}

func TestStartMissingScript(t *testing.T) {
	t.Parallel()
	rt := Find(t)
	r := &recorder{TB: t}
	if p := rt.Start(r, "internal/nodetest/no-such-script.mjs", Options{}); p != nil || r.fatal == "" {
		t.Fatal("a missing script did not fail")
	}
}

// TestTakeSetsAsideWhatItSkips: TryTake returns the first accepted event
// and keeps the others, in order, for later calls; it reports a timeout.
func TestTakeSetsAsideWhatItSkips(t *testing.T) {
	rt := Find(t)
	script := filepath.Join(t.TempDir(), "events.mjs")
	body := `for (const n of ["a", "b", "c"]) console.log(JSON.stringify({event: n}));
setTimeout(() => {}, 60000);`
	if err := os.WriteFile(script, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	p := rt.Start(t, script, Options{Fatal: "fatal"})
	named := func(n string) func(Event) bool { return func(ev Event) bool { return ev.Name() == n } }
	if ev := p.Take("c", named("c")); ev.Name() != "c" {
		t.Fatalf("took %v, want c", ev)
	}
	if got := len(p.pending); got != 2 {
		t.Fatalf("%d events set aside, want a and b", got)
	}
	if ev := p.Take("b", named("b")); ev.Name() != "b" {
		t.Fatalf("took %v, want b", ev)
	}
	if ev, ok := p.TryTake(time.Second, func(Event) bool { return true }); !ok || ev.Name() != "a" {
		t.Fatalf("took %v %v, want the set-aside a", ev, ok)
	}
	if ev, ok := p.TryTake(100*time.Millisecond, named("d")); ok {
		t.Fatalf("took %v from a script that sent no d", ev)
	}
}
