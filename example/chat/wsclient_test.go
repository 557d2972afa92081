package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// wsClient is a bare Socket.IO v5 client over one Engine.IO v4 websocket,
// enough to test the chat's handlers on the wire.
type wsClient struct {
	t     *testing.T
	conn  *websocket.Conn
	sid   string
	pkts  chan wsPacket
	stash []wsPacket
	ackID int
}

// wsPacket is a decoded Socket.IO packet.
type wsPacket struct {
	Type  byte // '0' CONNECT ... '6' BINARY_ACK
	NSP   string
	ID    int // -1 when none
	Data  json.RawMessage
	Bins  [][]byte
	Event string            // for events: the name
	Args  []json.RawMessage // for events and acks: the arguments
}

func (p wsPacket) String() string {
	return fmt.Sprintf("%c %s id=%d %s (+%d bin)", p.Type, p.NSP, p.ID, p.Data, len(p.Bins))
}

// dialChat connects to the chat namespace with auth; it returns the client
// and the CONNECT or CONNECT_ERROR packet.
func dialChat(t *testing.T, base string, auth any) (*wsClient, wsPacket) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	u := "ws" + strings.TrimPrefix(base, "http") + "/socket.io/?EIO=4&transport=websocket"
	conn, _, err := websocket.Dial(ctx, u, nil)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	conn.SetReadLimit(16 << 20)
	c := &wsClient{t: t, conn: conn, pkts: make(chan wsPacket, 1024)}
	t.Cleanup(func() { _ = conn.CloseNow() })
	typ, open, err := conn.Read(ctx)
	if err != nil || typ != websocket.MessageText || len(open) == 0 || open[0] != '0' {
		t.Fatalf("engine.io open: %q %v", open, err)
	}
	go c.readLoop()
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
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.conn.Write(ctx, websocket.MessageText, []byte(s)); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

func (c *wsClient) readLoop() {
	defer close(c.pkts)
	var pending *wsPacket
	want := 0
	for {
		typ, b, err := c.conn.Read(context.Background())
		if err != nil {
			return
		}
		if typ == websocket.MessageBinary {
			if pending != nil {
				pending.Bins = append(pending.Bins, b)
				if len(pending.Bins) == want {
					c.pkts <- *pending
					pending = nil
				}
			}
			continue
		}
		switch {
		case len(b) == 1 && b[0] == '2': // ping
			_ = c.conn.Write(context.Background(), websocket.MessageText, []byte("3"))
			continue
		case len(b) < 2 || b[0] != '4':
			continue
		}
		p, n := parsePacket(string(b[1:]))
		if n > 0 {
			pending, want = &p, n
			continue
		}
		c.pkts <- p
	}
}

// parsePacket decodes a Socket.IO packet's text; n is its attachment count.
func parsePacket(s string) (p wsPacket, n int) {
	p.Type, p.ID = s[0], -1
	s = s[1:]
	if p.Type == '5' || p.Type == '6' {
		i := strings.IndexByte(s, '-')
		n, _ = strconv.Atoi(s[:i])
		s = s[i+1:]
	}
	p.NSP = "/"
	if strings.HasPrefix(s, "/") {
		i := strings.IndexByte(s, ',')
		if i < 0 {
			p.NSP, s = s, ""
		} else {
			p.NSP, s = s[:i], s[i+1:]
		}
	}
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i > 0 {
		p.ID, _ = strconv.Atoi(s[:i])
		s = s[i:]
	}
	p.Data = json.RawMessage(s)
	var arr []json.RawMessage
	if json.Unmarshal(p.Data, &arr) == nil {
		if p.Type == '2' || p.Type == '5' {
			if len(arr) > 0 {
				_ = json.Unmarshal(arr[0], &p.Event)
				p.Args = arr[1:]
			}
		} else {
			p.Args = arr
		}
	}
	return p, n
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
	timer := time.NewTimer(d)
	defer timer.Stop()
	for {
		select {
		case p, ok := <-c.pkts:
			if !ok {
				c.t.Fatalf("connection closed while waiting; stashed: %v", c.stash)
			}
			if match(p) {
				return p, true
			}
			c.stash = append(c.stash, p)
		case <-timer.C:
			return wsPacket{}, false
		}
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
	timer := time.NewTimer(d)
	defer timer.Stop()
	for {
		select {
		case p, ok := <-c.pkts:
			if !ok {
				return
			}
			c.stash = append(c.stash, p)
		case <-timer.C:
			return
		}
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
	data, err := json.Marshal(append([]any{event}, args...))
	if err != nil {
		c.t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString("4")
	if len(bins) > 0 {
		b.WriteString("5" + strconv.Itoa(len(bins)) + "-")
	} else {
		b.WriteString("2")
	}
	b.WriteString(chatNamespace + ",")
	if id >= 0 {
		b.WriteString(strconv.Itoa(id))
	}
	b.Write(data)
	c.writeText(b.String())
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, bin := range bins {
		if err := c.conn.Write(ctx, websocket.MessageBinary, bin); err != nil {
			c.t.Fatalf("write: %v", err)
		}
	}
}

// placeholder is the JSON of attachment num.
func placeholder(num int) map[string]any { return map[string]any{"_placeholder": true, "num": num} }
