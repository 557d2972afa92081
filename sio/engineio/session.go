package engineio

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// EngineIOSession is the state of one Engine.IO connection: its id, its
// current transport, the one bounded outbound queue that both transports
// drain, the heartbeat timer, the upgrade state and the close reason.
//
// An idle session holds no goroutine of its own but the websocket reader
// (when on websocket): the heartbeat is one timer, and the server's writer
// pool writes the queue onto the websocket when there is something to
// write.
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

	mu         sync.Mutex
	transport  string          // TransportPolling or TransportWebSocket
	queue      []Packet        // outbound packets not yet handed to a transport
	spare      []Packet        // a drained queue kept for reuse
	ws         *websocket.Conn // the websocket, once on websocket
	writing    bool            // the session has, or is in, a turn with the websocket writers
	queuedTurn bool            // a turn of the session waits in the writer pool, not yet claimed
	holds      int32           // BeginBatch calls not yet ended: a writer is not started for the session

	pollWake   chan struct{} // non-nil while a long-polling GET is waiting
	postActive bool          // a long-polling POST is being read

	upgrading    bool            // a websocket probe connection exists
	probed       bool            // the probe answered "3probe": polling must noop
	closeOnProbe bool            // closed by the application while probed: finish the upgrade, drain, close
	probe        *websocket.Conn // the probe connection during an upgrade
	upgradeTimer *time.Timer
	upgradedCh   chan struct{} // closed when the upgrade completes or fails

	hb           *time.Timer // heartbeat: next ping, or the pong deadline
	hbDeadline   time.Time   // when hb is due; an earlier firing is stale
	awaitingPong bool

	closed      bool
	reason      CloseReason
	closeErr    error
	clientClose bool // the client sent a close packet: a pending poll gets noop
	finalPoll   bool // closed gracefully on polling: one more GET gets the rest

	// onMessage is not under deliverMu, so that the application may set it
	// from its callbacks (OnClose runs inside a delivery when the message
	// callback closes the session).
	onMessage atomic.Pointer[func(data []byte, binary bool)]
	onClose   func(reason CloseReason, err error)
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

// startHeartbeat arms the first ping. Called once the handshake is answered.
func (s *EngineIOSession) startHeartbeat() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	s.hbDeadline = time.Now().Add(s.srv.opts.PingInterval)
	s.hb = time.AfterFunc(s.srv.opts.PingInterval, s.onHeartbeat)
}

// onHeartbeat runs when hb fires: it either sends a ping and arms the pong
// deadline, or closes the session when that deadline passed without a pong.
func (s *EngineIOSession) onHeartbeat() {
	s.mu.Lock()
	if s.closed || time.Now().Before(s.hbDeadline) {
		s.mu.Unlock() // stale firing: hb was reset after it was scheduled
		return
	}
	if s.awaitingPong {
		s.mu.Unlock()
		s.closeNow(ReasonPingTimeout, nil)
		return
	}
	s.awaitingPong = true
	s.resetHeartbeatLocked(s.srv.opts.PingTimeout)
	err := s.enqueueLocked(Packet{Type: PacketPing})
	s.mu.Unlock()
	if err != nil {
		s.closeNow(ReasonTransportError, err)
	}
}

func (s *EngineIOSession) resetHeartbeatLocked(d time.Duration) {
	s.hbDeadline = time.Now().Add(d)
	s.hb.Reset(d)
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

// send queues packets as one group: nothing from another sender comes
// between them.
func (s *EngineIOSession) send(packets ...Packet) error {
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
	s.mu.Unlock()
	if err != nil {
		s.closeNow(ReasonTransportError, err)
	}
	return err
}

// sendMessage queues one packet, followed by binary messages (a Socket.IO
// packet's attachments), as one group.
func (s *EngineIOSession) sendMessage(p Packet, binaries [][]byte) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrSessionClosed
	}
	err := s.enqueueLocked(p)
	for _, b := range binaries {
		if err != nil {
			break
		}
		err = s.enqueueLocked(Packet{Type: PacketMessage, Data: b, Binary: true})
	}
	s.mu.Unlock()
	if err != nil {
		s.closeNow(ReasonTransportError, err)
	}
	return err
}

// enqueueLocked appends p to the outbound queue and wakes the transport that
// drains it. It returns ErrQueueFull when the client is not keeping up; the
// caller then closes the session (after releasing mu).
func (s *EngineIOSession) enqueueLocked(p Packet) error {
	if len(s.queue) >= s.srv.opts.MaxQueuedPackets {
		return ErrQueueFull
	}
	if s.queue == nil && s.spare != nil {
		s.queue, s.spare = s.spare, nil
	}
	s.queue = append(s.queue, p)
	s.wakeLocked()
	if s.holds > 0 && s.queuedTurn && len(s.queue) == heldQueueKick {
		// A batch that sends this much is not about to end: write while
		// it goes on rather than let the queue fill up to its limit.
		s.srv.writers.kick()
	}
	return nil
}

// heldQueueKick is the queue length at which a session held by BeginBatch
// gets a writer without waiting for EndBatch or the stall timer.
const heldQueueKick = 256

// wakeLocked tells the current transport that the queue has packets.
func (s *EngineIOSession) wakeLocked() {
	switch {
	case s.transport == TransportWebSocket:
		if !s.writing && s.ws != nil {
			s.writing = true
			s.queueTurnLocked(s.ws)
		}
	case s.pollWake != nil:
		select {
		case s.pollWake <- struct{}{}:
		default:
		}
	}
}

// takeQueueLocked hands the queued packets to a transport.
func (s *EngineIOSession) takeQueueLocked() []Packet {
	q := s.queue
	s.queue = nil
	return q
}

// recycleLocked keeps a drained batch's array for the next queue.
func (s *EngineIOSession) recycleLocked(batch []Packet) {
	if cap(batch) > 64 || s.spare != nil {
		return
	}
	clear(batch)
	s.spare = batch[:0]
}

// deliver hands one incoming packet to the session: messages to the
// application, pongs to the heartbeat, close to the closing logic.
func (s *EngineIOSession) deliver(p Packet) {
	switch p.Type {
	case PacketMessage:
		s.deliverMu.Lock()
		if fn := s.onMessage.Load(); fn != nil && *fn != nil && !s.isClosed() {
			(*fn)(p.Data, p.Binary)
		}
		s.deliverMu.Unlock()
	case PacketPong:
		s.onPong()
	case PacketClose:
		s.mu.Lock()
		s.clientClose = true
		s.mu.Unlock()
		s.closeNow(ReasonTransportClose, nil)
	case PacketPing:
		// In v4 only the server pings (outside the upgrade probe): the
		// Node.js server closes the session on a client's ping.
		s.closeNow(ReasonTransportError, errHeartbeatDirection)
	}
	// open, upgrade and noop from a client outside an upgrade carry no
	// meaning and are ignored, as the Node.js server ignores them.
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
	// Closed by the application once the probe was answered: the client
	// has left long-polling for the probe websocket, the only way left to
	// reach it. Let the upgrade packet come, then drain the queue there
	// and close (probeLoop), within PingTimeout, as the Node.js server
	// waits for the upgrade before it flushes and closes.
	s.closeOnProbe = graceful && reason == ReasonForcedClose && s.probed && s.ws == nil
	if s.closeOnProbe {
		time.AfterFunc(s.srv.opts.PingTimeout, s.abortIO)
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
			s.wakeLocked()
		} else if (graceful && (len(s.queue) > 0 || reason == ReasonForcedClose)) || s.clientClose {
			s.finalPoll = true
		}
	case graceful && s.writing:
		// The writer closes the websocket once it has drained the queue.
		// A client that stopped reading would keep it (and the reader)
		// blocked forever, the heartbeat being stopped: give the drain
		// PingTimeout, as long as a ping's answer, then cut the I/O.
		time.AfterFunc(s.srv.opts.PingTimeout, s.abortIO)
	case graceful:
		s.srv.wg.Add(1)
		closeWS = func() {
			defer s.srv.wg.Done()
			s.closeWebSocket(ws, websocket.StatusNormalClosure)
		}
	default:
		s.queue = nil
	}
	finalPoll := s.finalPoll
	onClose := s.onClose
	s.mu.Unlock()

	close(s.done)
	switch {
	case closeWS != nil:
		go closeWS()
	case ws != nil && !graceful:
		_ = ws.CloseNow()
	}
	if !finalPoll {
		s.srv.unregister(s)
	} else {
		time.AfterFunc(s.srv.opts.PingTimeout, func() { s.srv.unregister(s) })
	}
	if onClose != nil {
		onClose(reason, err)
	}
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

// writeTurn is a session's turn with one of the server's writers
// (writerPool): it writes what the queue holds onto the websocket. When
// more was queued meanwhile, the session queues for another turn, so that
// a session that is sent to without pause does not keep a writer from the
// others; else s.writing, set by whoever queued the first turn, is cleared.
// A session closed gracefully has its websocket closed once the queue is
// written.
func (s *EngineIOSession) writeTurn(ws *websocket.Conn) {
	s.mu.Lock()
	if !s.queuedTurn {
		s.mu.Unlock() // claimed already, by EndBatch
		return
	}
	s.queuedTurn = false
	batch := s.takeQueueLocked()
	s.mu.Unlock()
	if len(batch) > 0 && !s.writeBatch(ws, batch) {
		return
	}
	s.mu.Lock()
	s.recycleLocked(batch)
	if len(s.queue) > 0 {
		s.queueTurnLocked(ws)
		s.mu.Unlock()
		return
	}
	s.writing = false
	closed := s.closed
	s.mu.Unlock()
	if closed {
		// The close handshake waits for the client's answer: not on a
		// writer, which other sessions wait for.
		s.srv.wg.Add(1)
		go func() {
			defer s.srv.wg.Done()
			s.closeWebSocket(ws, websocket.StatusNormalClosure)
		}()
	}
}

// queueTurnLocked queues a turn of the session with the writer pool. While
// a BeginBatch holds the session, no writer is started for it: the
// EndBatch to come writes, or the pool's stall timer starts a writer if it
// does not come soon.
func (s *EngineIOSession) queueTurnLocked(ws *websocket.Conn) {
	s.queuedTurn = true
	s.srv.writers.push(s, ws, s.holds == 0)
}

// beginBatch and endBatch implement EngineIOSocket.BeginBatch and
// EndBatch.
func (s *EngineIOSession) beginBatch() {
	s.mu.Lock()
	s.holds++
	s.mu.Unlock()
}

// The caller is not one of the server's goroutines, so the write it does
// is counted in the server's wait group, from under mu while the session
// is open: Shutdown waits only after it has closed every session, so the
// count cannot be added while it waits. A closed session's turn is left
// to a writer, which the stall timer (counted too while it is set) starts.
func (s *EngineIOSession) endBatch() {
	s.mu.Lock()
	s.holds--
	claim := s.holds == 0 && s.queuedTurn && !s.closed
	if claim {
		s.srv.wg.Add(1)
	}
	ws := s.ws
	s.mu.Unlock()
	if claim {
		defer s.srv.wg.Done()
		s.srv.writers.unpush(s)
		s.writeTurn(ws) // checks the claim again: a writer may have come first
	}
}

// scratchPool holds the buffers in which text frames are assembled.
var scratchPool = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// writeBatch writes packets onto the websocket. On a failed write it
// clears s.writing, closes the session and reports false.
func (s *EngineIOSession) writeBatch(ws *websocket.Conn, batch []Packet) bool {
	bufp := scratchPool.Get().(*[]byte)
	defer func() {
		if cap(*bufp) <= 64<<10 {
			scratchPool.Put(bufp)
		}
	}()
	for _, p := range batch {
		// Written without a context, as the reader reads: coder/websocket
		// would register a cancellation per write. Closing the connection
		// (closeNow, abortIO) ends a blocked write instead.
		var err error
		if p.Binary {
			err = ws.Write(context.Background(), websocket.MessageBinary, p.Data)
		} else {
			*bufp = p.AppendText((*bufp)[:0])
			err = ws.Write(context.Background(), websocket.MessageText, *bufp)
		}
		if err != nil {
			s.mu.Lock()
			s.writing = false
			s.mu.Unlock()
			s.closeNow(ReasonTransportError, err)
			return false
		}
	}
	return true
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
	if s.upgradedCh != nil {
		close(s.upgradedCh)
		s.upgradedCh = nil
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
