package engineio

import (
	"net"
	"net/http"
	"net/url"
	"time"
)

// HandshakeRequest is what a session keeps of the HTTP request that opened
// it. The *http.Request itself is not kept, so that its buffers can be freed
// once the handshake is done.
type HandshakeRequest struct {
	// Header is the request's headers. It must not be modified: it is the
	// request's own map, kept instead of a copy (the rest of the request
	// is freed once the handshake's HTTP handler returns).
	Header http.Header
	// Query is the parsed query string.
	Query url.Values
	// RemoteAddr is the peer's address as net/http reports it ("ip:port").
	RemoteAddr string
	// Host is the Host header.
	Host string
	// URL is the request URI (path and query).
	URL string
	// Secure is true when the request came over TLS.
	Secure bool
	// Time is when the handshake was received.
	Time time.Time
}

func newHandshakeRequest(r *http.Request) *HandshakeRequest {
	return &HandshakeRequest{
		Header:     r.Header,
		Query:      r.URL.Query(),
		RemoteAddr: r.RemoteAddr,
		Host:       r.Host,
		URL:        r.URL.RequestURI(),
		Secure:     r.TLS != nil,
		Time:       time.Now(),
	}
}

// RemoteIP returns the host part of RemoteAddr.
func (h *HandshakeRequest) RemoteIP() string {
	host, _, err := net.SplitHostPort(h.RemoteAddr)
	if err != nil {
		return h.RemoteAddr
	}
	return host
}
