package engineio

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
