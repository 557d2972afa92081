package engineio

import (
	"errors"
	"io"
	"net/http"
	"os"
	"sync"
	"time"
)

// errBodyTimeout reports a long-polling POST whose body took longer than
// Options.BodyTimeout.
var errBodyTimeout = errors.New("engineio: request body not received within BodyTimeout")

// readBody reads a POST's body, at most limit bytes. The read is bounded by
// Options.BodyTimeout (or the http.Server's ReadTimeout, when shorter), and
// cut as soon as the session closes, so that a client that announces a
// large body and stalls holds its handler, connection and buffer no longer
// than its session: a read deadline in the past ends a blocked read.
// Where the ResponseWriter cannot set read deadlines, neither bound holds.
func (c *LongPollingConsumer) readBody(w http.ResponseWriter, r *http.Request, sess *EngineIOSession, limit int64) ([]byte, error) {
	rc := http.NewResponseController(w)
	d := c.srv.opts.BodyTimeout
	if hs, ok := r.Context().Value(http.ServerContextKey).(*http.Server); ok && hs.ReadTimeout > 0 {
		d = min(d, hs.ReadTimeout)
	}
	_ = rc.SetReadDeadline(time.Now().Add(d))

	// The watcher's duty: cut the read when the session closes. It ends
	// when the read does, and readBody waits for it, so that it never
	// touches the connection once the handler has returned.
	finished := make(chan struct{})
	var watcher sync.WaitGroup
	watcher.Go(func() {
		select {
		case <-sess.done:
			_ = rc.SetReadDeadline(time.Unix(1, 0))
		case <-finished:
		}
	})
	body, err := io.ReadAll(io.LimitReader(r.Body, limit))
	close(finished)
	watcher.Wait()
	if err != nil {
		w.Header().Set("Connection", "close")
		if errors.Is(err, os.ErrDeadlineExceeded) && !sess.isClosed() {
			err = errBodyTimeout
		}
		return nil, err
	}
	// The body is in: the connection may wait for its next request as the
	// http.Server's own timeouts say.
	_ = rc.SetReadDeadline(time.Time{})
	return body, nil
}
