package engineio_test

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/gosio/gosio/sio/engineio"
)

// pollWith queues msg on a fresh session and polls it with the given
// Accept-Encoding, returning the raw answer.
func pollWith(t *testing.T, s *testServer, msg string, acceptEncoding string) response {
	t.Helper()
	sid := s.eioSession()
	if err := s.sock(sid).sock.Send([]byte(msg), false); err != nil {
		t.Fatal(err)
	}
	var h http.Header
	if acceptEncoding != "" {
		h = http.Header{"Accept-Encoding": {acceptEncoding}}
	}
	r := s.do(http.MethodGet, s.pollURL(sid), nil, h)
	if r.status != 200 {
		t.Fatalf("poll: %d %q", r.status, r.body)
	}
	if cl := r.header.Get("Content-Length"); cl != strconv.Itoa(len(r.body)) {
		t.Fatalf("Content-Length %q for %d bytes", cl, len(r.body))
	}
	return r
}

func decompress(t *testing.T, enc, body string) string {
	t.Helper()
	var rd io.Reader
	var err error
	switch enc {
	case "gzip":
		rd, err = gzip.NewReader(strings.NewReader(body))
	case "deflate":
		rd, err = zlib.NewReader(strings.NewReader(body))
	default:
		return body
	}
	if err != nil {
		t.Fatalf("%s: %v", enc, err)
	}
	b, err := io.ReadAll(rd)
	if err != nil {
		t.Fatalf("%s: %v", enc, err)
	}
	return string(b)
}

func TestHTTPCompression(t *testing.T) {
	t.Parallel()
	s := newTestServerWith(t, nil, serverConfig{noEcho: true})
	big := strings.Repeat("abcdefgh", 200) // 1600 bytes: payload above 1024
	exact := strings.Repeat("z", 1023)     // payload "4"+1023 = 1024 bytes: at the threshold
	small := strings.Repeat("q", 1022)     // payload of 1023 bytes: below
	cases := []struct {
		name, msg, accept, wantEnc string
	}{
		{"gzip", big, "gzip", "gzip"},
		{"deflate", big, "deflate", "deflate"},
		{"gzip preferred", big, "deflate, gzip", "gzip"},
		{"browser list", big, "gzip, deflate, br", "gzip"},
		{"gzip refused", big, "gzip;q=0, deflate", "deflate"},
		{"identity only", big, "identity", ""},
		{"unknown only", big, "br", ""},
		{"at the threshold", exact, "gzip", "gzip"},
		{"below the threshold", small, "gzip", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := pollWith(t, s, c.msg, c.accept)
			if enc := r.header.Get("Content-Encoding"); enc != c.wantEnc {
				t.Fatalf("Content-Encoding %q, want %q", enc, c.wantEnc)
			}
			if c.wantEnc != "" {
				if len(r.body) >= len(c.msg) {
					t.Errorf("compressed body of %d bytes for %d", len(r.body), len(c.msg)+1)
				}
				if !strings.Contains(r.header.Get("Vary"), "Accept-Encoding") {
					t.Errorf("Vary %q", r.header.Get("Vary"))
				}
			}
			if got := decompress(t, c.wantEnc, r.body); got != "4"+c.msg {
				t.Fatalf("payload of %d bytes, want %d", len(got), len(c.msg)+1)
			}
		})
	}
}

func TestHTTPCompressionOptions(t *testing.T) {
	t.Parallel()
	big := strings.Repeat("abcdefgh", 200)
	off := newTestServerWith(t, &engineio.Options{HTTPCompression: &engineio.CompressionOptions{Disabled: true}}, serverConfig{noEcho: true})
	if r := pollWith(t, off, big, "gzip, deflate"); r.header.Get("Content-Encoding") != "" || r.body != "4"+big {
		t.Fatalf("disabled compression: encoding %q", r.header.Get("Content-Encoding"))
	}
	low := newTestServerWith(t, &engineio.Options{HTTPCompression: &engineio.CompressionOptions{Threshold: 10}}, serverConfig{noEcho: true})
	r := pollWith(t, low, "0123456789", "gzip")
	if r.header.Get("Content-Encoding") != "gzip" || decompress(t, "gzip", r.body) != "40123456789" {
		t.Fatalf("threshold 10: encoding %q", r.header.Get("Content-Encoding"))
	}
	if r := pollWith(t, low, "01234567", "gzip"); r.header.Get("Content-Encoding") != "" {
		t.Fatalf("below threshold 10: encoding %q", r.header.Get("Content-Encoding"))
	}
}

func TestHTTPCompressionConcurrent(t *testing.T) {
	t.Parallel()
	// the pooled compressors are not shared between responses
	s := newTestServerWith(t, nil, serverConfig{noEcho: true})
	done := make(chan error, 16)
	for i := range 16 {
		go func() {
			msg := strings.Repeat(string(rune('a'+i)), 3000+i)
			sid := s.eioSession()
			_ = s.sock(sid).sock.Send([]byte(msg), false)
			enc := []string{"gzip", "deflate"}[i%2]
			r, err := s.tryDo(t.Context(), http.MethodGet, s.pollURL(sid), nil, http.Header{"Accept-Encoding": {enc}})
			if err == nil && r.header.Get("Content-Encoding") != enc {
				err = io.ErrUnexpectedEOF
			}
			if err == nil {
				var rd io.Reader
				if enc == "gzip" {
					rd, err = gzip.NewReader(strings.NewReader(r.body))
				} else {
					rd, err = zlib.NewReader(strings.NewReader(r.body))
				}
				if err == nil {
					var b []byte
					b, err = io.ReadAll(rd)
					if err == nil && !bytes.Equal(b, []byte("4"+msg)) {
						err = io.ErrShortBuffer
					}
				}
			}
			done <- err
		}()
	}
	for range 16 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}

func TestHTTPCompressionOfHandshake(t *testing.T) {
	t.Parallel()
	// the open packet is small: never compressed at the default threshold
	s := newTestServer(t, nil)
	r := s.do(http.MethodGet, s.url("EIO", "4", "transport", "polling"), nil, http.Header{"Accept-Encoding": {"gzip"}})
	if r.header.Get("Content-Encoding") != "" {
		t.Fatalf("handshake compressed")
	}
	parseOpen(t, r.body)
}
