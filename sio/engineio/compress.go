package engineio

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"net/http"
	"strings"
	"sync"
)

var (
	gzipWriters = sync.Pool{New: func() any { w, _ := gzip.NewWriterLevel(nil, gzip.DefaultCompression); return w }}
	zlibWriters = sync.Pool{New: func() any { w, _ := zlib.NewWriterLevel(nil, zlib.DefaultCompression); return w }}
)

// compress returns the body compressed with the encoding the request
// accepts (gzip preferred, then deflate), or "" when compression is off,
// not accepted, or the body is below the threshold.
func (s *Server) compress(r *http.Request, body []byte) (string, []byte) {
	hc := s.opts.HTTPCompression
	if hc.Disabled || len(body) < hc.Threshold {
		return "", nil
	}
	accept := r.Header.Get("Accept-Encoding")
	var buf bytes.Buffer
	switch {
	case acceptsEncoding(accept, "gzip"):
		w := gzipWriters.Get().(*gzip.Writer)
		w.Reset(&buf)
		_, _ = w.Write(body)
		_ = w.Close()
		gzipWriters.Put(w)
		return "gzip", buf.Bytes()
	case acceptsEncoding(accept, "deflate"):
		w := zlibWriters.Get().(*zlib.Writer)
		w.Reset(&buf)
		_, _ = w.Write(body)
		_ = w.Close()
		zlibWriters.Put(w)
		return "deflate", buf.Bytes()
	}
	return "", nil
}

// acceptsEncoding reports whether an Accept-Encoding value lists enc with a
// non-zero quality.
func acceptsEncoding(header, enc string) bool {
	for part := range strings.SplitSeq(header, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(name), enc) {
			continue
		}
		q := strings.ReplaceAll(strings.TrimSpace(params), " ", "")
		return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
	}
	return false
}
