package load

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
)

// httpConn is a minimal HTTP/1.1 keep-alive client on one TCP connection:
// requests are written as pre-encoded bytes, responses are parsed just enough
// to find the status and the body (Content-Length or chunked).
type httpConn struct {
	nc   net.Conn
	br   *bufio.Reader
	body []byte
}

func (d *Dialer) dialTCP(ctx context.Context, idx int) (*httpConn, error) {
	nc, err := d.nets[d.pick(idx)].DialContext(ctx, "tcp", d.Addr)
	if err != nil {
		return nil, err
	}
	return &httpConn{nc: nc, br: bufio.NewReaderSize(nc, 4096)}, nil
}

func (h *httpConn) close() { _ = h.nc.Close() }

func (h *httpConn) do(req []byte) (int, []byte, error) {
	if _, err := h.nc.Write(req); err != nil {
		return 0, nil, err
	}
	return h.readResponse()
}

var errBadResponse = errors.New("malformed HTTP response")

// readResponse reads one response; the body is valid until the next call.
func (h *httpConn) readResponse() (int, []byte, error) {
	line, err := h.br.ReadSlice('\n')
	if err != nil {
		return 0, nil, err
	}
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) {
		return 0, nil, errBadResponse
	}
	status, err := strconv.Atoi(string(line[9:12]))
	if err != nil {
		return 0, nil, errBadResponse
	}
	length, chunked := -1, false
	for {
		line, err := h.br.ReadSlice('\n')
		if err != nil {
			return 0, nil, err
		}
		if len(line) <= 2 {
			break
		}
		colon := bytes.IndexByte(line, ':')
		if colon < 0 {
			continue
		}
		name, val := line[:colon], bytes.TrimSpace(line[colon+1:])
		switch {
		case len(name) == 14 && bytes.EqualFold(name, []byte("content-length")):
			length, err = strconv.Atoi(string(val))
			if err != nil {
				return 0, nil, errBadResponse
			}
		case len(name) == 17 && bytes.EqualFold(name, []byte("transfer-encoding")):
			chunked = bytes.EqualFold(val, []byte("chunked"))
		}
	}
	h.body = h.body[:0]
	switch {
	case chunked:
		for {
			line, err := h.br.ReadSlice('\n')
			if err != nil {
				return 0, nil, err
			}
			if i := bytes.IndexByte(line, ';'); i >= 0 {
				line = line[:i]
			}
			n, err := strconv.ParseInt(string(bytes.TrimSpace(line)), 16, 32)
			if err != nil {
				return 0, nil, errBadResponse
			}
			if n == 0 {
				for { // trailers
					l, err := h.br.ReadSlice('\n')
					if err != nil {
						return 0, nil, err
					}
					if len(l) <= 2 {
						break
					}
				}
				break
			}
			h.body = grow(h.body, int(n))
			if _, err := io.ReadFull(h.br, h.body[len(h.body)-int(n):]); err != nil {
				return 0, nil, err
			}
			if _, err := h.br.Discard(2); err != nil {
				return 0, nil, err
			}
		}
	case length >= 0:
		h.body = grow(h.body, length)
		if _, err := io.ReadFull(h.br, h.body); err != nil {
			return 0, nil, err
		}
	default:
		return 0, nil, fmt.Errorf("response without length (status %d)", status)
	}
	return status, h.body, nil
}

func grow(b []byte, n int) []byte {
	if cap(b)-len(b) < n {
		nb := make([]byte, len(b), len(b)+n+512)
		copy(nb, b)
		b = nb
	}
	return b[:len(b)+n]
}

// Poll is one Socket.IO client over HTTP long-polling: one TCP connection
// for the pending GET and one for POSTs, as browsers do.
type Poll struct {
	get, post *httpConn
	SID       string
	host      string
	getReq    []byte
	pongReq   []byte
}

func pollPath(sid string) string {
	p := "/socket.io/?EIO=4&transport=polling"
	if sid != "" {
		p += "&sid=" + sid
	}
	return p
}

func getRequest(host, sid string) []byte {
	return []byte("GET " + pollPath(sid) + " HTTP/1.1\r\nHost: " + host + "\r\nAccept: */*\r\n\r\n")
}

// PostRequest pre-encodes a POST of one or more Engine.IO packets.
func PostRequest(host, sid string, body []byte) []byte {
	return append([]byte("POST "+pollPath(sid)+" HTTP/1.1\r\nHost: "+host+
		"\r\nContent-Type: text/plain;charset=UTF-8\r\nContent-Length: "+strconv.Itoa(len(body))+"\r\n\r\n"), body...)
}

// sidOf finds "sid":"..." in an open packet without decoding its JSON.
func sidOf(open []byte) (string, error) {
	i := bytes.Index(open, []byte(`"sid":"`))
	if i < 0 {
		return "", fmt.Errorf("no sid in %.80q", open)
	}
	rest := open[i+7:]
	j := bytes.IndexByte(rest, '"')
	if j < 0 {
		return "", fmt.Errorf("no sid in %.80q", open)
	}
	return string(rest[:j]), nil
}

// pollHandshake does the Engine.IO handshake and the namespace connect on
// one keep-alive connection (GET open, POST "40", GET the CONNECT reply).
func (d *Dialer) pollHandshake(h *httpConn) (string, error) {
	st, body, err := h.do(getRequest(d.Addr, ""))
	if err != nil {
		return "", err
	}
	if st != 200 || len(body) == 0 || body[0] != '0' {
		return "", fmt.Errorf("handshake: status %d body %.80q", st, body)
	}
	sid, err := sidOf(body)
	if err != nil {
		return "", err
	}
	st, body, err = h.do(PostRequest(d.Addr, sid, nsConn))
	if err != nil {
		return "", err
	}
	if st != 200 {
		return "", fmt.Errorf("POST 40: status %d body %.80q", st, body)
	}
	get := getRequest(d.Addr, sid)
	for {
		st, body, err = h.do(get)
		if err != nil {
			return "", err
		}
		if st != 200 {
			return "", fmt.Errorf("GET: status %d body %.80q", st, body)
		}
		connected := false
		for p := range bytes.SplitSeq(body, []byte{0x1e}) {
			switch {
			case bytes.HasPrefix(p, nsConn):
				connected = true
			case len(p) == 1 && p[0] == '2':
				if _, _, err := h.do(PostRequest(d.Addr, sid, pongMsg)); err != nil {
					return "", err
				}
			case bytes.HasPrefix(p, []byte("44")):
				return "", fmt.Errorf("connect refused: %.80q", p)
			}
		}
		if connected {
			return sid, nil
		}
	}
}

// ConnectPoll opens a long-polling client connected to the namespace "/".
func (d *Dialer) ConnectPoll(ctx context.Context, idx int) (*Poll, error) {
	if idx < 0 {
		idx = int(d.next.Add(1) - 1)
	}
	g, err := d.dialTCP(ctx, idx)
	if err != nil {
		return nil, err
	}
	p, err := d.dialTCP(ctx, idx)
	if err != nil {
		g.close()
		return nil, err
	}
	stop := context.AfterFunc(ctx, func() { g.close(); p.close() })
	defer stop()
	sid, err := d.pollHandshake(g)
	if err != nil {
		g.close()
		p.close()
		return nil, err
	}
	return &Poll{get: g, post: p, SID: sid, host: d.Addr,
		getReq: getRequest(d.Addr, sid), pongReq: PostRequest(d.Addr, sid, pongMsg)}, nil
}

// Close drops both connections.
func (p *Poll) Close() { p.get.close(); p.post.close() }

// RoundTrip starts a long-poll GET, POSTs the pre-encoded request post and
// waits until a packet with the given prefix arrives on the GET side,
// answering pings on the way.
func (p *Poll) RoundTrip(post, prefix []byte) error {
	if _, err := p.get.nc.Write(p.getReq); err != nil {
		return err
	}
	st, _, err := p.post.do(post)
	if err != nil {
		return err
	}
	if st != 200 {
		return fmt.Errorf("POST: status %d", st)
	}
	for {
		st, body, err := p.get.readResponse()
		if err != nil {
			return err
		}
		if st != 200 {
			return fmt.Errorf("GET: status %d body %.80q", st, body)
		}
		found := false
		for pk := range bytes.SplitSeq(body, []byte{0x1e}) {
			switch {
			case bytes.HasPrefix(pk, prefix):
				found = true
			case len(pk) == 1 && pk[0] == '2':
				if _, _, err := p.post.do(p.pongReq); err != nil {
					return err
				}
			case len(pk) > 0 && pk[0] == '1':
				return errors.New("server closed the session")
			}
		}
		if found {
			return nil
		}
		if _, err := p.get.nc.Write(p.getReq); err != nil {
			return err
		}
	}
}

// ConnectUpgrade does what a browser client does by default: handshake and
// namespace connect over long-polling, then the websocket upgrade (probe
// "2probe"/"3probe", then "5"). It returns the upgraded websocket.
func (d *Dialer) ConnectUpgrade(ctx context.Context, idx int) (*WS, error) {
	if idx < 0 {
		idx = int(d.next.Add(1) - 1)
	}
	h, err := d.dialTCP(ctx, idx)
	if err != nil {
		return nil, err
	}
	defer h.close()
	stop := context.AfterFunc(ctx, h.close)
	sid, err := d.pollHandshake(h)
	stop()
	if err != nil {
		return nil, err
	}
	w, err := d.DialWS(ctx, idx, "&sid="+sid)
	if err != nil {
		return nil, err
	}
	stop = context.AfterFunc(ctx, w.Close)
	defer stop()
	if err := w.Send([]byte("2probe")); err != nil {
		w.Close()
		return nil, err
	}
	for {
		_, m, err := w.Next()
		if err != nil {
			w.Close()
			return nil, err
		}
		if string(m) == "3probe" {
			break
		}
	}
	if err := w.Send([]byte("5")); err != nil {
		w.Close()
		return nil, err
	}
	return w, nil
}
