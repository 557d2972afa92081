package redisadapter

import (
	"context"
	"testing"

	"github.com/redis/go-redis/v9"

	"go.uber.org/goleak"
)

// TestMain fails the run when a goroutine outlives the tests: every test
// shuts its servers down and closes its Redis clients.
//
// go-redis's own logger, which reports each failed dial of its pool, is
// silenced: the tests check that the adapter reports an outage once.
func TestMain(m *testing.M) {
	redis.SetLogger(quietLogger{})
	goleak.VerifyTestMain(m)
}

type quietLogger struct{}

func (quietLogger) Printf(context.Context, string, ...any) {}
