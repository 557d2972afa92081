package admin

import (
	"context"
	"sync"
	"time"
)

// SessionStore keeps the session ids given to the UIs that logged in with
// BasicAuth, so that a UI reconnecting with its id needs no password.
// Implementations are safe for concurrent use.
type SessionStore interface {
	// SessionExists reports whether id was saved and has not expired.
	SessionExists(ctx context.Context, id string) (bool, error)
	// SaveSession keeps id.
	SaveSession(ctx context.Context, id string) error
}

// defaultSessionDuration is how long a session id stays valid, as the
// Node.js RedisStore's default sessionDuration (86400 s).
const defaultSessionDuration = 24 * time.Hour

// MemoryStore is the default SessionStore: the session ids of one process,
// each valid for the store's duration. Expired ids are dropped when the
// store is next written to.
type MemoryStore struct {
	ttl time.Duration

	mu       sync.Mutex           // guards sessions
	sessions map[string]time.Time // id -> expiry
}

// NewMemoryStore returns an empty store whose sessions last ttl (0 means 24
// hours).
func NewMemoryStore(ttl time.Duration) *MemoryStore {
	if ttl <= 0 {
		ttl = defaultSessionDuration
	}
	return &MemoryStore{ttl: ttl, sessions: make(map[string]time.Time)}
}

// SessionExists reports whether id is a live session.
func (m *MemoryStore) SessionExists(_ context.Context, id string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	exp, ok := m.sessions[id]
	return ok && time.Now().Before(exp), nil
}

// SaveSession keeps id for the store's duration.
func (m *MemoryStore) SaveSession(_ context.Context, id string) error {
	now := time.Now()
	m.mu.Lock()
	defer m.mu.Unlock()
	for k, exp := range m.sessions {
		if !now.Before(exp) {
			delete(m.sessions, k)
		}
	}
	m.sessions[id] = now.Add(m.ttl)
	return nil
}
