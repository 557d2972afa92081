package admin

import (
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gosio/gosio/sio/socketio"
)

// statsInterval is how often server_stats is sent, as by Node's instrument().
const statsInterval = 2 * time.Second

// processStart stands for the process's start time in server_stats'
// uptime (Node's process.uptime()).
var processStart = time.Now()

// Admin is the server side of the Admin UI on one Socket.IO server, made by
// Instrument. Its methods are safe for concurrent use.
//
// It owns two goroutines, both ended by Close: the stats loop, which sends
// server_stats every 2 seconds (and, in Development mode, socket_updated
// for sockets whose Data changed), and the sender, which emits the queued
// development-mode events to the admin namespace in order, off the
// application's goroutines.
type Admin struct {
	srv   *socketio.SocketIOServer
	nsp   *socketio.Namespace
	opts  Options
	log   *slog.Logger
	start time.Time

	features []string
	events   eventBuffer // the aggregated counts of the next server_stats
	polling  atomic.Int64

	queue chan adminEvent // development-mode events for the sender
	done  chan struct{}   // closed by Close
	wg    sync.WaitGroup  // the stats loop and the sender
	once  sync.Once       // makes Close idempotent

	removeMu sync.Mutex // guards removers
	removers []func()   // the hooks' removers, called by Close

	// dataMu guards lastData, owned by the stats loop but cleared by the
	// disconnect hooks: the JSON of each local socket's Data last sent to
	// the UI, by namespace and socket id.
	dataMu   sync.Mutex
	lastData map[socketKey]string
}

// socketKey names one socket of one namespace.
type socketKey struct{ nsp, id string }

// adminEvent is one event for the admin namespace, queued by a hook.
type adminEvent struct {
	name string
	args []any
}

// eventQueueSize bounds the development-mode events waiting for the
// sender; beyond it they are dropped (the UI is not kept up to date, the
// application is not slowed down).
const eventQueueSize = 4096

// Instrument serves the Admin UI on srv: it creates the admin namespace
// (Options.NamespaceName, default "/admin") with its authentication, sends
// server_stats to the connected UIs every 2 seconds, answers the UI's
// commands (unless Options.ReadOnly) and, in Development mode, tells the
// UI of every socket, room and event of every namespace, present and
// future. It returns an error for invalid options.
//
// The UI (https://admin.socket.io, or the ui/dist folder of the npm
// package @socket.io/admin-ui) connects from its own origin, with
// credentials: the server's engineio.Options.CORS must allow that origin
// by name, with Credentials true.
//
// Call Instrument once per server, after its namespaces are set up, and
// Close before (or after) the server's Shutdown.
func Instrument(srv *socketio.SocketIOServer, opts *Options) (*Admin, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	a := &Admin{
		srv:      srv,
		opts:     o,
		log:      o.Logger,
		start:    processStart,
		queue:    make(chan adminEvent, eventQueueSize),
		done:     make(chan struct{}),
		lastData: make(map[socketKey]string),
	}
	a.features = supportedFeatures(o)
	a.nsp = srv.Of(o.NamespaceName)
	if o.Auth != nil {
		a.nsp.Use(authenticate(*o.Auth, o.Store, a.log))
	}
	a.nsp.OnConnection(a.onAdminConnection)
	a.watchEngine()
	if o.Mode == Development {
		a.watchNamespaces()
		a.wg.Add(1)
		go a.sender()
	}
	a.wg.Add(1)
	go a.statsLoop()
	return a, nil
}

// Namespace returns the admin namespace.
func (a *Admin) Namespace() *socketio.Namespace { return a.nsp }

// Close stops the server_stats and the development-mode events. The admin
// namespace stays, and so do the UIs connected to it; they are told
// nothing more. It is idempotent.
func (a *Admin) Close() {
	a.once.Do(func() {
		close(a.done)
		a.removeMu.Lock()
		rs := a.removers
		a.removers = nil
		a.removeMu.Unlock()
		for _, r := range rs {
			r()
		}
	})
	a.wg.Wait()
}

// onClose keeps a hook's remover for Close.
func (a *Admin) onClose(remove func()) {
	a.removeMu.Lock()
	defer a.removeMu.Unlock()
	a.removers = append(a.removers, remove)
}

// closed reports whether Close was called.
func (a *Admin) closed() bool {
	select {
	case <-a.done:
		return true
	default:
		return false
	}
}

// supportedFeatures returns the config's supportedFeatures, as Node's
// instrument() computes them for a Socket.IO v4 server.
func supportedFeatures(o Options) []string {
	var f []string
	if !o.ReadOnly {
		f = append(f, "EMIT", "JOIN", "LEAVE", "DISCONNECT", "MJOIN", "MLEAVE", "MDISCONNECT")
	}
	f = append(f, "AGGREGATED_EVENTS")
	if o.Mode == Development {
		f = append(f, "ALL_EVENTS")
	}
	return f
}

// onAdminConnection greets a UI: its session id when it just logged in,
// the config, and in Development mode every socket of the cluster; then
// it installs the command handlers.
func (a *Admin) onAdminConnection(s *socketio.NamespaceSocket) {
	if v, ok := s.Data.Get(sessionKey); ok {
		s.Data.Delete(sessionKey)
		_ = s.Emit("session", v)
	}
	if !a.opts.ReadOnly {
		a.registerCommands(s)
	}
	_ = s.Emit("config", map[string]any{"supportedFeatures": a.features})
	if a.opts.Mode == Development {
		_ = s.Emit("all_sockets", a.allSockets())
	}
}

// emit queues a development-mode event for the sender; it drops the event
// when the queue is full or the Admin closed.
func (a *Admin) emit(name string, args ...any) {
	if a.closed() {
		return
	}
	select {
	case a.queue <- adminEvent{name: name, args: args}:
	default:
	}
}

// sender emits the queued events to the admin namespace, in order, until
// Close.
func (a *Admin) sender() {
	defer a.wg.Done()
	for {
		select {
		case <-a.done:
			return
		case ev := <-a.queue:
			if err := a.nsp.Emit(ev.name, ev.args...); err != nil {
				a.log.Debug("admin: emit", "event", ev.name, "err", err)
			}
		}
	}
}

// timestamp is t as JavaScript's Date#toJSON writes it, which the UI
// parses.
func timestamp(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}
