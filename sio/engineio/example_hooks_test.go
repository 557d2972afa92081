package engineio_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/gosio/gosio/sio/engineio"
)

func shutdownEngine(srv *engineio.Server, ts *httptest.Server) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(ctx)
	ts.Close()
}

// OnInitialHeaders and OnHeaders listeners change the response headers:
// of the handshake only, and of every transport response.
func ExampleServer_OnHeaders() {
	srv := engineio.NewServer(nil)
	srv.OnInitialHeaders(func(h http.Header, r *http.Request) {
		h.Set("X-Handshake", "yes")
	})
	remove := srv.OnHeaders(func(h http.Header, r *http.Request) {
		h.Set("X-Served-By", "gosio")
	})
	defer remove()
	ts := httptest.NewServer(srv)
	defer shutdownEngine(srv, ts)

	resp, err := ts.Client().Get(ts.URL + "/engine.io/?EIO=4&transport=polling")
	if err != nil {
		panic(err)
	}
	_ = resp.Body.Close()
	fmt.Println(resp.Header.Get("X-Handshake"), resp.Header.Get("X-Served-By"))
	// Output:
	// yes gosio
}

// OnConnectionError listeners see the requests refused with an Engine.IO
// error, with Node's codes, messages and context.
func ExampleServer_OnConnectionError() {
	srv := engineio.NewServer(nil)
	srv.OnConnectionError(func(e *engineio.ConnectionError) {
		fmt.Println(e.Code, e.Message, e.Context["transport"])
	})
	ts := httptest.NewServer(srv)
	defer shutdownEngine(srv, ts)

	resp, err := ts.Client().Get(ts.URL + "/engine.io/?EIO=4&transport=carrier-pigeon")
	if err != nil {
		panic(err)
	}
	_ = resp.Body.Close()
	fmt.Println(resp.StatusCode)
	// Output:
	// 0 Transport unknown carrier-pigeon
	// 400
}

// OnPacket and OnPacketCreate listeners see each packet a session
// receives and sends; several listeners of one event all run.
func ExampleEngineIOSocket_OnPacket() {
	srv := engineio.NewServer(nil)
	seen := make(chan string, 4)
	srv.OnConnection(func(sock *engineio.EngineIOSocket) {
		sock.OnPacket(func(p engineio.Packet) { seen <- fmt.Sprintf("in %s %s", p.Type, p.Data) })
		sock.OnPacketCreate(func(p engineio.Packet) { seen <- fmt.Sprintf("out %s %s", p.Type, p.Data) })
		sock.OnMessage(func(data []byte, binary bool) { _ = sock.Send(data, binary) })
	})
	ts := httptest.NewServer(srv)
	defer shutdownEngine(srv, ts)

	c := ts.Client()
	resp, err := c.Get(ts.URL + "/engine.io/?EIO=4&transport=polling")
	if err != nil {
		panic(err)
	}
	open, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	_, rest, _ := strings.Cut(string(open), `"sid":"`)
	sid, _, _ := strings.Cut(rest, `"`)
	resp, err = c.Post(ts.URL+"/engine.io/?EIO=4&transport=polling&sid="+sid, "text/plain", strings.NewReader("4hi"))
	if err != nil {
		panic(err)
	}
	_ = resp.Body.Close()
	fmt.Println(<-seen)
	fmt.Println(<-seen)
	// Output:
	// in message hi
	// out message hi
}
