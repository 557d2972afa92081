package engineio

import "time"

// The packet codec is unexported: the external tests of package
// engineio_test reach it through these names.

var (
	DecodeText          = decodeText
	DecodeBinary        = decodeBinary
	AppendPayloadRecord = appendPayloadRecord
	EncodePayload       = encodePayload
	DecodePayload       = decodePayload
)

// AppendText is packet.appendText.
func AppendText(p Packet, dst []byte) []byte { return p.appendText(dst) }

// SetWatchPeriod sets the period of srv's watch over the readers that run
// a handler (inline.go).
func SetWatchPeriod(srv *Server, d time.Duration) {
	srv.watch.mu.Lock()
	srv.watch.period = d
	srv.watch.mu.Unlock()
}
