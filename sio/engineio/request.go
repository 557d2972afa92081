package engineio

import (
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// HandshakeRequest is what a session keeps of the HTTP request that opened
// it. The *http.Request itself is not kept, so that its buffers can be freed
// once the handshake is done.
type HandshakeRequest struct {
	// Header is the request's headers: a compact copy (all the names and
	// values in one string), at most Options.MaxHeaderBytes of them, since
	// larger requests are refused. It must not be modified: it may be
	// shared by whoever reads the handshake.
	Header http.Header
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

// Query returns the handshake URL's query string, parsed anew on each call
// (a session keeps the URL only: most never ask, and an idle session
// keeps less).
func (r *HandshakeRequest) Query() url.Values {
	_, q, _ := strings.Cut(r.URL, "?")
	v, _ := url.ParseQuery(q)
	return v
}

func newHandshakeRequest(r *http.Request) *HandshakeRequest {
	return &HandshakeRequest{
		Header:     compactHeader(r.Header),
		RemoteAddr: r.RemoteAddr,
		Host:       r.Host,
		URL:        r.URL.RequestURI(),
		Secure:     r.TLS != nil,
		Time:       time.Now(),
	}
}

// compactHeader copies h into one string for the names and values and one
// slice for the value lists, rather than keeping the request's map, whose
// every name and value is an allocation of its own.
func compactHeader(h http.Header) http.Header {
	size, nvals := 0, 0
	for k, vs := range h {
		size += len(k)
		for _, v := range vs {
			size += len(v)
		}
		nvals += len(vs)
	}
	// Grown once, the builder never moves what it holds: a string taken of
	// it stays valid as it goes on, and every name and value is a slice of
	// the one buffer.
	var sb strings.Builder
	sb.Grow(size)
	vals := make([]string, 0, nvals)
	out := make(http.Header, len(h))
	for k, vs := range h {
		from := sb.Len()
		sb.WriteString(k)
		for _, v := range vs {
			sb.WriteString(v)
		}
		all := sb.String()
		i := from + len(k)
		start := len(vals)
		for _, v := range vs {
			vals = append(vals, all[i:i+len(v)])
			i += len(v)
		}
		out[all[from:from+len(k)]] = vals[start:len(vals):len(vals)]
	}
	return out
}

// headerBytes is the size of r's request line and headers as they were on
// the wire (HTTP/1.1 framing: "Name: value\r\n" for each value).
func headerBytes(r *http.Request) int {
	n := len(r.Method) + 1 + len(r.RequestURI) + len(" HTTP/1.1\r\n") + len("Host: \r\n") + len(r.Host) + 2
	for k, vs := range r.Header {
		for _, v := range vs {
			n += len(k) + 2 + len(v) + 2
		}
	}
	return n
}

// refuseLargeHeaders answers 431 to a request whose line and headers are
// over MaxHeaderBytes, as the Node.js http server does past its
// maxHeaderSize, and reports whether it did.
func (s *Server) refuseLargeHeaders(w http.ResponseWriter, r *http.Request) bool {
	if headerBytes(r) <= s.opts.MaxHeaderBytes {
		return false
	}
	w.Header().Set("Connection", "close")
	http.Error(w, "request header fields too large", http.StatusRequestHeaderFieldsTooLarge)
	return true
}

// RemoteIP returns the host part of RemoteAddr.
func (h *HandshakeRequest) RemoteIP() string {
	host, _, err := net.SplitHostPort(h.RemoteAddr)
	if err != nil {
		return h.RemoteAddr
	}
	return host
}
