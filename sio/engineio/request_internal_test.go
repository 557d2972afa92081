package engineio

import (
	"net/http"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
)

// A handshake's headers are kept as one buffer of names and values and one
// slice of value lists, equal to the request's and sharing nothing with it.
func TestCompactHeaderCopiesInOneBuffer(t *testing.T) {
	h := http.Header{
		"Host":            {"example.com"},
		"Accept-Language": {"en", "fr;q=0.8"},
		"Cookie":          {"a=1", "b=2", "c=3"},
		"Empty":           {""},
		"X-None":          {},
	}
	for i := range 12 {
		h[string(rune('A'+i))+"-Extra"] = []string{string(rune('a' + i))}
	}
	want := h.Clone()
	got := compactHeader(h)
	assert.Equal(t, want, got)

	size := 0
	for k, vs := range got {
		size += len(k)
		for _, v := range vs {
			size += len(v)
		}
	}
	var lo, hi uintptr
	note := func(s string) {
		if s == "" {
			return
		}
		p := uintptr(unsafe.Pointer(unsafe.StringData(s)))
		if lo == 0 || p < lo {
			lo = p
		}
		if e := p + uintptr(len(s)); e > hi {
			hi = e
		}
	}
	for k, vs := range got {
		note(k)
		for _, v := range vs {
			note(v)
		}
	}
	assert.Equal(t, uintptr(size), hi-lo, "every name and value lies in one buffer of their total size")

	h["Cookie"][0] = "changed"
	h.Set("Host", "other")
	assert.Equal(t, want, got, "the copy shares nothing with the request")

	// A browser's handshake, of 8 names: the buffer, the value lists and
	// the map (its header and its one group), and nothing per name.
	typical := http.Header{}
	for _, k := range []string{"Host", "User-Agent", "Accept", "Accept-Language", "Accept-Encoding", "Origin", "Connection", "Cookie"} {
		typical[k] = []string{"some value of " + k}
	}
	allocs := testing.AllocsPerRun(100, func() { compactHeader(typical) })
	assert.Equal(t, 4.0, allocs)
}
