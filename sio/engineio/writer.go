package engineio

import (
	"context"
	"sync"

	"github.com/coder/websocket"
)

// The write path: every rule a session's outbound packets follow, all
// enforced in this file. Every outbound packet of a session is appended to
// its one queue, under s.mu, by enqueueLocked, and senders do nothing else:
// they never write to a connection and never wait for one. On long-polling,
// a GET takes the whole queue under s.mu; the queue becomes the websocket's
// only when the transport switches (under s.mu, on the upgrade packet), so
// across an upgrade every packet goes out once, in order. On websocket, the
// sender that appends to a queue with no writer (s.writing false) sets
// s.writing and starts the session's writer, a goroutine that writes that
// session's queue and nothing else, batch after batch, and ends, clearing
// s.writing under s.mu, when it finds the queue empty: so a connection
// never has two writers, an idle session has none, and a client that stops
// reading blocks its own writer only, never another session's writer or a
// sender (a broadcast included). s.unread counts the data bytes queued or
// being written, not yet taken by the socket; a packet that would take it
// past Options.MaxQueuedBytes (or the queue past MaxQueuedPackets, when
// set) is refused with ErrQueueFull and the session closed with "transport
// error", so only a client that leaves that much unread is closed, however
// fast the server produces for one that reads. A writer is counted in the
// server's wait group from under s.mu while the session is open (or by a
// goroutine the group already counts), so Shutdown, which waits only after
// closing every session, waits for it; a session closed gracefully has its
// websocket closed by its writer once the queue is written, within
// PingTimeout (closeTimer), and one closed at once drops its queue.

// enqueueLocked appends p to the outbound queue and wakes the transport that
// drains it. It returns ErrQueueFull when the client is not keeping up; the
// caller then closes the session (after releasing mu).
func (s *EngineIOSession) enqueueLocked(p Packet) error {
	if len(s.queue) > 0 || s.unread > 0 {
		if s.unread+len(p.Data) > s.srv.opts.MaxQueuedBytes {
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
	s.wakeLocked()
	return nil
}

// wakeLocked tells the current transport that the queue has packets: on
// websocket, it starts the writer unless one runs.
func (s *EngineIOSession) wakeLocked() {
	switch {
	case s.transport == TransportWebSocket:
		if !s.writing && s.ws != nil {
			s.startWriterLocked()
		}
	case s.pollWake != nil:
		s.wakePollLocked()
	}
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

// startWriterLocked starts the session's writer.
func (s *EngineIOSession) startWriterLocked() {
	s.writing = true
	s.srv.wg.Add(1)
	go s.writeLoop(s.ws)
}

// takeQueueLocked hands the queued packets to a transport. Long-polling
// takes them as written: what a GET takes is the client's at once.
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

// writeLoop is the session's writer: it writes what the queue holds onto
// ws until it finds the queue empty. A session closed gracefully has its
// websocket closed once the queue is written.
func (s *EngineIOSession) writeLoop(ws *websocket.Conn) {
	defer s.srv.wg.Done()
	s.mu.Lock()
	for {
		batch := s.takeQueueLocked()
		if len(batch) == 0 {
			break
		}
		s.mu.Unlock()
		n, ok := s.writeBatch(ws, batch)
		s.mu.Lock()
		s.unread -= n
		if !ok {
			s.writing = false
			s.mu.Unlock()
			s.finishClose()
			return
		}
		s.recycleLocked(batch)
	}
	s.writing = false
	closed := s.closed
	s.mu.Unlock()
	if closed {
		s.closeWebSocket(ws, websocket.StatusNormalClosure)
		s.finishClose()
	}
}

// scratchPool holds the buffers in which text frames are assembled.
var scratchPool = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// writeBatch writes packets onto the websocket and returns the data bytes
// written. On a failed write it closes the session and reports false.
func (s *EngineIOSession) writeBatch(ws *websocket.Conn, batch []Packet) (int, bool) {
	bufp := scratchPool.Get().(*[]byte)
	defer func() {
		if cap(*bufp) <= 64<<10 {
			scratchPool.Put(bufp)
		}
	}()
	n := 0
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
			s.closeNow(ReasonTransportError, err)
			return n, false
		}
		n += len(p.Data)
	}
	return n, true
}
