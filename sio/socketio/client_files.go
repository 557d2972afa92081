package socketio

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"io"
	"io/fs"
	"net/http"
	"path"
	"regexp"
	"strings"
	"sync"
)

// clientFileName matches the browser bundles of socket.io-client that the
// Node.js server serves beside its transports (its serveClient option):
// socket.io.js, socket.io.min.js, socket.io.esm.min.js,
// socket.io.msgpack.min.js, and their source maps.
var clientFileName = regexp.MustCompile(`^socket\.io(\.msgpack|\.esm)?(\.min)?\.js(\.map)?$`)

// clientBanner is the comment socket.io-client's bundles start with; it
// names the client's version ("Socket.IO v4.8.4").
var clientBanner = regexp.MustCompile(`Socket\.IO v([0-9A-Za-z.+-]+)`)

// clientFiles serves ServerOptions.ClientFiles the way the Node.js server
// serves its client-dist folder: an ETag made of the client's version (a
// matching If-None-Match is answered 304), Cache-Control "public,
// max-age=0", and the body compressed when the request accepts it.
type clientFiles struct {
	fsys fs.FS

	versionOnce sync.Once // reads version on the first request
	version     string
}

// match reports whether the request asks for a client bundle: GET or HEAD
// of a path whose last element is one of the bundles' names.
func (c *clientFiles) match(r *http.Request) bool {
	if c == nil || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
		return false
	}
	return clientFileName.MatchString(path.Base(r.URL.Path))
}

// etag returns the quoted client version, read once from the banner of
// socket.io.js or socket.io.min.js ("" when neither names one).
func (c *clientFiles) etag() string {
	c.versionOnce.Do(func() {
		for _, name := range []string{"socket.io.min.js", "socket.io.js"} {
			f, err := c.fsys.Open(name)
			if err != nil {
				continue
			}
			head := make([]byte, 256)
			n, _ := io.ReadFull(f, head)
			_ = f.Close()
			if m := clientBanner.FindSubmatch(head[:n]); m != nil {
				c.version = `"` + string(m[1]) + `"`
				return
			}
		}
	})
	return c.version
}

func (c *clientFiles) serve(w http.ResponseWriter, r *http.Request) {
	name := path.Base(r.URL.Path)
	etag := c.etag()
	if inm := r.Header.Get("If-None-Match"); etag != "" && (inm == etag || inm == "W/"+etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body, err := fs.ReadFile(c.fsys, name)
	if err != nil {
		http.Error(w, "socketio: "+name+" is not among the client files", http.StatusNotFound)
		return
	}
	h := w.Header()
	h.Set("Cache-Control", "public, max-age=0")
	if strings.HasSuffix(name, ".map") {
		h.Set("Content-Type", "application/json; charset=utf-8")
	} else {
		h.Set("Content-Type", "application/javascript; charset=utf-8")
	}
	if etag != "" {
		h.Set("ETag", etag)
	}
	h.Add("Vary", "Accept-Encoding")
	switch acceptedEncoding(r.Header.Get("Accept-Encoding")) {
	case "gzip":
		var b bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
		_, _ = zw.Write(body)
		_ = zw.Close()
		body = b.Bytes()
		h.Set("Content-Encoding", "gzip")
	case "deflate":
		var b bytes.Buffer
		zw, _ := flate.NewWriter(&b, flate.BestCompression)
		_, _ = zw.Write(body)
		_ = zw.Close()
		body = b.Bytes()
		h.Set("Content-Encoding", "deflate")
	}
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}

// acceptedEncoding picks gzip, then deflate, among those an
// Accept-Encoding header does not refuse (q=0); "" for neither.
func acceptedEncoding(header string) string {
	ok := map[string]bool{}
	for part := range strings.SplitSeq(header, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		name = strings.ToLower(strings.TrimSpace(name))
		q := strings.ReplaceAll(strings.TrimSpace(params), " ", "")
		ok[name] = q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
	}
	for _, enc := range []string{"gzip", "deflate"} {
		if ok[enc] {
			return enc
		}
	}
	return ""
}
