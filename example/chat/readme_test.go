package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// readmeFirstCommand returns the first command of README.md's "Two
// commands on a fresh machine": its first indented line.
func readmeFirstCommand(readme string) (string, error) {
	_, section, ok := strings.Cut(readme, "## Two commands on a fresh machine\n")
	if !ok {
		return "", fmt.Errorf("README.md has no section \"Two commands on a fresh machine\"")
	}
	section, _, _ = strings.Cut(section, "\n## ")
	for line := range strings.SplitSeq(section, "\n") {
		if strings.HasPrefix(line, "    ") && strings.TrimSpace(line) != "" {
			return strings.TrimSpace(line), nil
		}
	}
	return "", fmt.Errorf("the README's section has no indented command")
}

// TestReadmeFirstCommand is a new user's first minute: a fresh clone of
// the committed HEAD (no node_modules), the README's first command run
// exactly as written, and the chat it starts used from headless Chromium.
// The command reaches the npm registry (npm ci) and the Go module proxy.
func TestReadmeFirstCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("clones the repository and runs npm ci: not in -short")
	}
	root := repoRoot(t)
	node, err := exec.LookPath("node")
	requireTool(t, err == nil, "node")
	_, err = exec.LookPath("npm")
	requireTool(t, err == nil, "npm")
	git, err := exec.LookPath("git")
	requireTool(t, err == nil, "git")
	requireTool(t, fileExists(filepath.Join(root, "node_modules", "playwright-core", "package.json")), "node_modules/playwright-core (npm ci)")
	requireTool(t, fileExists(chromiumPath), chromiumPath+" (apt-get install chromium)")

	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	command, err := readmeFirstCommand(string(readme))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("README's first command: %s", command)

	// The clone holds what is committed: HEAD of this checkout.
	head, err := exec.Command(git, "-C", root, "rev-parse", "HEAD").Output()
	if err != nil {
		t.Fatalf("git rev-parse HEAD: %v", err)
	}
	clone := filepath.Join(t.TempDir(), "gosio")
	for _, args := range [][]string{
		{"clone", "--quiet", "--no-checkout", root, clone},
		{"-C", clone, "checkout", "--quiet", "--detach", strings.TrimSpace(string(head))},
	} {
		if out, err := exec.Command(git, args...).CombinedOutput(); err != nil {
			t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	if _, err := os.Lstat(filepath.Join(clone, "node_modules")); err == nil {
		t.Fatal("the clone has a node_modules")
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.Command("sh", "-c", command)
	cmd.Dir = clone
	// CHAT_ADDR: a free port rather than 8080, which may be taken here.
	cmd.Env = append(os.Environ(), "CHAT_ADDR=127.0.0.1:0")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{}) // closed when the command has ended, stdout copied
	go func() { _ = cmd.Wait(); close(exited) }()
	defer func() {
		// The command's process group: sh, npm or go run, and the chat.
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(30 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-exited
		}
	}()

	// The chat logs "chat on http://ADDR" once it listens.
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sent := false
		for sc.Scan() {
			line := sc.Text()
			if _, url, ok := strings.Cut(line, "chat on "); ok && !sent {
				urls <- strings.TrimSpace(url)
				sent = true
			}
		}
		_, _ = io.Copy(io.Discard, stderr)
		close(urls)
	}()
	var url string
	select {
	case u, ok := <-urls:
		if !ok {
			<-exited
			t.Fatalf("the command ended before the chat listened\nstdout:\n%s", stdout.String())
		}
		url = u
	case <-ctx.Done():
		t.Fatal("no chat after 10 minutes")
	}
	t.Logf("chat at %s", url)

	bctx, bcancel := context.WithTimeout(ctx, 5*time.Minute)
	defer bcancel()
	b := exec.CommandContext(bctx, node, filepath.Join("browsertest", "readme.spec.mjs"), url)
	b.Env = append(os.Environ(), "CHROMIUM="+chromiumPath)
	b.Cancel = func() error { return b.Process.Signal(syscall.SIGTERM) }
	b.WaitDelay = 15 * time.Second
	var berr bytes.Buffer
	b.Stderr = &berr
	out, err := b.Output()
	steps := 0
	for line := range strings.SplitSeq(strings.TrimSpace(string(out)), "\n") {
		var r struct {
			Step  string `json:"step"`
			OK    bool   `json:"ok"`
			Error string `json:"error"`
		}
		if json.Unmarshal([]byte(line), &r) != nil || r.Step == "" {
			t.Log(line)
			continue
		}
		if r.OK {
			steps++
			t.Logf("ok   %s", r.Step)
		} else {
			t.Errorf("FAIL %s: %s", r.Step, r.Error)
		}
	}
	if err != nil || steps != 3 {
		t.Fatalf("browser: %v, %d steps passed\n%s", err, steps, berr.String())
	}
}
