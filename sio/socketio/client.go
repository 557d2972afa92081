package socketio

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gosio/gosio/sio/engineio"
	"github.com/gosio/gosio/sio/internal/eiolink"
)

// client is one Engine.IO connection seen by the Socket.IO layer: it
// decodes packets and routes them to the namespace sockets it multiplexes.
//
// parser is owned by the engine's delivery (one message at a time); the
// fields under mu by whoever holds it. With a ServerOptions.PacketParser
// other than DefaultParser, the connection's decoder is held by the
// message callback instead, so that the default costs no field.
//
// The sockets, one per namespace joined, are kept as first and more, so
// that the usual client, in a single namespace, needs no map: a namespace
// is in at most one of them, and more is made only when a second namespace
// is joined while first is taken (see socketLocked, addSocketLocked,
// removeSocketLocked and socketsLocked).
type client struct {
	srv    *SocketIOServer
	conn   *engineio.EngineIOSocket
	parser SocketIOParser // DefaultParser's; unused with another
	// running is an event the connection's reader is running itself
	// (runEventHere) whose arguments the decoder checked, or nil: an Emit
	// that sends those arguments back copies them unchecked, as an Ack
	// does (appendArgArray). Set from nil and cleared by that run alone.
	running atomic.Pointer[Event]

	mu           sync.Mutex
	first        *NamespaceSocket            // a joined namespace's socket, or nil
	more         map[string]*NamespaceSocket // the others, by namespace name; nil while none
	connectTimer *time.Timer
	closed       bool
	holding      bool // writes are held (see clientsHolding)
	releasing    bool // releaseWrites is sending the held packets, with mu released
	// v3, not under mu but set at creation and then read-only (here for
	// the padding): the connection is an Engine.IO v3 session, whose
	// client speaks Socket.IO protocol v4 (socket.io-client 2.x; eio3.go).
	v3 bool

	// acksOwed counts the acknowledgements awaited from this client, on all
	// its sockets; parked is the mailbox the reader waits on for room, if
	// any. Together they let an awaited ack stop the reader's wait (see the
	// mailbox's doc): owe writes acksOwed then reads parked, the reader
	// writes parked then reads acksOwed.
	acksOwed atomic.Int32
	parked   atomic.Pointer[mailbox]
}

// A client's writes are held while a namespace connection's CONNECT reply
// and its connection handlers run (holdWrites): what is written to the
// client meanwhile waits, and goes out in order when the handlers return,
// or earlier (releaseWrites). As with the Node.js server, whose handlers
// run in the tick that queues the CONNECT, a client that has its CONNECT
// finds the handlers' work (a room joined) done.
//
// The state is kept off the client, which an idle connection keeps for its
// whole life: client.holding (under its mu) says a hold is on, the held
// packets are in heldPackets (under that client's mu too), and
// clientsHolding counts the clients holding, so that a write to any client
// checks one shared counter and takes no lock while none is.
var (
	clientsHolding atomic.Int32
	heldPackets    sync.Map // *client -> *heldWrites
)

// heldWrites is what a client's hold keeps back, under the client's mu.
// Every connection holds once, for its CONNECT reply: they come from
// heldPool, and go back empty.
type heldWrites struct {
	packets []*encodedPacket
	// closeAfter: close asked for the connection to be closed once the
	// held packets are queued (releaseWrites with andClose).
	closeAfter bool
}

var heldPool = sync.Pool{New: func() any { return new(heldWrites) }}

// maxHeldPackets bounds what holdWrites keeps back: a connection handler
// that sends more (or that other senders reach with as much) has it all
// released at once.
const maxHeldPackets = 256

// holdWrites starts holding the client's writes (see clientsHolding).
func (c *client) holdWrites() {
	c.mu.Lock()
	if !c.holding {
		c.holding = true
		heldPackets.Store(c, heldPool.Get())
		clientsHolding.Add(1)
	}
	c.mu.Unlock()
}

// releaseWrites queues what was held, in order, and ends the hold. It does
// nothing when no hold is on, so it may be called more than once. With
// andClose, the connection is closed once every held packet is queued:
// at once when nothing is held, else by the release that queues the last.
//
// The held packets are sent with mu released: a send that finds the
// client's queue full closes the session at once, and the engine's close
// callback (onClose) takes mu. The hold stays on meanwhile, so that a
// write that comes during the release is held too, behind the packets
// being sent, and sent by the same loop: a write finds the hold off only
// once every held packet is queued. One release runs at a time
// (releasing); a call that finds one running leaves the rest to it.
func (c *client) releaseWrites(andClose bool) {
	if clientsHolding.Load() == 0 {
		if andClose {
			c.conn.Close()
		}
		return
	}
	c.mu.Lock()
	if !c.holding {
		c.mu.Unlock()
		if andClose {
			c.conn.Close()
		}
		return
	}
	v, _ := heldPackets.Load(c)
	held := v.(*heldWrites)
	if andClose {
		held.closeAfter = true
	}
	if c.releasing {
		c.mu.Unlock()
		return
	}
	c.releasing = true
	for len(held.packets) > 0 {
		batch := held.packets
		held.packets = nil
		c.mu.Unlock()
		for _, enc := range batch {
			c.send(enc)
		}
		c.mu.Lock()
		if held.packets == nil && cap(batch) <= 16 {
			clear(batch)
			held.packets = batch[:0] // for the pool: nothing else has it
		}
	}
	heldPackets.Delete(c)
	c.holding, c.releasing = false, false
	clientsHolding.Add(-1)
	closeNow := held.closeAfter
	held.closeAfter = false
	c.mu.Unlock()
	// No one else has held now: it was reached through heldPackets, under
	// mu, while holding was on.
	heldPool.Put(held)
	if closeNow {
		c.conn.Close()
	}
}

// owe records n more (or, negative, fewer) acknowledgements awaited from
// the client; a new one makes a reader waiting for room go on.
func (c *client) owe(n int) {
	if n == 0 {
		return
	}
	c.acksOwed.Add(int32(n))
	if n > 0 {
		// A handler that awaits an acknowledgement must have sent what
		// asks for it.
		c.releaseWrites(false)
		if m := c.parked.Load(); m != nil {
			m.stopHolding()
		}
	}
}

// onOpen makes a client of a new Engine.IO session: it is the server's
// engineio application (installed by NewServer, unexported so that users
// cannot hand the server a session twice).
func (srv *SocketIOServer) onOpen(conn *engineio.EngineIOSocket) {
	c := &client{srv: srv, conn: conn, v3: conn.Protocol() == 3}
	c.connectTimer = time.AfterFunc(srv.opts.ConnectTimeout, c.onConnectTimeout)
	// The receiver goes in through eiolink, not the engine socket's
	// listeners, so that no user listener can displace it.
	if _, ok := srv.opts.PacketParser.(defaultParser); ok {
		c.parser = makeParser(srv.opts.Parser)
		c.parser.ownsInput = true // the engine hands each message over
		eiolink.Receive(conn, c)
	} else {
		eiolink.Receive(conn, &decodingClient{c, srv.opts.PacketParser.NewDecoder(srv.opts.Parser)})
	}
	if c.v3 {
		// Socket.IO protocol v4: the client does not ask for the main
		// namespace; it is joined at once, as by the Node.js server.
		c.connect(mainNamespace, nil)
	}
}

// onConnectTimeout closes a connection that joined no namespace in time.
func (c *client) onConnectTimeout() {
	c.mu.Lock()
	idle := c.first == nil && len(c.more) == 0 && !c.closed
	c.mu.Unlock()
	if idle {
		c.conn.Close()
	}
}

// The client is the engine's receiver of its session (eiolink.Receiver):
// OnMessage, RunHere and OnClose.

// OnMessage is the engine's delivery of a message. here: the caller is the
// connection's websocket reader, which may be left the event's handlers to
// run (RunHere), as the returned *Event.
func (c *client) OnMessage(data []byte, binary, here bool) any {
	p, split, err := c.parser.add(data, binary, true)
	return leftHere(c.onDecodedSplit(p, split, err, here))
}

// RunHere runs the event OnMessage left to the connection's reader.
func (c *client) RunHere(left any) { runEventHere(left) }

// OnClose disconnects every socket of the connection with the engine's
// close reason.
func (c *client) OnClose(reason string, _ error) {
	c.mu.Lock()
	c.closed = true
	c.stopConnectTimerLocked()
	socks := c.socketsLocked()
	c.mu.Unlock()
	for _, s := range socks {
		s.onClose(DisconnectReason(reason))
	}
}

// decodingClient is the receiver of a client whose server has its own
// PacketParser: its messages go through the parser's decoder.
type decodingClient struct {
	*client
	dec PacketDecoder
}

// OnMessage decodes with the server's PacketParser.
func (d *decodingClient) OnMessage(data []byte, binary, here bool) any {
	p, err := d.dec.Add(data, binary)
	return leftHere(d.onDecodedSplit(p, splitPayload{}, err, here))
}

// leftHere is ev as the engine's receiver returns it: nil for none, not a
// nil *Event.
func leftHere(ev *Event) any {
	if ev == nil {
		return nil
	}
	return ev
}

// onDecodedSplit handles what the connection's decoder made of a message,
// with what it split of the payload already (SocketIOParser.add), if
// anything. It returns the event left to the caller to run (here), or nil.
func (c *client) onDecodedSplit(p *SocketIOPacket, split splitPayload, err error, here bool) *Event {
	if err != nil {
		// As the Node.js server does: a packet that does not decode closes
		// the connection ("forced close").
		c.debug("socketio: closing a connection: a packet does not decode", slog.Any("err", err))
		c.conn.Close()
		return nil
	}
	if p == nil {
		return nil // attachments still awaited
	}
	return c.dispatch(p, split, here)
}

// dispatch routes a packet to its namespace's socket, with what the
// decoder split of its payload already, if anything.
func (c *client) dispatch(p *SocketIOPacket, split splitPayload, here bool) *Event {
	if c.v3 && strings.IndexByte(p.Namespace, '?') >= 0 {
		p = withoutNamespaceQuery(p)
	}
	c.mu.Lock()
	s := c.socketLocked(p.Namespace)
	c.mu.Unlock()
	switch {
	case s == nil && p.Type == PacketConnect:
		c.connect(p.Namespace, p.Data)
	case s != nil && p.Type != PacketConnect && p.Type != PacketConnectError:
		return s.onPacket(p, split, here)
	default:
		// A packet for a namespace the client has not joined, a second
		// CONNECT, or a CONNECT_ERROR from a client: the Node.js server
		// closes the connection for this invalid state.
		c.debug("socketio: closing a connection: a packet in an invalid state",
			slog.String("namespace", p.Namespace), slog.String("type", p.Type.String()))
		c.conn.Close()
	}
	return nil
}

// connect handles a CONNECT packet.
func (c *client) connect(name string, auth json.RawMessage) {
	nsp := c.srv.lookupNamespace(name, auth)
	if nsp == nil {
		c.writePacket(&SocketIOPacket{
			Type: PacketConnectError, Namespace: name, ID: NoAckID,
			Data: json.RawMessage(`{"message":"Invalid namespace"}`),
		}, false)
		return
	}
	s := newNamespaceSocket(nsp, c, auth)
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		nsp.endJoin()
		return
	}
	c.addSocketLocked(name, s)
	c.mu.Unlock()
	s.post(func() { s.runConnect(auth) })
}

// forget removes a socket that left its namespace.
func (c *client) forget(s *NamespaceSocket) {
	c.mu.Lock()
	c.removeSocketLocked(s)
	c.mu.Unlock()
}

// writePacket encodes and queues one packet for this client.
func (c *client) writePacket(p *SocketIOPacket, volatile bool) bool {
	if clientsHolding.Load() != 0 {
		return c.write(encodePacket(p), volatile)
	}
	// One recipient: encoded here, without an encodedPacket to share.
	if volatile && !c.conn.Writable() {
		return false
	}
	first, binaries, err := c.srv.opts.PacketParser.Encode(p)
	if err != nil {
		c.srv.opts.Logger.Warn("socketio: a packet cannot be encoded",
			slog.String("sid", c.conn.ID()), slog.String("namespace", p.Namespace),
			slog.String("type", p.Type.String()), slog.Any("err", err))
		return false
	}
	return c.conn.SendWithBinaries(first, binaries...) == nil
}

// writeEncoded is writePacket for a packet whose text in the default wire
// format is made already (text; nil for none). When no client holds its
// writes, writePacket would encode the packet for this one recipient and
// send it at once: text is then sent as it is, as writePacket sends what
// it encodes. The packet comes by value, and goes on the heap only when
// writePacket takes it, so that a caller sending the text keeps it off.
func (c *client) writeEncoded(p SocketIOPacket, text []byte, volatile bool) bool {
	sent, _ := c.writeEncodedReusable(p, text, volatile)
	return sent
}

// writeEncodedReusable is writeEncoded reporting too whether text's memory
// is free again (eiolink.SendReply): nothing keeps it.
func (c *client) writeEncodedReusable(p SocketIOPacket, text []byte, volatile bool) (sent, reusable bool) {
	if text == nil || clientsHolding.Load() != 0 {
		held := p // a copy: taking p's own address would move every p to the heap
		return c.writePacket(&held, volatile), false
	}
	if volatile && !c.conn.Writable() {
		return false, true
	}
	reusable, err := eiolink.SendReply(c.conn, text)
	return err == nil, reusable
}

// write queues an encoded packet; a volatile one is dropped when the
// connection is not ready for it. It reports whether it was queued.
func (c *client) write(enc *encodedPacket, volatile bool) bool {
	if clientsHolding.Load() != 0 && c.holdWrite(enc, volatile) {
		return !volatile
	}
	if volatile && !c.conn.Writable() {
		return false
	}
	return c.send(enc)
}

// send encodes enc with the server's parser (once per packet) and queues it.
func (c *client) send(enc *encodedPacket) bool {
	first, binaries, err := enc.frames(c.srv.opts.PacketParser)
	if err != nil {
		c.srv.opts.Logger.Warn("socketio: a packet cannot be encoded",
			slog.String("sid", c.conn.ID()), slog.String("namespace", enc.p.Namespace),
			slog.String("type", enc.p.Type.String()), slog.Any("err", err))
		return false
	}
	return c.conn.SendWithBinaries(first, binaries...) == nil
}

// holdWrite keeps enc back when c's writes are held, reporting whether it
// took it (a volatile packet is then dropped, as for a busy connection).
func (c *client) holdWrite(enc *encodedPacket, volatile bool) bool {
	c.mu.Lock()
	if !c.holding {
		c.mu.Unlock()
		return false
	}
	if volatile {
		c.mu.Unlock()
		return true
	}
	v, _ := heldPackets.Load(c)
	held := v.(*heldWrites)
	held.packets = append(held.packets, enc)
	full := len(held.packets) >= maxHeldPackets && !c.releasing
	c.mu.Unlock()
	if full {
		c.releaseWrites(false)
	}
	return true
}

// close ends the whole connection after disconnecting its sockets (Node's
// client._disconnect).
func (c *client) close() {
	c.mu.Lock()
	socks := c.socketsLocked()
	c.mu.Unlock()
	for _, s := range socks {
		s.Disconnect(false)
	}
	// What the hold kept back (a CONNECT reply, the DISCONNECT packets
	// just written) goes out before the close, as the Node.js server
	// sends all it has written.
	c.releaseWrites(true)
}

// debug logs at Debug something the client caused, with its session id;
// it costs a level check when Debug is off.
func (c *client) debug(msg string, attrs ...slog.Attr) {
	l := c.srv.opts.Logger
	if !l.Enabled(context.Background(), slog.LevelDebug) {
		return
	}
	l.LogAttrs(context.Background(), slog.LevelDebug, msg, append(attrs, slog.String("sid", c.conn.ID()))...)
}

func (c *client) isClosed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}

// stopConnectTimer stops the connect timeout and drops the timer, which an
// idle connection would otherwise keep.
func (c *client) stopConnectTimer() {
	c.mu.Lock()
	c.stopConnectTimerLocked()
	c.mu.Unlock()
}

func (c *client) stopConnectTimerLocked() {
	if c.connectTimer != nil {
		c.connectTimer.Stop()
		c.connectTimer = nil
	}
}

// socketLocked returns the client's socket in the namespace name, or nil.
// Called with mu held.
func (c *client) socketLocked(name string) *NamespaceSocket {
	if c.first != nil && c.first.nsp.name == name {
		return c.first
	}
	return c.more[name]
}

// addSocketLocked records s as the client's socket in the namespace name,
// in first when it is free or holds the same namespace, in more
// otherwise. Called with mu held.
func (c *client) addSocketLocked(name string, s *NamespaceSocket) {
	if c.first == nil || c.first.nsp.name == name {
		if c.more != nil { // a namespace is in first or more, never both
			delete(c.more, name)
			if len(c.more) == 0 {
				c.more = nil
			}
		}
		c.first = s
		return
	}
	if c.more == nil {
		c.more = make(map[string]*NamespaceSocket, 1)
	}
	c.more[name] = s
}

// removeSocketLocked forgets s if it is still the client's socket in its
// namespace; more is dropped once empty. Called with mu held.
func (c *client) removeSocketLocked(s *NamespaceSocket) {
	if c.first == s {
		c.first = nil
		return
	}
	if c.more[s.nsp.name] == s {
		delete(c.more, s.nsp.name)
		if len(c.more) == 0 {
			c.more = nil
		}
	}
}

// socketsLocked returns the client's sockets, in no particular order.
// Called with mu held.
func (c *client) socketsLocked() []*NamespaceSocket {
	socks := make([]*NamespaceSocket, 0, 1+len(c.more))
	if c.first != nil {
		socks = append(socks, c.first)
	}
	for _, s := range c.more {
		socks = append(socks, s)
	}
	return socks
}
