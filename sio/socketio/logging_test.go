package socketio

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/gosio/gosio/sio/engineio"
)

// recordLog is a slog.Handler that keeps every record it is given, with
// its attributes flattened, for tests to look at.
type recordLog struct {
	mu      sync.Mutex
	records []logRecord
}

type logRecord struct {
	level slog.Level
	msg   string
	attrs map[string]string
}

func (h *recordLog) Enabled(context.Context, slog.Level) bool { return true }

func (h *recordLog) Handle(_ context.Context, r slog.Record) error {
	rec := logRecord{level: r.Level, msg: r.Message, attrs: map[string]string{}}
	r.Attrs(func(a slog.Attr) bool {
		rec.attrs[a.Key] = a.Value.String()
		return true
	})
	h.mu.Lock()
	h.records = append(h.records, rec)
	h.mu.Unlock()
	return nil
}

func (h *recordLog) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *recordLog) WithGroup(string) slog.Handler      { return h }

// find returns the records whose message contains msg.
func (h *recordLog) find(msg string) []logRecord {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []logRecord
	for _, r := range h.records {
		if strings.Contains(r.msg, msg) {
			out = append(out, r)
		}
	}
	return out
}

// atLeast returns the records at level or above.
func (h *recordLog) atLeast(level slog.Level) []logRecord {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []logRecord
	for _, r := range h.records {
		if r.level >= level {
			out = append(out, r)
		}
	}
	return out
}

func TestLoggerRecordsHandlerPanicsAtErrorWithAttributes(t *testing.T) {
	h := &recordLog{}
	e := newTestEnv(t, &ServerOptions{Logger: slog.New(h)})
	socks := socketCh(e.srv)
	c, s := e.connected(socks)
	s.On("boom", func(*Event) { panic("handler exploded") })
	s.On("after", func(ev *Event) { _ = ev.Ack("still here") })
	c.send(`2["boom"]`)
	c.send(`21["after"]`)
	c.expect(`31["still here"]`)
	recs := h.find("panic in a handler")
	if len(recs) != 1 {
		t.Fatalf("%d panic records, want 1: %+v", len(recs), h.records)
	}
	r := recs[0]
	if r.level != slog.LevelError || r.attrs["socket"] != s.String() || r.attrs["panic"] != "handler exploded" || r.attrs["stack"] == "" {
		t.Fatalf("panic record %+v", r)
	}
}

func TestLoggerGivesTheEngineTheServersLogger(t *testing.T) {
	h := &recordLog{}
	srv := NewServer(&ServerOptions{Logger: slog.New(h)})
	if srv.Logger().Handler() != h || srv.Engine().Options().Logger.Handler() != h {
		t.Fatal("the server's logger is not the engine's")
	}
	own := &recordLog{}
	srv = NewServer(&ServerOptions{Logger: slog.New(h), Engine: &engineio.Options{Logger: slog.New(own)}})
	if srv.Engine().Options().Logger.Handler() != own {
		t.Fatal("the engine's own logger was replaced")
	}
	if NewServer(nil).Logger() == nil {
		t.Fatal("no default logger")
	}
}

// A client's bad packets are logged at Debug only, with the session's id
// and the error: 1,000 of them leave nothing at Info or above.
func TestLoggerBadPacketsFromAClientAreDebugOnly(t *testing.T) {
	h := &recordLog{}
	e := newTestEnv(t, &ServerOptions{Logger: slog.New(h)})
	const n = 1000
	sent := 0
	// Requests the engine refuses: an unknown sid, transport, protocol.
	for i := 0; sent < n/2; i++ {
		var u string
		switch i % 3 {
		case 0:
			u = e.url("transport", "polling", "sid", fmt.Sprintf("nosuchsid%d", i))
		case 1:
			u = e.url("transport", "carrier-pigeon")
		default:
			u = strings.Replace(e.url("transport", "polling"), "EIO=4", "EIO=9", 1)
		}
		if status, _ := e.httpTry(http.MethodGet, u, "", nil); status != http.StatusBadRequest {
			t.Fatalf("bad request %s answered %d", u, status)
		}
		sent++
	}
	// Packets that do not decode, or come in an invalid state: each closes
	// its connection.
	var sid string
	for i := 0; sent < n; i++ {
		c := e.dialWS()
		if sid == "" {
			sid = c.sid
		}
		switch i % 3 {
		case 0:
			c.send(`2["unterminated`)
		case 1:
			c.send(`2/nowhere,["ev"]`) // a namespace not joined
		default:
			c.send(`9`) // no such packet type
		}
		c.waitClosed()
		sent++
	}
	if bad := h.atLeast(slog.LevelInfo); len(bad) != 0 {
		t.Fatalf("%d records at Info or above, the first %+v", len(bad), bad[0])
	}
	refused := h.find("engineio: request refused")
	if len(refused) != n/2 || refused[0].attrs["code"] == "" || refused[0].level != slog.LevelDebug {
		t.Fatalf("%d refusal records, want %d: %+v", len(refused), n/2, refused[:min(1, len(refused))])
	}
	var decode []logRecord
	for _, r := range h.find("socketio: closing a connection") {
		if r.attrs["sid"] == sid {
			decode = append(decode, r)
		}
	}
	if len(decode) != 1 || decode[0].attrs["err"] == "" || decode[0].level != slog.LevelDebug {
		t.Fatalf("records of the first bad packet: %+v", decode)
	}
	closed := h.find("engineio: session closed")
	if len(closed) < n/2 {
		t.Fatalf("%d session close records, want %d", len(closed), n/2)
	}
	if r := closed[0]; r.attrs["sid"] == "" || r.attrs["transport"] != engineio.TransportWebSocket || r.attrs["reason"] == "" {
		t.Fatalf("session close record %+v", r)
	}
}
