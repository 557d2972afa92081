// Package load is the benchmark's load generator: Engine.IO v4 / Socket.IO v5
// clients over websocket (github.com/coder/websocket) and over HTTP
// long-polling (a minimal HTTP/1.1 client on a raw TCP connection), and the
// scenarios built on them.
//
// It is written to cost little CPU on both sides: frames are encoded once
// before a run, replies are matched by byte prefix and never decoded as JSON,
// read buffers are reused, and a client in a closed loop has one goroutine.
package load

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/coder/websocket"
	"golang.org/x/sys/unix"
)

// Dialer opens client connections to one server, spread over source
// addresses 127.0.0.2, 127.0.0.3, ... (PerSource connections each): to one
// server port, a source address has some 28k ephemeral ports, and the
// kernel's search for a free one slows down long before they run out.
type Dialer struct {
	Addr    string // host:port of the server
	nets    []*net.Dialer
	clients []*http.Client
	next    atomic.Uint64
}

// PerSource is how many consecutive connection indexes go out from one
// source address.
const PerSource = 2000

// Sources is how many source addresses a Dialer uses.
const Sources = 16

// NewDialer makes a dialer to addr (127.0.0.1:port).
func NewDialer(addr string) *Dialer {
	d := &Dialer{Addr: addr}
	for i := range Sources {
		nd := &net.Dialer{
			Timeout:   10 * time.Second,
			LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, byte(2+i))},
			// Pick the port at connect time, per destination, not at bind
			// time among all the ports of the address.
			Control: func(_, _ string, c syscall.RawConn) error {
				var serr error
				err := c.Control(func(fd uintptr) {
					serr = unix.SetsockoptInt(int(fd), unix.IPPROTO_IP, unix.IP_BIND_ADDRESS_NO_PORT, 1)
				})
				if err != nil {
					return err
				}
				return serr
			},
		}
		d.nets = append(d.nets, nd)
		tr := &http.Transport{
			DialContext:         nd.DialContext,
			MaxIdleConnsPerHost: 1,
			ForceAttemptHTTP2:   false,
			DisableCompression:  true,
		}
		d.clients = append(d.clients, &http.Client{Transport: tr})
	}
	return d
}

// pick returns the source for connection index idx (-1: the next one).
func (d *Dialer) pick(idx int) int {
	if idx < 0 {
		idx = int(d.next.Add(1) - 1)
	}
	return (idx / PerSource) % Sources
}

// WS is one Socket.IO client over websocket.
type WS struct {
	C   *websocket.Conn
	buf []byte
}

var (
	pingMsg = []byte("2")
	pongMsg = []byte("3")
	nsConn  = []byte("40")
)

// DialWS opens the websocket transport (query is appended to the URL, e.g.
// "&sid=..." for an upgrade) without any Engine.IO exchange yet. idx chooses
// the source address (-1: round robin).
func (d *Dialer) DialWS(ctx context.Context, idx int, query string) (*WS, error) {
	u := "ws://" + d.Addr + "/socket.io/?EIO=4&transport=websocket" + query
	c, _, err := websocket.Dial(ctx, u, &websocket.DialOptions{
		HTTPClient:      d.clients[d.pick(idx)],
		CompressionMode: websocket.CompressionDisabled,
	})
	if err != nil {
		return nil, err
	}
	c.SetReadLimit(4 << 20)
	return &WS{C: c}, nil
}

// Connect opens a websocket, reads the Engine.IO open packet, connects the
// namespace "/" and waits for the server's CONNECT reply.
func (d *Dialer) Connect(ctx context.Context, idx int) (*WS, error) {
	w, err := d.DialWS(ctx, idx, "")
	if err != nil {
		return nil, err
	}
	if err := w.handshake(ctx); err != nil {
		w.Close()
		return nil, err
	}
	return w, nil
}

func (w *WS) handshake(ctx context.Context) error {
	stop := context.AfterFunc(ctx, func() { _ = w.C.CloseNow() })
	defer stop()
	_, m, err := w.Next()
	if err != nil {
		return err
	}
	if len(m) == 0 || m[0] != '0' {
		return fmt.Errorf("want open packet, got %.40q", m)
	}
	if err := w.Send(nsConn); err != nil {
		return err
	}
	for {
		_, m, err := w.Next()
		if err != nil {
			return err
		}
		if bytes.HasPrefix(m, nsConn) {
			return nil
		}
		if bytes.HasPrefix(m, []byte("44")) {
			return fmt.Errorf("connect refused: %.80q", m)
		}
	}
}

// SkipTo reads messages until one starts with prefix, dropping the others.
func (w *WS) SkipTo(prefix []byte) error {
	for {
		_, m, err := w.Next()
		if err != nil {
			return err
		}
		if bytes.HasPrefix(m, prefix) {
			return nil
		}
	}
}

// Next reads the next data message into the connection's reusable buffer
// (valid until the next call). Engine.IO pings are answered and skipped.
func (w *WS) Next() (websocket.MessageType, []byte, error) {
	for {
		typ, r, err := w.C.Reader(context.Background())
		if err != nil {
			return 0, nil, err
		}
		b := w.buf[:0]
		for {
			if len(b) == cap(b) {
				b = append(b, 0)[:len(b)]
			}
			n, err := r.Read(b[len(b):cap(b)])
			b = b[:len(b)+n]
			if err == io.EOF {
				break
			}
			if err != nil {
				return 0, nil, err
			}
		}
		w.buf = b
		if typ == websocket.MessageText && len(b) == 1 && b[0] == '2' {
			if err := w.Send(pongMsg); err != nil {
				return 0, nil, err
			}
			continue
		}
		return typ, b, nil
	}
}

// Send writes one text message.
func (w *WS) Send(p []byte) error {
	return w.C.Write(context.Background(), websocket.MessageText, p)
}

// SendBinary writes one binary message.
func (w *WS) SendBinary(p []byte) error {
	return w.C.Write(context.Background(), websocket.MessageBinary, p)
}

// Close drops the TCP connection without a close handshake.
func (w *WS) Close() { _ = w.C.CloseNow() }

// ErrStopped is returned by loops that were told to stop.
var ErrStopped = errors.New("stopped")
