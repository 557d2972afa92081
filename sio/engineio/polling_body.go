package engineio

import (
	"errors"
	"io"
	"net/http"
	"os"
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
//
// The cut is the session's: while the body is read, sess.postBody holds
// the request's ResponseController, and close sets the past deadline
// through it, under sess.mu; readBody clears it under sess.mu once the
// read is over, so the connection is never touched after the handler
// returns. (A goroutine watching sess.done for every POST cost the
// long-polling echo of bench/ S6 a third of its rate.)
func (c *LongPollingConsumer) readBody(w http.ResponseWriter, r *http.Request, sess *EngineIOSession, limit int64) ([]byte, error) {
	rc := http.NewResponseController(w)
	d := c.srv.opts.BodyTimeout
	if hs, ok := r.Context().Value(http.ServerContextKey).(*http.Server); ok && hs.ReadTimeout > 0 {
		d = min(d, hs.ReadTimeout)
	}
	_ = rc.SetReadDeadline(time.Now().Add(d))

	sess.mu.Lock()
	if sess.closed {
		_ = rc.SetReadDeadline(pastDeadline)
	} else {
		sess.postBody = rc
	}
	sess.mu.Unlock()
	body, err := io.ReadAll(io.LimitReader(r.Body, limit))
	sess.mu.Lock()
	sess.postBody = nil
	sess.mu.Unlock()
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

// pastDeadline is a read deadline that has passed: it ends a blocked read.
var pastDeadline = time.Unix(1, 0)
