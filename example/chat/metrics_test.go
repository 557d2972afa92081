package main

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// getMetrics GETs /metrics and returns its status and body.
func getMetrics(t *testing.T, base string) (int, string) {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// The chat serves its Prometheus metrics, the Go runtime's among them;
// a user in the chat is counted in its namespace.
func TestMetricsEndpoint(t *testing.T) {
	ts := startServer(t, config{Metrics: true})
	enter(t, ts.URL, "alice", "")
	want := `socketio_sockets{namespace="/chat"} 1`
	deadline := time.Now().Add(10 * time.Second)
	for {
		status, body := getMetrics(t, ts.URL)
		if status == http.StatusOK && strings.Contains(body, want) && strings.Contains(body, "go_goroutines") &&
			strings.Contains(body, `engineio_clients{transport="websocket"} 1`) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("/metrics answered %d without %q:\n%s", status, want, body)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestMetricsOff(t *testing.T) {
	ts := startServer(t, config{})
	if status, _ := getMetrics(t, ts.URL); status != http.StatusNotFound {
		t.Fatalf("/metrics answered %d with metrics off", status)
	}
}
