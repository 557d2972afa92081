// Package sid makes the ids of Engine.IO sessions and Socket.IO sockets
// (and their private session ids for connection state recovery): 20
// URL-safe characters from 120 crypto-random bits, the length of the
// Node.js server's ids; an id needs no escaping in a URL or in JSON. At
// that width a repeat is not a practical concern
// (engineio's Server.register still refuses one).
package sid

import (
	"crypto/rand"
	"encoding/base64"
)

// New returns a fresh id.
func New() string {
	var b [15]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b[:])
}
