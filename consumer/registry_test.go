package consumer

import (
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestWeakMap checks that an entry goes with its key, and keeps neither
// key nor value alive.
func TestWeakMap(t *testing.T) {
	// The key type is larger than 16 bytes so that the runtime's tiny
	// allocator, which can keep a small pointer-free object alive with its
	// neighbours, is not involved.
	type key [4]int64
	var m weakMap[key, string]
	k, v := new(key), new(string)
	*v = "v"
	m.store(k, v)
	require.Equal(t, v, m.load(k))
	assert.Equal(t, v, m.take(k))
	assert.Nil(t, m.load(k))

	m.store(new(key), v) // a key nothing else holds
	deadline := time.Now().Add(5 * time.Second)
	for {
		runtime.GC()
		m.mu.Lock()
		n := len(m.m)
		m.mu.Unlock()
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("entry not removed with its key")
		}
		time.Sleep(time.Millisecond)
	}
	runtime.KeepAlive(k)
}
