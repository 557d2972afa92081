package socketio

import (
	"maps"
	"sync"
)

// SocketData holds a socket's own values (Node's socket.data). It is safe
// for concurrent use. Values should be JSON-serializable when a cluster
// adapter or connection state recovery is to carry them.
type SocketData struct {
	mu sync.RWMutex
	m  map[string]any
}

// Get returns the value under key.
func (d *SocketData) Get(key string) (any, bool) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	v, ok := d.m[key]
	return v, ok
}

// Set stores a value under key.
func (d *SocketData) Set(key string, v any) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.m == nil {
		d.m = make(map[string]any)
	}
	d.m[key] = v
}

// Delete removes key.
func (d *SocketData) Delete(key string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.m, key)
}

// snapshot returns a copy of the values.
func (d *SocketData) snapshot() map[string]any {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return maps.Clone(d.m)
}
