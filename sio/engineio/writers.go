package engineio

import (
	"runtime"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// writerStallPeriod is how long the writers may go without starting a
// session's turn, while sessions wait for one, before the pool takes it
// that every writer is blocked on a client that does not read and starts
// one more.
const writerStallPeriod = 2 * time.Millisecond

// turn is a session waiting for its turn to write to its websocket.
type turn struct {
	s  *EngineIOSession
	ws *websocket.Conn
}

// writerPool is the server's websocket writers: goroutines that take the
// sessions with something to send in turn, each turn writing what the
// session has queued. A broadcast to ten thousand clients is written by
// one goroutine per processor, as a loop over the connections would be,
// instead of ten thousand goroutines that each write once.
//
// Writers exist only while sessions wait: the last one ends when the queue
// of turns is empty, so an idle server holds none. A client that stops
// reading blocks the writer writing to it, once its socket buffer is full;
// while sessions wait and no turn has started for writerStallPeriod, a
// timer starts another writer, so that such clients hold up only the
// writers blocked on them.
//
// Writers are counted in the server's wait group.
type writerPool struct {
	srv     *Server
	perProc int // writers started on demand, beyond those the stall timer adds

	mu      sync.Mutex
	turns   []turn // waiting: turns[head:]
	head    int
	writers int    // goroutines running work
	started uint64 // turns started, for the stall timer
	seen    uint64 // started when the stall timer last looked
	stall   *time.Timer
	armed   bool // stall is set to fire
}

func newWriterPool(srv *Server) *writerPool {
	return &writerPool{srv: srv, perProc: runtime.GOMAXPROCS(0)}
}

// push queues a session's turn and, when mayStart, starts a writer when
// none is running, or when more turns wait than there are writers and
// fewer writers run than there are processors. A turn pushed without
// mayStart is expected to be claimed by its session's EndBatch; if it is
// not, the stall timer starts a writer.
func (p *writerPool) push(s *EngineIOSession, ws *websocket.Conn, mayStart bool) {
	p.mu.Lock()
	if p.head > 0 && len(p.turns) == cap(p.turns) {
		n := copy(p.turns, p.turns[p.head:])
		clear(p.turns[n:])
		p.turns, p.head = p.turns[:n], 0
	}
	p.turns = append(p.turns, turn{s, ws})
	start := mayStart && (p.writers == 0 || (p.writers < p.perProc && len(p.turns)-p.head > p.writers))
	if start {
		p.writers++
		p.srv.wg.Add(1)
	} else if !p.armed {
		p.armStallLocked() // the running writers may all be blocked
	}
	p.mu.Unlock()
	if start {
		go p.work()
	}
}

// kick starts a writer if turns wait and none runs.
func (p *writerPool) kick() {
	p.mu.Lock()
	start := p.writers == 0 && p.head < len(p.turns)
	if start {
		p.writers++
		p.srv.wg.Add(1)
	}
	p.mu.Unlock()
	if start {
		go p.work()
	}
}

// unpush takes back s's turn when it is the last one queued, as it is when
// an EndBatch claims the turn its batch queued: the turn is written by the
// claimer, and an entry left behind would only cost a writer a visit.
func (p *writerPool) unpush(s *EngineIOSession) {
	p.mu.Lock()
	if n := len(p.turns); n > p.head && p.turns[n-1].s == s {
		p.turns[n-1] = turn{}
		p.turns = p.turns[:n-1]
	}
	p.mu.Unlock()
}

// work takes turns until none is left.
func (p *writerPool) work() {
	defer p.srv.wg.Done()
	for {
		p.mu.Lock()
		if p.head == len(p.turns) {
			p.writers--
			p.turns, p.head = p.turns[:0], 0
			if cap(p.turns) > 4096 {
				p.turns = nil // give back what a large burst grew
			}
			p.mu.Unlock()
			return
		}
		t := p.turns[p.head]
		p.turns[p.head] = turn{}
		p.head++
		p.started++
		p.mu.Unlock()
		t.s.writeTurn(t.ws)
	}
}

// armStallLocked sets the stall timer. While set, it counts in the
// server's wait group as a goroutine would: a turn that waits for a writer
// is never left behind by Shutdown.
func (p *writerPool) armStallLocked() {
	p.armed = true
	p.srv.wg.Add(1)
	p.seen = p.started
	if p.stall == nil {
		p.stall = time.AfterFunc(writerStallPeriod, p.onStall)
		return
	}
	p.stall.Reset(writerStallPeriod)
}

// onStall runs on the stall timer: while turns wait, it starts one more
// writer if no turn started since it last looked, and looks again later.
func (p *writerPool) onStall() {
	p.mu.Lock()
	if p.head == len(p.turns) {
		p.armed = false
		p.mu.Unlock()
		p.srv.wg.Done()
		return
	}
	start := p.started == p.seen
	if start {
		p.writers++
		p.srv.wg.Add(1)
	}
	p.seen = p.started
	p.stall.Reset(writerStallPeriod)
	p.mu.Unlock()
	if start {
		go p.work()
	}
}
