package main

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/gosio/gosio/internal/wiretest"
)

// wsClient is a bare Socket.IO v5 client over one Engine.IO v4 websocket
// (internal/wiretest), enough to test the chat's handlers on the wire.
type wsClient struct {
	t     *testing.T
	c     *wiretest.Conn
	conn  *websocket.Conn // to drop the connection abruptly
	sid   string
	stash []wsPacket
	ackID int
}

// wsPacket is a decoded Socket.IO packet.
type wsPacket = wiretest.Packet

// dialChat connects to the chat namespace with auth; it returns the client
// and the CONNECT or CONNECT_ERROR packet.
func dialChat(t *testing.T, base string, auth any) (*wsClient, wsPacket) {
	t.Helper()
	conn := wiretest.Dial(t, base+"/socket.io/?EIO=4&transport=websocket", &wiretest.DialOptions{ReadLimit: 16 << 20})
	c := &wsClient{t: t, c: conn, conn: conn.WS()}
	a := []byte{}
	if auth != nil {
		a, _ = json.Marshal(auth)
	}
	c.writeText("40" + chatNamespace + "," + string(a))
	p := c.waitFor(func(p wsPacket) bool { return p.Type == '0' || p.Type == '4' })
	if p.Type == '0' {
		var reply struct {
			SID string `json:"sid"`
		}
		_ = json.Unmarshal(p.Data, &reply)
		c.sid = reply.SID
	}
	return c, p
}

func (c *wsClient) writeText(s string) {
	c.t.Helper()
	c.c.WriteText(s)
}

// waitFor returns the first packet, stashed or new, that match accepts;
// the others are stashed. It fails the test after 5s.
func (c *wsClient) waitFor(match func(wsPacket) bool) wsPacket {
	c.t.Helper()
	p, ok := c.waitWithin(match, 5*time.Second)
	if !ok {
		c.t.Fatalf("timed out waiting for a packet; stashed: %v", c.stash)
	}
	return p
}

// waitWithin is waitFor that gives up after d.
func (c *wsClient) waitWithin(match func(wsPacket) bool, d time.Duration) (wsPacket, bool) {
	c.t.Helper()
	for i, p := range c.stash {
		if match(p) {
			c.stash = append(c.stash[:i:i], c.stash[i+1:]...)
			return p, true
		}
	}
	deadline := time.Now().Add(d)
	for {
		p, ok, closed := c.c.NextPacket(time.Until(deadline))
		switch {
		case closed:
			c.t.Fatalf("connection closed while waiting; stashed: %v", c.stash)
		case !ok:
			return wsPacket{}, false
		case match(p):
			return p, true
		}
		c.stash = append(c.stash, p)
	}
}

// event waits for an event whose first argument satisfies ok (nil: any)
// and decodes that argument into into.
func (c *wsClient) event(name string, into any, ok func(json.RawMessage) bool) wsPacket {
	c.t.Helper()
	p := c.waitFor(func(p wsPacket) bool {
		return (p.Type == '2' || p.Type == '5') && p.Event == name && len(p.Args) > 0 && (ok == nil || ok(p.Args[0]))
	})
	if into != nil {
		if err := json.Unmarshal(p.Args[0], into); err != nil {
			c.t.Fatalf("decoding %s: %v", name, err)
		}
	}
	return p
}

// drain stashes what arrives within d.
func (c *wsClient) drain(d time.Duration) {
	deadline := time.Now().Add(d)
	for {
		p, ok, _ := c.c.NextPacket(time.Until(deadline))
		if !ok {
			return
		}
		c.stash = append(c.stash, p)
	}
}

// events returns the stashed events of a name.
func (c *wsClient) events(name string) []wsPacket {
	var out []wsPacket
	for _, p := range c.stash {
		if (p.Type == '2' || p.Type == '5') && p.Event == name {
			out = append(out, p)
		}
	}
	return out
}

// call emits an event with an ack id and decodes the ack's first argument
// into reply. Binary arguments go as attachments: pass them in bins, with
// placeholders in args.
func (c *wsClient) call(reply any, bins [][]byte, event string, args ...any) {
	c.t.Helper()
	id := c.ackID
	c.ackID++
	c.send(id, bins, event, args...)
	p := c.waitFor(func(p wsPacket) bool { return (p.Type == '3' || p.Type == '6') && p.ID == id })
	if len(p.Args) == 0 {
		c.t.Fatalf("ack of %s without arguments", event)
	}
	if err := json.Unmarshal(p.Args[0], reply); err != nil {
		c.t.Fatalf("ack of %s: %v", event, err)
	}
}

// emit sends an event without an ack id.
func (c *wsClient) emit(event string, args ...any) {
	c.t.Helper()
	c.send(-1, nil, event, args...)
}

func (c *wsClient) send(id int, bins [][]byte, event string, args ...any) {
	c.t.Helper()
	text, err := wiretest.EventText(chatNamespace, id, len(bins), event, args...)
	if err != nil {
		c.t.Fatal(err)
	}
	c.writeText(text)
	for _, bin := range bins {
		c.c.WriteBinary(bin)
	}
}

// placeholder is the JSON of attachment num.
func placeholder(num int) map[string]any { return wiretest.Placeholder(num) }
