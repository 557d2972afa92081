package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/gosio/gosio/admin"
)

// adminUIDist is where the npm package @socket.io/admin-ui keeps the built
// pages of the Admin UI, under node_modules.
const adminUIDist = "@socket.io/admin-ui/ui/dist"

// TestBrowserAdminUI runs the chat with the Admin UI on (basic
// authentication), serves the UI's own built pages from node_modules on a
// second origin, as https://admin.socket.io is, and drives both in
// headless Chromium (browsertest/adminui.spec.mjs): two users chat in two
// rooms, the UI logs in to the chat server, its dashboard shows the server
// and the clients, its Sockets page the users with their rooms and
// handshake, its Rooms and Events pages the chat's rooms and events, and
// disconnecting a user's socket from the UI disconnects that user's page.
// Screenshots go to $ADMINUI_SHOTS, default screenshots/adminui/.
func TestBrowserAdminUI(t *testing.T) {
	root := repoRoot(t)
	node, err := exec.LookPath("node")
	requireTool(t, err == nil, "node")
	nm := filepath.Join(root, "node_modules")
	requireTool(t, fileExists(filepath.Join(nm, "playwright-core", "package.json")), "node_modules/playwright-core (npm ci)")
	requireTool(t, fileExists(filepath.Join(nm, clientDist, "socket.io.min.js")), "node_modules/socket.io-client (npm ci)")
	requireTool(t, fileExists(filepath.Join(nm, adminUIDist, "index.html")), "node_modules/"+adminUIDist+" (npm ci)")
	requireTool(t, fileExists(chromiumPath), chromiumPath+" (apt-get install chromium)")

	ui := httptest.NewServer(http.FileServer(http.Dir(filepath.Join(nm, adminUIDist))))
	defer ui.Close()
	hash, err := bcrypt.GenerateFromPassword([]byte("chat-admin-pass"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	ts := startServer(t, config{
		NodeModules:  nm,
		Admin:        &admin.Options{Auth: &admin.BasicAuth{Username: "admin", PasswordHash: string(hash)}, ServerID: "chat-1"},
		AdminOrigins: []string{ui.URL},
	})

	shots := os.Getenv("ADMINUI_SHOTS")
	if shots == "" {
		shots = filepath.Join("screenshots", "adminui")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, filepath.Join("browsertest", "adminui.spec.mjs"), ui.URL, ts.URL, shots, "admin", "chat-admin-pass")
	cmd.Env = append(os.Environ(), "CHROMIUM="+chromiumPath)
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
