package engineio_test

import (
	"errors"
	"net/http"
	"regexp"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gosio/gosio/sio/engineio"
)

var sidPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{20}$`)

func TestHandshakePolling(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil)
	r := s.do(http.MethodGet, s.url("EIO", "4", "transport", "polling"), nil, nil)
	if r.status != http.StatusOK {
		t.Fatalf("status %d", r.status)
	}
	if ct := r.header.Get("Content-Type"); ct != "text/plain; charset=UTF-8" {
		t.Errorf("Content-Type %q", ct)
	}
	o := parseOpen(t, r.body)
	if !sidPattern.MatchString(o.SID) {
		t.Errorf("sid %q is not 20 URL-safe characters", o.SID)
	}
	if !slices.Equal(o.Upgrades, []string{"websocket"}) {
		t.Errorf("upgrades %q, want [websocket]", o.Upgrades)
	}
	if o.PingInterval != 25000 || o.PingTimeout != 20000 || o.MaxPayload != 1_000_000 {
		t.Errorf("open packet %+v, want the defaults 25000/20000/1000000", o)
	}
	a := s.sock(o.SID)
	if a.sock.ID() != o.SID {
		t.Errorf("socket id %q, want %q", a.sock.ID(), o.SID)
	}
	if tr := a.sock.Transport(); tr != engineio.TransportPolling {
		t.Errorf("transport %q", tr)
	}
	if s.srv.Session(o.SID) == nil || s.srv.ClientsCount() != 1 {
		t.Errorf("session not registered: count %d", s.srv.ClientsCount())
	}
	if a.sock.CloseReason() != "" {
		t.Errorf("open session has close reason %q", a.sock.CloseReason())
	}
	// the session works: a message comes back
	s.eioPushOK(o.SID, "4hello")
	if got := s.eioPollOK(o.SID); got != "4hello" {
		t.Errorf("echo %q", got)
	}
}

func TestHandshakeWebSocket(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil)
	w, o := s.wsOpen()
	if !sidPattern.MatchString(o.SID) {
		t.Errorf("sid %q is not 20 URL-safe characters", o.SID)
	}
	if o.Upgrades == nil || len(o.Upgrades) != 0 {
		t.Errorf("upgrades %q, want []", o.Upgrades)
	}
	if o.PingInterval != 25000 || o.PingTimeout != 20000 || o.MaxPayload != 1_000_000 {
		t.Errorf("open packet %+v", o)
	}
	if tr := s.sock(o.SID).sock.Transport(); tr != engineio.TransportWebSocket {
		t.Errorf("transport %q", tr)
	}
	w.send("4hello")
	w.expectText("4hello")
	// a websocket-only session cannot be polled
	expectError(t, s.eioPoll(o.SID), 400, 3, "Bad request")
	s.expectOpen(o.SID)
}

func TestHandshakeSessionIDsDistinct(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil)
	const n = 200
	ids := make(chan string, n)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range n / 8 {
				ids <- s.eioSession()
			}
		})
	}
	wg.Wait()
	close(ids)
	seen := map[string]bool{}
	for id := range ids {
		if !sidPattern.MatchString(id) {
			t.Errorf("sid %q is not 20 URL-safe characters", id)
		}
		if seen[id] {
			t.Errorf("sid %q given twice", id)
		}
		seen[id] = true
	}
	if len(seen) != n || s.srv.ClientsCount() != n {
		t.Errorf("%d distinct ids, %d sessions, want %d", len(seen), s.srv.ClientsCount(), n)
	}
}

func TestHandshakeCustomOptions(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, &engineio.Options{
		PingInterval: 1500 * time.Millisecond,
		PingTimeout:  700 * time.Millisecond,
		MaxPayload:   12345,
	})
	o := s.eioHandshake()
	if o.PingInterval != 1500 || o.PingTimeout != 700 || o.MaxPayload != 12345 {
		t.Errorf("open packet %+v, want 1500/700/12345", o)
	}
	w, o2 := s.wsOpen()
	defer w.closeNow()
	if o2.PingInterval != 1500 || o2.PingTimeout != 700 || o2.MaxPayload != 12345 {
		t.Errorf("websocket open packet %+v", o2)
	}
}

func TestHandshakeUpgradesOffered(t *testing.T) {
	t.Parallel()
	t.Run("upgrades disallowed", func(t *testing.T) {
		t.Parallel()
		s := newTestServer(t, &engineio.Options{DisallowUpgrades: true})
		if o := s.eioHandshake(); o.Upgrades == nil || len(o.Upgrades) != 0 {
			t.Errorf("upgrades %q, want []", o.Upgrades)
		}
	})
	t.Run("polling only", func(t *testing.T) {
		t.Parallel()
		s := newTestServer(t, &engineio.Options{Transports: []string{engineio.TransportPolling}})
		if o := s.eioHandshake(); len(o.Upgrades) != 0 {
			t.Errorf("upgrades %q, want []", o.Upgrades)
		}
		_, resp, err := s.wsDial(wsDialConfig{}, "EIO", "4", "transport", "websocket")
		if err == nil || resp == nil || resp.StatusCode != 400 {
			t.Fatalf("websocket on a polling-only server: err %v resp %v", err, resp)
		}
	})
	t.Run("websocket only", func(t *testing.T) {
		t.Parallel()
		s := newTestServer(t, &engineio.Options{Transports: []string{engineio.TransportWebSocket}})
		r := s.do(http.MethodGet, s.url("EIO", "4", "transport", "polling"), nil, nil)
		expectError(t, r, 400, 0, "Transport unknown")
		w, o := s.wsOpen()
		defer w.closeNow()
		if len(o.Upgrades) != 0 {
			t.Errorf("upgrades %q", o.Upgrades)
		}
	})
}

func TestOptionsDefaults(t *testing.T) {
	t.Parallel()
	for _, opts := range []*engineio.Options{nil, {}} {
		o := engineio.NewServer(opts).Options()
		if o.PingInterval != 25*time.Second || o.PingTimeout != 20*time.Second ||
			o.UpgradeTimeout != 10*time.Second || o.MaxPayload != 1_000_000 {
			t.Errorf("timing defaults %v/%v/%v/%d", o.PingInterval, o.PingTimeout, o.UpgradeTimeout, o.MaxPayload)
		}
		if o.Path != "/engine.io/" {
			t.Errorf("path %q", o.Path)
		}
		if !slices.Equal(o.Transports, []string{"polling", "websocket"}) {
			t.Errorf("transports %q", o.Transports)
		}
		if o.MaxQueuedBytes != 16<<20 || o.MaxQueuedPackets != 0 {
			t.Errorf("MaxQueuedBytes %d, MaxQueuedPackets %d", o.MaxQueuedBytes, o.MaxQueuedPackets)
		}
		if o.HTTPCompression == nil || o.HTTPCompression.Disabled || o.HTTPCompression.Threshold != 1024 {
			t.Errorf("HTTPCompression %+v", o.HTTPCompression)
		}
		if o.PerMessageDeflate != nil || o.CORS != nil || o.Cookie != nil || o.AllowRequest != nil || o.DisallowUpgrades {
			t.Errorf("optional features on by default: %+v", o)
		}
	}
	if p := engineio.NewServer(nil).Path(); p != "/engine.io/" {
		t.Errorf("Path() %q", p)
	}
	if p := engineio.NewServer(&engineio.Options{Path: "/x/"}).Path(); p != "/x/" {
		t.Errorf("Path() %q", p)
	}
	// the options are copied: changing the caller's afterwards changes nothing
	in := &engineio.Options{Transports: []string{"polling"}, HTTPCompression: &engineio.CompressionOptions{Threshold: 10}}
	srv := engineio.NewServer(in)
	in.Transports[0] = "websocket"
	in.HTTPCompression.Threshold = 99
	in.PingInterval = time.Hour
	if o := srv.Options(); o.Transports[0] != "polling" || o.HTTPCompression.Threshold != 10 || o.PingInterval != 25*time.Second {
		t.Errorf("options not copied: %+v", o)
	}
	// defaults of the optional features once enabled
	o := engineio.NewServer(&engineio.Options{
		Cookie: &engineio.CookieOptions{}, PerMessageDeflate: &engineio.CompressionOptions{}, CORS: &engineio.CORSOptions{},
	}).Options()
	if o.Cookie.Name != "io" || o.Cookie.Path != "/" || o.Cookie.SameSite != http.SameSiteLaxMode {
		t.Errorf("cookie defaults %+v", o.Cookie)
	}
	if o.PerMessageDeflate.Threshold != 1024 {
		t.Errorf("perMessageDeflate threshold %d", o.PerMessageDeflate.Threshold)
	}
	if !slices.Equal(o.CORS.Methods, []string{"GET", "HEAD", "PUT", "PATCH", "POST", "DELETE"}) {
		t.Errorf("CORS methods %q", o.CORS.Methods)
	}
}

func TestAllowRequest(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	s := newTestServer(t, &engineio.Options{
		AllowRequest: func(r *http.Request) error {
			calls.Add(1)
			switch r.URL.Query().Get("token") {
			case "good":
				return nil
			case "custom":
				return &engineio.ProtocolError{Code: engineio.CodeBadRequest, Message: "custom says no"}
			}
			return errors.New("not authorized")
		},
	})
	r := s.do(http.MethodGet, s.url("EIO", "4", "transport", "polling", "token", "bad"), nil, nil)
	expectError(t, r, 403, 4, "not authorized")
	r = s.do(http.MethodGet, s.url("EIO", "4", "transport", "polling", "token", "custom"), nil, nil)
	expectError(t, r, 400, 3, "custom says no")
	_, resp, err := s.wsDial(wsDialConfig{}, "EIO", "4", "transport", "websocket", "token", "bad")
	if err == nil || resp == nil || resp.StatusCode != 403 {
		t.Fatalf("refused websocket handshake: err %v, resp %v", err, resp)
	}
	if s.srv.ClientsCount() != 0 {
		t.Fatalf("refused handshakes opened %d sessions", s.srv.ClientsCount())
	}

	r = s.do(http.MethodGet, s.url("EIO", "4", "transport", "polling", "token", "good"), nil, nil)
	sid := parseOpen(t, r.body).SID
	w, _, err := s.wsDial(wsDialConfig{}, "EIO", "4", "transport", "websocket", "token", "good")
	if err != nil {
		t.Fatal(err)
	}
	parseOpen(t, w.nextText())
	before := calls.Load()
	// later requests of a session are not asked about
	s.eioPushOK(sid, "4x")
	if got := s.eioPollOK(sid); got != "4x" {
		t.Fatalf("poll %q", got)
	}
	s.wsUpgrade(sid)
	if calls.Load() != before {
		t.Errorf("AllowRequest called %d more times for a session's own requests", calls.Load()-before)
	}
}

func TestHandshakeRequestKept(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil)
	r := s.do(http.MethodGet, s.url("EIO", "4", "transport", "polling", "foo", "bar"), nil, http.Header{"X-Custom": {"yes"}})
	sid := parseOpen(t, r.body).SID
	req := s.sock(sid).sock.Request()
	if req.Query().Get("foo") != "bar" || req.Header.Get("X-Custom") != "yes" {
		t.Errorf("request query %v header %v", req.Query(), req.Header)
	}
	if req.RemoteIP() != "127.0.0.1" || req.Secure || req.Time.IsZero() || req.Host == "" {
		t.Errorf("request %+v (ip %q)", req, req.RemoteIP())
	}
	if (&engineio.HandshakeRequest{RemoteAddr: "odd"}).RemoteIP() != "odd" {
		t.Error("RemoteIP of an address without a port")
	}
}

func TestOnOpenOncePerSession(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil)
	sid := s.eioSession()
	s.eioPushOK(sid, "4a")
	s.eioPollOK(sid)
	w := s.wsUpgrade(sid)
	w.send("4b")
	w.expectText("4b")
	if n := len(s.opened); n != 1 {
		t.Fatalf("OnOpen called %d times for one session", n)
	}
}

func TestNoApplication(t *testing.T) {
	t.Parallel()
	srv := engineio.NewServer(nil)
	ts := newBareServer(t, srv)
	r := ts.do(http.MethodGet, ts.url("EIO", "4", "transport", "polling"), nil, nil)
	sid := parseOpen(t, r.body).SID
	ts.eioPushOK(sid, "4dropped")
	// replaced application: new sessions go to the new one
	got := make(chan string, 1)
	srv.OnConnection(func(sock *engineio.EngineIOSocket) { got <- sock.ID() })
	sid2 := ts.eioSession()
	if id := <-got; id != sid2 {
		t.Fatalf("new app got %q, want %q", id, sid2)
	}
}
