package wiretest

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// recordSeparator separates the packets of a long-polling payload.
const recordSeparator = "\x1e"

// Do sends a request with client (http.DefaultClient when nil) and reads
// the whole answer; it fails the test when the request fails, not for an
// error status.
func Do(t testing.TB, client *http.Client, method, url, body string, header http.Header) (status int, answer string) {
	t.Helper()
	if client == nil {
		client = http.DefaultClient
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*Timeout)
	defer cancel()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, r)
	if err != nil {
		t.Fatalf("wiretest: %s %s: %v", method, url, err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("wiretest: %s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("wiretest: %s %s: reading: %v", method, url, err)
	}
	return resp.StatusCode, string(b)
}

// DoOK is Do that fails the test unless the status is 200 OK.
func DoOK(t testing.TB, client *http.Client, method, url, body string, header http.Header) string {
	t.Helper()
	status, b := Do(t, client, method, url, body, header)
	if status != http.StatusOK {
		t.Fatalf("wiretest: %s %s: status %d, body %q", method, url, status, b)
	}
	return b
}

// Handshake opens a long-polling session with a GET of url (its query
// with EIO=4&transport=polling) and returns its id.
func Handshake(t testing.TB, client *http.Client, url string, header http.Header) string {
	t.Helper()
	body := DoOK(t, client, http.MethodGet, url, "", header)
	if !strings.HasPrefix(body, "0{") {
		t.Fatalf("wiretest: handshake answered %q", body)
	}
	var open struct {
		SID string `json:"sid"`
	}
	if err := json.Unmarshal([]byte(body[1:]), &open); err != nil || open.SID == "" {
		t.Fatalf("wiretest: handshake %q: %v", body, err)
	}
	return open.SID
}

// Payload joins Engine.IO text packets ("40", "42[...]", ...) into one
// long-polling payload.
func Payload(packets ...string) string { return strings.Join(packets, recordSeparator) }

// SplitPayload splits a long-polling payload into its Engine.IO text
// packets (a binary one is "b" and base64).
func SplitPayload(body string) []string { return strings.Split(body, recordSeparator) }

// Push POSTs packets, as one payload, to the session url names (its query
// with sid), failing the test unless the server answers "ok".
func Push(t testing.TB, client *http.Client, url string, packets ...string) {
	t.Helper()
	if b := DoOK(t, client, http.MethodPost, url, Payload(packets...), nil); b != "ok" {
		t.Fatalf("wiretest: push answered %q", b)
	}
}

// Poll GETs the session url names once and returns the Engine.IO packets
// of the answer.
func Poll(t testing.TB, client *http.Client, url string) []string {
	t.Helper()
	return SplitPayload(DoOK(t, client, http.MethodGet, url, "", nil))
}
