// Package routing mounts Socket.IO consumers on a go-chi router, as
// Channels' routing mounts consumers in an ASGI application: one call
// puts a set of consumers, one per namespace, under a path, beside the
// application's own routes and under its middlewares.
//
//	r := chi.NewRouter()
//	r.Use(middleware.RequestID, middleware.RealIP, middleware.Logger, middleware.Recoverer)
//	r.Get("/", index)
//	routing.Mount(r, "/socket.io/", &Chat{Rooms: rooms}, &Admin{})
//	srv := &http.Server{
//		Addr:              ":8080",
//		Handler:           r,
//		ReadHeaderTimeout: 10 * time.Second,
//		WriteTimeout:      45 * time.Second, // above the ping interval: see Server timeouts
//		IdleTimeout:       60 * time.Second,
//		MaxHeaderBytes:    16 << 10,
//	}
//	log.Fatal(srv.ListenAndServe())
//
// Mount registers the consumers on the process-wide
// socketio.GetSocketIOServer(); MountServer takes a server of the
// caller's. Either way the server is an http.Handler mounted with chi's
// Mount: requests to the path with or without its trailing slash, and
// anything under it, reach it, whatever their query string
// ("/socket.io", "/socket.io/", "/socket.io/?EIO=4&transport=polling").
// The path is "/socket.io/" by default, the socket.io client's; any other
// works when the client's path option says the same.
//
// # Server timeouts
//
// http.ListenAndServe sets no timeout at all: a client that sends its
// headers a byte at a time, or keeps idle keep-alive connections (frozen
// polling clients leave many), holds a goroutine and a descriptor each for
// as long as it likes. Serve with an http.Server that sets:
//
//   - ReadHeaderTimeout (10s): bounds the request line and headers.
//   - IdleTimeout (60s): closes keep-alive connections left idle.
//   - MaxHeaderBytes (16 KiB): what net/http reads of the headers; the
//     engine refuses more than engineio.Options.MaxHeaderBytes (16 KiB, as
//     the Node.js server) with 431 itself, and keeps a compact copy of what
//     it accepts for Handshake().Headers.
//   - WriteTimeout, if any, above the ping interval (25s by default) with
//     a margin, 45s say, and ReadTimeout likewise or zero: a long-polling
//     GET waits up to the ping interval before it answers, and a timeout
//     below that cuts every waiting poll and drops its session ("transport
//     error"). Websockets are hijacked: net/http clears these deadlines on
//     them, and the heartbeat bounds them instead.
//
// Request bodies need no http.MaxBytesHandler on the Socket.IO path: the
// engine reads at most MaxPayload bytes of a polling POST (413 past it),
// within engineio.Options.BodyTimeout (60s, 408 past it), and cuts the
// body as soon as its session closes. The application's own routes that
// read bodies want a MaxBytesHandler of their own.
//
// # Middlewares
//
// The Socket.IO server holds requests open: a long-polling GET waits for
// packets up to the ping interval (25s by default), and a websocket request
// hijacks its connection and lasts as long as the client stays. chi's
// middlewares differ in how they take that.
//
// These work, and are tested here with real polling and websocket
// traffic, the upgrade from one to the other included: Logger (its
// WrapResponseWriter passes Flush and Hijack through; a websocket request
// is logged when it ends), Recoverer, RealIP (the client address a
// consumer sees in Handshake().Address is then the X-Real-IP or
// X-Forwarded-For one), RequestID, and Compress (below). Middlewares that
// only read or set headers (NoCache, SetHeader, GetHead, CleanPath,
// StripSlashes) should be as harmless, though they are not tested here.
//
// These break the transports; keep them off the Socket.IO path (put them
// in a chi Group or Route of the application's own routes, or mount the
// server outside it):
//
//   - Timeout cancels the request's context when its time is up: a waiting
//     poll then ends with 504 Gateway Timeout and the server drops the
//     session ("transport error"), so a Timeout shorter than the ping
//     interval disconnects every long-polling client. A websocket outlives
//     it, but chi then writes its 504 on the hijacked connection and
//     net/http logs "response.WriteHeader on hijacked connection".
//   - Throttle and ThrottleBacklog count each waiting poll and each open
//     websocket as a request in flight, for as long as it lasts: a few
//     idle clients use up the limit.
//   - RedirectSlashes answers "/socket.io/", where clients send every
//     request, with 301 to "/socket.io": a POST that follows it becomes a
//     GET and loses its packets, and a websocket handshake does not follow
//     it at all.
//   - AllowContentType without "text/plain" refuses the polling POSTs
//     (415).
//
// Compress works with both transports (tested here, raw and with
// socket.io-client long-polling and upgrading: its writer passes
// Hijack through, and it leaves alone a response that already has a
// Content-Encoding), but is better left off the path: the Engine.IO server
// compresses its polling responses itself (gzip or deflate, from 1 KB, see
// engineio.Options.HTTPCompression), so Compress only adds its own work on
// the small responses the engine leaves as they are, where it saves least.
package routing
