package wiretest

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Packet is a Socket.IO packet as a test reads it.
type Packet struct {
	Type        byte              // '0' CONNECT ... '6' BINARY_ACK
	NSP         string            // "/" when the text names none
	ID          int               // -1 when none
	Data        json.RawMessage   // the payload as sent, placeholders included
	Attachments [][]byte          // the binary attachments, in order
	Event       string            // for EVENT and BINARY_EVENT: the name
	Args        []json.RawMessage // the arguments of an event (after the name) or of an ack
}

// IsEvent reports whether p is an EVENT or a BINARY_EVENT.
func (p Packet) IsEvent() bool { return p.Type == '2' || p.Type == '5' }

// IsAck reports whether p is an ACK or a BINARY_ACK.
func (p Packet) IsAck() bool { return p.Type == '3' || p.Type == '6' }

// String shows the packet in a failure message.
func (p Packet) String() string {
	return fmt.Sprintf("%c %s id=%d %s (+%d bin)", p.Type, p.NSP, p.ID, p.Data, len(p.Attachments))
}

// ParsePacket decodes the text of a Socket.IO packet (without the
// Engine.IO "4"); n is the number of attachments its header announces.
// A text that is not a packet gives Type 0 (not '0').
func ParsePacket(s string) (p Packet, n int) {
	p.ID = -1
	if s == "" {
		return p, 0
	}
	p.Type, s = s[0], s[1:]
	if p.Type == '5' || p.Type == '6' {
		if i := strings.IndexByte(s, '-'); i >= 0 {
			n, _ = strconv.Atoi(s[:i])
			s = s[i+1:]
		}
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
		if p.IsEvent() {
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

// NSPPrefix is the namespace part of a packet's text: nothing for "/",
// else the name and a comma.
func NSPPrefix(nsp string) string {
	if nsp == "/" || nsp == "" {
		return ""
	}
	return nsp + ","
}

// EventText is the Engine.IO text of an EVENT on nsp (BINARY_EVENT when
// attachments > 0), with ack id id (-1 for none), of the JSON array of event
// and args. It fails only for arguments encoding/json cannot encode.
func EventText(nsp string, id, attachments int, event string, args ...any) (string, error) {
	data, err := json.Marshal(append([]any{event}, args...))
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString("4")
	if attachments > 0 {
		b.WriteString("5" + strconv.Itoa(attachments) + "-")
	} else {
		b.WriteString("2")
	}
	b.WriteString(NSPPrefix(nsp))
	if id >= 0 {
		b.WriteString(strconv.Itoa(id))
	}
	b.Write(data)
	return b.String(), nil
}

// Placeholder is the JSON value that stands for attachment num.
func Placeholder(num int) map[string]any { return map[string]any{"_placeholder": true, "num": num} }

// NextPacket returns the next Socket.IO packet within d, its attachments
// gathered; other Engine.IO packets are skipped. ok is false when none
// came in time; closed reports that the connection ended first.
func (c *Conn) NextPacket(d time.Duration) (p Packet, ok, closed bool) {
	deadline := time.Now().Add(d)
	var pending *Packet
	want := 0
	for {
		f, ok, closed := c.NextWithin(time.Until(deadline))
		if !ok {
			return Packet{}, false, closed
		}
		if f.Binary {
			if pending != nil {
				pending.Attachments = append(pending.Attachments, f.Data)
				if len(pending.Attachments) == want {
					return *pending, true, false
				}
			}
			continue
		}
		text, isMsg := f.Message()
		if !isMsg || text == "" {
			continue
		}
		p, n := ParsePacket(text)
		if n == 0 {
			return p, true, false
		}
		pending, want = &p, n
	}
}
