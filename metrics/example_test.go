package metrics_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/gosio/gosio/metrics"
	"github.com/gosio/gosio/sio/socketio"
)

// Serve a server's metrics at /metrics, beside the server itself.
func Example() {
	srv := socketio.NewServer(nil)
	defer srv.Engine().Close()
	m, err := metrics.New(srv, nil)
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/socket.io/", srv)
	mux.Handle("/metrics", m.Handler())
	ts := httptest.NewServer(mux)
	defer ts.Close()

	resp, err := http.Get(ts.URL + "/metrics")
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	for line := range strings.SplitSeq(string(body), "\n") {
		if strings.HasPrefix(line, "engineio_clients{") {
			fmt.Println(line)
		}
	}
	// Output:
	// engineio_clients{transport="polling"} 0
	// engineio_clients{transport="websocket"} 0
}
