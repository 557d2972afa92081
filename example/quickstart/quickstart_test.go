package main

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gosio/gosio/internal/nodetest"
)

// TestQuickstart builds the quickstart as a user would (go build), runs it
// on a free port and drives it with socket.io-client, as the snippet in
// its doc comment does.
func TestQuickstart(t *testing.T) {
	rt := nodetest.Find(t, "socket.io-client")
	bin := filepath.Join(t.TempDir(), "quickstart")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "-addr", "127.0.0.1:0")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}()
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if _, url, ok := strings.Cut(sc.Text(), "listening on "); ok {
				select {
				case urls <- url:
				default:
				}
			}
		}
	}()
	var url string
	select {
	case url = <-urls:
	case <-time.After(time.Minute):
		t.Fatal("the quickstart did not listen")
	}

	wd, _ := os.Getwd()
	p := rt.Start(t, filepath.Join(wd, "client.mjs"), nodetest.Options{Args: []string{url}})
	receipt := p.Until("receipt")
	if b, _ := json.Marshal(receipt["receipt"]); string(b) != `{"ok":true}` {
		t.Errorf("receipt %s, want {\"ok\":true}", b)
	}
	got := p.Expect("ben_got")
	if b, _ := json.Marshal(got["msg"]); string(b) != `{"from":"ann","text":"hello"}` {
		t.Errorf("ben got %s", b)
	}
	if e := p.Expect("refused"); e.String("message") != "pick a nickname" {
		t.Errorf("refusal %q, want \"pick a nickname\"", e.String("message"))
	}
	p.Expect("done")
}
