package engineio

import (
	"crypto/rand"
	"encoding/base64"
)

// newSessionID returns 20 URL-safe characters from 120 crypto-random bits,
// the length of the Node.js server's ids. At that width a repeat is not a
// practical concern; Server.register still refuses one.
func newSessionID() string {
	var b [15]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b[:])
}
