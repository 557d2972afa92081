package main

import (
	"net/http"
	"time"
)

// The http.Server settings of the chat, those a server facing the Internet
// needs with gosio. Long-polling shapes them: a GET waits for packets up to
// the ping interval (25s), so no ReadTimeout or WriteTimeout may be
// shorter than that, or the waiting polls would be cut and their sessions
// dropped ("transport error"); websockets are hijacked, and net/http
// clears these deadlines on them.
const (
	// readHeaderTimeout bounds a request's line and headers: a client
	// that sends them slowly (slowloris) is cut.
	readHeaderTimeout = 10 * time.Second
	// writeTimeout bounds a request from its headers to the end of its
	// answer: above the ping interval plus a margin, so a waiting poll
	// always answers within it.
	writeTimeout = 45 * time.Second
	// idleTimeout closes keep-alive connections left idle, such as those
	// of polling clients that froze or went away.
	idleTimeout = 60 * time.Second
	// maxHeaderBytes is what net/http reads of a request's line and
	// headers; the engine refuses more than 16 KiB itself, with 431
	// (engineio.Options.MaxHeaderBytes).
	maxHeaderBytes = 16 << 10
	// maxBodyBytes bounds a request body on every route: the engine's
	// MaxPayload (an image and room to spare) and a margin. The engine
	// bounds its polling bodies by MaxPayload and BodyTimeout itself.
	maxBodyBytes = maxImageBytes + 2<<20
)

// newHTTPServer returns the http.Server serving h. Its ReadTimeout is left
// at zero: the engine bounds a polling body's time (BodyTimeout, 60s), and
// a ReadTimeout below the ping interval would cut waiting polls.
func newHTTPServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           http.MaxBytesHandler(h, maxBodyBytes),
		ReadHeaderTimeout: readHeaderTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
	}
}
