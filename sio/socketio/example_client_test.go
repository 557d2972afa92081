package socketio_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
)

// pollClient is the smallest Socket.IO client, for the examples: the
// Engine.IO long-polling transport driven with net/http, one packet per
// next call. A real program uses socket.io-client.
type pollClient struct {
	http    *http.Client
	url     string   // .../socket.io/?EIO=4&transport=polling&sid=...
	pending []string // packets received, not yet returned by next
}

// dialPolling opens an Engine.IO session at base (the server's URL).
func dialPolling(base string) *pollClient {
	c := &pollClient{http: &http.Client{Transport: &http.Transport{}}}
	open := c.get(base + "/socket.io/?EIO=4&transport=polling")
	_, rest, _ := strings.Cut(open, `"sid":"`)
	sid, _, _ := strings.Cut(rest, `"`)
	c.url = base + "/socket.io/?EIO=4&transport=polling&sid=" + sid
	return c
}

func (c *pollClient) get(url string) string {
	resp, err := c.http.Get(url)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		panic(fmt.Sprintf("GET %s: %s %s", url, resp.Status, b))
	}
	return string(b)
}

// send posts Engine.IO packets ("4" + a Socket.IO packet is a message).
func (c *pollClient) send(packets ...string) {
	resp, err := c.http.Post(c.url, "text/plain;charset=UTF-8", strings.NewReader(strings.Join(packets, "\x1e")))
	if err != nil {
		panic(err)
	}
	b, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		panic(fmt.Sprintf("POST %s: %s %s", c.url, resp.Status, b))
	}
}

// emit sends a Socket.IO packet in an Engine.IO message, as the wire
// shows it: "40" (CONNECT to "/"), `42["hello"]` (an EVENT).
func (c *pollClient) emit(packet string) { c.send(packet) }

// next returns the next Engine.IO message from the server ("4" and a
// Socket.IO packet), answering pings.
func (c *pollClient) next() string {
	for {
		for len(c.pending) > 0 {
			p := c.pending[0]
			c.pending = c.pending[1:]
			switch {
			case p == "2":
				c.send("3")
			case strings.HasPrefix(p, "4"):
				return p
			}
		}
		c.pending = strings.Split(c.get(c.url), "\x1e")
	}
}

// close ends the session.
func (c *pollClient) close() {
	c.send("1")
	c.http.CloseIdleConnections()
}
