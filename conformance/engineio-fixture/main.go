// Command engineio-fixture is the Engine.IO server that the official v4
// test suite expects: port 3000, path /engine.io/, pingInterval 300 ms,
// pingTimeout 200 ms, maxPayload 1e6, CORS for any origin, every message
// echoed back as it came (text or binary).
package main

import (
	"flag"
	"time"

	"github.com/gosio/gosio/conformance/internal/fixture"
	"github.com/gosio/gosio/sio/engineio"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:3000", "listen address")
	flag.Parse()

	srv := engineio.NewServer(&engineio.Options{
		PingInterval: 300 * time.Millisecond,
		PingTimeout:  200 * time.Millisecond,
		MaxPayload:   1_000_000,
		CORS:         &engineio.CORSOptions{Origins: []string{"*"}},
	})
	srv.OnConnection(func(sock *engineio.EngineIOSocket) {
		sock.OnMessage(func(data []byte, binary bool) {
			_ = sock.Send(data, binary)
		})
	})
	fixture.Serve("engine.io", *addr, "/engine.io/", srv, srv.Shutdown)
}
