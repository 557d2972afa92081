package goclient

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"testing"

	"github.com/zishang520/socket.io/v3/pkg/log"
)

// Debugging aids: GOSIO_CLIENT_DEBUG=1 turns on the client's debug log
// (with DEBUG='*'), GOSIO_WIRE_LOG=1 logs the polling requests and their
// responses.
func init() {
	if os.Getenv("GOSIO_CLIENT_DEBUG") != "" {
		log.DEBUG.Store(true)
	}
}

// wireLog wraps h in a logger of the HTTP requests when GOSIO_WIRE_LOG is
// set.
func wireLog(t *testing.T, h http.Handler) http.Handler {
	if os.Getenv("GOSIO_WIRE_LOG") == "" {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		t.Logf("%s %s > %.300q", r.Method, r.URL.RawQuery, body)
		rw := &recordingWriter{ResponseWriter: w}
		h.ServeHTTP(rw, r)
		t.Logf("%s %s < %.300q", r.Method, r.URL.RawQuery, rw.buf.String())
	})
}

type recordingWriter struct {
	http.ResponseWriter
	buf bytes.Buffer
}

func (r *recordingWriter) Write(b []byte) (int, error) {
	r.buf.Write(b)
	return r.ResponseWriter.Write(b)
}

func (r *recordingWriter) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the writer (the websocket
// upgrade hijacks it).
func (r *recordingWriter) Unwrap() http.ResponseWriter { return r.ResponseWriter }
