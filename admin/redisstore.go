package admin

import (
	"context"
	"time"

	"github.com/redis/go-redis/v9"
)

// RedisStore is a SessionStore on Redis, shared by the servers of a
// cluster, as the Node.js RedisStore: each session id is a key
// "<prefix>#<id>" that expires after the store's duration.
type RedisStore struct {
	rdb    redis.UniversalClient
	prefix string
	ttl    time.Duration
}

// NewRedisStore returns a store on rdb whose keys start with prefix
// (default "socket.io-admin") and last ttl (0 means 24 hours).
func NewRedisStore(rdb redis.UniversalClient, prefix string, ttl time.Duration) *RedisStore {
	if prefix == "" {
		prefix = "socket.io-admin"
	}
	if ttl <= 0 {
		ttl = defaultSessionDuration
	}
	return &RedisStore{rdb: rdb, prefix: prefix, ttl: ttl}
}

func (r *RedisStore) key(id string) string { return r.prefix + "#" + id }

// SessionExists reports whether the key of id exists.
func (r *RedisStore) SessionExists(ctx context.Context, id string) (bool, error) {
	n, err := r.rdb.Exists(ctx, r.key(id)).Result()
	return n == 1, err
}

// SaveSession sets the key of id, expiring after the store's duration.
func (r *RedisStore) SaveSession(ctx context.Context, id string) error {
	return r.rdb.Set(ctx, r.key(id), "true", r.ttl).Err()
}
