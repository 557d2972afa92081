package engineio

import (
	"log/slog"
	"net/http"
	"slices"
	"time"
)

// Transport names, as they appear in the "transport" query parameter.
const (
	TransportPolling   = "polling"
	TransportWebSocket = "websocket"
)

// Options configures a Server. A nil *Options means every default; a
// non-nil one is copied by NewServer, and its zero fields take the defaults
// documented on them, which are those of the Node.js engine.io server.
type Options struct {
	// Path is where the server expects to be mounted. It is only advisory
	// for ServeHTTP (mounting decides what reaches it) and is reported by
	// Server.Path. Default "/engine.io/".
	Path string

	// PingInterval is how often the server pings. Default 25s.
	PingInterval time.Duration
	// PingTimeout is how long the server waits for a pong before closing the
	// session with "ping timeout". Default 20s.
	PingTimeout time.Duration
	// UpgradeTimeout bounds an unfinished upgrade to websocket. Default 10s.
	UpgradeTimeout time.Duration
	// MaxPayload is the largest request body (long-polling) or websocket
	// message accepted, in bytes (Node's maxHttpBufferSize). Default 1e6.
	MaxPayload int64
	// MaxQueuedBytes bounds what a client leaves unread: the bytes of the
	// packets queued for it (or being written to it) that its socket has
	// not taken yet. A client past it is closed with "transport error"
	// (ErrQueueFull) instead of its senders blocking or memory growing
	// without bound; a client that keeps reading drains its queue and is
	// never closed for a burst that fits. A packet's bytes are its data
	// (a broadcast's bytes, shared by every recipient, count for each).
	// Default 16 MiB. One packet larger than the bound is accepted on an
	// empty queue.
	MaxQueuedBytes int
	// MaxQueuedPackets, when positive, also bounds the number of packets
	// queued for a client, as MaxQueuedBytes bounds their bytes. Default 0:
	// no count of its own.
	MaxQueuedPackets int

	// Transports lists the transports accepted, among TransportPolling and
	// TransportWebSocket. Default both.
	Transports []string
	// DisallowUpgrades forbids upgrading long-polling sessions to websocket
	// (Node's allowUpgrades: false). Default false: upgrades are allowed.
	DisallowUpgrades bool

	// AllowEIO3 lets clients of Engine.IO protocol v3 connect
	// (engine.io-client 3.x, under socket.io-client 2.x), as Node's
	// allowEIO3 does: a handshake whose EIO query parameter is not "4"
	// opens a v3 session (eio3.go) instead of being refused with code 5,
	// "Unsupported protocol version". Default false, as in Node.
	AllowEIO3 bool

	// AllowRequest, when set, is asked about every handshake request; a
	// non-nil error rejects it with HTTP 403 and code 4, with the error's
	// text as message (a *ProtocolError is answered as it is).
	AllowRequest func(r *http.Request) error

	// CORS, when set, answers preflight requests, adds CORS headers to
	// long-polling responses and refuses websocket handshakes from origins it
	// does not allow. Default nil: no CORS headers, any websocket origin.
	CORS *CORSOptions

	// Cookie, when set, makes the handshake response set a cookie holding
	// the session id. Default nil: no cookie.
	Cookie *CookieOptions

	// HTTPCompression compresses long-polling responses (gzip or deflate,
	// by Accept-Encoding) of at least Threshold bytes. Default on, threshold
	// 1024 bytes; set Disabled to turn it off.
	HTTPCompression *CompressionOptions

	// PerMessageDeflate enables the websocket permessage-deflate extension
	// for messages of at least Threshold bytes. Default nil: off.
	PerMessageDeflate *CompressionOptions

	// MaxHeaderBytes bounds a request's line and headers, counted as on
	// the wire; a request over it is answered 431, as the Node.js http
	// server answers past its maxHeaderSize. It also bounds the headers a
	// session keeps for its Handshake. Default 16384 (16 KiB, Node's
	// default). http.Server.MaxHeaderBytes (default 1 MB) applies first:
	// set it near this value so that net/http does not read more.
	MaxHeaderBytes int

	// BodyTimeout bounds how long a long-polling POST may take to send its
	// body; past it the POST is answered 408 and the session closed with
	// "transport error". Whatever it is, a body still being read when its
	// session closes is cut at once. Default 60s: the Node.js server has
	// no such bound of its own, but its http server ends a request after
	// requestTimeout (300s) and gives headers headersTimeout (60s); a
	// session whose POST takes longer than PingInterval+PingTimeout has
	// missed its pong anyway.
	BodyTimeout time.Duration

	// Logger receives the server's log records. What a client causes (a
	// request refused, a packet that does not parse, a session closed for
	// an error) is logged at Debug, so that a hostile client cannot fill
	// the log. Default slog.Default() (as it is when NewServer runs).
	Logger *slog.Logger
}

// CORSOptions is a cross-origin policy, with the fields of the cors package
// that the Node.js server uses.
type CORSOptions struct {
	// Origins allowed; "*" allows any. Ignored when OriginFunc is set.
	// An origin that only "*" allows is answered with a literal "*" and
	// never with credentials, whatever Credentials says: list origins by
	// name (or use OriginFunc) to allow credentialed requests from them.
	Origins []string
	// OriginFunc decides for each origin, when set.
	OriginFunc func(origin string) bool
	// Credentials sets Access-Control-Allow-Credentials for origins listed
	// by name or allowed by OriginFunc, whose origin is then echoed. It is
	// not sent to origins allowed by "*" alone (fail safe, CWE-942).
	Credentials bool
	// Methods allowed in preflight. Default GET, HEAD, PUT, PATCH, POST, DELETE.
	Methods []string
	// AllowedHeaders in preflight. Default: those the request asks for.
	AllowedHeaders []string
	// ExposedHeaders lists response headers the page may read.
	ExposedHeaders []string
	// MaxAge of a preflight answer; zero sends none.
	MaxAge time.Duration
}

// CookieOptions describes the session cookie (Node's "io" cookie).
type CookieOptions struct {
	// Name of the cookie. Default "io".
	Name string
	// Path of the cookie. Default "/".
	Path string
	// HTTPOnly marks the cookie HttpOnly. Default false.
	HTTPOnly bool
	// SameSite attribute. Default http.SameSiteLaxMode.
	SameSite http.SameSite
	// Secure marks the cookie Secure.
	Secure bool
}

// CompressionOptions configures a compression of the wire.
type CompressionOptions struct {
	// Disabled turns this compression off.
	Disabled bool
	// Threshold is the smallest message or response compressed. Default 1024.
	Threshold int
}

func (o *Options) withDefaults() *Options {
	c := Options{}
	if o != nil {
		c = *o
	}
	if c.Path == "" {
		c.Path = "/engine.io/"
	}
	if c.PingInterval <= 0 {
		c.PingInterval = 25 * time.Second
	}
	if c.PingTimeout <= 0 {
		c.PingTimeout = 20 * time.Second
	}
	if c.UpgradeTimeout <= 0 {
		c.UpgradeTimeout = 10 * time.Second
	}
	if c.MaxPayload <= 0 {
		c.MaxPayload = 1_000_000
	}
	if c.MaxQueuedBytes <= 0 {
		c.MaxQueuedBytes = 16 << 20
	}
	if c.MaxQueuedPackets < 0 {
		c.MaxQueuedPackets = 0
	}
	if c.BodyTimeout <= 0 {
		c.BodyTimeout = 60 * time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.MaxHeaderBytes <= 0 {
		c.MaxHeaderBytes = 16 << 10
	}
	if len(c.Transports) == 0 {
		c.Transports = []string{TransportPolling, TransportWebSocket}
	} else {
		c.Transports = slices.Clone(c.Transports)
	}
	if c.HTTPCompression == nil {
		c.HTTPCompression = &CompressionOptions{}
	} else {
		h := *c.HTTPCompression
		c.HTTPCompression = &h
	}
	if c.HTTPCompression.Threshold <= 0 {
		c.HTTPCompression.Threshold = 1024
	}
	if c.PerMessageDeflate != nil {
		d := *c.PerMessageDeflate
		if d.Threshold <= 0 {
			d.Threshold = 1024
		}
		c.PerMessageDeflate = &d
	}
	if c.Cookie != nil {
		k := *c.Cookie
		if k.Name == "" {
			k.Name = "io"
		}
		if k.Path == "" {
			k.Path = "/"
		}
		if k.SameSite == 0 {
			k.SameSite = http.SameSiteLaxMode
		}
		c.Cookie = &k
	}
	if c.CORS != nil {
		k := *c.CORS
		if len(k.Methods) == 0 {
			k.Methods = []string{"GET", "HEAD", "PUT", "PATCH", "POST", "DELETE"}
		}
		c.CORS = &k
	}
	return &c
}

func (o *Options) allows(transport string) bool {
	return slices.Contains(o.Transports, transport)
}
