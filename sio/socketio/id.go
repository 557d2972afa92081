package socketio

import (
	"crypto/rand"
	"encoding/base64"
)

// newID returns a socket or private-session id: 20 URL-safe characters
// from 120 crypto-random bits.
func newID() string {
	var b [15]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}
