package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReadmeQuotesCompilingCode: each Go block of the README's API tour
// is a verbatim quote (but for indentation and its first, labelling
// comment line) of example/quickstart/main.go or of
// sio/socketio/example_test.go, which compile and run under go test.
func TestReadmeQuotesCompilingCode(t *testing.T) {
	root := filepath.Join("..", "..")
	read := func(p string) string {
		b, err := os.ReadFile(filepath.Join(root, p))
		if err != nil {
			t.Fatal(err)
		}
		return normalize(string(b))
	}
	sources := map[string]string{
		"example/quickstart/main.go":   read("example/quickstart/main.go"),
		"sio/socketio/example_test.go": read("sio/socketio/example_test.go"),
	}
	readme := read("README.md")
	_, tour, ok := strings.Cut(readme, "## A tour of the API\n")
	if !ok {
		t.Fatal("README.md has no API tour")
	}
	tour, _, _ = strings.Cut(tour, "\n## ")
	blocks := 0
	for _, part := range strings.Split(tour, "```go\n")[1:] {
		block, _, _ := strings.Cut(part, "```")
		_, body, _ := strings.Cut(block, "\n") // the label: "// gosio consumer ..."
		found := false
		for _, src := range sources {
			if strings.Contains(src, body) {
				found = true
			}
		}
		if !found {
			t.Errorf("README block is in no compiled file:\n%s", block)
		}
		blocks++
	}
	if blocks != 2 {
		t.Errorf("%d Go blocks in the tour, want 2", blocks)
	}
}

// normalize drops each line's indentation.
func normalize(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimLeft(l, " \t")
	}
	return strings.Join(lines, "\n")
}
