package sid

import (
	"regexp"
	"testing"
)

func TestNew(t *testing.T) {
	shape := regexp.MustCompile(`^[A-Za-z0-9_-]{20}$`)
	seen := make(map[string]bool)
	for range 10000 {
		id := New()
		if !shape.MatchString(id) {
			t.Fatalf("id %q is not 20 URL-safe characters", id)
		}
		if seen[id] {
			t.Fatalf("id %q repeated", id)
		}
		seen[id] = true
	}
}
