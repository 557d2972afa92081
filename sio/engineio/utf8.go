package engineio

import (
	"errors"
	"unicode/utf8"
)

// ErrInvalidUTF8 reports a websocket text message that is not valid UTF-8;
// the session is closed with "transport error" and the connection with
// status 1007, as the Node.js server closes it.
var ErrInvalidUTF8 = errors.New("engineio: text message is not valid UTF-8")

// toValidUTF8 returns b, or, when b is not valid UTF-8, a copy in which
// every byte that does not begin a valid sequence is replaced by U+FFFD.
// A long-polling body is text: the Node.js server decodes it this way
// (Buffer.toString), so that what it delivers, and may broadcast in text
// frames, is valid UTF-8.
func toValidUTF8(b []byte) []byte {
	if utf8.Valid(b) {
		return b
	}
	out := make([]byte, 0, len(b)+8)
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if r == utf8.RuneError && n == 1 {
			out = utf8.AppendRune(out, utf8.RuneError)
		} else {
			out = append(out, b[:n]...)
		}
		b = b[n:]
	}
	return out
}
