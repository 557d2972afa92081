package engineio

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"
)

// LongPollingConsumer is the HTTP long-polling transport (protocol v4,
// "Transports: HTTP long-polling"): GET requests wait for outbound packets,
// POST requests carry inbound ones. It is reached through Server.ServeHTTP,
// which verifies the request first; Server.LongPolling returns it for
// mounting on its own.
type LongPollingConsumer struct {
	srv *Server
}

var _ http.Handler = (*LongPollingConsumer)(nil)

// LongPolling returns the server's long-polling transport.
func (s *Server) LongPolling() *LongPollingConsumer { return s.polling }

// ServeHTTP serves a long-polling request, verifying it as Server.ServeHTTP
// does.
func (c *LongPollingConsumer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if isWebSocketUpgrade(r) {
		protocolError(CodeBadRequest).writeTo(w)
		return
	}
	c.srv.ServeHTTP(w, r)
}

func (c *LongPollingConsumer) handshake(w http.ResponseWriter, r *http.Request) {
	sess := c.srv.register(TransportPolling, r)
	if sess == nil {
		http.Error(w, ErrServerClosed.Error(), http.StatusServiceUnavailable)
		return
	}
	open := c.srv.openPacket(sess.id, TransportPolling)
	c.srv.setCookie(w, sess.id)
	c.srv.open(sess)
	c.srv.writeHeaders(w, r, true)
	if sess.v3 {
		c.writePayload(w, r, appendPayloadRecordV3(nil, open))
		return
	}
	c.writePayload(w, r, appendPayloadRecord(nil, open))
}

func (c *LongPollingConsumer) serve(w http.ResponseWriter, r *http.Request, sess *EngineIOSession) {
	switch r.Method {
	case http.MethodGet:
		c.poll(w, r, sess)
	case http.MethodPost:
		c.push(w, r, sess)
	default:
		protocolError(CodeBadRequest).writeTo(w)
	}
}

// poll answers a GET with the queued packets, waiting for some when the
// queue is empty. Until the upgrade packet moves the session to the
// websocket, long-polling is its transport and is flushed as usual. Once
// the probe is answered, a GET with nothing to send gets a noop at once
// (one waiting as the probe is answered too), so that the client, which
// holds what it sends while it upgrades, can finish the upgrade: the
// Node.js server sends that noop at its next 100 ms check, which holds a
// client's packets (a 50 ms ack) for up to 100 ms when its poll crosses
// the probe.
// upgradeSettle is how long a GET that comes after the probe was answered,
// with nothing to send, waits for an upgrade packet already on its way
// before it is answered with a noop. It is short: engine.io-client, whose
// poll can cross the probe, sends the upgrade packet only once that poll
// is answered, and holds its own packets until then.
const upgradeSettle = 5 * time.Millisecond

func (c *LongPollingConsumer) poll(w http.ResponseWriter, r *http.Request, sess *EngineIOSession) {
	sess.mu.Lock()
	switch {
	case sess.transport != TransportPolling:
		sess.mu.Unlock()
		c.srv.refused(w, r, protocolError(CodeBadRequest), mismatch(sess))
		return
	case sess.closed && !sess.finalPoll:
		sess.mu.Unlock()
		protocolError(CodeUnknownSID).writeTo(w)
		return
	case sess.pollWake != nil:
		// A second GET while one waits: the protocol says close the session.
		sess.mu.Unlock()
		sess.closeNow(ReasonTransportError, errOverlap)
		protocolError(CodeBadRequest).writeTo(w)
		return
	}
	// A GET that comes once the probe was answered, with nothing to send,
	// first gives the probe's reader upgradeSettle to take an upgrade
	// packet the client may have sent before it (the Node.js server, one
	// event loop, reads the two in the order they came); if the upgrade
	// completes meanwhile, the GET is one on an upgraded session (400).
	settle := sess.probed && len(sess.queue) == 0
	for len(sess.queue) == 0 && !sess.closed {
		if settle && sess.transport != TransportPolling {
			sess.mu.Unlock()
			protocolError(CodeBadRequest).writeTo(w)
			return
		}
		// A noop: once probed, or when the upgrade packet came while the
		// GET waited (a client that did not wait for it): the queue is then
		// the websocket's.
		if (sess.probed && !settle) || sess.transport != TransportPolling {
			sess.mu.Unlock()
			c.srv.writeHeaders(w, r, false)
			c.writePayload(w, r, sess.noopPayload())
			return
		}
		wake := make(chan struct{}, 1)
		sess.pollWake = wake
		sess.mu.Unlock()
		var settled <-chan time.Time
		if settle {
			t := time.NewTimer(upgradeSettle)
			defer t.Stop()
			settled = t.C
		}
		select {
		case <-wake:
		case <-settled:
		case <-sess.done:
		case <-r.Context().Done():
			sess.mu.Lock()
			sess.pollWake = nil
			sess.mu.Unlock()
			sess.closeNow(ReasonTransportError, errors.New("engineio: poll request closed prematurely"))
			return
		}
		sess.mu.Lock()
		sess.pollWake = nil
		if settle && sess.probed && len(sess.queue) == 0 && !sess.closed {
			settle = false // settled without an upgrade: the noop
		}
	}
	batch := sess.takeQueueLocked()
	for _, p := range batch {
		sess.unread -= len(p.Data)
	}
	var tail []byte
	finished := false
	if sess.closed {
		if sess.clientClose {
			tail = []byte{'0' + byte(PacketNoop)}
		} else {
			tail = []byte{'0' + byte(PacketClose)}
		}
		if sess.finalPoll {
			sess.finalPoll = false
			finished = true
		}
	}
	sess.mu.Unlock()
	if finished {
		c.srv.unregister(sess)
		sess.finishClose()
	}
	if sess.v3 {
		if tail != nil {
			batch = append(batch, Packet{Type: PacketType(tail[0] - '0')})
		}
		body, binary := encodePayloadV3(batch, sess.b64)
		c.srv.writeHeaders(w, r, false)
		if binary {
			c.writeBinaryPayload(w, r, body)
			return
		}
		c.writePayload(w, r, body)
		return
	}
	var body []byte
	for _, p := range batch {
		body = appendPayloadRecord(body, p)
	}
	if tail != nil {
		if len(body) > 0 {
			body = append(body, recordSeparator)
		}
		body = append(body, tail...)
	}
	c.srv.writeHeaders(w, r, false)
	c.writePayload(w, r, body)
}

// push reads a POST's payload and delivers its packets, then answers "ok".
func (c *LongPollingConsumer) push(w http.ResponseWriter, r *http.Request, sess *EngineIOSession) {
	sess.mu.Lock()
	switch {
	case sess.closed:
		sess.mu.Unlock()
		protocolError(CodeUnknownSID).writeTo(w)
		return
	case sess.transport != TransportPolling:
		sess.mu.Unlock()
		c.srv.refused(w, r, protocolError(CodeBadRequest), mismatch(sess))
		return
	case sess.postActive:
		sess.mu.Unlock()
		sess.closeNow(ReasonTransportError, errOverlap)
		protocolError(CodeBadRequest).writeTo(w)
		return
	}
	sess.postActive = true
	sess.mu.Unlock()
	defer func() {
		sess.mu.Lock()
		sess.postActive = false
		sess.mu.Unlock()
	}()

	max := c.srv.opts.MaxPayload
	if r.ContentLength > max {
		c.tooLarge(w, sess)
		return
	}
	body, err := c.readBody(w, r, sess, max+1)
	if err != nil {
		sess.closeNow(ReasonTransportError, err)
		if errors.Is(err, errBodyTimeout) {
			http.Error(w, "request timeout", http.StatusRequestTimeout)
			return
		}
		protocolError(CodeBadRequest).writeTo(w)
		return
	}
	if int64(len(body)) > max {
		c.tooLarge(w, sess)
		return
	}
	if sess.v3 {
		if !c.pushV3(w, r, sess, body) {
			return
		}
		c.srv.writeHeaders(w, r, false)
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("Content-Length", "2")
		_, _ = io.WriteString(w, "ok")
		return
	}
	body = toValidUTF8(body)
	for {
		rec := body
		i := bytes.IndexByte(body, recordSeparator)
		if i >= 0 {
			rec, body = body[:i], body[i+1:]
		} else {
			body = nil
		}
		p, err := decodeText(rec)
		if err != nil {
			sess.closeNow(ReasonParseError, err)
			protocolError(CodeBadRequest).writeTo(w)
			return
		}
		sess.deliver(p, false)
		if i < 0 {
			break
		}
	}
	c.srv.writeHeaders(w, r, false)
	w.Header().Set("Content-Type", "text/html")
	w.Header().Set("Content-Length", "2")
	_, _ = io.WriteString(w, "ok")
}

// mismatch is the context of a polling request to a session that is on
// websocket, with the Node.js server's keys.
func mismatch(sess *EngineIOSession) map[string]any {
	return map[string]any{"name": "TRANSPORT_MISMATCH", "transport": TransportPolling,
		"previousTransport": TransportWebSocket}
}

func (c *LongPollingConsumer) tooLarge(w http.ResponseWriter, sess *EngineIOSession) {
	sess.closeNow(ReasonTransportError, ErrPayloadTooLarge)
	w.Header().Set("Connection", "close")
	http.Error(w, "payload too large", http.StatusRequestEntityTooLarge)
}

// writePayload answers a GET with a payload, compressed when the client
// accepts it and it is large enough.
func (c *LongPollingConsumer) writePayload(w http.ResponseWriter, r *http.Request, body []byte) {
	w.Header().Set("Content-Type", "text/plain; charset=UTF-8")
	c.writeBody(w, r, body)
}

func (c *LongPollingConsumer) writeBody(w http.ResponseWriter, r *http.Request, body []byte) {
	h := w.Header()
	if enc, compressed := c.srv.compress(r, body); enc != "" {
		h.Set("Content-Encoding", enc)
		h.Add("Vary", "Accept-Encoding")
		body = compressed
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	_, _ = w.Write(body)
}

// writeBinaryPayload answers a v3 GET with a binary payload (eio3.go).
func (c *LongPollingConsumer) writeBinaryPayload(w http.ResponseWriter, r *http.Request, body []byte) {
	w.Header().Set("Content-Type", "application/octet-stream")
	c.writeBody(w, r, body)
}

// pushV3 delivers the packets of a v3 POST, text or, when sent as
// application/octet-stream, binary (eio3.go). A payload that does not
// decode closes the session with "parse error" and is answered 400, as a
// v4 one is; pushV3 then reports false.
func (c *LongPollingConsumer) pushV3(w http.ResponseWriter, r *http.Request, sess *EngineIOSession, body []byte) bool {
	deliver := func(p Packet) bool {
		sess.deliver(p, false)
		return p.Type != PacketClose
	}
	var err error
	if r.Header.Get("Content-Type") == "application/octet-stream" {
		err = decodeBinaryPayloadV3(body, deliver)
	} else {
		err = decodePayloadV3(toValidUTF8(body), deliver)
	}
	if err != nil {
		sess.closeNow(ReasonParseError, err)
		protocolError(CodeBadRequest).writeTo(w)
		return false
	}
	return true
}

// noopPayload is a payload of one noop packet, in the session's protocol.
func (s *EngineIOSession) noopPayload() []byte {
	if s.v3 {
		return []byte("1:6")
	}
	return []byte{'0' + byte(PacketNoop)}
}
