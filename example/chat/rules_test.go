package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestCleanNickAndRoom(t *testing.T) {
	for in, want := range map[string]string{" alice ": "alice", "Zoë": "Zoë", strings.Repeat("é", 24): strings.Repeat("é", 24)} {
		if got, err := cleanNick(in); err != nil || got != want {
			t.Errorf("cleanNick(%q) = %q, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "  ", strings.Repeat("x", 25), "tab\there"} {
		if _, err := cleanNick(in); err == nil {
			t.Errorf("cleanNick(%q) accepted", in)
		}
	}
	for in, want := range map[string]string{"Lobby": "lobby", " go-lang_2 ": "go-lang_2"} {
		if got, err := cleanRoom(in); err != nil || got != want {
			t.Errorf("cleanRoom(%q) = %q, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "a b", "room:x", strings.Repeat("r", 33), "é"} {
		if _, err := cleanRoom(in); err == nil {
			t.Errorf("cleanRoom(%q) accepted", in)
		}
	}
}

func TestImageTypeAndIDs(t *testing.T) {
	if typ, err := imageType(tinyPNG); err != nil || typ != "image/png" {
		t.Errorf("png: %q %v", typ, err)
	}
	for _, b := range [][]byte{nil, []byte("<svg/>"), []byte("GIF8"), append(bytes.Clone(tinyPNG), make([]byte, maxImageBytes)...)} {
		if _, err := imageType(b); err == nil {
			t.Errorf("imageType(%.10q...) accepted", b)
		}
	}
	if id := messageID("lq3k2x9-abc_DEF"); id != "lq3k2x9-abc_DEF" {
		t.Errorf("kept id %q", id)
	}
	for _, in := range []string{"", "short", "has space 12345", strings.Repeat("x", 65)} {
		if id := messageID(in); id == in || len(id) != 24 {
			t.Errorf("messageID(%q) = %q", in, id)
		}
	}
}

func TestHistoryBounds(t *testing.T) {
	h := newHub(nil, 3, 10)
	l := h.room("r")
	add := func(text string, data int) {
		l.mu.Lock()
		defer l.mu.Unlock()
		l.appendLocked(&Message{Text: text, Data: make([]byte, data)}, h.maxEntries, h.maxImageBytes)
	}
	texts := func() string {
		l.mu.Lock()
		defer l.mu.Unlock()
		var s []string
		for _, m := range l.snapshotLocked() {
			s = append(s, m.Text)
		}
		return strings.Join(s, ",")
	}
	add("a", 0)
	add("b", 0)
	add("c", 0)
	add("d", 0)
	if got := texts(); got != "b,c,d" {
		t.Fatalf("after 4: %s", got)
	}
	add("img1", 6)
	add("img2", 6) // over 10 bytes of images: img1 goes
	if got := texts(); got != "d,img2" && got != "c,d,img2" {
		t.Fatalf("after images: %s", got)
	}
	if l.imageBytes != 6 {
		t.Fatalf("image bytes %d", l.imageBytes)
	}
	add("huge", 20) // alone over the cap: kept, the older image goes
	if got := texts(); !strings.HasSuffix(got, "huge") || strings.Contains(got, "img2") || l.imageBytes != 20 {
		t.Fatalf("after huge: %s (%d bytes)", got, l.imageBytes)
	}
}
