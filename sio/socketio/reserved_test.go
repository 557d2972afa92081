package socketio

import (
	"context"
	"testing"

	"github.com/coder/websocket"
)

// An event named like one of the reserved events is refused by the parser,
// as socket.io-parser's isPayloadValid refuses it, so that no handler
// registered with On ever runs for it and the connection is closed.
func TestParserRejectsReservedEventNames(t *testing.T) {
	for _, in := range []string{
		`2["connect"]`,
		`2["connect_error",{}]`,
		`2["disconnect","x"]`,
		`2["disconnecting"]`,
		`2["newListener","echo"]`,
		`2["removeListener","echo"]`,
		`2/admin,7["disconnect"]`,
		`2[ "connect" ]`,
		`2["\u0063onnect"]`,
		`51-["disconnect",{"_placeholder":true,"num":0}]`,
	} {
		p := NewSocketIOParser(nil)
		pkt, err := p.Add([]byte(in), false)
		if err == nil || pkt != nil {
			t.Errorf("%s: got %+v, %v; want ErrReservedEvent", in, pkt, err)
			continue
		}
		pcErrIs(t, err, ErrReservedEvent)
		pcErrIs(t, err, ErrInvalidPacket)
	}
	// Names that only look like reserved ones are events like any other.
	for _, in := range []string{`2["connected"]`, `2["Connect"]`, `2["connect\u0000"]`, `2["disconnect\\"]`} {
		p := NewSocketIOParser(nil)
		if _, err := p.Add([]byte(in), false); err != nil {
			t.Errorf("%s: %v", in, err)
		}
	}
}

func TestReservedEventFromClientClosesTheConnection(t *testing.T) {
	for _, tc := range []struct {
		name string
		pkts []string
		bin  bool
	}{
		{name: "connect", pkts: []string{`2["connect"]`}},
		{name: "disconnect", pkts: []string{`2["disconnect","x"]`}},
		{name: "disconnecting", pkts: []string{`2["disconnecting"]`}},
		{name: "newListener", pkts: []string{`2["newListener","echo"]`}},
		{name: "binary disconnect", pkts: []string{`51-["disconnect",{"_placeholder":true,"num":0}]`}, bin: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t, nil)
			ran := make(chan string, 8)
			socks := socketCh(e.srv)
			c := e.dialWS()
			c.connect("/", "")
			s := waitChan(t, socks, "connection")
			for _, name := range []string{"connect", "disconnect", "disconnecting", "newListener"} {
				s.On(name, func(ev *Event) { ran <- ev.Name })
			}
			for _, p := range tc.pkts {
				c.send(p)
			}
			if tc.bin {
				// The server may refuse the header and close first: the
				// attachment's write may then fail.
				_ = c.conn.Write(context.Background(), websocket.MessageBinary, []byte{1})
			}
			c.waitClosed()
			select {
			case name := <-ran:
				t.Fatalf("handler of %q ran", name)
			default:
			}
		})
	}
}

// The decoder reads a plain ASCII event name once, and leaves names with
// escapes or other characters to eventName: both give the same name.
func TestDecodedEventNames(t *testing.T) {
	for _, c := range []struct {
		packet, name string
		named        bool
	}{
		{`2["echo",1]`, "echo", true},
		{`2["",1]`, "", true},
		{`2["\u0065cho"]`, "echo", false},
		{`2["été"]`, "été", false},
		{`2["a\"b"]`, `a"b`, false},
	} {
		p, _, split, err := decodeText([]byte(c.packet), 10, false, true)
		if err != nil {
			t.Fatalf("%s: %v", c.packet, err)
		}
		if split.named != c.named || (split.named && split.name != c.name) {
			t.Errorf("%s: named %v %q, want %v %q", c.packet, split.named, split.name, c.named, c.name)
		}
		if name, ok := eventName(split.args[0]); !ok || name != c.name {
			t.Errorf("%s: eventName %q %v, want %q", c.packet, name, ok, c.name)
		}
		if p.Type != PacketEvent {
			t.Errorf("%s: type %v", c.packet, p.Type)
		}
	}
}
