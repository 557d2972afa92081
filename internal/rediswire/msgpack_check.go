package rediswire

import (
	"encoding/binary"
	"errors"
)

// errBadMsgpack is returned for a message whose MessagePack structure does
// not fit in its bytes.
var errBadMsgpack = errors.New("rediswire: malformed MessagePack")

// checkMsgpack walks the structure of one MessagePack value without
// decoding it, and fails when a length claims more than the message holds
// or bytes follow the value. The decoder allocates what array and map
// headers announce; checked first, a 5-byte message cannot make it
// allocate gigabytes.
func checkMsgpack(b []byte) error {
	pending := 1 // values still to read; each takes one byte at least
	i := 0
	need := func(n uint64) bool { return n <= uint64(len(b)-i) }
	for pending > 0 {
		if i >= len(b) {
			return errBadMsgpack
		}
		c := b[i]
		i++
		pending--
		var skip, items uint64
		switch {
		case c <= 0x7f || c >= 0xe0 || c == 0xc0 || c == 0xc2 || c == 0xc3:
		case c >= 0x80 && c <= 0x8f:
			items = 2 * uint64(c&0x0f)
		case c >= 0x90 && c <= 0x9f:
			items = uint64(c & 0x0f)
		case c >= 0xa0 && c <= 0xbf:
			skip = uint64(c & 0x1f)
		default:
			n, size, ok := msgpackLength(c, b[i:])
			if !ok {
				return errBadMsgpack
			}
			i += size
			switch c {
			case 0xdc, 0xdd:
				items = n
			case 0xde, 0xdf:
				items = 2 * n
			default:
				skip = n
			}
		}
		if !need(skip) {
			return errBadMsgpack
		}
		i += int(skip)
		pending += int(min(items, uint64(len(b)+1)))
		if uint64(pending) > uint64(len(b)-i) {
			return errBadMsgpack
		}
	}
	if i != len(b) {
		return errors.New("rediswire: trailing bytes after the message")
	}
	return nil
}

// msgpackLength reads the length field after code c: the number of bytes
// (str, bin, ext with its type byte, fixed-size numbers) or of items
// (array, map) it announces, and the size of the field itself.
func msgpackLength(c byte, b []byte) (n uint64, size int, ok bool) {
	read := func(width int) (uint64, bool) {
		if len(b) < width {
			return 0, false
		}
		switch width {
		case 1:
			return uint64(b[0]), true
		case 2:
			return uint64(binary.BigEndian.Uint16(b)), true
		default:
			return uint64(binary.BigEndian.Uint32(b)), true
		}
	}
	switch c {
	case 0xc4, 0xd9: // bin8, str8
		n, ok = read(1)
		return n, 1, ok
	case 0xc5, 0xda, 0xdc, 0xde: // bin16, str16, array16, map16
		n, ok = read(2)
		return n, 2, ok
	case 0xc6, 0xdb, 0xdd, 0xdf: // bin32, str32, array32, map32
		n, ok = read(4)
		return n, 4, ok
	case 0xc7: // ext8: length, type, data
		n, ok = read(1)
		return n + 1, 1, ok
	case 0xc8:
		n, ok = read(2)
		return n + 1, 2, ok
	case 0xc9:
		n, ok = read(4)
		return n + 1, 4, ok
	case 0xca, 0xce, 0xd2:
		return 4, 0, true
	case 0xcb, 0xcf, 0xd3:
		return 8, 0, true
	case 0xcc, 0xd0:
		return 1, 0, true
	case 0xcd, 0xd1:
		return 2, 0, true
	case 0xd4, 0xd5, 0xd6, 0xd7, 0xd8: // fixext 1, 2, 4, 8, 16 and the type byte
		return 1 + 1<<(c-0xd4), 0, true
	}
	return 0, 0, false // 0xc1, never used
}
