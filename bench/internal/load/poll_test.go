package load

import (
	"bufio"
	"strings"
	"testing"
)

func respConn(s string) *httpConn {
	return &httpConn{br: bufio.NewReader(strings.NewReader(s))}
}

func TestReadResponseContentLength(t *testing.T) {
	h := respConn("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\ncontent-length: 5\r\n\r\nhello" +
		"HTTP/1.1 400 Bad Request\r\nContent-Length: 2\r\n\r\nno")
	st, body, err := h.readResponse()
	if err != nil || st != 200 || string(body) != "hello" {
		t.Fatalf("got %d %q %v", st, body, err)
	}
	st, body, err = h.readResponse()
	if err != nil || st != 400 || string(body) != "no" {
		t.Fatalf("got %d %q %v", st, body, err)
	}
}

func TestReadResponseChunked(t *testing.T) {
	h := respConn("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" +
		"3\r\n40{\r\n" + "a;ext=1\r\n\"sid\":\"x\"}\r\n" + "0\r\nTrailer: v\r\n\r\n")
	st, body, err := h.readResponse()
	if err != nil || st != 200 || string(body) != `40{"sid":"x"}` {
		t.Fatalf("got %d %q %v", st, body, err)
	}
}

func TestReadResponseNoLength(t *testing.T) {
	if _, _, err := respConn("HTTP/1.1 200 OK\r\n\r\nabc").readResponse(); err == nil {
		t.Fatal("want an error for a body without length")
	}
}

func TestSidOf(t *testing.T) {
	sid, err := sidOf([]byte(`0{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":["websocket"],"pingInterval":25000}`))
	if err != nil || sid != "lv_VI97HAXpY6yYWAAAC" {
		t.Fatalf("got %q %v", sid, err)
	}
	if _, err := sidOf([]byte(`0{"upgrades":[]}`)); err == nil {
		t.Fatal("want an error without sid")
	}
}

func TestPostRequest(t *testing.T) {
	got := string(PostRequest("127.0.0.1:1", "abc", []byte("40")))
	want := "POST /socket.io/?EIO=4&transport=polling&sid=abc HTTP/1.1\r\nHost: 127.0.0.1:1\r\n" +
		"Content-Type: text/plain;charset=UTF-8\r\nContent-Length: 2\r\n\r\n40"
	if got != want {
		t.Fatalf("got %q", got)
	}
}

func TestDialerPick(t *testing.T) {
	d := NewDialer("127.0.0.1:1")
	for _, c := range []struct{ idx, src int }{{0, 0}, {PerSource - 1, 0}, {PerSource, 1}, {PerSource * Sources, 0}} {
		if got := d.pick(c.idx); got != c.src {
			t.Errorf("pick(%d) = %d, want %d", c.idx, got, c.src)
		}
	}
}
