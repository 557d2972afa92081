package redisadapter

import "testing"

// TestStreamOfMatchesNode spreads namespaces over streams as Node's
// streams adapter does (values printed by its hashCode), negative
// indexes and UTF-16 surrogates included.
func TestStreamOfMatchesNode(t *testing.T) {
	o := StreamsOptions{StreamName: "s", StreamCount: 3}
	for nsp, want := range map[string]string{
		"/": "s-2", "/chat": "s-1", "/a-very-long-namespace-name-éè": "s-1",
		"/x😀": "s-0", "/abcdefgh": "s--2",
	} {
		if got := streamOf(nsp, o); got != want {
			t.Errorf("streamOf(%q) = %q, want %q", nsp, got, want)
		}
	}
	if h := hashCode("/abcdefgh"); h != -2086307405 {
		t.Errorf("hashCode = %d, want Node's -2086307405", h)
	}
	if got := streamOf("/chat", StreamsOptions{StreamName: "s", StreamCount: 1}); got != "s" {
		t.Errorf("one stream: %q", got)
	}
}
