package redisadapter

import (
	"log/slog"
	"sync"
)

// health logs an outage of Redis once when it begins and once when it
// ends, however many reads and publishes fail in between. A failing read
// or command begins it; a command that succeeds ends it.
type health struct {
	logger *slog.Logger
	mu     sync.Mutex
	down   bool
}

func (h *health) fail(what string, err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.down {
		return
	}
	h.down = true
	h.logger.Warn("redisadapter: Redis unreachable; broadcasts reach this server only until it is back",
		slog.String("op", what), slog.Any("err", err))
}

func (h *health) ok() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.down {
		return
	}
	h.down = false
	h.logger.Info("redisadapter: Redis reachable again")
}

func (h *health) isDown() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.down
}
