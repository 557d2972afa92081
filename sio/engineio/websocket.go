package engineio

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/coder/websocket"
)

// EngineIOWebSocketConsumer is the websocket transport (protocol v4,
// "Transports: WebSocket"): it opens websocket-only sessions and upgrades
// long-polling ones ("Upgrade"). Once the handshake (or the upgrade) is
// done, the HTTP handler returns, so that net/http frees the request, and
// one goroutine of the connection's own goes on reading it.
type EngineIOWebSocketConsumer struct {
	srv *Server
}

var _ http.Handler = (*EngineIOWebSocketConsumer)(nil)

// WebSocket returns the server's websocket transport.
func (s *Server) WebSocket() *EngineIOWebSocketConsumer { return s.ws }

// ServeHTTP serves a websocket request, verifying it as Server.ServeHTTP
// does.
func (c *EngineIOWebSocketConsumer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !isWebSocketUpgrade(r) {
		protocolError(CodeBadRequest).writeTo(w)
		return
	}
	c.srv.ServeHTTP(w, r)
}

func (c *EngineIOWebSocketConsumer) acceptOptions() *websocket.AcceptOptions {
	o := &websocket.AcceptOptions{
		// The origin is checked by the server's CORS policy, when it has one.
		InsecureSkipVerify: true,
		CompressionMode:    websocket.CompressionDisabled,
	}
	if d := c.srv.opts.PerMessageDeflate; d != nil && !d.Disabled {
		o.CompressionMode = websocket.CompressionNoContextTakeover
		o.CompressionThreshold = d.Threshold
	}
	return o
}

func (c *EngineIOWebSocketConsumer) accept(w http.ResponseWriter, r *http.Request) (*websocket.Conn, *sendBuffer, error) {
	sw, err := withSmallBuffers(w, c.srv)
	if err != nil {
		protocolError(CodeBadRequest).writeTo(w)
		return nil, nil, err
	}
	conn, err := websocket.Accept(withFrameGuard(sw, c.srv.opts.MaxPayload), r, c.acceptOptions())
	if err != nil {
		return nil, nil, err
	}
	conn.SetReadLimit(c.srv.opts.MaxPayload)
	// Without permessage-deflate the session frames its messages itself
	// (frames.go); the library's Write compresses them otherwise.
	sw.out.direct = w.Header().Get("Sec-WebSocket-Extensions") == ""
	return conn, sw.out, nil
}

// handshake opens a websocket-only session: the open packet is the first
// frame, with no upgrades offered.
func (c *EngineIOWebSocketConsumer) handshake(w http.ResponseWriter, r *http.Request) {
	if !c.srv.enter() {
		http.Error(w, ErrServerClosed.Error(), http.StatusServiceUnavailable)
		return
	}
	defer c.srv.wg.Done()
	sess := c.srv.register(TransportWebSocket, r)
	if sess == nil {
		http.Error(w, ErrServerClosed.Error(), http.StatusServiceUnavailable)
		return
	}
	c.srv.setCookie(w, sess.id)
	c.srv.writeHeaders(w, r, true)
	conn, out, err := c.accept(w, r)
	if err != nil {
		sess.closeNow(ReasonTransportError, err)
		return
	}
	open := c.srv.openPacket(sess.id, TransportWebSocket)
	if err := writeFrame(conn, out, websocket.MessageText, open.appendText(nil)); err != nil {
		_ = conn.CloseNow()
		sess.closeNow(ReasonTransportError, err)
		return
	}
	out.attach(sess)
	sess.mu.Lock()
	sess.ws, sess.out = conn, out
	sess.mu.Unlock()
	c.srv.open(sess)
	sess.goReadLoop(conn)
}

// upgrade runs the upgrade of a long-polling session: it answers the probe,
// has the pending poll answered with a noop, and moves the session to the
// websocket when the upgrade packet arrives.
func (c *EngineIOWebSocketConsumer) upgrade(w http.ResponseWriter, r *http.Request, sess *EngineIOSession) {
	if !c.srv.enter() {
		http.Error(w, ErrServerClosed.Error(), http.StatusServiceUnavailable)
		return
	}
	defer c.srv.wg.Done()
	sess.mu.Lock()
	if sess.closed || sess.transport != TransportPolling || sess.upgrading {
		sess.mu.Unlock()
		// As the Node.js server does: the handshake succeeds and the
		// websocket is closed at once, leaving the session as it was.
		if conn, _, err := c.accept(w, r); err == nil {
			_ = conn.CloseNow()
		}
		return
	}
	sess.upgrading = true
	sess.mu.Unlock()

	c.srv.writeHeaders(w, r, false)
	conn, out, err := c.accept(w, r)
	if err != nil {
		sess.mu.Lock()
		sess.cancelUpgradeLocked()
		sess.mu.Unlock()
		return
	}

	sess.mu.Lock()
	if !sess.upgrading || sess.closed {
		sess.mu.Unlock()
		_ = conn.CloseNow()
		return
	}
	sess.probe = conn
	sess.upgradeTimer = time.AfterFunc(c.srv.opts.UpgradeTimeout, func() {
		sess.mu.Lock()
		if sess.probe == conn {
			sess.cancelUpgradeLocked()
		}
		sess.mu.Unlock()
	})
	sess.mu.Unlock()

	// A v3 client says on each transport's request whether it takes binary.
	wsB64 := sess.v3 && r.URL.Query().Get("b64") != ""
	if !sess.probeLoop(conn, out, wsB64) {
		sess.mu.Lock()
		if sess.probe == conn {
			sess.cancelUpgradeLocked()
		}
		// A close that waited for the upgrade has nothing left to wait
		// for. One that waits for a final GET (a client's close packet,
		// a close with packets left for long-polling) keeps its timer:
		// the timer unregisters the session if that GET never comes.
		waited := sess.closed && !sess.finalPoll
		sess.mu.Unlock()
		_ = conn.CloseNow()
		if waited {
			sess.finishClose()
		}
		return
	}
	sess.goReadLoop(conn)
}

// probeLoop reads the probe connection until the upgrade packet moves the
// session onto it (true), or the upgrade fails (false). wsB64 is the
// probe's request's "b64" (v3).
func (s *EngineIOSession) probeLoop(conn *websocket.Conn, out *sendBuffer, wsB64 bool) bool {
	for {
		typ, data, err := conn.Read(context.Background())
		if err != nil || typ != websocket.MessageText {
			return false
		}
		switch string(data) {
		case "2probe":
			// Probed before "3probe" is written: once the client has it, a
			// GET with nothing to send gets a noop and a forced close
			// awaits the upgrade.
			s.mu.Lock()
			if s.probe != conn {
				s.mu.Unlock()
				return false
			}
			s.probed = true
			s.wakePollLocked()
			s.mu.Unlock()
			s.fireUpgrade(TransportWebSocket, false)
			if err := writeFrame(conn, out, websocket.MessageText, []byte("3probe")); err != nil {
				return false
			}
		case "5":
			out.attach(s) // harmless if the upgrade fails: out is dropped
			s.mu.Lock()
			if s.probe != conn || !s.probed || (s.closed && !s.closeOnProbe) {
				s.mu.Unlock()
				return false
			}
			s.transport = TransportWebSocket
			s.wsB64 = wsB64
			s.ws, s.out = conn, out
			s.probe = nil
			s.upgrading, s.probed = false, false
			if s.upgradeTimer != nil {
				s.upgradeTimer.Stop()
				s.upgradeTimer = nil
			}
			s.wakePollLocked() // a GET still waiting gets a noop
			// What long-polling left goes out over the websocket; a session
			// closed during the upgrade is then closed by its writer.
			s.scheduleLocked()
			s.mu.Unlock()
			s.fireUpgrade(TransportWebSocket, true)
			return true
		default:
			// Anything else before the upgrade packet abandons the upgrade.
			return false
		}
	}
}

// goReadLoop hands the connection to a goroutine of its own that reads it
// until it fails or closes; the caller, an HTTP handler, returns. The
// goroutine is counted in the server's wait group.
func (s *EngineIOSession) goReadLoop(conn *websocket.Conn) {
	s.srv.wg.Add(1)
	go func() {
		defer s.srv.wg.Done()
		s.readLoop(conn)
	}()
}

// readLoop reads the session's websocket until it fails or closes. Reads
// carry no context (coder/websocket would register a cancellation per
// read): closing the connection ends a blocked read.
//
// A frame header announcing a message over MaxPayload closes the
// connection with 1009 (frameGuard), a text message that is not UTF-8 with
// 1007 (RFC 6455 8.1), as ws does for the Node.js server: such a message
// is never delivered, so it cannot reach other clients' text frames.
func (s *EngineIOSession) readLoop(conn *websocket.Conn) {
	for {
		typ, data, err := readMessage(conn)
		if err != nil {
			if errors.Is(err, websocket.ErrMessageTooBig) {
				err = fmt.Errorf("%w: %v", ErrPayloadTooLarge, err)
			}
			if errors.Is(err, errFrameTooBig) {
				_ = conn.Close(websocket.StatusMessageTooBig, "message too big")
				err = fmt.Errorf("%w: %v", ErrPayloadTooLarge, err)
			}
			s.closeNow(readErrorReason(err), err)
			return
		}
		s.replyOwed.Store(true)
		if typ == websocket.MessageBinary {
			if s.v3 {
				p, err := decodeBinaryV3(data)
				if err != nil {
					s.closeNow(ReasonParseError, err)
					return
				}
				if !s.deliverHere(p) {
					return
				}
				continue
			}
			if !s.deliverHere(decodeBinary(data)) {
				return
			}
			continue
		}
		if !utf8.Valid(data) {
			// The close handshake first: closeNow would cut the
			// connection without a close frame.
			_ = conn.Close(websocket.StatusInvalidFramePayloadData, "invalid UTF-8")
			s.closeNow(ReasonTransportError, ErrInvalidUTF8)
			return
		}
		var p Packet
		if s.v3 && len(data) > 0 && data[0] == 'b' {
			p, err = decodePacketV3(data) // v3's base64 form: "b4..."
		} else {
			p, err = decodeText(data)
		}
		if err != nil {
			s.closeNow(ReasonParseError, err)
			return
		}
		if !s.deliverHere(p) {
			return
		}
	}
}

// deliverHere delivers a packet read by the websocket's reader and runs
// the handler the application left it, if any (inline.go); false when the
// reading was handed to a new goroutine meanwhile, which this one then
// leaves to it.
func (s *EngineIOSession) deliverHere(p Packet) bool {
	if r, left := s.deliver(p, true); r != nil {
		return s.runHere(r, left)
	}
	return true
}

// readPool holds the buffers messages are read into before they are copied
// out at their exact size: the application may keep a message's bytes.
var readPool = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

// readMessage reads one whole message, returning it in memory of its own.
func readMessage(conn *websocket.Conn) (websocket.MessageType, []byte, error) {
	typ, r, err := conn.Reader(context.Background())
	if err != nil {
		return 0, nil, err
	}
	bp := readPool.Get().(*[]byte)
	b := (*bp)[:0]
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
			*bp = b[:0]
			readPool.Put(bp)
			return 0, nil, err
		}
	}
	data := make([]byte, len(b)) // not bytes.Clone: exactly len(b), no append
	copy(data, b)
	// Kept whatever its size (up to the 1 MB default MaxPayload and a bit):
	// a buffer regrown from 1 KiB for every large message costs more than
	// the pool holding it until the next garbage collection.
	if cap(b) <= 2<<20 {
		*bp = b[:0]
		readPool.Put(bp)
	}
	return typ, data, nil
}

// readErrorReason maps a websocket read error to a close reason: a close
// frame or end of stream is "transport close", anything else (an oversized
// frame among them) "transport error".
func readErrorReason(err error) CloseReason {
	if errors.Is(err, ErrPayloadTooLarge) {
		return ReasonTransportError
	}
	switch websocket.CloseStatus(err) {
	case websocket.StatusNormalClosure, websocket.StatusGoingAway, websocket.StatusNoStatusRcvd:
		return ReasonTransportClose
	case -1:
		var ce websocket.CloseError
		if errors.As(err, &ce) {
			return ReasonTransportError
		}
		return ReasonTransportClose
	}
	return ReasonTransportError
}
