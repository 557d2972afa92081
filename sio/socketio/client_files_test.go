package socketio

import (
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
)

const testBundle = "/*!\n * Socket.IO v4.8.4\n * (c) 2014-2026 Guillermo Rauch\n */\n!function(){}();\n"

func clientFilesServer(t *testing.T) *httptest.Server {
	t.Helper()
	files := fstest.MapFS{
		"socket.io.min.js":         {Data: []byte(testBundle)},
		"socket.io.min.js.map":     {Data: []byte(`{"version":3}`)},
		"socket.io.esm.min.js":     {Data: []byte(testBundle + "export{};")},
		"socket.io.msgpack.min.js": {Data: []byte(testBundle)},
		"socket.io.js":             {Data: []byte(testBundle)},
	}
	srv := NewServer(&ServerOptions{ClientFiles: files})
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return ts
}

func get(t *testing.T, url string, header map[string]string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

// TestClientFiles: the bundles are served at the server's path with the
// Node.js server's headers (serveClient), and a revalidation with the
// version's ETag gets 304.
func TestClientFiles(t *testing.T) {
	ts := clientFilesServer(t)
	cases := []struct {
		name, path, typ string
	}{
		{"min", "/socket.io/socket.io.min.js", "application/javascript; charset=utf-8"},
		{"full", "/socket.io/socket.io.js", "application/javascript; charset=utf-8"},
		{"esm", "/socket.io/socket.io.esm.min.js", "application/javascript; charset=utf-8"},
		{"msgpack", "/socket.io/socket.io.msgpack.min.js", "application/javascript; charset=utf-8"},
		{"map", "/socket.io/socket.io.min.js.map", "application/json; charset=utf-8"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, body := get(t, ts.URL+c.path, nil)
			if resp.StatusCode != 200 {
				t.Fatalf("status %d: %s", resp.StatusCode, body)
			}
			if got := resp.Header.Get("Content-Type"); got != c.typ {
				t.Errorf("Content-Type %q, want %q", got, c.typ)
			}
			if got := resp.Header.Get("Cache-Control"); got != "public, max-age=0" {
				t.Errorf("Cache-Control %q", got)
			}
			if got := resp.Header.Get("ETag"); got != `"4.8.4"` {
				t.Errorf("ETag %q, want \"4.8.4\"", got)
			}
			if body == "" {
				t.Error("empty body")
			}
		})
	}
	t.Run("if-none-match", func(t *testing.T) {
		for _, tag := range []string{`"4.8.4"`, `W/"4.8.4"`} {
			resp, body := get(t, ts.URL+"/socket.io/socket.io.min.js", map[string]string{"If-None-Match": tag})
			if resp.StatusCode != http.StatusNotModified || body != "" {
				t.Errorf("If-None-Match %s: status %d body %q, want 304", tag, resp.StatusCode, body)
			}
		}
		resp, _ := get(t, ts.URL+"/socket.io/socket.io.min.js", map[string]string{"If-None-Match": `"4.8.3"`})
		if resp.StatusCode != 200 {
			t.Errorf("stale ETag: status %d, want 200", resp.StatusCode)
		}
	})
	t.Run("gzip", func(t *testing.T) {
		resp, body := get(t, ts.URL+"/socket.io/socket.io.min.js", map[string]string{"Accept-Encoding": "gzip, deflate, br"})
		if resp.Header.Get("Content-Encoding") != "gzip" {
			t.Fatalf("Content-Encoding %q, want gzip", resp.Header.Get("Content-Encoding"))
		}
		zr, err := gzip.NewReader(strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		plain, _ := io.ReadAll(zr)
		if string(plain) != testBundle {
			t.Errorf("gunzipped %q", plain)
		}
	})
	t.Run("missing file", func(t *testing.T) {
		resp, _ := get(t, ts.URL+"/socket.io/socket.io.msgpack.min.js.map", nil)
		if resp.StatusCode != 404 {
			t.Errorf("status %d, want 404", resp.StatusCode)
		}
	})
	t.Run("other names reach the transports", func(t *testing.T) {
		resp, body := get(t, ts.URL+"/socket.io/app.js", nil)
		if resp.StatusCode != 400 {
			t.Errorf("status %d (%s), want the engine's 400", resp.StatusCode, body)
		}
	})
}

// TestClientFilesOff: without ClientFiles nothing is served but the
// transports.
func TestClientFilesOff(t *testing.T) {
	ts := httptest.NewServer(NewServer(nil))
	defer ts.Close()
	resp, body := get(t, ts.URL+"/socket.io/socket.io.min.js", nil)
	if resp.StatusCode != 400 {
		t.Errorf("status %d (%s), want the engine's 400", resp.StatusCode, body)
	}
}
