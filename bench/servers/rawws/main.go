// Command rawws is the reference server of the benchmark: the least a server
// built on github.com/coder/websocket has to do to answer the benchmark's
// Socket.IO traffic. It speaks only the websocket transport, only the
// namespace "/", and only the events the benchmark sends (echo, echo-ack,
// join, broadcast, binary echo), parsing frames by bytes, never as JSON.
//
// One goroutine per connection (the net/http handler goroutine returns right
// after the upgrade, so the *http.Request is not kept alive), a timer instead
// of a sleeping goroutine for the 25 s ping, pooled read buffers.
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/coder/websocket"
)

const (
	pingInterval = 25 * time.Second
	pingTimeout  = 20 * time.Second
	maxPayload   = 1_000_000
)

func main() {
	addr := flag.String("addr", "", "listen address (default 127.0.0.1:$PORT)")
	flag.Parse()
	if *addr == "" {
		*addr = "127.0.0.1:" + envOr("PORT", "3000")
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(handle), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		ch := make(chan os.Signal, 1)
		signal.Notify(ch, syscall.SIGTERM, syscall.SIGINT)
		<-ch
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		os.Exit(0)
	}()
	fmt.Println("ready")
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

var sidPrefix = func() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}()

var sidCounter atomic.Uint64

func newSID() string {
	return sidPrefix + strconv.FormatUint(sidCounter.Add(1), 36)
}

func handle(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if r.URL.Path != "/socket.io/" || q.Get("EIO") != "4" || q.Get("transport") != "websocket" {
		http.Error(w, `{"code":0,"message":"Transport unknown"}`, http.StatusBadRequest)
		return
	}
	c, err := websocket.Accept(w, r, &websocket.AcceptOptions{CompressionMode: websocket.CompressionDisabled})
	if err != nil {
		return
	}
	c.SetReadLimit(maxPayload)
	// Return from the handler so that net/http drops the request; the
	// connection lives on in one goroutine of its own.
	go serve(&conn{ws: c, sid: newSID()})
}

type conn struct {
	ws    *websocket.Conn
	sid   string
	wmu   sync.Mutex // keeps multi-frame packets (binary) together
	pong  atomic.Bool
	timer *time.Timer
	// awaiting is touched only by the timer's callback, which never runs
	// concurrently with itself.
	awaiting bool
	rooms    []string
	closed   atomic.Bool
}

var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

func (c *conn) write(typ websocket.MessageType, p []byte) error {
	c.wmu.Lock()
	err := c.ws.Write(context.Background(), typ, p)
	c.wmu.Unlock()
	return err
}

func (c *conn) close() {
	if c.closed.Swap(true) {
		return
	}
	_ = c.ws.CloseNow()
}

// tick runs on the connection's timer: send a ping every pingInterval and
// close the connection when its pong has not come within pingTimeout.
func (c *conn) tick() {
	if c.closed.Load() {
		return
	}
	if c.awaiting {
		if !c.pong.Load() {
			c.close()
			return
		}
		c.awaiting = false
		c.timer.Reset(pingInterval - pingTimeout)
		return
	}
	c.pong.Store(false)
	if c.write(websocket.MessageText, []byte("2")) != nil {
		c.close()
		return
	}
	c.awaiting = true
	c.timer.Reset(pingTimeout)
}

// readMsg reads one data message into a pooled buffer.
func (c *conn) readMsg(bp *[]byte) (websocket.MessageType, []byte, error) {
	typ, r, err := c.ws.Reader(context.Background())
	if err != nil {
		return 0, nil, err
	}
	b := (*bp)[:0]
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return 0, nil, err
		}
	}
	*bp = b
	return typ, b, nil
}

func serve(c *conn) {
	defer func() {
		c.close()
		leaveAll(c)
	}()
	open := `0{"sid":"` + c.sid + `","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}`
	if c.write(websocket.MessageText, []byte(open)) != nil {
		return
	}
	c.timer = time.AfterFunc(pingInterval, c.tick)
	defer func() { c.timer.Stop() }()
	for {
		bp := bufPool.Get().(*[]byte)
		typ, msg, err := c.readMsg(bp)
		if err != nil {
			bufPool.Put(bp)
			return
		}
		ok := c.handle(typ, msg)
		bufPool.Put(bp)
		if !ok {
			return
		}
	}
}

// handle answers one Engine.IO packet; false closes the connection.
func (c *conn) handle(typ websocket.MessageType, msg []byte) bool {
	if typ != websocket.MessageText || len(msg) == 0 {
		return true // stray binary frame: ignore
	}
	switch msg[0] {
	case '3': // pong
		c.pong.Store(true)
		return true
	case '1': // close
		return false
	case '6', '2': // noop, ping from client (not expected in v4)
		return true
	case '4':
	default:
		return false
	}
	p := msg[1:]
	if len(p) == 0 {
		return false
	}
	switch p[0] {
	case '0': // CONNECT
		return c.write(websocket.MessageText, []byte(`40{"sid":"`+newSID()+`"}`)) == nil
	case '1': // DISCONNECT
		return false
	case '2': // EVENT
		return c.event(p[1:])
	case '5': // BINARY_EVENT
		return c.binaryEvent(p[1:])
	}
	return true
}

// splitID splits "<digits>[..." into the ack id (nil when absent) and the array.
func splitID(p []byte) (id, arr []byte) {
	i := 0
	for i < len(p) && p[i] >= '0' && p[i] <= '9' {
		i++
	}
	if i > 0 {
		id = p[:i]
	}
	return id, p[i:]
}

// eventName returns the event name of a `["name",...]` array and the rest
// after the name (starting at ',' or ']').
func eventName(arr []byte) (name, rest []byte, ok bool) {
	if len(arr) < 4 || arr[0] != '[' || arr[1] != '"' {
		return nil, nil, false
	}
	end := bytes.IndexByte(arr[2:], '"')
	if end < 0 {
		return nil, nil, false
	}
	return arr[2 : 2+end], arr[3+end:], true
}

// stringArg splits `,"str"...` into the decoded string and the rest.
func stringArg(rest []byte) (string, []byte, bool) {
	if len(rest) < 3 || rest[0] != ',' || rest[1] != '"' {
		return "", nil, false
	}
	i := 2
	for i < len(rest) {
		if rest[i] == '\\' {
			i += 2
			continue
		}
		if rest[i] == '"' {
			break
		}
		i++
	}
	if i >= len(rest) {
		return "", nil, false
	}
	var s string
	if err := json.Unmarshal(rest[1:i+1], &s); err != nil {
		return "", nil, false
	}
	return s, rest[i+1:], true
}

func ackPacket(id []byte, args []byte) []byte {
	// args is `,a,b]` or `]`
	out := make([]byte, 0, 3+len(id)+len(args))
	out = append(out, "43"...)
	out = append(out, id...)
	out = append(out, '[')
	if len(args) > 0 && args[0] == ',' {
		args = args[1:]
	}
	return append(out, args...)
}

func (c *conn) event(p []byte) bool {
	id, arr := splitID(p)
	name, rest, ok := eventName(arr)
	if !ok {
		return false
	}
	switch string(name) {
	case "echo":
		out := make([]byte, 0, 2+len(arr))
		out = append(append(out, "42"...), arr...)
		return c.write(websocket.MessageText, out) == nil
	case "echo-ack":
		if id == nil {
			return true
		}
		return c.write(websocket.MessageText, ackPacket(id, rest)) == nil
	case "join":
		room, _, ok := stringArg(rest)
		if !ok {
			return false
		}
		join(c, room)
		if id == nil {
			return true
		}
		return c.write(websocket.MessageText, ackPacket(id, []byte("]"))) == nil
	case "broadcast":
		room, rest, ok := stringArg(rest)
		if !ok || len(rest) < 2 || rest[0] != ',' {
			return false
		}
		payload := rest[1 : len(rest)-1] // drop ',' and the closing ']'
		out := make([]byte, 0, 12+len(payload))
		out = append(out, `42["bcast",`...)
		out = append(out, payload...)
		out = append(out, ']')
		broadcast(room, out)
		if id != nil {
			return c.write(websocket.MessageText, ackPacket(id, []byte("]"))) == nil
		}
		return true
	}
	return true
}

// binaryEvent handles `5<n>-<id>["echo",...]` followed by n binary frames:
// echo reads the attachments and sends header and attachments back.
func (c *conn) binaryEvent(p []byte) bool {
	dash := bytes.IndexByte(p, '-')
	if dash <= 0 {
		return false
	}
	n, err := strconv.Atoi(string(p[:dash]))
	if err != nil || n < 0 || n > 16 {
		return false
	}
	id, arr := splitID(p[dash+1:])
	name, _, ok := eventName(arr)
	isEcho := ok && string(name) == "echo"
	header := make([]byte, 0, 8+len(arr))
	header = append(header, "45"...)
	header = append(header, p[:dash+1]...)
	header = append(header, arr...)
	_ = id // an echo emitted back carries no ack id
	bufs := make([]*[]byte, n)
	defer func() {
		for _, b := range bufs {
			if b != nil {
				bufPool.Put(b)
			}
		}
	}()
	atts := make([][]byte, n)
	for i := range n {
		bufs[i] = bufPool.Get().(*[]byte)
		typ, b, err := c.readMsg(bufs[i])
		if err != nil || typ != websocket.MessageBinary {
			return false
		}
		atts[i] = b
	}
	if !isEcho {
		return true
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.ws.Write(context.Background(), websocket.MessageText, header) != nil {
		return false
	}
	for _, a := range atts {
		if c.ws.Write(context.Background(), websocket.MessageBinary, a) != nil {
			return false
		}
	}
	return true
}

// Rooms: a slice per room for cheap iteration, an index for removal.
type room struct {
	members []*conn
	index   map[*conn]int
}

var (
	roomsMu sync.RWMutex
	rooms   = map[string]*room{}
)

func join(c *conn, name string) {
	roomsMu.Lock()
	defer roomsMu.Unlock()
	r := rooms[name]
	if r == nil {
		r = &room{index: map[*conn]int{}}
		rooms[name] = r
	}
	if _, ok := r.index[c]; ok {
		return
	}
	r.index[c] = len(r.members)
	r.members = append(r.members, c)
	c.rooms = append(c.rooms, name)
}

func leaveAll(c *conn) {
	roomsMu.Lock()
	defer roomsMu.Unlock()
	for _, name := range c.rooms {
		r := rooms[name]
		if r == nil {
			continue
		}
		i, ok := r.index[c]
		if !ok {
			continue
		}
		last := len(r.members) - 1
		r.members[i] = r.members[last]
		r.index[r.members[i]] = i
		r.members[last] = nil
		r.members = r.members[:last]
		delete(r.index, c)
		if len(r.members) == 0 {
			delete(rooms, name)
		}
	}
	c.rooms = nil
}

func broadcast(name string, msg []byte) {
	roomsMu.RLock()
	defer roomsMu.RUnlock()
	r := rooms[name]
	if r == nil {
		return
	}
	for _, m := range r.members {
		if m.write(websocket.MessageText, msg) != nil {
			m.close()
		}
	}
}
