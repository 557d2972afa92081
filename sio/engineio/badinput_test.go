package engineio_test

import (
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/gosio/gosio/sio/engineio"
)

func TestUnknownSessionOnEveryPath(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil)
	for _, sid := range []string{"AAAAAAAAAAAAAAAAAAAA", "x", strings.Repeat("z", 5000), "../../etc", "%00", " "} {
		for _, method := range []string{"GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"} {
			for _, transport := range []string{"polling", "websocket"} {
				r := s.do(method, s.url("EIO", "4", "transport", transport, "sid", sid), strings.NewReader("4x"), nil)
				expectError(t, r, 400, 1, "Session ID unknown")
			}
		}
		r := s.do("HEAD", s.url("EIO", "4", "transport", "polling", "sid", sid), nil, nil)
		if r.status != 400 {
			t.Errorf("HEAD: %d", r.status)
		}
		_, resp, err := s.wsDial(wsDialConfig{}, "EIO", "4", "transport", "websocket", "sid", sid)
		if err == nil || resp == nil || resp.StatusCode != 400 {
			t.Errorf("websocket with sid %q: %v", sid, err)
		}
	}
	if s.srv.ClientsCount() != 0 {
		t.Fatal("sessions opened")
	}
}

// randomPayload makes bodies near the protocol's: digits, "b", base64
// characters, separators, and noise.
func randomPayload(rng *rand.Rand) string {
	const alphabet = "0123456789b\x1e\x1eAQID=+/ x€\x00\xff\n"
	if rng.IntN(20) == 0 {
		return strings.Repeat("4", 1000+rng.IntN(3000))
	}
	n := rng.IntN(40)
	var sb strings.Builder
	for range n {
		if rng.IntN(4) == 0 {
			sb.WriteByte(alphabet[rng.IntN(len(alphabet))])
		} else {
			sb.WriteByte("0123456b\x1e"[rng.IntN(9)])
		}
	}
	return sb.String()
}

// TestBadInputNeverPanicsOrHangs throws random requests at the server:
// every one is answered in time with a status the protocol allows and, for
// errors, a well-formed body; no handler panics (the test server's cleanup
// fails on any panic net/http logs); nothing leaks (TestMain).
func TestBadInputNeverPanicsOrHangs(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, &engineio.Options{
		PingInterval: 20 * time.Millisecond, PingTimeout: 20 * time.Millisecond, MaxPayload: 2000,
		CORS: &engineio.CORSOptions{Origins: []string{"https://ok.example"}},
	})
	var mu sync.Mutex
	var live []string
	addSession := func() {
		r, err := s.tryDo(context.Background(), "GET", s.url("EIO", "4", "transport", "polling"), nil, nil)
		if err == nil && r.status == 200 && len(r.body) > 1 {
			var o openPacket
			if json.Unmarshal([]byte(r.body[1:]), &o) == nil {
				mu.Lock()
				live = append(live, o.SID)
				mu.Unlock()
			}
		}
	}
	pickSID := func(rng *rand.Rand) string {
		mu.Lock()
		defer mu.Unlock()
		if len(live) == 0 || rng.IntN(5) == 0 {
			return []string{"", "nope", strings.Repeat("A", 20)}[rng.IntN(3)]
		}
		return live[rng.IntN(len(live))]
	}
	pick := func(rng *rand.Rand, xs ...string) string { return xs[rng.IntN(len(xs))] }

	const workers, perWorker = 8, 150
	errs := make(chan error, workers*perWorker)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), 42))
			for range perWorker {
				if rng.IntN(10) == 0 {
					addSession()
				}
				method := pick(rng, "GET", "GET", "POST", "POST", "PUT", "DELETE", "OPTIONS", "PATCH")
				var kv []string
				if rng.IntN(8) != 0 {
					kv = append(kv, "EIO", pick(rng, "4", "4", "4", "3", "5", "", "four"))
				}
				if rng.IntN(8) != 0 {
					kv = append(kv, "transport", pick(rng, "polling", "polling", "websocket", "", "xhr-polling"))
				}
				if rng.IntN(3) != 0 {
					kv = append(kv, "sid", pickSID(rng))
				}
				h := http.Header{}
				if rng.IntN(4) == 0 {
					h.Set("Origin", pick(rng, "https://ok.example", "https://evil.example", "null"))
				}
				if rng.IntN(4) == 0 {
					h.Set("Access-Control-Request-Method", "POST")
				}
				if rng.IntN(6) == 0 {
					h.Set("Upgrade", "websocket") // without the rest of a handshake
				}
				if rng.IntN(3) == 0 {
					h.Set("Accept-Encoding", pick(rng, "gzip", "deflate", "br", "gzip;q=0", ""))
				}
				body := randomPayload(rng)
				// a GET on a live session may wait for the next ping (20 ms); the
				// bound is for a hang, not for speed
				ctx, cancel := context.WithTimeout(context.Background(), 2*waitTimeout)
				r, err := s.tryDo(ctx, method, s.url(kv...), strings.NewReader(body), h)
				cancel()
				if errors.Is(err, context.DeadlineExceeded) {
					errs <- errors.New(method + " " + s.url(kv...) + ": not answered in time")
					continue
				}
				if err != nil {
					continue // e.g. a 413 answered before the body was sent
				}
				switch r.status {
				case 200, 204, 413, 503:
				case 400, 403:
					var e errorBody
					if json.Unmarshal([]byte(r.body), &e) != nil && h.Get("Upgrade") == "" {
						errs <- errors.New(method + " " + s.url(kv...) + ": error body " + r.body)
					}
				default:
					if h.Get("Upgrade") == "" {
						errs <- errors.New(method + " " + s.url(kv...) + ": status " + http.StatusText(r.status))
					}
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	n := 0
	for err := range errs {
		if n++; n <= 10 {
			t.Error(err)
		}
	}
}

func TestBadWebSocketInput(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, &engineio.Options{MaxPayload: 5000})
	rng := rand.New(rand.NewPCG(7, 7))
	for range 40 {
		var w *wsClient
		var sid string
		if rng.IntN(2) == 0 {
			var o openPacket
			w, o = s.wsOpen()
			sid = o.SID
		} else {
			sid = s.eioSession()
			w = s.wsDial1(sid)
			if rng.IntN(2) == 0 {
				w.send("2probe")
			}
		}
		for range 1 + rng.IntN(10) {
			var err error
			if rng.IntN(3) == 0 {
				b := make([]byte, rng.IntN(100))
				for i := range b {
					b[i] = byte(rng.UintN(256))
				}
				err = w.write(websocket.MessageBinary, b)
			} else {
				err = w.write(websocket.MessageText, []byte(randomPayload(rng)))
			}
			if err != nil {
				break // the server closed it, as it may
			}
		}
		w.closeNow()
		// whatever happened, the session either goes on or closed with a
		// reason of the protocol
		a := s.sock(sid)
		select {
		case ev := <-a.closed:
			switch ev.reason {
			case engineio.ReasonParseError, engineio.ReasonTransportClose, engineio.ReasonTransportError:
			default:
				t.Fatalf("session closed with %q", ev.reason)
			}
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// wsDial1 opens a websocket with sid and nothing else.
func (s *testServer) wsDial1(sid string) *wsClient {
	s.t.Helper()
	w, _, err := s.wsDial(wsDialConfig{}, "EIO", "4", "transport", "websocket", "sid", sid)
	if err != nil {
		s.t.Fatal(err)
	}
	return w
}

func TestGarbageConnections(t *testing.T) {
	t.Parallel()
	// raw bytes, a half websocket handshake, a handshake with a bad key
	s := newTestServer(t, nil)
	addr := strings.TrimPrefix(s.ts.URL, "http://")
	sid := s.eioSession()
	for _, raw := range []string{
		"\x00\x01\x02garbage\r\n\r\n",
		"GET /engine.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n",
		"GET /engine.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: short\r\n\r\n",
		"GET /engine.io/?EIO=4&transport=websocket&sid=" + sid + " HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 8\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
		"POST /engine.io/?EIO=4&transport=polling&sid=" + sid + " HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n4abc", // body cut short
	} {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = c.Write([]byte(raw))
		_ = c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
		buf := make([]byte, 4096)
		_, _ = c.Read(buf)
		_ = c.Close()
	}
	// the session survived the refused upgrade; the cut POST closed it
	// with a transport error, or it is still open
	if ev := s.sock(sid); ev.closeCalls() > 0 {
		if r := s.waitClose(sid).reason; r != engineio.ReasonTransportError {
			t.Fatalf("closed with %q", r)
		}
	}
}
