package engineio_test

// Interop with the official engine.io-client (v6) running in Node.js
// (internal/interop/eio_client.mjs, driven through internal/nodetest).
// These tests skip when node or node_modules is missing, and fail instead
// under CI=true.

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/gosio/gosio/internal/nodetest"
	"github.com/gosio/gosio/sio/engineio"
)

// eioClient is one engine.io-client session in a node process.
type eioClient struct {
	*nodetest.Process
	t  *testing.T
	s  *testServer
	id string
}

// startEIOClient runs the client script against s with the given
// engine.io-client options, and waits for its open event.
func startEIOClient(t *testing.T, s *testServer, opts map[string]any) (*eioClient, nodetest.Event) {
	t.Helper()
	rt := nodetest.Find(t, "engine.io-client")
	b, err := json.Marshal(opts)
	if err != nil {
		t.Fatal(err)
	}
	p := rt.Start(t, "internal/interop/eio_client.mjs", nodetest.Options{Args: []string{s.ts.URL, string(b)}})
	open := p.Expect("open")
	c := &eioClient{Process: p, t: t, s: s, id: open.String("id")}
	if !sidPattern.MatchString(c.id) {
		t.Fatalf("client reports session id %q", c.id)
	}
	return c, open
}

func (c *eioClient) sendText(text string) {
	c.Send(map[string]any{"cmd": "send", "text": text})
}

func (c *eioClient) sendBinary(data []byte, as string) {
	c.Send(map[string]any{"cmd": "send", "hex": hex.EncodeToString(data), "as": as})
}

// expectText waits for a text message event.
func (c *eioClient) expectText(want string) {
	c.t.Helper()
	ev := c.Expect("message")
	if ev.String("kind") != "text" || ev.String("data") != want {
		c.t.Fatalf("client got %v, want text %q", ev, want)
	}
}

// expectBinary waits for a binary message event, delivered to the client
// as an ArrayBuffer.
func (c *eioClient) expectBinary(want []byte) {
	c.t.Helper()
	ev := c.Expect("message")
	if ev.String("kind") != "binary" || ev.String("hex") != hex.EncodeToString(want) || ev.String("type") != "arraybuffer" {
		c.t.Fatalf("client got %v, want binary %x as an ArrayBuffer", ev, want)
	}
}

// exchange checks messages both ways: text, binary sent as ArrayBuffer,
// Buffer and Uint8Array and echoed back as binary, bursts from each side
// in order.
func (c *eioClient) exchange() {
	c.t.Helper()
	a := c.s.sock(c.id)
	for _, text := range []string{"hello", "héllo €", "", "4 looks like a packet", "6"} {
		c.sendText(text)
		c.expectText(text)
		if m := c.s.nextMessage(c.id); m.Binary || string(m.Data) != text {
			c.t.Fatalf("server got %q (binary %v), want text %q", m.Data, m.Binary, text)
		}
	}
	for _, as := range []string{"arraybuffer", "buffer", "uint8array"} {
		data := []byte{0, 1, 2, 3, 0xfe, 0xff}
		c.sendBinary(data, as)
		c.expectBinary(data)
		if m := c.s.nextMessage(c.id); !m.Binary || !bytes.Equal(m.Data, data) {
			c.t.Fatalf("server got %q (binary %v) for a %s", m.Data, m.Binary, as)
		}
	}
	// client to server to client, many at once
	const n = 300
	c.Send(map[string]any{"cmd": "burst", "n": n, "prefix": "m"})
	c.Expect("sent")
	for i := range n {
		c.expectText(fmt.Sprintf("m%d", i))
	}
	// server to client, text and binary mixed
	for i := range n {
		var err error
		if i%4 == 0 {
			err = a.sock.Send([]byte{byte(i), byte(i >> 8)}, true)
		} else {
			err = a.sock.Send(fmt.Appendf(nil, "s%d", i), false)
		}
		if err != nil {
			c.t.Fatal(err)
		}
	}
	for i := range n {
		if i%4 == 0 {
			c.expectBinary([]byte{byte(i), byte(i >> 8)})
		} else {
			c.expectText(fmt.Sprintf("s%d", i))
		}
	}
}

func (c *eioClient) transport() string {
	c.t.Helper()
	c.Send(map[string]any{"cmd": "transport"})
	return c.Until("transport").String("name")
}

func TestInteropPollingOnly(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil)
	c, open := startEIOClient(t, s, map[string]any{"transports": []string{"polling"}})
	if open.String("transport") != "polling" {
		t.Fatalf("open over %q", open.String("transport"))
	}
	c.exchange()
	if tr := s.sock(c.id).sock.Transport(); tr != engineio.TransportPolling {
		t.Fatalf("server transport %q", tr)
	}
	if tr := c.transport(); tr != "polling" {
		t.Fatalf("client transport %q", tr)
	}
	// the client closes: it sends a close packet
	c.Send(map[string]any{"cmd": "close"})
	if ev := c.Until("close"); ev.String("reason") != "forced close" {
		t.Fatalf("client close %v", ev)
	}
	s.expectReason(c.id, engineio.ReasonTransportClose)
}

func TestInteropWebSocketOnly(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil)
	c, open := startEIOClient(t, s, map[string]any{"transports": []string{"websocket"}})
	if open.String("transport") != "websocket" {
		t.Fatalf("open over %q", open.String("transport"))
	}
	if tr := s.sock(c.id).sock.Transport(); tr != engineio.TransportWebSocket {
		t.Fatalf("server transport %q", tr)
	}
	c.exchange()
	c.Send(map[string]any{"cmd": "close"})
	if ev := c.Until("close"); ev.String("reason") != "forced close" {
		t.Fatalf("client close %v", ev)
	}
	s.expectReason(c.id, engineio.ReasonTransportClose)
}

func TestInteropUpgrade(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil)
	c, open := startEIOClient(t, s, map[string]any{})
	if open.String("transport") != "polling" {
		t.Fatalf("open over %q", open.String("transport"))
	}
	// messages sent while the client upgrades arrive once, in order
	a := s.sock(c.id)
	const n = 200
	go func() {
		for i := range n {
			if a.sock.Send(fmt.Appendf(nil, "u%d", i), false) != nil {
				return
			}
			time.Sleep(200 * time.Microsecond)
		}
	}()
	sawUpgrade := false
	for i := 0; i < n; {
		ev, err := c.Next(nodetest.DefaultTimeout)
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		switch ev.Name() {
		case "upgrade":
			if ev.String("transport") != "websocket" {
				t.Fatalf("upgraded to %q", ev.String("transport"))
			}
			sawUpgrade = true
		case "message":
			if ev.String("data") != fmt.Sprintf("u%d", i) {
				t.Fatalf("message %d: %v", i, ev)
			}
			i++
		default:
			t.Fatalf("event %v", ev)
		}
	}
	if !sawUpgrade {
		if ev := c.Expect("upgrade"); ev.String("transport") != "websocket" {
			t.Fatalf("upgraded to %q", ev.String("transport"))
		}
	}
	if tr := c.transport(); tr != "websocket" {
		t.Fatalf("client transport after the upgrade: %q", tr)
	}
	eventually(t, "server on websocket", func() bool { return a.sock.Transport() == engineio.TransportWebSocket })
	c.exchange()
	c.Send(map[string]any{"cmd": "close"})
	if ev := c.Until("close"); ev.String("reason") != "forced close" {
		t.Fatalf("client close %v", ev)
	}
	s.expectReason(c.id, engineio.ReasonTransportClose)
}

func TestInteropServerClose(t *testing.T) {
	t.Parallel()
	for name, opts := range map[string]map[string]any{
		"polling":   {"transports": []string{"polling"}},
		"websocket": {"transports": []string{"websocket"}},
		"upgraded":  {},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := newTestServer(t, nil)
			c, _ := startEIOClient(t, s, opts)
			if name == "upgraded" {
				c.Expect("upgrade")
			}
			a := s.sock(c.id)
			_ = a.sock.Send([]byte("last words"), false)
			a.sock.Close()
			c.expectText("last words")
			ev := c.Expect("close")
			if ev.String("reason") != "transport close" {
				t.Fatalf("client close %v, want transport close", ev)
			}
			s.expectReason(c.id, engineio.ReasonForcedClose)
		})
	}
}

func TestInteropServerShutdown(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil)
	p, _ := startEIOClient(t, s, map[string]any{"transports": []string{"polling"}})
	w, _ := startEIOClient(t, s, map[string]any{"transports": []string{"websocket"}})
	ctx, cancel := context.WithTimeout(context.Background(), 2*waitTimeout)
	defer cancel()
	if err := s.srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	for _, c := range []*eioClient{p, w} {
		if ev := c.Until("close"); ev.String("reason") != "transport close" {
			t.Fatalf("client close %v", ev)
		}
		s.expectReason(c.id, engineio.ReasonServerShutdown)
	}
}

func TestInteropHeartbeat(t *testing.T) {
	t.Parallel()
	// Short intervals: the client answers the server's pings and checks
	// that they come (it closes after pingInterval+pingTimeout without
	// one); neither side closes.
	s := newTestServer(t, &engineio.Options{PingInterval: 200 * time.Millisecond, PingTimeout: 3 * time.Second})
	var clients []*eioClient
	for _, opts := range []map[string]any{{"transports": []string{"polling"}}, {"transports": []string{"websocket"}}, {}} {
		c, _ := startEIOClient(t, s, opts)
		clients = append(clients, c)
	}
	// longer than PingTimeout: a client that did not answer would be gone
	time.Sleep(4 * time.Second)
	for _, c := range clients {
		s.expectOpen(c.id)
		c.sendText("alive")
		for {
			ev := c.Until("message")
			if ev.String("data") == "alive" {
				break
			}
		}
	}
}
