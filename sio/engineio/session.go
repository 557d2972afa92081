package engineio

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/gosio/gosio/sio/internal/eiolink"
)

// EngineIOSession is the state of one Engine.IO connection: its id, its
// current transport, the one bounded outbound queue that both transports
// drain, the heartbeat timer, the upgrade state and the close reason.
//
// An idle session holds no goroutine of its own but the websocket reader
// (when on websocket): the heartbeat is one timer, and a writer exists only
// while the queue has something to write (writer.go states the rules of
// the write path).
//
// Concurrency: id, srv, sock and req are set at creation and read-only;
// every field under mu is owned by whoever holds mu. Incoming packets are
// delivered to the application one at a time (deliverMu), in arrival order.
type EngineIOSession struct {
	id   string
	srv  *Server
	req  *HandshakeRequest
	sock EngineIOSocket

	// done is closed when the session closes, before the application's close
	// callback runs. Transport reads and writes carry no context: closing the
	// websocket (closeNow, abortIO, closeWebSocket) ends them.
	done chan struct{}

	deliverMu sync.Mutex // serializes delivery of incoming packets

	mu        sync.Mutex
	transport string          // TransportPolling or TransportWebSocket
	queue     []Packet        // outbound packets not yet handed to a transport
	spare     []Packet        // a drained queue kept for reuse
	unread    int             // data bytes queued or being written: see writer.go
	ws        *websocket.Conn // the websocket, once on websocket
	out       *sendBuffer     // the connection under ws (writer.go)
	writing   bool            // a goroutine is the session's writer (writer.go)
	// replyOwed: a websocket message was delivered since the session's
	// last write by its sender (writer.go); set by the reader, cleared
	// under mu.
	replyOwed atomic.Bool
	wsClosing bool // the websocket's close handshake has begun

	pollWake   chan struct{} // non-nil while a long-polling GET is waiting
	postActive bool          // a long-polling POST is being read
	// postBody is the ResponseController of the POST whose body is being
	// read, through which close cuts the read (readBody); nil otherwise.
	postBody *http.ResponseController

	upgrading    bool // a websocket probe connection exists
	probed       bool // the probe answered "3probe": a GET with nothing to send gets a noop
	closeOnProbe bool // closed by the application while probed: finish the upgrade, drain, close

	// v3: the session speaks Engine.IO protocol v3 (eio3.go); b64: its
	// long-polling client takes no binary (v3 only: its handshake's "b64"
	// query parameter). Not under mu, but read-only (here for the
	// padding): set at the handshake, before the session is shared.
	v3, b64 bool
	// wsB64: the websocket's client takes no binary (v3 only: the "b64"
	// of the websocket's request, as the Node.js server decides per
	// transport). Set at the handshake, or under mu by the upgrade before
	// ws is set; read by the writer of ws.
	wsB64 bool

	probe        *websocket.Conn // the probe connection during an upgrade
	upgradeTimer *time.Timer

	hb           *time.Timer // heartbeat: next ping, or the pong deadline
	hbDeadline   time.Time   // when hb is due; an earlier firing is stale
	awaitingPong bool

	closed      bool
	reason      CloseReason
	closeErr    error
	clientClose bool // the client sent a close packet: a pending poll gets noop
	finalPoll   bool // closed gracefully on polling: one more GET gets the rest
	// closeTimer bounds what a close leaves running (a drain onto a client
	// that stopped reading, the wait for an upgrade or a final GET); it is
	// stopped when that is over (finishClose), so that a closed session is
	// not kept alive by it.
	closeTimer *time.Timer

	// app holds the application's own receiver (an eiolink.Receiver),
	// installed through eiolink (hooks.go) from the application's OnOpen;
	// atomic, as deliveries and the close read it under no common lock.
	app atomic.Value

	// inlineSince is 0 while the websocket's reader reads, the watch's
	// epoch+1 at the start of a handler it runs, handedOn once the watch
	// has given the reading to a new goroutine (inline.go). watched: the
	// session is in the watch's list, as far as the reader knows;
	// inWatch: it is, under the watch's mu.
	inlineSince atomic.Int64
	watched     atomic.Bool
	inWatch     bool

	// hooks holds the user's listeners (hooks.go), nil until the first.
	hooks atomic.Pointer[sessionHooks]
}

func newSession(srv *Server, id string, transport string, req *HandshakeRequest) *EngineIOSession {
	s := &EngineIOSession{
		id:        id,
		srv:       srv,
		req:       req,
		transport: transport,
		done:      make(chan struct{}),
	}
	s.sock.s = s
	return s
}

// ID returns the session id.
func (s *EngineIOSession) ID() string { return s.id }

// Socket returns the application's view of the session.
func (s *EngineIOSession) Socket() *EngineIOSocket { return &s.sock }

// startHeartbeat arms the first ping (v3: the deadline of the client's
// first ping). Called once the handshake is answered.
func (s *EngineIOSession) startHeartbeat() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	if s.v3 {
		d := s.v3PingDeadline()
		s.hbDeadline = time.Now().Add(d)
		s.hb = time.AfterFunc(d, s.onPingDeadlineV3)
		return
	}
	s.hbDeadline = time.Now().Add(s.srv.opts.PingInterval)
	s.hb = time.AfterFunc(s.srv.opts.PingInterval, s.onHeartbeat)
}

// onHeartbeat runs when hb fires: it either sends a ping and arms the pong
// deadline, or closes the session when that deadline passed without a pong.
func (s *EngineIOSession) onHeartbeat() {
	s.mu.Lock()
	if s.pongOverdueLocked() {
		s.mu.Unlock()
		s.closeNow(ReasonPingTimeout, nil)
		return
	}
	if s.closed || s.awaitingPong || time.Now().Before(s.hbDeadline) {
		s.mu.Unlock() // stale firing: hb was reset after it was scheduled
		return
	}
	s.awaitingPong = true
	s.resetHeartbeatLocked(s.srv.opts.PingTimeout)
	ping := Packet{Type: PacketPing}
	if s.unlockAndWrite(s.enqueueLocked(ping)) == nil {
		s.firePacketCreate(ping)
	}
}

func (s *EngineIOSession) resetHeartbeatLocked(d time.Duration) {
	s.hbDeadline = time.Now().Add(d)
	s.hb.Reset(d)
}

// pongOverdue reports whether the session awaits a pong whose deadline has
// passed, its timer (onHeartbeat) not having closed the session yet.
func (s *EngineIOSession) pongOverdue() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pongOverdueLocked()
}

// pongOverdueLocked is pongOverdue with mu held.
func (s *EngineIOSession) pongOverdueLocked() bool {
	return !s.closed && s.awaitingPong && !time.Now().Before(s.hbDeadline)
}

// onPong records a pong and schedules the next ping.
func (s *EngineIOSession) onPong() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || !s.awaitingPong {
		return
	}
	s.awaitingPong = false
	s.resetHeartbeatLocked(s.srv.opts.PingInterval)
}

// v3PingDeadline is how long a v3 session waits for the client's next
// ping: PingInterval+PingTimeout, as the Node.js server waits.
func (s *EngineIOSession) v3PingDeadline() time.Duration {
	return s.srv.opts.PingInterval + s.srv.opts.PingTimeout
}

// onPingDeadlineV3 runs when a v3 session's hb fires: no ping came in
// time, unless the firing is stale.
func (s *EngineIOSession) onPingDeadlineV3() {
	s.mu.Lock()
	if s.closed || time.Now().Before(s.hbDeadline) {
		s.mu.Unlock()
		return
	}
	s.mu.Unlock()
	s.closeNow(ReasonPingTimeout, nil)
}

// onPingV3 answers a v3 client's ping with a pong and moves the deadline
// of the next ping.
func (s *EngineIOSession) onPingV3() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	if s.hb != nil {
		s.resetHeartbeatLocked(s.v3PingDeadline())
	}
	pong := Packet{Type: PacketPong}
	if s.unlockAndWrite(s.enqueueLocked(pong)) == nil {
		s.firePacketCreate(pong)
	}
}

// send queues packets as one group: nothing from another sender comes
// between them.
func (s *EngineIOSession) send(packets ...Packet) error {
	if s.hooks.Load() != nil && !s.isClosed() {
		for _, p := range packets {
			s.firePacketCreate(p)
		}
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrSessionClosed
	}
	var err error
	for _, p := range packets {
		if err = s.enqueueLocked(p); err != nil {
			break
		}
	}
	return s.unlockAndWrite(err)
}

// unlockAndWrite ends a send: it hands the session to the writers when
// it has no writer (or writes the queue itself: a reply, writer.go), and
// releases mu; a full queue closes the session.
func (s *EngineIOSession) unlockAndWrite(err error) error {
	_, err = s.unlockAndWriteReply(err)
	return err
}

// unlockAndWriteReply is unlockAndWrite reporting whether the queue was
// written here, as a reply: what was queued by the send is then written
// to the socket or copied (writer.go), or dropped with the session.
func (s *EngineIOSession) unlockAndWriteReply(err error) (bool, error) {
	if err != nil {
		s.mu.Unlock()
		s.closeNow(ReasonTransportError, err)
		return false, err
	}
	if s.replyOwed.Load() && s.claimLocked(false) {
		s.replyOwed.Store(false)
		s.srv.wg.Add(1) // from under mu, the session open: see writer.go
		// Taken with the claim: a stall that comes before the writing
		// starts cannot leave the reply queued.
		batch := s.takeQueueLocked()
		s.mu.Unlock()
		s.writeQueueFrom(batch, false)
		s.srv.wg.Done()
		return len(batch) > 0, nil
	}
	s.scheduleLocked()
	s.mu.Unlock()
	return false, nil
}

// sendMessage queues one packet, followed by binary messages (a Socket.IO
// packet's attachments), as one group.
func (s *EngineIOSession) sendMessage(p Packet, binaries [][]byte) error {
	_, err := s.sendMessageReply(p, binaries)
	return err
}

// sendMessageReply is sendMessage reporting whether the caller may reuse
// the memory of p's data once it returns: true when the send was written
// at once as a reply, from an empty queue, with no OnPacketCreate
// listener that may keep the data. The queue is empty then because a
// session with packets queued has a writer, and a reply claims only a
// session without one (claimLocked).
func (s *EngineIOSession) sendMessageReply(p Packet, binaries [][]byte) (bool, error) {
	hooked := s.hooks.Load() != nil
	if hooked && !s.isClosed() {
		s.firePacketCreate(p)
		for _, b := range binaries {
			s.firePacketCreate(Packet{Type: PacketMessage, Data: b, Binary: true})
		}
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return false, ErrSessionClosed
	}
	err := s.enqueueLocked(p)
	for _, b := range binaries {
		if err != nil {
			break
		}
		err = s.enqueueLocked(Packet{Type: PacketMessage, Data: b, Binary: true})
	}
	written, err := s.unlockAndWriteReply(err)
	return written && !hooked, err
}

// deliver hands one incoming packet to the session: messages to the
// application, pongs to the heartbeat, close to the closing logic. here:
// the caller is the websocket's reader, which may be left a handler to run
// (inline.go): then it returns the application's runner and what it left.
func (s *EngineIOSession) deliver(p Packet, here bool) (runner eiolink.Receiver, left any) {
	s.firePacket(p)
	switch p.Type {
	case PacketMessage:
		s.deliverMu.Lock()
		if !s.isClosed() {
			s.fireMessage(p.Data, p.Binary)
			if r := s.receiver(); r != nil {
				if left = r.OnMessage(p.Data, p.Binary, here); left != nil {
					runner = r
				}
			}
		}
		s.deliverMu.Unlock()
	case PacketPong:
		if s.v3 {
			// In v3 only the client pings: the Node.js server closes the
			// session on a client's pong.
			s.closeNow(ReasonTransportError, errHeartbeatDirection)
			return
		}
		s.onPong()
	case PacketClose:
		s.mu.Lock()
		s.clientClose = true
		s.mu.Unlock()
		s.closeNow(ReasonTransportClose, nil)
	case PacketPing:
		if s.v3 {
			s.onPingV3()
			return
		}
		// In v4 only the server pings (outside the upgrade probe): the
		// Node.js server closes the session on a client's ping.
		s.closeNow(ReasonTransportError, errHeartbeatDirection)
	}
	// open, upgrade and noop from a client outside an upgrade carry no
	// meaning and are ignored, as the Node.js server ignores them.
	return runner, left
}

func (s *EngineIOSession) isClosed() bool {
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}

// closeNow closes the session at once: what is queued is dropped (but a
// pending poll still receives it), the transport is torn down.
func (s *EngineIOSession) closeNow(reason CloseReason, err error) {
	s.close(reason, err, false)
}

// closeGracefully closes the session after what is queued has been written.
func (s *EngineIOSession) closeGracefully(reason CloseReason) {
	s.close(reason, nil, true)
}

func (s *EngineIOSession) close(reason CloseReason, err error, graceful bool) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	s.reason, s.closeErr = reason, err
	if s.hb != nil {
		s.hb.Stop()
	}
	if s.postBody != nil {
		_ = s.postBody.SetReadDeadline(pastDeadline)
	}
	// Closed by the application once the probe was answered: the client
	// has left long-polling for the probe websocket, the only way left to
	// reach it. Let the upgrade packet come, then drain the queue there
	// and close (probeLoop), within PingTimeout, as the Node.js server
	// waits for the upgrade before it flushes and closes.
	s.closeOnProbe = graceful && reason == ReasonForcedClose && s.probed && s.ws == nil
	if s.closeOnProbe {
		s.closeTimer = time.AfterFunc(s.srv.opts.PingTimeout, s.abortIO)
	} else {
		s.cancelUpgradeLocked()
	}
	ws := s.ws
	var closeWS func()
	switch {
	case ws == nil:
		// Long-polling: a waiting GET gets the queue and a close (or noop)
		// packet; with none waiting, a graceful close leaves the session
		// registered until one more GET collects the rest, and a forced
		// close until one more GET collects at least the close packet, as
		// with the Node.js server (which closes at once only on shutdown).
		// The same holds after a client's close packet, so that a GET racing
		// the POST that carried it gets its noop rather than a 400.
		if s.pollWake != nil {
			s.wakePollLocked()
		} else if (graceful && (len(s.queue) > 0 || reason == ReasonForcedClose)) || s.clientClose {
			s.finalPoll = true
		}
	case graceful && (s.writing || s.out.backlogged()):
		// The writer closes the websocket once it has drained the queue.
		// A client that stopped reading would keep it (and the reader)
		// blocked forever, the heartbeat being stopped: give the drain
		// PingTimeout, as long as a ping's answer, then cut the I/O.
		s.closeTimer = time.AfterFunc(s.srv.opts.PingTimeout, s.abortIO)
	case graceful:
		s.wsClosing = true
		s.srv.wg.Add(1)
		closeWS = func() {
			defer s.srv.wg.Done()
			s.closeWebSocket(ws, websocket.StatusNormalClosure)
		}
	default:
		s.queue, s.unread = nil, 0
	}
	finalPoll := s.finalPoll
	if finalPoll {
		s.closeTimer = time.AfterFunc(s.srv.opts.PingTimeout, func() {
			s.srv.unregister(s)
			s.finishClose()
		})
	}
	transport := s.transport
	s.mu.Unlock()

	close(s.done)
	s.logClose(transport, reason, err)
	switch {
	case closeWS != nil:
		go closeWS()
	case ws != nil && !graceful:
		_ = ws.CloseNow()
	}
	if !finalPoll {
		s.srv.unregister(s)
	}
	if r := s.receiver(); r != nil {
		r.OnClose(string(reason), err)
	}
	s.fireClose(reason, err)
}

// logClose records a session's end at Debug: a client can close sessions
// as fast as it opens them.
func (s *EngineIOSession) logClose(transport string, reason CloseReason, err error) {
	l := s.srv.opts.Logger
	if !l.Enabled(context.Background(), slog.LevelDebug) {
		return
	}
	attrs := []slog.Attr{slog.String("sid", s.id), slog.String("transport", transport), slog.String("reason", string(reason))}
	if err != nil {
		attrs = append(attrs, slog.Any("err", err))
	}
	l.LogAttrs(context.Background(), slog.LevelDebug, "engineio: session closed", attrs...)
}

// finishClose stops closeTimer once what it bounded is over: the drain
// written, the final GET answered, the upgrade done or failed.
func (s *EngineIOSession) finishClose() {
	s.mu.Lock()
	if s.closeTimer != nil {
		s.closeTimer.Stop()
		s.closeTimer = nil
	}
	s.mu.Unlock()
}

// abortIO ends every read and write of the session at once.
func (s *EngineIOSession) abortIO() {
	s.mu.Lock()
	ws, probe := s.ws, s.probe
	s.mu.Unlock()
	if ws != nil {
		_ = ws.CloseNow()
	}
	if probe != nil {
		_ = probe.CloseNow()
	}
}

// closeWebSocket performs the close handshake, bounded by coder/websocket's
// own timeout, which closes the connection in the end.
func (s *EngineIOSession) closeWebSocket(ws *websocket.Conn, code websocket.StatusCode) {
	_ = ws.Close(code, "")
}

// cancelUpgradeLocked abandons an upgrade in progress.
func (s *EngineIOSession) cancelUpgradeLocked() {
	if !s.upgrading {
		return
	}
	s.upgrading, s.probed = false, false
	if s.upgradeTimer != nil {
		s.upgradeTimer.Stop()
		s.upgradeTimer = nil
	}
	if s.probe != nil {
		_ = s.probe.CloseNow()
		s.probe = nil
	}
}

// closeInfo reports why the session closed, for the transport handlers.
func (s *EngineIOSession) closeInfo() (CloseReason, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reason, s.closeErr
}

var errHeartbeatDirection = errors.New("engineio: invalid heartbeat direction")

var errOverlap = errors.New("engineio: overlapping request from client")
