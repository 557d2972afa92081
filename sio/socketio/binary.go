package socketio

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"math/bits"
	"strconv"
)

// This file owns binary attachments inside JSON payloads (spec: "Packet
// encoding", examples "with binary data"): every binary value is cut out of
// the payload and replaced by a placeholder object
//
//	{"_placeholder":true,"num":N}
//
// where N indexes the attachments sent after the text frame. As in the
// reference parser, an object is a placeholder when its "_placeholder" member
// is the literal true (other members are ignored, the last duplicate key
// wins), and its "num" must then be an integer indexing an attachment. A
// placeholder nested inside another placeholder is never looked at, since
// the outer object is replaced as a whole.

// placeholderKey and placeholderNumKey are the member names of a placeholder.
const (
	placeholderKey    = "_placeholder"
	placeholderNumKey = "num"
)

// appendPlaceholder writes the placeholder object for attachment num.
func appendPlaceholder(dst []byte, num int) []byte {
	dst = append(dst, `{"_placeholder":true,"num":`...)
	dst = strconv.AppendInt(dst, int64(num), 10)
	return append(dst, '}')
}

// mayHoldPlaceholder is a cheap pre-check: a member name equal to
// "_placeholder" is spelled either literally or with a \u escape, so a
// payload containing neither has no placeholder.
func mayHoldPlaceholder(b []byte) bool {
	return bytes.Contains(b, []byte(placeholderKey)) || bytes.Contains(b, []byte(`\u`))
}

// placeholderSpan locates one placeholder object in a payload: b[start:end]
// is the whole object, b[numStart:numEnd] the raw value of its "num"
// member (numStart < 0 when there is none).
type placeholderSpan struct {
	start, end       int
	numStart, numEnd int
}

// findPlaceholders returns the outermost placeholder objects of the JSON
// value b, in document order. b should be valid JSON (validJSON); a
// malformed input yields errInvalidJSON rather than a panic.
func findPlaceholders(b []byte) ([]placeholderSpan, error) {
	if !mayHoldPlaceholder(b) {
		return nil, nil
	}
	s := placeholderScanner{b: b}
	end := s.value(skipJSONSpace(b, 0))
	if !s.bad && skipJSONSpace(b, end) != len(b) {
		s.bad = true
	}
	if s.bad {
		return nil, fmt.Errorf("%w: malformed value while looking for placeholders", errInvalidJSON)
	}
	return s.spans, nil
}

// placeholderIndex validates the num of span sp against n attachments and
// returns it.
func placeholderIndex(b []byte, sp placeholderSpan, n int) (int, error) {
	if sp.numStart < 0 {
		return 0, fmt.Errorf("%w: placeholder without num", errBadPlaceholder)
	}
	raw := b[sp.numStart:sp.numEnd]
	if len(raw) == 0 || (raw[0] != '-' && (raw[0] < '0' || raw[0] > '9')) {
		return 0, fmt.Errorf("%w: num %.32q is not a number", errBadPlaceholder, raw)
	}
	f, err := strconv.ParseFloat(string(raw), 64)
	if err != nil {
		return 0, fmt.Errorf("%w: num %.32q is out of range", errBadPlaceholder, raw)
	}
	return placeholderFloatIndex(f, n)
}

// placeholderFloatIndex checks that f is an integer in [0, n).
func placeholderFloatIndex(f float64, n int) (int, error) {
	if f != math.Trunc(f) {
		return 0, fmt.Errorf("%w: num %v is not an integer", errBadPlaceholder, f)
	}
	if f < 0 || f >= float64(n) {
		return 0, fmt.Errorf("%w: num %v out of range for %d attachment(s)", errBadPlaceholder, f, n)
	}
	return int(f), nil
}

// checkPlaceholders verifies that every placeholder of payload b refers to
// one of n attachments.
func checkPlaceholders(b []byte, n int) error {
	spans, err := findPlaceholders(b)
	if err != nil {
		return err
	}
	for _, sp := range spans {
		if _, err := placeholderIndex(b, sp, n); err != nil {
			return err
		}
	}
	return nil
}

// inlineAttachments rewrites b with every placeholder replaced by the
// base64 JSON string of its attachment, the form encoding/json decodes
// into []byte. It returns b itself, and changed false, when there is no
// placeholder.
func inlineAttachments(b []byte, attachments [][]byte) (out []byte, changed bool, err error) {
	spans, err := findPlaceholders(b)
	if err != nil || len(spans) == 0 {
		return b, false, err
	}
	size := len(b)
	nums := make([]int, len(spans))
	for k, sp := range spans {
		num, err := placeholderIndex(b, sp, len(attachments))
		if err != nil {
			return nil, false, err
		}
		nums[k] = num
		size += base64.StdEncoding.EncodedLen(len(attachments[num])) + 2 - (sp.end - sp.start)
	}
	out = make([]byte, 0, size)
	last := 0
	for k, sp := range spans {
		out = append(out, b[last:sp.start]...)
		out = append(out, '"')
		out = base64.StdEncoding.AppendEncode(out, attachments[nums[k]])
		out = append(out, '"')
		last = sp.end
	}
	return append(out, b[last:]...), true, nil
}

// placeholderScanner walks a JSON value recording placeholder objects. It
// trusts the input to be valid JSON but stays within bounds and sets bad
// instead of panicking when it is not.
type placeholderScanner struct {
	b     []byte
	spans []placeholderSpan
	bad   bool
}

// value scans the value starting at b[i] and returns the index just past it.
func (s *placeholderScanner) value(i int) int {
	b := s.b
	if i >= len(b) {
		s.bad = true
		return len(b)
	}
	switch b[i] {
	case '{':
		return s.object(i)
	case '[':
		return s.array(i)
	case '"':
		end, _, ok := scanJSONString(b, i)
		if !ok {
			s.bad = true
		}
		return end
	default:
		end := scanJSONLiteral(b, i)
		if end == i {
			s.bad = true
		}
		return end
	}
}

func (s *placeholderScanner) array(i int) int {
	b := s.b
	i = skipJSONSpace(b, i+1)
	if i < len(b) && b[i] == ']' {
		return i + 1
	}
	for !s.bad {
		i = skipJSONSpace(b, s.value(i))
		if i >= len(b) {
			break
		}
		switch b[i] {
		case ',':
			i = skipJSONSpace(b, i+1)
		case ']':
			return i + 1
		default:
			s.bad = true
		}
	}
	s.bad = true
	return len(b)
}

// object scans an object; when it turns out to be a placeholder, the
// placeholders found inside it are dropped and the object itself recorded.
func (s *placeholderScanner) object(start int) int {
	b := s.b
	mark := len(s.spans)
	isPlaceholder := false
	numStart, numEnd := -1, -1
	i := skipJSONSpace(b, start+1)
	if i < len(b) && b[i] == '}' {
		return i + 1
	}
	for !s.bad {
		if i >= len(b) || b[i] != '"' {
			break
		}
		keyEnd, escaped, ok := scanJSONString(b, i)
		if !ok {
			break
		}
		key := memberName(b[i:keyEnd], escaped)
		i = skipJSONSpace(b, keyEnd)
		if i >= len(b) || b[i] != ':' {
			break
		}
		valStart := skipJSONSpace(b, i+1)
		valEnd := s.value(valStart)
		switch key {
		case placeholderKey:
			isPlaceholder = string(b[valStart:valEnd]) == "true"
		case placeholderNumKey:
			numStart, numEnd = valStart, valEnd
		}
		i = skipJSONSpace(b, valEnd)
		if i >= len(b) {
			break
		}
		if b[i] == ',' {
			i = skipJSONSpace(b, i+1)
			continue
		}
		if b[i] != '}' {
			break
		}
		i++
		if isPlaceholder {
			s.spans = append(s.spans[:mark], placeholderSpan{start: start, end: i, numStart: numStart, numEnd: numEnd})
		}
		return i
	}
	s.bad = true
	return len(b)
}

// memberName returns the member name of the quoted JSON string q when it may
// be one of the placeholder names, "" otherwise.
func memberName(q []byte, escaped bool) string {
	if !escaped {
		switch string(q) {
		case `"` + placeholderKey + `"`:
			return placeholderKey
		case `"` + placeholderNumKey + `"`:
			return placeholderNumKey
		}
		return ""
	}
	var name string
	if len(q) > 6*len(placeholderKey)+2 || json.Unmarshal(q, &name) != nil {
		return ""
	}
	return name
}

// skipJSONSpace returns the index of the first non-whitespace byte at or
// after i (RFC 8259 whitespace).
func skipJSONSpace(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// scanJSONString scans the string starting at b[i] == '"' and returns the
// index just past its closing quote and whether it contains escapes.
func scanJSONString(b []byte, i int) (end int, escaped, ok bool) {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			escaped = true
			j++
		case '"':
			return j + 1, escaped, true
		}
	}
	return len(b), escaped, false
}

// scanJSONLiteral returns the index just past the number, true, false or
// null starting at b[i].
func scanJSONLiteral(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ',', ']', '}', ' ', '\t', '\n', '\r':
			return i
		}
		i++
	}
	return i
}

// resolvePlaceholders replaces, in a tree produced by encoding/json
// (map[string]any, []any, ...), every placeholder object by its attachment.
func resolvePlaceholders(v any, attachments [][]byte) (any, error) {
	switch t := v.(type) {
	case map[string]any:
		if flag, ok := t[placeholderKey].(bool); ok && flag {
			f, ok := t[placeholderNumKey].(float64)
			if !ok {
				return nil, fmt.Errorf("%w: num missing or not a number", errBadPlaceholder)
			}
			num, err := placeholderFloatIndex(f, len(attachments))
			if err != nil {
				return nil, err
			}
			return attachments[num], nil
		}
		for k, e := range t {
			r, err := resolvePlaceholders(e, attachments)
			if err != nil {
				return nil, err
			}
			t[k] = r
		}
	case []any:
		for k, e := range t {
			r, err := resolvePlaceholders(e, attachments)
			if err != nil {
				return nil, err
			}
			t[k] = r
		}
	}
	return v, nil
}

// maxJSONDepth is the deepest nesting of arrays and objects accepted, the
// same limit encoding/json applies, so that validJSON and json.Unmarshal
// agree on what is valid.
const maxJSONDepth = 10000

// validJSON reports whether b is one well-formed JSON value (RFC 8259),
// surrounded by optional whitespace. It accepts exactly what json.Valid
// accepts (the fuzz tests compare them) but runs several times faster,
// which matters on the per-message paths.
func validJSON(b []byte) bool {
	v := jsonValidator{b: b}
	v.i = skipJSONSpace(b, 0)
	return v.value() && skipJSONSpace(b, v.i) == len(b)
}

// jsonValidator is a recursive-descent checker; i is the read position.
type jsonValidator struct {
	b     []byte
	i     int
	depth int
}

func (v *jsonValidator) value() bool {
	if v.i >= len(v.b) {
		return false
	}
	switch c := v.b[v.i]; {
	case c == '{':
		return v.object()
	case c == '[':
		return v.array()
	case c == '"':
		return v.str()
	case c == 't':
		return v.literal("true")
	case c == 'f':
		return v.literal("false")
	case c == 'n':
		return v.literal("null")
	case c == '-' || isDigit(c):
		return v.number()
	}
	return false
}

func (v *jsonValidator) literal(word string) bool {
	if len(v.b)-v.i < len(word) || string(v.b[v.i:v.i+len(word)]) != word {
		return false
	}
	v.i += len(word)
	return true
}

// number checks -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (v *jsonValidator) number() bool {
	b, i := v.b, v.i
	if b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		for i < len(b) && isDigit(b[i]) {
			i++
		}
	default:
		return false
	}
	if i < len(b) && b[i] == '.' {
		i++
		if i >= len(b) || !isDigit(b[i]) {
			return false
		}
		for i < len(b) && isDigit(b[i]) {
			i++
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i >= len(b) || !isDigit(b[i]) {
			return false
		}
		for i < len(b) && isDigit(b[i]) {
			i++
		}
	}
	v.i = i
	return true
}

// str checks a string: no raw control character, only the escapes of
// RFC 8259. Like json.Valid, it does not check UTF-8. The plain stretches
// between quotes, backslashes and control characters (nearly all of a
// string) are skipped eight bytes at a time (plainRun).
func (v *jsonValidator) str() bool {
	b := v.b
	for i := plainRun(b, v.i+1); i < len(b); i = plainRun(b, i+1) {
		switch c := b[i]; {
		case c == '"':
			v.i = i + 1
			return true
		case c < 0x20:
			return false
		case c == '\\':
			i++
			if i >= len(b) {
				return false
			}
			switch b[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if len(b)-i <= 4 {
					return false
				}
				for _, h := range b[i+1 : i+5] {
					if !isDigit(h) && (h|0x20 < 'a' || h|0x20 > 'f') {
						return false
					}
				}
				i += 4
			default:
				return false
			}
		}
	}
	return false
}

// plainRun returns the index of the first byte at or after i that ends a
// plain stretch of a JSON string: a quote, a backslash or a control
// character (below 0x20); len(b) if there is none. Eight bytes are tested
// at once, as one little-endian word x: (y - 0x01…) &^ y has the high bit
// of a byte set where y's byte is zero, when no lower byte of y is (a
// borrow can mark bytes above the first zero, never below it), so the
// lowest mark of the three tests (x xor '"'…, x xor '\\'…, and, for
// "below 0x20", x - 0x20… itself) is the first byte that ends the run.
// Bytes of 0x80 and above are never marked.
func plainRun(b []byte, i int) int {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	for ; i+8 <= len(b); i += 8 {
		x := binary.LittleEndian.Uint64(b[i:])
		q := x ^ (ones * '"')
		s := x ^ (ones * '\\')
		if m := ((q-ones)&^q | (s-ones)&^s | (x-ones*0x20)&^x) & highs; m != 0 {
			return i + bits.TrailingZeros64(m)>>3
		}
	}
	for ; i < len(b); i++ {
		if c := b[i]; c == '"' || c == '\\' || c < 0x20 {
			return i
		}
	}
	return i
}

func (v *jsonValidator) array() bool {
	if v.depth++; v.depth > maxJSONDepth {
		return false
	}
	v.i = skipJSONSpace(v.b, v.i+1)
	if v.i < len(v.b) && v.b[v.i] == ']' {
		v.i++
		v.depth--
		return true
	}
	for {
		if !v.value() {
			return false
		}
		v.i = skipJSONSpace(v.b, v.i)
		if v.i >= len(v.b) {
			return false
		}
		switch v.b[v.i] {
		case ',':
			v.i = skipJSONSpace(v.b, v.i+1)
		case ']':
			v.i++
			v.depth--
			return true
		default:
			return false
		}
	}
}

func (v *jsonValidator) object() bool {
	if v.depth++; v.depth > maxJSONDepth {
		return false
	}
	v.i = skipJSONSpace(v.b, v.i+1)
	if v.i < len(v.b) && v.b[v.i] == '}' {
		v.i++
		v.depth--
		return true
	}
	for {
		if v.i >= len(v.b) || v.b[v.i] != '"' || !v.str() {
			return false
		}
		v.i = skipJSONSpace(v.b, v.i)
		if v.i >= len(v.b) || v.b[v.i] != ':' {
			return false
		}
		v.i = skipJSONSpace(v.b, v.i+1)
		if !v.value() {
			return false
		}
		v.i = skipJSONSpace(v.b, v.i)
		if v.i >= len(v.b) {
			return false
		}
		switch v.b[v.i] {
		case ',':
			v.i = skipJSONSpace(v.b, v.i+1)
		case '}':
			v.i++
			v.depth--
			return true
		default:
			return false
		}
	}
}
