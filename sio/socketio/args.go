package socketio

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// This file owns the conversion between Go values and the JSON array of an
// EVENT or ACK payload (spec: "Sending and receiving data",
// "Acknowledgement"), with []byte values travelling as binary attachments
// (spec: "Packet encoding", "with binary data").
//
// Encoding follows encoding/json (json.Marshal output, HTML escaping
// included), except that a non-nil []byte found at any depth becomes a
// placeholder plus an attachment instead of a base64 string. Values whose
// type cannot hold a []byte are handed to encoding/json as a whole.

// maxArgDepth bounds the nesting walked by the encoder, which also stops
// cyclic values (encoding/json reports those as errors too). It equals the
// decoder's limit, so whatever was decoded can be encoded again.
const maxArgDepth = maxJSONDepth

// errArgTooDeep reports a value nested deeper than maxArgDepth.
var errArgTooDeep = errors.New("socketio: argument nested too deeply (cyclic value?)")

// encodeArgs builds a JSON array from Go values. Every non-nil []byte found
// at any depth (slices, arrays, maps, struct fields honouring json tags,
// pointers, interfaces) is replaced by {"_placeholder":true,"num":N} and
// returned as attachments[N]; the attachments alias the arguments' memory.
// json.RawMessage, json.Marshaler and encoding.TextMarshaler values are
// opaque JSON: nothing inside them is extracted. Map keys are sorted.
func encodeArgs(args ...any) (data json.RawMessage, attachments [][]byte, err error) {
	return encodeArgArray(nil, args)
}

// encodeEvent is encodeArgs with the event name prepended as the first
// element, the payload shape of EVENT packets.
func encodeEvent(event string, args ...any) (json.RawMessage, [][]byte, error) {
	return encodeArgArray(&event, args)
}

func encodeArgArray(event *string, args []any) (json.RawMessage, [][]byte, error) {
	return appendArgArray(nil, event, args, nil)
}

// appendArgArray is encodeArgArray writing after prefix, in a new buffer
// sized for both: it returns prefix followed by the array. The
// json.RawMessage arguments that are, bounds and all, elements of checked
// (the arguments of an event being answered, which its decoder checked for
// JSON and UTF-8 as it split them) are copied without checking them again.
func appendArgArray(prefix []byte, event *string, args []any, checked []json.RawMessage) ([]byte, [][]byte, error) {
	return appendArgArrayTo(nil, prefix, event, args, checked)
}

// appendArgArrayTo is appendArgArray writing into dst's memory (from its
// start) when it is large enough, instead of a new buffer.
func appendArgArrayTo(dst, prefix []byte, event *string, args []any, checked []json.RawMessage) ([]byte, [][]byte, error) {
	size := len(prefix) + 2 + len(args)
	if event != nil {
		size += len(*event) + 3
	}
	for _, a := range args {
		switch a := a.(type) {
		case string:
			size += len(a) + 2
		case json.RawMessage:
			size += len(a)
		case map[string]any:
			size += 24 * len(a)
		case []byte:
			size += len(`{"_placeholder":true,"num":}`) + 2
		default:
			size += 16
		}
	}
	if cap(dst) < size {
		dst = make([]byte, 0, size)
	}
	e := argEncoder{buf: dst[:0], checked: checked}
	e.buf = append(e.buf, prefix...)
	e.buf = append(e.buf, '[')
	if event != nil {
		e.buf = appendJSONString(e.buf, *event)
	}
	for i, a := range args {
		if i > 0 || event != nil {
			e.buf = append(e.buf, ',')
		}
		if err := e.encode(a, 0); err != nil {
			return nil, nil, err
		}
	}
	e.buf = append(e.buf, ']')
	return e.buf, e.attachments, nil
}

// argEncoder appends the JSON of arguments to one buffer and collects the
// attachments extracted on the way.
type argEncoder struct {
	buf         []byte
	attachments [][]byte
	checked     []json.RawMessage // see appendArgArray
}

// encode appends v, taking the type-switch fast path for the common types.
func (e *argEncoder) encode(v any, depth int) error {
	switch x := v.(type) {
	case nil:
		e.buf = append(e.buf, "null"...)
	case string:
		e.buf = appendJSONString(e.buf, x)
	case json.RawMessage:
		return e.raw(x)
	case []byte:
		e.bytes(x)
	case bool:
		e.buf = strconv.AppendBool(e.buf, x)
	case int:
		e.buf = strconv.AppendInt(e.buf, int64(x), 10)
	case int64:
		e.buf = strconv.AppendInt(e.buf, x, 10)
	case int32:
		e.buf = strconv.AppendInt(e.buf, int64(x), 10)
	case int16:
		e.buf = strconv.AppendInt(e.buf, int64(x), 10)
	case int8:
		e.buf = strconv.AppendInt(e.buf, int64(x), 10)
	case uint:
		e.buf = strconv.AppendUint(e.buf, uint64(x), 10)
	case uint64:
		e.buf = strconv.AppendUint(e.buf, x, 10)
	case uint32:
		e.buf = strconv.AppendUint(e.buf, uint64(x), 10)
	case uint16:
		e.buf = strconv.AppendUint(e.buf, uint64(x), 10)
	case uint8:
		e.buf = strconv.AppendUint(e.buf, uint64(x), 10)
	case float64:
		return e.float(x, 64)
	case float32:
		return e.float(float64(x), 32)
	case map[string]any:
		return e.stringMap(x, depth)
	case []any:
		if x == nil {
			e.buf = append(e.buf, "null"...)
			return nil
		}
		if depth >= maxArgDepth {
			return errArgTooDeep
		}
		e.buf = append(e.buf, '[')
		for i, elem := range x {
			if i > 0 {
				e.buf = append(e.buf, ',')
			}
			if err := e.encode(elem, depth+1); err != nil {
				return err
			}
		}
		e.buf = append(e.buf, ']')
	default:
		return e.value(reflect.ValueOf(v), depth)
	}
	return nil
}

func (e *argEncoder) raw(r json.RawMessage) error {
	if r == nil {
		e.buf = append(e.buf, "null"...)
		return nil
	}
	if e.isChecked(r) {
		e.buf = append(e.buf, r...)
		return nil
	}
	if !validJSON(r) {
		return fmt.Errorf("%w: json.RawMessage argument", errInvalidJSON)
	}
	if !utf8.Valid(r) {
		// Text frames carry UTF-8 only: a client would drop the whole
		// connection. Invalid bytes become U+FFFD, as encoding/json
		// writes them for a Go string.
		e.buf = append(e.buf, bytes.ToValidUTF8(r, []byte("\uFFFD"))...)
		return nil
	}
	e.buf = append(e.buf, r...)
	return nil
}

// isChecked reports whether r is one of e.checked: the same bytes, not a
// copy nor a part of them.
func (e *argEncoder) isChecked(r json.RawMessage) bool {
	if len(r) == 0 {
		return false
	}
	for _, c := range e.checked {
		if len(c) == len(r) && &c[0] == &r[0] {
			return true
		}
	}
	return false
}

// bytes extracts b as the next attachment; nil stays null as in JSON.
func (e *argEncoder) bytes(b []byte) {
	if b == nil {
		e.buf = append(e.buf, "null"...)
		return
	}
	e.buf = appendPlaceholder(e.buf, len(e.attachments))
	e.attachments = append(e.attachments, b)
}

func (e *argEncoder) float(f float64, bits int) error {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return &json.UnsupportedValueError{Value: reflect.ValueOf(f), Str: strconv.FormatFloat(f, 'g', -1, bits)}
	}
	e.buf = appendJSONFloat(e.buf, f, bits)
	return nil
}

func (e *argEncoder) stringMap(m map[string]any, depth int) error {
	if m == nil {
		e.buf = append(e.buf, "null"...)
		return nil
	}
	if depth >= maxArgDepth {
		return errArgTooDeep
	}
	var small [8]string // keeps the usual small map free of a key allocation
	keys := small[:0]
	if len(m) > len(small) {
		keys = make([]string, 0, len(m))
	}
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	e.buf = append(e.buf, '{')
	for i, k := range keys {
		if i > 0 {
			e.buf = append(e.buf, ',')
		}
		e.buf = appendJSONString(e.buf, k)
		e.buf = append(e.buf, ':')
		if err := e.encode(m[k], depth+1); err != nil {
			return err
		}
	}
	e.buf = append(e.buf, '}')
	return nil
}

// value is the reflective path, walking only the parts of v that may hold
// a []byte and handing everything else to encoding/json.
func (e *argEncoder) value(v reflect.Value, depth int) error {
	if !v.IsValid() {
		e.buf = append(e.buf, "null"...)
		return nil
	}
	if depth >= maxArgDepth {
		return errArgTooDeep
	}
	t := v.Type()
	if !binaryCapable(t) && (v.CanInterface() || t.Kind() != reflect.Struct && t.Kind() != reflect.Pointer) {
		return e.marshal(v)
	}
	switch t.Kind() {
	case reflect.Interface:
		if v.IsNil() {
			e.buf = append(e.buf, "null"...)
			return nil
		}
		if !v.CanInterface() {
			return e.value(v.Elem(), depth+1)
		}
		return e.encode(v.Interface(), depth+1)
	case reflect.Pointer:
		if v.IsNil() {
			e.buf = append(e.buf, "null"...)
			return nil
		}
		return e.value(v.Elem(), depth+1)
	case reflect.Slice:
		if isBinarySlice(t) {
			if v.IsNil() {
				e.buf = append(e.buf, "null"...)
			} else {
				e.bytes(v.Bytes())
			}
			return nil
		}
		if v.IsNil() {
			e.buf = append(e.buf, "null"...)
			return nil
		}
		return e.list(v, depth)
	case reflect.Array:
		return e.list(v, depth)
	case reflect.Map:
		return e.mapValue(v, depth)
	case reflect.Struct:
		return e.structValue(v, depth)
	}
	return e.marshal(v)
}

func (e *argEncoder) list(v reflect.Value, depth int) error {
	e.buf = append(e.buf, '[')
	for i := range v.Len() {
		if i > 0 {
			e.buf = append(e.buf, ',')
		}
		if err := e.value(v.Index(i), depth+1); err != nil {
			return err
		}
	}
	e.buf = append(e.buf, ']')
	return nil
}

func (e *argEncoder) mapValue(v reflect.Value, depth int) error {
	if v.IsNil() {
		e.buf = append(e.buf, "null"...)
		return nil
	}
	type entry struct {
		key string
		val reflect.Value
	}
	entries := make([]entry, 0, v.Len())
	for it := v.MapRange(); it.Next(); {
		k, err := mapKeyString(it.Key())
		if err != nil {
			return err
		}
		entries = append(entries, entry{k, it.Value()})
	}
	slices.SortFunc(entries, func(a, b entry) int { return strings.Compare(a.key, b.key) })
	e.buf = append(e.buf, '{')
	for i, en := range entries {
		if i > 0 {
			e.buf = append(e.buf, ',')
		}
		e.buf = appendJSONString(e.buf, en.key)
		e.buf = append(e.buf, ':')
		if err := e.value(en.val, depth+1); err != nil {
			return err
		}
	}
	e.buf = append(e.buf, '}')
	return nil
}

// mapKeyString renders a map key the way encoding/json does.
func mapKeyString(k reflect.Value) (string, error) {
	if k.Kind() == reflect.String {
		return k.String(), nil
	}
	if tm, ok := k.Interface().(encoding.TextMarshaler); ok {
		if k.Kind() == reflect.Pointer && k.IsNil() {
			return "", nil
		}
		b, err := tm.MarshalText()
		return string(b), err
	}
	switch k.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(k.Int(), 10), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return strconv.FormatUint(k.Uint(), 10), nil
	}
	return "", &json.UnsupportedTypeError{Type: k.Type()}
}

func (e *argEncoder) structValue(v reflect.Value, depth int) error {
	e.buf = append(e.buf, '{')
	first := true
	fields := structFields(v.Type())
	for i := range fields {
		f := &fields[i]
		fv, ok := fieldByIndex(v, f.index)
		if !ok || (f.omitEmpty && isEmptyJSONValue(fv)) || (f.omitZero && isZeroValue(fv)) {
			continue
		}
		if !first {
			e.buf = append(e.buf, ',')
		}
		first = false
		e.buf = append(e.buf, f.key...)
		var err error
		if f.quoted {
			err = e.quotedScalar(fv)
		} else {
			err = e.value(fv, depth+1)
		}
		if err != nil {
			return err
		}
	}
	e.buf = append(e.buf, '}')
	return nil
}

// quotedScalar writes a field tagged ",string": its JSON inside a string.
func (e *argEncoder) quotedScalar(v reflect.Value) error {
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			e.buf = append(e.buf, "null"...)
			return nil
		}
		v = v.Elem()
	}
	mark := len(e.buf)
	if err := e.marshal(v); err != nil {
		return err
	}
	inner := string(e.buf[mark:])
	e.buf = e.buf[:mark]
	if v.Kind() == reflect.String {
		e.buf = appendJSONString(e.buf, inner)
	} else {
		e.buf = append(append(append(e.buf, '"'), inner...), '"')
	}
	return nil
}

// marshal hands v to encoding/json. A value whose pointer type has the
// MarshalJSON method is passed by address when addressable, as
// encoding/json itself does.
func (e *argEncoder) marshal(v reflect.Value) error {
	if !v.CanInterface() {
		return fmt.Errorf("socketio: cannot encode unexported value of type %s", v.Type())
	}
	x := v.Interface()
	if v.Kind() != reflect.Pointer && v.CanAddr() && implementsMarshaler(reflect.PointerTo(v.Type())) {
		x = v.Addr().Interface()
	}
	b, err := json.Marshal(x)
	if err != nil {
		return err
	}
	e.buf = append(e.buf, b...)
	return nil
}

// anyBinary reports whether any of the values holds a non-nil []byte at any
// depth, i.e. whether encodeArgs would return attachments.
func anyBinary(args ...any) bool {
	for _, a := range args {
		if hasBinary(a, 0) {
			return true
		}
	}
	return false
}

func hasBinary(v any, depth int) bool {
	switch x := v.(type) {
	case nil, string, json.RawMessage, bool, int, int64, float64:
		return false
	case []byte:
		return x != nil
	case []any:
		if depth >= maxArgDepth {
			return false
		}
		for _, elem := range x {
			if hasBinary(elem, depth+1) {
				return true
			}
		}
		return false
	case map[string]any:
		if depth >= maxArgDepth {
			return false
		}
		for _, elem := range x {
			if hasBinary(elem, depth+1) {
				return true
			}
		}
		return false
	}
	return hasBinaryValue(reflect.ValueOf(v), depth)
}

func hasBinaryValue(v reflect.Value, depth int) bool {
	if !v.IsValid() || depth >= maxArgDepth || !binaryCapable(v.Type()) {
		return false
	}
	switch v.Kind() {
	case reflect.Interface:
		if v.IsNil() {
			return false
		}
		if v.CanInterface() {
			return hasBinary(v.Interface(), depth+1)
		}
		return hasBinaryValue(v.Elem(), depth+1)
	case reflect.Pointer:
		return !v.IsNil() && hasBinaryValue(v.Elem(), depth+1)
	case reflect.Slice:
		if isBinarySlice(v.Type()) {
			return !v.IsNil()
		}
		fallthrough
	case reflect.Array:
		for i := range v.Len() {
			if hasBinaryValue(v.Index(i), depth+1) {
				return true
			}
		}
	case reflect.Map:
		for it := v.MapRange(); it.Next(); {
			if hasBinaryValue(it.Value(), depth+1) {
				return true
			}
		}
	case reflect.Struct:
		for _, f := range structFields(v.Type()) {
			fv, ok := fieldByIndex(v, f.index)
			if !ok || f.quoted || (f.omitEmpty && isEmptyJSONValue(fv)) || (f.omitZero && isZeroValue(fv)) {
				continue
			}
			if hasBinaryValue(fv, depth+1) {
				return true
			}
		}
	}
	return false
}
