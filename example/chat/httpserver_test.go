package main

import (
	"io"
	"net"
	"testing"
	"time"
)

// The chat's http.Server has the timeouts and limits of a production
// server, none of them short enough to cut a long-polling GET, which waits
// up to the ping interval.
func TestHTTPServerHasProductionTimeouts(t *testing.T) {
	a, err := newServer(config{})
	if err != nil {
		t.Fatal(err)
	}
	hs := newHTTPServer(a)
	ping := a.sio.Engine().Options().PingInterval
	switch {
	case hs.ReadHeaderTimeout <= 0 || hs.ReadHeaderTimeout > 30*time.Second:
		t.Errorf("ReadHeaderTimeout %v", hs.ReadHeaderTimeout)
	case hs.IdleTimeout <= 0:
		t.Errorf("no IdleTimeout")
	case hs.WriteTimeout <= ping:
		t.Errorf("WriteTimeout %v, not above the ping interval %v", hs.WriteTimeout, ping)
	case hs.ReadTimeout != 0 && hs.ReadTimeout <= ping:
		t.Errorf("ReadTimeout %v, not above the ping interval %v", hs.ReadTimeout, ping)
	case hs.MaxHeaderBytes <= 0 || hs.MaxHeaderBytes > 64<<10:
		t.Errorf("MaxHeaderBytes %d", hs.MaxHeaderBytes)
	}

	// Served for real: a connection that sends half a request line is cut
	// by ReadHeaderTimeout (checked with a shorter one).
	hs.ReadHeaderTimeout = 200 * time.Millisecond
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = hs.Serve(ln) }()
	defer func() {
		_ = a.Shutdown(t.Context())
		_ = hs.Close()
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, _ = c.Write([]byte("GET / HT"))
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Read(make([]byte, 1)); err == nil {
		// net/http may answer 408 before closing
		_, err = io.Copy(io.Discard, c)
		if err != nil {
			t.Fatalf("slow request line: %v", err)
		}
	} else if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatal("a half-sent request line was not cut by ReadHeaderTimeout")
	}
}
