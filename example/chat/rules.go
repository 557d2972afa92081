package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Limits of what a client may send.
const (
	maxNickLen    = 24
	maxRoomLen    = 32
	maxTextLen    = 2000
	maxImageBytes = 2 << 20 // per image; the engine's MaxPayload leaves room for it
	defaultRoom   = "lobby"
)

// defaultRooms are offered by the page; any other valid name can be joined.
var defaultRooms = []string{"lobby", "random", "gophers"}

var (
	errBadNick  = errors.New("pick a nickname of 1 to 24 characters")
	errBadRoom  = errors.New("room names are 1 to 32 letters, digits, '-' or '_'")
	errBadText  = errors.New("messages are 1 to 2000 characters")
	errBadImage = errors.New("images are PNG, JPEG, GIF or WebP files of at most 2 MiB")
	errNoRoom   = errors.New("join a room first")
)

// cleanNick trims a nickname and checks it.
func cleanNick(s string) (string, error) {
	s = strings.TrimSpace(s)
	n := utf8.RuneCountInString(s)
	if n == 0 || n > maxNickLen || strings.IndexFunc(s, unicode.IsControl) >= 0 {
		return "", errBadNick
	}
	return s, nil
}

// cleanRoom lower-cases a room name and checks it.
func cleanRoom(s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" || len(s) > maxRoomLen {
		return "", errBadRoom
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return "", errBadRoom
		}
	}
	return s, nil
}

// roomKey is the adapter room of a chat room. The prefix keeps chat rooms
// apart from the rooms named by socket ids, so that nobody can join
// another socket's private room.
func roomKey(room string) string { return "room:" + room }

// cleanText checks a text message.
func cleanText(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" || utf8.RuneCountInString(s) > maxTextLen {
		return "", errBadText
	}
	return s, nil
}

// imageType sniffs an image's content type; only raster formats that every
// browser shows are accepted.
func imageType(data []byte) (string, error) {
	if len(data) == 0 || len(data) > maxImageBytes {
		return "", errBadImage
	}
	switch t := http.DetectContentType(data); t {
	case "image/png", "image/jpeg", "image/gif", "image/webp":
		return t, nil
	}
	return "", errBadImage
}

// cleanName shortens a file name for display.
func cleanName(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, strings.TrimSpace(s))
	if utf8.RuneCountInString(s) > 80 {
		s = string([]rune(s)[:80])
	}
	if s == "" {
		s = "image"
	}
	return s
}

// messageID keeps a client's id for its message when it is a plausible
// one (the page matches the server's acknowledgement with it), and makes
// one otherwise.
func messageID(client string) string {
	if n := len(client); n >= 8 && n <= 64 && strings.IndexFunc(client, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_')
	}) < 0 {
		return client
	}
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func nowMillis() int64 { return time.Now().UnixMilli() }
