package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// chromiumPath is Debian's chromium, which the browser test drives.
const chromiumPath = "/usr/bin/chromium"

// requireTool skips the test when a prerequisite is missing, or fails it
// under CI=true, where everything must be installed.
func requireTool(t *testing.T, ok bool, what string) {
	t.Helper()
	if ok {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is missing (CI=true: failing instead of skipping)", what)
	}
	t.Skipf("%s is missing", what)
}

// repoRoot is the folder holding node_modules: two levels up.
func repoRoot(t *testing.T) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(wd, "..", "..")
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}

// startServer runs the chat on a random port of the loopback interface.
func startServer(t *testing.T, cfg config) *httptest.Server {
	t.Helper()
	a, err := newServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(a)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := a.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		ts.Close()
	})
	return ts
}

// TestBrowserChat drives the page in headless Chromium: two users chat,
// see each other typing, get delivery ticks, share an image, one reconnects
// and keeps the conversation, both switch rooms. See
// browsertest/chat.spec.mjs; screenshots go to screenshots/.
func TestBrowserChat(t *testing.T) {
	root := repoRoot(t)
	node, err := exec.LookPath("node")
	requireTool(t, err == nil, "node")
	requireTool(t, fileExists(filepath.Join(root, "node_modules", "playwright-core", "package.json")), "node_modules/playwright-core (npm ci)")
	requireTool(t, fileExists(filepath.Join(root, "node_modules", clientDist, "socket.io.min.js")), "node_modules/socket.io-client (npm ci)")
	requireTool(t, fileExists(chromiumPath), chromiumPath+" (apt-get install chromium)")

	ts := startServer(t, config{NodeModules: filepath.Join(root, "node_modules")})

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, filepath.Join("browsertest", "chat.spec.mjs"), ts.URL, "screenshots")
	cmd.Env = append(os.Environ(), "CHROMIUM="+chromiumPath)
	// On timeout, SIGTERM lets playwright close the browser it started.
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 15 * time.Second
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	steps := 0
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
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
	if err != nil {
		t.Fatalf("browser test: %v\n%s", err, strings.TrimSpace(stderr.String()))
	}
	if steps == 0 {
		t.Fatalf("browser test passed no step\n%s", stderr.String())
	}
}
