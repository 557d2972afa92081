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

// An Engine.IO server that echoes every message. The raw HTTP requests
// below are what engine.io-client's long-polling transport sends.
func ExampleNewServer() {
	srv := engineio.NewServer(&engineio.Options{PingInterval: 25 * time.Second})
	srv.OnConnection(func(sock *engineio.EngineIOSocket) {
		sock.OnMessage(func(data []byte, binary bool) {
			_ = sock.Send(append([]byte("echo: "), data...), binary)
		})
	})
	ts := httptest.NewServer(srv) // or http.Handle("/engine.io/", srv)
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		ts.Close()
	}()

	get := func(url string) string {
		resp, err := ts.Client().Get(url)
		if err != nil {
			panic(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	open := get(ts.URL + "/engine.io/?EIO=4&transport=polling")
	_, rest, _ := strings.Cut(open, `"sid":"`)
	sid, _, _ := strings.Cut(rest, `"`)
	session := ts.URL + "/engine.io/?EIO=4&transport=polling&sid=" + sid

	resp, err := ts.Client().Post(session, "text/plain", strings.NewReader("4hello"))
	if err != nil {
		panic(err)
	}
	_ = resp.Body.Close()
	fmt.Println(get(session))
	// Output:
	// 4echo: hello
}

// OnConnection listeners are called once per session, before it reads
// anything: add the socket's listeners there. ID, Request and Transport
// say who it is.
func ExampleServer_OnConnection() {
	srv := engineio.NewServer(nil)
	opened := make(chan string, 1)
	srv.OnConnection(func(sock *engineio.EngineIOSocket) {
		opened <- sock.Transport()
		sock.OnClose(func(reason engineio.CloseReason, err error) {})
	})
	ts := httptest.NewServer(srv)
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		ts.Close()
	}()

	resp, err := ts.Client().Get(ts.URL + "/engine.io/?EIO=4&transport=polling")
	if err != nil {
		panic(err)
	}
	_ = resp.Body.Close()
	fmt.Println(resp.StatusCode, http.StatusText(resp.StatusCode), <-opened)
	// Output:
	// 200 OK polling
}
