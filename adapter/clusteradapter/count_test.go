package clusteradapter

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/gosio/gosio/sio/socketio"
)

// slowCountBus answers ServerCount once release is closed, counting the
// questions it gets.
type slowCountBus struct {
	asked   atomic.Int32
	started chan struct{} // receives once per question
	release chan struct{}
}

func (b *slowCountBus) Publish(context.Context, Message) (string, error) { return "", nil }
func (b *slowCountBus) PublishResponse(context.Context, string, Message) error {
	return nil
}

func (b *slowCountBus) ServerCount(ctx context.Context) (int, error) {
	b.asked.Add(1)
	b.started <- struct{}{}
	select {
	case <-b.release:
		return 3, nil
	case <-ctx.Done():
		return 1, ctx.Err()
	}
}

// TestServerCountIsShared: concurrent ServerCount calls share one question
// to the bus, and a caller whose context ends meanwhile fails alone, not
// the others waiting on the same question.
func TestServerCountIsShared(t *testing.T) {
	srv := socketio.NewServer(nil)
	defer srv.Shutdown(context.Background())
	bus := &slowCountBus{started: make(chan struct{}, 4), release: make(chan struct{})}
	a := New(srv.Of("/"), bus, nil)
	defer a.Close()

	first := make(chan error, 1)
	go func() {
		n, err := a.ServerCount(context.Background())
		if err == nil && n != 3 {
			err = errors.New("wrong count")
		}
		first <- err
	}()
	<-bus.started // the question is out
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := a.ServerCount(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("a cancelled caller: %v", err)
	}
	close(bus.release)
	if err := <-first; err != nil {
		t.Fatalf("the first caller: %v", err)
	}
	if n := bus.asked.Load(); n != 1 {
		t.Fatalf("the bus was asked %d times, want 1", n)
	}
}
