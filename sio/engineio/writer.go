package engineio

import (
	"context"
	"errors"
	"net"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/coder/websocket"
)

// The write path: every rule a session's outbound packets follow, all
// enforced in this file. Every outbound packet of a session is appended to
// its one queue under s.mu (enqueueLocked), and a sender does nothing more:
// it never writes and never waits. On long-polling a GET takes the whole
// queue under s.mu; the queue becomes the websocket's only when the
// transport switches (under s.mu, on the upgrade packet), so across an
// upgrade every packet goes out once, in order. On websocket, a session
// with packets and no writer is marked s.writing and handed, under s.mu,
// to the server's writers (writerPool: at most one goroutine per
// processor, started when sessions wait, ended when none does); a writer
// takes one session at a time and writes its whole queue (its frames
// gathered into few system calls), and the mark is cleared under s.mu
// only once the queue is found empty, so a connection never has two
// writers and an idle server has no writer at all. One exception to the
// hand-off: the first send after the reader delivered a message (the
// reply, replyOwed) claims the session the same way, takes the queue with
// the claim, and writes it on the sender's goroutine, which already runs,
// saving the wake-up of a writer (the reply is then written or copied when
// the send returns: eiolink.SendReply); it writes as a writer does, never waiting, and later sends go
// to the writers. A writer
// never waits for a client: a websocket's connection (sendBuffer) writes
// to the socket without blocking and keeps what the socket does not take,
// and a goroutine of that session's own (drain) writes it, waiting as long
// as the client takes, then goes on writing that session's queue until it
// is empty; so a client that stops reading holds up its own drain and
// nothing else: no writer, no sender, no other session. s.unread counts
// the data bytes queued or being written, and out.pending the bytes the
// socket has not taken; a packet that would take their sum past
// Options.MaxQueuedBytes (or the queue past MaxQueuedPackets, when set) is
// refused with ErrQueueFull and the session closed with "transport
// error": only a client that leaves that much unread is closed, however
// fast the server produces for one that reads. Every byte bound for the
// socket goes through the sendBuffer under its mu, in the order taken: the
// writer's messages, framed by the sendBuffer itself when the connection
// has no compression (frames.go), go only between two frames of the
// websocket library's own (pongs, close), never inside one, and none
// after its close frame. Writers and drains are
// counted in the server's wait group, from under s.mu while the session is
// open or by a goroutine already counted, so Shutdown (which waits only
// after closing every session) waits for them; a session closed
// gracefully has its websocket closed by its last writer once the queue
// is written, within PingTimeout (closeTimer).

// enqueueLocked appends p to the outbound queue and wakes a waiting GET.
// It returns ErrQueueFull when the client is not keeping up; the caller
// then closes the session (after releasing mu). A caller that queued calls
// scheduleLocked before releasing mu.
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

// scheduleLocked hands the session to the server's writers when it is on
// websocket, has something to write (or a close to finish) and no writer.
func (s *EngineIOSession) scheduleLocked() {
	if s.claimLocked(false) {
		s.srv.writers.push(s)
	}
}

// claimLocked marks the session as having a writer (s.writing), when it is
// on websocket, has something to write (or a close to finish), and has
// none. A stalled socket has its drain for writer, which claims with
// fromDrain.
func (s *EngineIOSession) claimLocked(fromDrain bool) bool {
	if s.writing || s.ws == nil || s.transport != TransportWebSocket ||
		(!fromDrain && s.out.backlogged()) ||
		(len(s.queue) == 0 && !(s.closed && !s.wsClosing)) {
		return false
	}
	s.writing = true
	return true
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

// writeQueue is the session's writer at work, for a goroutine that
// claimed it and is counted in the server's wait group: it writes the
// queue until it is empty or, but for the drain (fromDrain, whose writes
// may wait), until the socket stalls, the drain then taking over. The
// last writer of a closed session closes its websocket.
func (s *EngineIOSession) writeQueue(fromDrain bool) { s.writeQueueFrom(nil, fromDrain) }

// writeQueueFrom is writeQueue beginning with batch, when not nil: what a
// reply took of the queue when it claimed the session, which is then
// written (or copied, or dropped with the session) before this returns,
// even if the socket stalls meanwhile.
func (s *EngineIOSession) writeQueueFrom(batch []Packet, fromDrain bool) {
	s.mu.Lock()
	ws := s.ws
	for batch != nil || (len(s.queue) > 0 && (fromDrain || !s.out.backlogged())) {
		if batch == nil {
			batch = s.takeQueueLocked()
		}
		s.mu.Unlock()
		n, err := s.writeBatch(ws, batch, !fromDrain)
		s.mu.Lock()
		s.unread -= dataBytes(batch[:n])
		if err != nil {
			s.writing = false
			s.mu.Unlock()
			// Closed on a goroutine of its own: the close callbacks are
			// the application's, and a writer is shared.
			s.srv.wg.Add(1)
			go func() {
				defer s.srv.wg.Done()
				s.closeNow(ReasonTransportError, err)
				s.finishClose() // nothing is left to write
			}()
			return
		}
		if n < len(batch) {
			// stalled: the rest goes before what was queued meanwhile
			s.queue = append(batch[n:len(batch):len(batch)], s.queue...)
			batch = nil
			continue
		}
		s.recycleLocked(batch)
		batch = nil
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
		// writer, which other sessions wait for.
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

// writeBatch writes packets onto the websocket, gathered by the
// sendBuffer into few system calls, and returns how many it wrote;
// stopOnStall: it stops at a write that stalled the socket.
func (s *EngineIOSession) writeBatch(ws *websocket.Conn, batch []Packet, stopOnStall bool) (int, error) {
	var bufp *[]byte // from scratchPool, for messages the library frames
	defer func() {
		if bufp != nil && cap(*bufp) <= 64<<10 {
			scratchPool.Put(bufp)
		}
	}()
	out := s.out
	out.collect()
	for i, p := range batch {
		// Written without a context, as the reader reads: coder/websocket
		// would register a cancellation per write. Closing the connection
		// (closeNow, abortIO) ends a write that waits.
		var err error
		switch {
		case out.direct && !p.Binary:
			err = out.writeMessage(opText, '0'+byte(p.Type), p.Data)
		case out.direct && !s.v3:
			err = out.writeMessage(opBinary, 0, p.Data)
		case p.Binary && s.v3:
			if bufp == nil {
				bufp = scratchPool.Get().(*[]byte)
			}
			err = s.writeBinaryV3(ws, p, bufp)
		case p.Binary:
			err = ws.Write(context.Background(), websocket.MessageBinary, p.Data)
		default:
			if bufp == nil {
				bufp = scratchPool.Get().(*[]byte)
			}
			*bufp = p.appendText((*bufp)[:0])
			err = ws.Write(context.Background(), websocket.MessageText, *bufp)
		}
		// (After the last packet the batch is written below anyway.)
		if err == nil && i < len(batch)-1 && out.collectedBytes() >= collectFlushAt {
			err = out.flush(true)
			if err == nil && stopOnStall && out.backlogged() {
				_ = out.flush(false)
				return i + 1, nil
			}
		}
		if err != nil {
			_ = out.flush(false)
			return i, err
		}
	}
	return len(batch), out.flush(false)
}

// sendBuffer is the connection under a session's websocket, as the
// websocket library writes to it: a write never waits for the client. It
// writes to the socket without blocking; what the socket does not take is
// kept in backlog (in order, before every later write), and a goroutine
// of its own, drain, writes the backlog, waiting for the client, then
// writes the session's queue (the session's writer, in blocking mode),
// then ends. While a writer writes a batch (collect), the frames are
// gathered in a pooled buffer and written with one system call when the
// batch ends: the library's own write buffer is then only
// wsWriteBufferSize bytes, which an idle connection keeps. Connections
// that are not TCP sockets (TLS) have every write kept and drained.
//
// The methods of a nil *sendBuffer report no backlog (a session before
// its websocket).
type sendBuffer struct {
	net.Conn
	raw syscall.RawConn // nil: not a socket we can write to without blocking
	srv *Server

	pending atomic.Int64 // len(backlog)
	stalled atomic.Bool  // backlog kept or being written: the drain is the writer

	// direct: the session's messages are framed here (frames.go), the
	// connection having no permessage-deflate; set before the first write.
	direct bool

	// mu orders every write to the connection: it is held while one is
	// gathered, kept or (in blocking mode) written.
	mu        sync.Mutex
	collected *[]byte // the batch being written, from framePool; nil outside collect
	backlog   []byte
	blocking  bool             // the drain writes the session's queue: writes may wait
	sess      *EngineIOSession // whose websocket this is, once it is
	err       error
	coder     frameTrack // the websocket library's frames, from its writes
}

// wsWriteBufferSize is the websocket library's write buffer: frame
// headers go through it to the sendBuffer, which gathers a batch's frames.
const wsWriteBufferSize = 16

// framePool holds the buffers a batch's frames are gathered in.
var framePool = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// collectFlushAt is how much a batch gathers before it is written;
// directWriteAt the write large enough to go to the socket as it is.
const (
	collectFlushAt = 64 << 10
	directWriteAt  = 8 << 10
)

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

// Write writes p without waiting for the client (but in blocking mode),
// or gathers it during a batch. Every caller holds a count of the
// server's wait group (a writer, the websocket's reader answering a ping,
// a close handshake), so the drain it may start is counted from a nonzero
// count.
func (b *sendBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	b.coder.feed(p) // only the websocket library calls Write
	return b.gatherLocked(p)
}

// gatherLocked is Write's work, with b.mu held, which it releases: p is
// gathered during a batch, else written.
func (b *sendBuffer) gatherLocked(p []byte) (int, error) {
	if b.collected != nil && b.err == nil {
		if len(p) < directWriteAt {
			*b.collected = append(*b.collected, p...)
			b.mu.Unlock()
			return len(p), nil
		}
		// A large write is not copied: what was gathered goes first.
		if len(*b.collected) > 0 {
			// mu held until p is written too: no frame comes between.
			// What sendHeld keeps, it copies.
			if _, err := b.sendHeld(*b.collected); err != nil {
				b.mu.Unlock()
				return 0, err
			}
			*b.collected = (*b.collected)[:0]
		}
	}
	return b.sendLocked(p)
}

// collect starts gathering a batch's frames.
func (b *sendBuffer) collect() {
	b.mu.Lock()
	if b.collected == nil {
		b.collected = framePool.Get().(*[]byte)
	}
	b.mu.Unlock()
}

// collectedBytes is what the batch has gathered.
func (b *sendBuffer) collectedBytes() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.collected == nil {
		return 0
	}
	return len(*b.collected)
}

// flush writes what the batch gathered; more goes on being gathered when
// more is true.
func (b *sendBuffer) flush(more bool) error {
	b.mu.Lock()
	bp := b.collected
	if bp == nil {
		b.mu.Unlock()
		return nil
	}
	if more {
		b.collected = framePool.Get().(*[]byte)
	} else {
		b.collected = nil
	}
	var err error
	if len(*bp) > 0 {
		_, err = b.sendLocked(*bp) // releases mu
	} else {
		b.mu.Unlock()
	}
	if cap(*bp) <= 2*collectFlushAt {
		*bp = (*bp)[:0]
		framePool.Put(bp)
	}
	return err
}

// sendLocked writes p, with b.mu held, which it releases (sendHeld).
func (b *sendBuffer) sendLocked(p []byte) (int, error) {
	n, err := b.sendHeld(p)
	b.mu.Unlock()
	return n, err
}

// sendHeld writes p, with b.mu held throughout: in blocking mode at once
// (after any control frame kept meanwhile), else without blocking,
// keeping what the socket does not take. A write that fails fails every
// later one.
func (b *sendBuffer) sendHeld(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if b.blocking {
		kept := b.backlog
		b.backlog = nil
		b.pending.Store(0)
		if len(kept) > 0 {
			if _, err := b.Conn.Write(kept); err != nil {
				b.err = err
				return 0, err
			}
		}
		n, err := b.Conn.Write(p)
		if err != nil {
			b.err = err
		}
		return n, err
	}
	total := len(p)
	if !b.stalled.Load() && b.raw != nil {
		n, err := b.tryWrite(p)
		if err != nil {
			b.err = err
			return n, err
		}
		if n == len(p) {
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
	return total, nil
}

// writeState is tryWrite's state, pooled so that the function handed to
// RawConn.Write, made once per state, allocates nothing per write.
type writeState struct {
	p   []byte
	n   int
	err error
	fn  func(fd uintptr) bool
}

var writeStatePool = sync.Pool{New: func() any {
	w := &writeState{}
	w.fn = w.writeNow
	return w
}}

// tryWrite writes what the socket takes of p at once.
func (b *sendBuffer) tryWrite(p []byte) (int, error) {
	w := writeStatePool.Get().(*writeState)
	w.p, w.n, w.err = p, 0, nil
	err := b.raw.Write(w.fn)
	n := w.n
	if err == nil {
		err = w.err
	}
	w.p, w.err = nil, nil
	writeStatePool.Put(w)
	if errors.Is(err, syscall.EAGAIN) {
		err = nil
	}
	return n, err
}

// writeNow is RawConn.Write's function: it writes w.p[w.n:] until the
// socket takes no more, never asking RawConn to wait.
func (w *writeState) writeNow(fd uintptr) bool {
	for w.n < len(w.p) {
		k, e := syscall.Write(int(fd), w.p[w.n:])
		if k > 0 {
			w.n += k
		}
		switch {
		case e == syscall.EINTR:
			continue
		case e == syscall.EAGAIN:
			return true
		case e != nil:
			w.err = e
			return true
		case k <= 0:
			return true
		}
	}
	return true
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
				sess := b.sess
				b.mu.Unlock()
				_ = b.Conn.Close()
				if sess != nil {
					sess.finishClose() // nothing is left to drain
				}
				return
			}
			b.mu.Unlock()
			continue
		}
		sess := b.sess
		b.mu.Unlock()
		claimed := false
		if sess != nil {
			sess.mu.Lock()
			claimed = sess.claimLocked(true)
			sess.mu.Unlock()
		}
		if claimed {
			// The session's writer now, on this goroutine of its own:
			// its writes may wait for the client.
			b.mu.Lock()
			b.blocking = true
			b.mu.Unlock()
			sess.writeQueue(true)
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
			// What was queued after the drain last looked goes to the
			// writers as usual.
			sess.mu.Lock()
			sess.scheduleLocked()
			sess.mu.Unlock()
		}
		return
	}
}

// writerPool is the server's websocket writers: goroutines that take the
// sessions with something to write in turn and write each one's queue. A
// broadcast to ten thousand clients is written by one goroutine per
// processor looping over the connections, each visit writing all that
// a session has queued, instead of ten thousand goroutines. Its writes
// never wait for a client (sendBuffer), so a writer is never stalled by
// one: it only needs more writers when there are more processors to run
// them. Writers exist only while sessions wait; the last ends when none
// does.
type writerPool struct {
	srv *Server
	max int // writers at most: one per processor

	mu      sync.Mutex
	ready   []*EngineIOSession // waiting: ready[head:]
	head    int
	running int
}

func newWriterPool(srv *Server) *writerPool {
	return &writerPool{srv: srv, max: runtime.GOMAXPROCS(0)}
}

// push queues a claimed session and starts a writer when none runs, or
// when more sessions wait than writers run and a processor is left. The
// caller holds the session's mu, with the session open or on a goroutine
// counted in the server's wait group, so the writer's count is added from
// a nonzero count or before Shutdown waits.
func (p *writerPool) push(s *EngineIOSession) {
	p.mu.Lock()
	if p.head > 0 && len(p.ready) == cap(p.ready) {
		n := copy(p.ready, p.ready[p.head:])
		clear(p.ready[n:])
		p.ready, p.head = p.ready[:n], 0
	}
	p.ready = append(p.ready, s)
	start := p.running == 0 || (p.running < p.max && len(p.ready)-p.head > p.running)
	if start {
		p.running++
		p.srv.wg.Add(1)
	}
	p.mu.Unlock()
	if start {
		go p.work()
	}
}

// work writes the waiting sessions' queues until none waits.
func (p *writerPool) work() {
	defer p.srv.wg.Done()
	for {
		p.mu.Lock()
		if p.head == len(p.ready) {
			p.running--
			p.ready, p.head = p.ready[:0], 0
			if cap(p.ready) > 4096 {
				p.ready = nil // give back what a large burst grew
			}
			p.mu.Unlock()
			return
		}
		s := p.ready[p.head]
		p.ready[p.head] = nil
		p.head++
		p.mu.Unlock()
		s.writeQueue(false)
	}
}

// writeFrame writes one message on a websocket that has no writer yet (the
// handshake's open packet, the probe's answer), in one system call.
func writeFrame(ws *websocket.Conn, out *sendBuffer, typ websocket.MessageType, data []byte) error {
	out.collect()
	var err error
	switch {
	case out.direct && typ == websocket.MessageText:
		err = out.writeMessage(opText, 0, data)
	case out.direct:
		err = out.writeMessage(opBinary, 0, data)
	default:
		err = ws.Write(context.Background(), typ, data)
	}
	if err != nil {
		_ = out.flush(false)
		return err
	}
	return out.flush(false)
}
