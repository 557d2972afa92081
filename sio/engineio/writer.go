package engineio

import (
	"context"
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/coder/websocket"
)

// The write path: every rule a session's outbound packets follow, all
// enforced in this file. Every outbound packet of a session is appended to
// its one queue under s.mu (enqueueLocked). On long-polling a GET takes the
// whole queue under s.mu; the queue becomes the websocket's only when the
// transport switches (under s.mu, on the upgrade packet), so across an
// upgrade every packet goes out once, in order. On websocket, one goroutine
// at a time is the session's writer: the one that claims it under s.mu
// (s.writing, claimLocked), which writes the queue until it finds it empty
// and then gives it up, under s.mu; so a connection never has two writers,
// and an idle session has no goroutine for writing. The writer is usually
// the sender itself, inline, because a websocket's writes never wait for
// its client: they go to the socket without blocking (sendBuffer), and
// what the socket does not take at once is kept and written by a goroutine
// of that session's own (drain), which then goes on writing the session's
// queue, waiting as long as the client takes, while senders only append.
// So a client that stops reading holds up its own drain and nothing else:
// not a sender, not a broadcast, not another session. s.unread counts the
// data bytes queued, and out.pending the bytes the socket has not taken;
// a packet that would take their sum past Options.MaxQueuedBytes (or the
// queue past MaxQueuedPackets, when set) is refused with ErrQueueFull and
// the session closed with "transport error": only a client that leaves
// that much unread is closed, however fast the server produces for one
// that reads. A writer holds a count of the server's wait group, taken
// under s.mu while the session is open or by a goroutine that holds one,
// so Shutdown (which waits only after closing every session) waits for
// it; a session closed gracefully has its websocket closed by its last
// writer once the queue is written, within PingTimeout (closeTimer).

// enqueueLocked appends p to the outbound queue and wakes a waiting GET.
// It returns ErrQueueFull when the client is not keeping up; the caller
// then closes the session (after releasing mu). A caller that queued on
// websocket then calls claimLocked, and writes when it gets the writer.
func (s *EngineIOSession) enqueueLocked(p Packet) error {
	if len(s.queue) > 0 || s.unread > 0 || s.out.backlogged() {
		if s.unread+int(s.out.pendingBytes())+len(p.Data) > s.srv.opts.MaxQueuedBytes {
			return ErrQueueFull
		}
		if max := s.srv.opts.MaxQueuedPackets; max > 0 && len(s.queue) >= max {
			return ErrQueueFull
		}
	}
	if s.queue == nil && s.spare != nil {
		s.queue, s.spare = s.spare, nil
	}
	s.queue = append(s.queue, p)
	s.unread += len(p.Data)
	s.wakePollLocked()
	return nil
}

// wakePollLocked wakes the GET that waits, if one does.
func (s *EngineIOSession) wakePollLocked() {
	if s.pollWake != nil {
		select {
		case s.pollWake <- struct{}{}:
		default:
		}
	}
}

// claimLocked makes the caller the session's writer, returning the
// websocket to write to, when the session is on websocket, has something
// to write (or a close to finish), and has no writer; else it returns nil.
// A stalled socket has its drain for writer, unless the drain itself asks
// (fromDrain). The claim holds a count of the server's wait group, which
// writeQueue gives back.
func (s *EngineIOSession) claimLocked(fromDrain bool) *websocket.Conn {
	if s.writing || s.ws == nil || s.transport != TransportWebSocket ||
		(!fromDrain && s.out.backlogged()) ||
		(len(s.queue) == 0 && !(s.closed && !s.wsClosing)) {
		return nil
	}
	s.writing = true
	s.srv.wg.Add(1)
	return s.ws
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

// writeQueue is the session's writer at work, on the goroutine that
// claimed it: it writes the queue onto ws until the queue is empty or the
// socket stalls (then the drain takes over; fromDrain: the drain itself,
// which may wait). The last writer of a closed session closes its
// websocket.
func (s *EngineIOSession) writeQueue(ws *websocket.Conn, fromDrain bool) {
	defer s.srv.wg.Done()
	s.mu.Lock()
	for len(s.queue) > 0 && (fromDrain || !s.out.backlogged()) {
		batch := s.takeQueueLocked()
		s.mu.Unlock()
		n, err := s.writeBatch(ws, batch, !fromDrain)
		s.mu.Lock()
		s.unread -= dataBytes(batch[:n])
		if err != nil {
			s.writing = false
			s.srv.wg.Add(1)
			s.mu.Unlock()
			// Not on the caller's goroutine: a sender (a broadcast) may
			// hold locks that the close callbacks take.
			go func() {
				defer s.srv.wg.Done()
				s.closeNow(ReasonTransportError, err)
			}()
			return
		}
		if n < len(batch) {
			// stalled: the rest goes before what was queued meanwhile
			s.queue = append(batch[n:len(batch):len(batch)], s.queue...)
			continue
		}
		s.recycleLocked(batch)
	}
	s.writing = false
	closeWS := s.closed && len(s.queue) == 0 && !s.wsClosing && !s.out.backlogged()
	if closeWS {
		s.wsClosing = true
		s.srv.wg.Add(1)
	}
	s.mu.Unlock()
	if closeWS {
		// The close handshake waits for the client's answer: not on a
		// sender's goroutine.
		go func() {
			defer s.srv.wg.Done()
			s.closeWebSocket(ws, websocket.StatusNormalClosure)
			s.finishClose()
		}()
	}
}

func dataBytes(ps []Packet) int {
	n := 0
	for _, p := range ps {
		n += len(p.Data)
	}
	return n
}

// scratchPool holds the buffers in which text frames are assembled.
var scratchPool = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// writeBatch writes packets onto the websocket and returns how many it
// wrote; stopOnStall: it stops after a packet that stalled the socket.
func (s *EngineIOSession) writeBatch(ws *websocket.Conn, batch []Packet, stopOnStall bool) (int, error) {
	bufp := scratchPool.Get().(*[]byte)
	defer func() {
		if cap(*bufp) <= 64<<10 {
			scratchPool.Put(bufp)
		}
	}()
	for i, p := range batch {
		// Written without a context, as the reader reads: coder/websocket
		// would register a cancellation per write. Closing the connection
		// (closeNow, abortIO) ends a write that waits.
		var err error
		if p.Binary {
			err = ws.Write(context.Background(), websocket.MessageBinary, p.Data)
		} else {
			*bufp = p.AppendText((*bufp)[:0])
			err = ws.Write(context.Background(), websocket.MessageText, *bufp)
		}
		if err != nil {
			return i, err
		}
		if stopOnStall && s.out.backlogged() {
			return i + 1, nil
		}
	}
	return len(batch), nil
}

// sendBuffer is the connection under a session's websocket, as the
// websocket library writes to it: a write never waits for the client. It
// writes to the socket without blocking; what the socket does not take is
// kept in backlog (in order, after it every later write), and a goroutine
// of its own, drain, writes the backlog, waiting for the client, then
// writes the session's queue (the session's writer, in blocking mode),
// then ends. Connections that are not TCP sockets (TLS) have every write
// kept and drained that way.
//
// The methods of a nil *sendBuffer report no backlog (a session before
// its websocket).
type sendBuffer struct {
	net.Conn
	raw syscall.RawConn // nil: not a socket we can write to without blocking
	srv *Server

	pending atomic.Int64 // len(backlog)
	stalled atomic.Bool  // backlog kept or being written: the drain is the writer

	mu       sync.Mutex
	backlog  []byte
	blocking bool             // the drain writes the session's queue: writes may wait
	sess     *EngineIOSession // whose websocket this is, once it is
	err      error
}

func newSendBuffer(srv *Server, c net.Conn) *sendBuffer {
	b := &sendBuffer{Conn: c, srv: srv}
	if tc, ok := c.(*net.TCPConn); ok {
		if raw, err := tc.SyscallConn(); err == nil {
			b.raw = raw
		}
	}
	return b
}

func (b *sendBuffer) backlogged() bool { return b != nil && b.stalled.Load() }

func (b *sendBuffer) pendingBytes() int64 {
	if b == nil {
		return 0
	}
	return b.pending.Load()
}

// attach makes b the connection of sess's websocket.
func (b *sendBuffer) attach(sess *EngineIOSession) {
	b.mu.Lock()
	b.sess = sess
	b.mu.Unlock()
}

// Write writes p without waiting for the client (but in blocking mode).
// Every caller holds a count of the server's wait group (a session's
// writer, the websocket's reader answering a ping, a close handshake), so
// the drain it may start is counted from a nonzero count.
func (b *sendBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	if b.err != nil {
		err := b.err
		b.mu.Unlock()
		return 0, err
	}
	if b.blocking {
		// Only the drain's writes and the websocket library's own control
		// frames, one frame at a time: a control frame kept meanwhile goes
		// first.
		kept := b.backlog
		b.backlog = nil
		b.pending.Store(0)
		b.mu.Unlock()
		if len(kept) > 0 {
			if _, err := b.Conn.Write(kept); err != nil {
				return 0, err
			}
		}
		return b.Conn.Write(p)
	}
	total := len(p)
	if !b.stalled.Load() && b.raw != nil {
		n, err := b.tryWrite(p)
		if err != nil {
			b.err = err
			b.mu.Unlock()
			return n, err
		}
		if n == len(p) {
			b.mu.Unlock()
			return n, nil
		}
		p = p[n:]
	}
	b.backlog = append(b.backlog, p...)
	b.pending.Store(int64(len(b.backlog)))
	if !b.stalled.Load() {
		b.stalled.Store(true)
		b.srv.wg.Add(1)
		go b.drain()
	}
	b.mu.Unlock()
	return total, nil
}

// tryWrite writes what the socket takes of p at once.
func (b *sendBuffer) tryWrite(p []byte) (int, error) {
	n := 0
	var werr error
	err := b.raw.Write(func(fd uintptr) bool {
		for n < len(p) {
			k, e := syscall.Write(int(fd), p[n:])
			if k > 0 {
				n += k
			}
			switch {
			case e == syscall.EINTR:
				continue
			case e == syscall.EAGAIN:
				return true
			case e != nil:
				werr = e
				return true
			case k <= 0:
				return true
			}
		}
		return true
	})
	if err == nil {
		err = werr
	}
	if errors.Is(err, syscall.EAGAIN) {
		err = nil
	}
	return n, err
}

// drain writes the backlog, waiting for the client, then writes the
// session's queue in blocking mode, and ends once both are empty.
func (b *sendBuffer) drain() {
	defer b.srv.wg.Done()
	for {
		b.mu.Lock()
		if len(b.backlog) > 0 {
			buf := b.backlog
			b.backlog = nil
			b.mu.Unlock()
			_, err := b.Conn.Write(buf)
			b.mu.Lock()
			b.pending.Store(int64(len(b.backlog)))
			if err != nil {
				b.err = err
				b.backlog = nil
				b.pending.Store(0)
				b.mu.Unlock()
				_ = b.Conn.Close()
				return
			}
			b.mu.Unlock()
			continue
		}
		sess := b.sess
		b.mu.Unlock()
		var ws *websocket.Conn
		if sess != nil {
			sess.mu.Lock()
			ws = sess.claimLocked(true)
			sess.mu.Unlock()
		}
		if ws != nil {
			// The session's writer now, on this goroutine of its own:
			// its writes may wait for the client.
			b.mu.Lock()
			b.blocking = true
			b.mu.Unlock()
			sess.writeQueue(ws, true)
			b.mu.Lock()
			b.blocking = false
			b.mu.Unlock()
		}
		b.mu.Lock()
		if len(b.backlog) > 0 {
			b.mu.Unlock()
			continue
		}
		b.stalled.Store(false)
		b.mu.Unlock()
		if sess != nil {
			// What was queued after the drain last looked is written by a
			// writer claimed as usual.
			sess.mu.Lock()
			ws := sess.claimLocked(false)
			sess.mu.Unlock()
			if ws != nil {
				sess.writeQueue(ws, false)
			}
		}
		return
	}
}
