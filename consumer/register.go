package consumer

import (
	"log/slog"
	"net/http"
	"reflect"
	"runtime"
	"sync"
	"sync/atomic"
	"weak"

	"github.com/gosio/gosio/sio/socketio"
)

// Option configures AsASGI.
type Option func(*options)

type options struct {
	server *socketio.SocketIOServer
	logger *slog.Logger
}

// WithServer registers the consumer on srv instead of the process-wide
// socketio.GetSocketIOServer().
func WithServer(srv *socketio.SocketIOServer) Option {
	return func(o *options) { o.server = srv }
}

// WithLogger sets where the consumer logs unknown events, and the errors
// and undecodable arguments of events sent without an ack. Default
// slog.Default().
func WithLogger(l *slog.Logger) Option {
	return func(o *options) { o.logger = l }
}

// AsASGI registers a consumer and returns the server's http.Handler, which
// sends plain HTTP requests to long-polling and websocket upgrades to the
// websocket transport; as Channels' as_asgi, it is what the application
// mounts (at "/socket.io/", or wherever the client's path option says).
//
// prototype is a pointer to a struct that embeds SocketIOConsumer. Its
// handler table is built here, by reflection, once: a malformed handler
// panics now, with a message naming the method and the mistake, never when
// an event arrives. The consumer serves the namespace its Namespace field
// or method names ("/" by default) on the process-wide server, or on the
// server given by WithServer; several consumers, one per namespace, share
// one server and so one endpoint.
//
// Registering the same prototype again on a namespace, or an equal one
// (fields of the same values: the same pointers, maps and slices), is
// harmless: mounting one set of consumers at two paths works. Another
// type, or the same type with other field values, on a namespace that has
// a consumer panics: the last one would silently win.
func AsASGI(prototype any, opts ...Option) http.Handler {
	o := options{}
	for _, opt := range opts {
		opt(&o)
	}
	if o.server == nil {
		o.server = socketio.GetSocketIOServer()
	}
	if o.logger == nil {
		o.logger = slog.Default()
	}
	t := newTable(prototype, o.logger)
	register(o.server.Of(t.namespace), t)
	return o.server
}

// registration is a consumer's hold on a namespace: the namespace's
// middleware and connection handler read the current table from it.
type registration struct {
	tab atomic.Pointer[table]
}

var (
	// registry maps each namespace that has a consumer to its
	// registration. Both are weak: the namespace's handlers keep the
	// registration alive, and the entry goes with the namespace.
	registry weakMap[socketio.Namespace, registration]
	// connecting maps a socket whose Connect emitted events to its conn,
	// for the flush after the CONNECT reply. The entry goes with the
	// socket when another middleware rejects it.
	connecting weakMap[socketio.NamespaceSocket, conn]
	// attached marks the sockets whose consumer the middleware made; a
	// socket restored by connection state recovery skips the middlewares
	// (unless RecoveryOptions.RunMiddlewares) and gets its consumer in
	// onConnection instead.
	attached weakMap[socketio.NamespaceSocket, conn]
	// registerMu makes registrations of one namespace one at a time.
	registerMu sync.Mutex
)

func register(nsp *socketio.Namespace, t *table) {
	registerMu.Lock()
	defer registerMu.Unlock()
	if r := registry.load(nsp); r != nil {
		old := r.tab.Load()
		if old.typ != t.typ {
			panic(setupError(t.typ, "namespace %s already has consumer %v", nsp.Name(), old.typ))
		}
		if !samePrototype(old.proto.Elem(), t.proto.Elem()) {
			panic(setupError(t.typ, "namespace %s already has a consumer of this type with other field values; register one prototype per namespace (the same one, or an equal one, may be mounted at several paths)", nsp.Name()))
		}
		r.tab.Store(t)
		return
	}
	r := &registration{}
	r.tab.Store(t)
	registry.store(nsp, r)
	nsp.Use(r.middleware)
	nsp.OnConnection(r.onConnection)
}

// samePrototype reports whether two prototypes' fields hold the same
// values: equal scalars and strings, and the same pointers, maps, slices,
// channels and functions (the dependencies they share with their clients
// are the same ones).
func samePrototype(a, b reflect.Value) bool {
	switch a.Kind() {
	case reflect.Struct:
		for i := range a.NumField() {
			if !samePrototype(a.Field(i), b.Field(i)) {
				return false
			}
		}
		return true
	case reflect.Array:
		for i := range a.Len() {
			if !samePrototype(a.Index(i), b.Index(i)) {
				return false
			}
		}
		return true
	case reflect.Slice:
		return a.Len() == b.Len() && (a.Len() == 0 || a.Pointer() == b.Pointer())
	case reflect.Map, reflect.Func, reflect.Chan, reflect.Pointer, reflect.UnsafePointer:
		return a.Pointer() == b.Pointer()
	case reflect.Interface:
		if a.IsNil() || b.IsNil() {
			return a.IsNil() == b.IsNil()
		}
		return a.Elem().Type() == b.Elem().Type() && samePrototype(a.Elem(), b.Elem())
	default:
		return a.Equal(b)
	}
}

// middleware makes the client's consumer and runs its Connect; an error
// rejects the client with a CONNECT_ERROR.
func (r *registration) middleware(s *socketio.NamespaceSocket) error {
	_, c, err := r.tab.Load().connectClient(s, true)
	if err != nil {
		return err
	}
	attached.store(s, c)
	if c.endConnect(true) {
		connecting.store(s, c)
	}
	return nil
}

// onConnection sends what Connect emitted, right after the CONNECT reply.
func (r *registration) onConnection(s *socketio.NamespaceSocket) {
	if attached.take(s) == nil {
		// Recovered without the middlewares: the consumer is made now,
		// without calling Connect (the client was admitted before).
		_, c, _ := r.tab.Load().connectClient(s, false)
		c.endConnect(true)
		return
	}
	c := connecting.take(s)
	if c == nil {
		return
	}
	for _, err := range c.flush() {
		r.tab.Load().log.Warn("consumer: event emitted in Connect not sent",
			slog.String("namespace", s.Namespace().Name()), slog.String("socket", s.ID()), slog.Any("error", err))
	}
}

// weakMap maps objects to objects without keeping either alive: an entry
// is removed when its key is garbage collected.
type weakMap[K, V any] struct {
	mu sync.Mutex
	m  map[weak.Pointer[K]]weak.Pointer[V]
}

func (w *weakMap[K, V]) store(k *K, v *V) {
	key := weak.Make(k)
	w.mu.Lock()
	if w.m == nil {
		w.m = make(map[weak.Pointer[K]]weak.Pointer[V])
	}
	_, had := w.m[key]
	w.m[key] = weak.Make(v)
	w.mu.Unlock()
	if !had {
		runtime.AddCleanup(k, w.remove, key)
	}
}

func (w *weakMap[K, V]) remove(key weak.Pointer[K]) {
	w.mu.Lock()
	delete(w.m, key)
	w.mu.Unlock()
}

func (w *weakMap[K, V]) load(k *K) *V {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.m[weak.Make(k)].Value()
}

// take loads and removes.
func (w *weakMap[K, V]) take(k *K) *V {
	key := weak.Make(k)
	w.mu.Lock()
	defer w.mu.Unlock()
	v := w.m[key].Value()
	delete(w.m, key)
	return v
}
