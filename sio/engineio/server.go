package engineio

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/gosio/gosio/internal/sid"
)

// Application receives the sessions that complete a handshake. The Socket.IO
// layer is the usual application.
type Application interface {
	// OnOpen is called once per session, before the session reads anything;
	// it registers the socket's callbacks. It must not block.
	OnOpen(sock *EngineIOSocket)
}

// ApplicationFunc adapts a function to Application.
type ApplicationFunc func(sock *EngineIOSocket)

// OnOpen calls f(sock).
func (f ApplicationFunc) OnOpen(sock *EngineIOSocket) { f(sock) }

// Server is an Engine.IO v4 server: an http.Handler that sends plain HTTP
// requests to its LongPollingConsumer and websocket upgrades to its
// EngineIOWebSocketConsumer, and owns the session registry and the options.
// Its methods are safe for concurrent use.
type Server struct {
	opts    *Options
	polling *LongPollingConsumer
	ws      *EngineIOWebSocketConsumer

	appMu sync.RWMutex
	app   Application

	mu       sync.RWMutex
	sessions map[string]*EngineIOSession
	closing  bool

	wg    sync.WaitGroup // every goroutine the server's sessions start
	watch readerWatch    // the readers that run a handler (inline.go)

	writers *writerPool // the websocket writers (writer.go)

	hooks serverHooks // the listeners of the server's events (hooks.go)
}

var _ http.Handler = (*Server)(nil)

// NewServer returns a server with the given options (nil for defaults).
// It panics on a setup mistake in them, with a message naming the field
// and the fix: an unknown transport, a negative size or duration, or a
// duration below a millisecond (PingInterval: 25 is 25ns, not 25s).
func NewServer(opts *Options) *Server {
	if err := opts.validate(); err != nil {
		panic(err.Error())
	}
	s := &Server{opts: opts.withDefaults(), sessions: make(map[string]*EngineIOSession)}
	s.polling = &LongPollingConsumer{srv: s}
	s.ws = &EngineIOWebSocketConsumer{srv: s}
	s.writers = newWriterPool(s)
	return s
}

// SetEngineIOApp installs the application that receives new sessions. It
// replaces any earlier one; sessions already open keep theirs.
func (s *Server) SetEngineIOApp(app Application) {
	s.appMu.Lock()
	s.app = app
	s.appMu.Unlock()
}

// Options returns a copy of the server's options, defaults filled in.
func (s *Server) Options() Options { return *s.opts }

// Path returns the path the server expects to be mounted at.
func (s *Server) Path() string { return s.opts.Path }

// ClientsCount returns the number of open sessions.
func (s *Server) ClientsCount() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.sessions)
}

// Session returns the open session with the given id, or nil.
func (s *Server) Session(id string) *EngineIOSession {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.sessions[id]
}

// ServeHTTP verifies the request as the Node.js server does and hands it to
// the transport it names.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.refuseLargeHeaders(w, r) {
		return
	}
	if s.opts.CORS != nil {
		if handled := s.applyCORS(w, r); handled {
			return
		}
		if !isWebSocketUpgrade(r) {
			s.writeCORSHeaders(w, r)
		}
	}
	q := r.URL.Query()
	transport := q.Get("transport")
	if !s.opts.allows(transport) {
		s.refused(w, r, protocolError(CodeUnknownTransport), map[string]any{"transport": transport})
		return
	}
	isUpgrade := isWebSocketUpgrade(r)
	if sid := q.Get("sid"); sid != "" {
		sess := s.Session(sid)
		if sess != nil && sess.pongOverdue() {
			// The Node.js server runs its due timers before it reads a
			// request: one that comes after the pong deadline finds the
			// session closed, however late the deadline's timer fires here.
			sess.closeNow(ReasonPingTimeout, nil)
			sess = nil
		}
		if sess == nil {
			s.refused(w, r, protocolError(CodeUnknownSID), map[string]any{"sid": sid})
			return
		}
		if transport == TransportWebSocket {
			if !isUpgrade || s.opts.DisallowUpgrades {
				s.refused(w, r, protocolError(CodeBadRequest), map[string]any{"name": "TRANSPORT_MISMATCH",
					"transport": transport, "previousTransport": sess.sock.Transport()})
				return
			}
			reserveStack()
			s.ws.upgrade(w, r, sess)
			return
		}
		s.polling.serve(w, r, sess)
		return
	}
	if r.Method != http.MethodGet {
		s.refused(w, r, protocolError(CodeBadHandshakeMethod), map[string]any{"method": r.Method})
		return
	}
	if eio := q.Get("EIO"); eio != "4" {
		// As the Node.js server: anything but "4" is the third revision.
		if !s.opts.AllowEIO3 {
			s.refused(w, r, protocolError(CodeUnsupportedProtocol), map[string]any{"protocol": eio})
			return
		}
		if q.Has("j") {
			// JSONP polling (engine.io-client 3.x's fallback where XHR
			// is missing: old browsers) is not served: refused as a
			// transport the server does not offer.
			s.refused(w, r, protocolError(CodeUnknownTransport), map[string]any{"transport": "polling-jsonp"})
			return
		}
	}
	if transport == TransportWebSocket && !isUpgrade {
		s.refused(w, r, protocolError(CodeBadRequest), map[string]any{"name": "TRANSPORT_HANDSHAKE_ERROR"})
		return
	}
	if s.opts.AllowRequest != nil {
		if err := s.opts.AllowRequest(r); err != nil {
			pe, ok := err.(*ProtocolError)
			if !ok {
				pe = &ProtocolError{Code: CodeForbidden, Message: err.Error()}
			}
			s.refused(w, r, pe, map[string]any{"message": pe.message()})
			return
		}
	}
	if transport == TransportWebSocket {
		reserveStack()
		s.ws.handshake(w, r)
		return
	}
	s.polling.handshake(w, r)
}

func isWebSocketUpgrade(r *http.Request) bool {
	return strings.EqualFold(r.Header.Get("Upgrade"), "websocket")
}

// openPacket is the handshake's open packet: exactly protocol v4's keys
// ("Handshake"), in the order and form json.Marshal gives them, written
// by hand (json.Marshal's reflection cost more than the rest of it). The
// sid, from internal/sid, needs no escaping.
func (s *Server) openPacket(sid string, transport string) Packet {
	b := make([]byte, 0, 128)
	b = append(b, `{"sid":"`...)
	b = append(b, sid...)
	b = append(b, `","upgrades":[`...)
	if transport == TransportPolling && !s.opts.DisallowUpgrades && s.opts.allows(TransportWebSocket) {
		b = append(b, `"`+TransportWebSocket+`"`...)
	}
	b = append(b, `],"pingInterval":`...)
	b = strconv.AppendInt(b, s.opts.PingInterval.Milliseconds(), 10)
	b = append(b, `,"pingTimeout":`...)
	b = strconv.AppendInt(b, s.opts.PingTimeout.Milliseconds(), 10)
	b = append(b, `,"maxPayload":`...)
	b = strconv.AppendInt(b, s.opts.MaxPayload, 10)
	b = append(b, '}')
	return Packet{Type: PacketOpen, Data: b}
}

// register creates and records a new session; it returns nil once the
// server is shutting down.
func (s *Server) register(transport string, r *http.Request) *EngineIOSession {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return nil
	}
	id := sid.New()
	for s.sessions[id] != nil {
		id = sid.New()
	}
	hr := newHandshakeRequest(r)
	sess := newSession(s, id, transport, hr)
	// A v3 session, which ServeHTTP lets in with AllowEIO3 alone: without
	// it, the query ServeHTTP read said "4" and is not parsed again.
	if s.opts.AllowEIO3 {
		if q := r.URL.Query(); q.Get("EIO") != "4" {
			sess.v3 = true
			sess.b64 = q.Get("b64") != ""
			sess.wsB64 = sess.b64
		}
	}
	s.sessions[id] = sess
	return sess
}

// enter counts a websocket handler in the server's wait group, unless the
// server is shutting down. Done under mu, so that no Add from zero can race
// the Wait of Shutdown, which sets closing under mu first.
func (s *Server) enter() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return false
	}
	s.wg.Add(1)
	return true
}

func (s *Server) unregister(sess *EngineIOSession) {
	s.mu.Lock()
	if s.sessions[sess.id] == sess {
		delete(s.sessions, sess.id)
	}
	s.mu.Unlock()
}

// open hands a registered session to the application and starts its
// heartbeat.
func (s *Server) open(sess *EngineIOSession) {
	s.appMu.RLock()
	app := s.app
	s.appMu.RUnlock()
	if app != nil {
		app.OnOpen(&sess.sock)
	}
	for _, fn := range s.hooks.connection.Funcs() {
		fn(&sess.sock)
	}
	sess.startHeartbeat()
}

func (s *Server) setCookie(w http.ResponseWriter, sid string) {
	c := s.opts.Cookie
	if c == nil {
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name: c.Name, Value: sid, Path: c.Path,
		HttpOnly: c.HTTPOnly, SameSite: c.SameSite, Secure: c.Secure,
	})
}

// Shutdown closes every session with reason "server shutting down", refuses
// new handshakes, and waits until the goroutines of the sessions have ended
// or ctx is done. http.Server.Shutdown does not reach hijacked websockets:
// call this one too.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closing = true
	all := make([]*EngineIOSession, 0, len(s.sessions))
	for _, sess := range s.sessions {
		all = append(all, sess)
	}
	s.mu.Unlock()
	for _, sess := range all {
		sess.closeGracefully(ReasonServerShutdown)
	}
	done := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		for _, sess := range all {
			sess.abortIO()
		}
		return ctx.Err()
	}
}

// Close is Shutdown without waiting.
func (s *Server) Close() {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_ = s.Shutdown(ctx)
}
