package socketio

import (
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"
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

// EncodeArgs builds a JSON array from Go values. Every non-nil []byte found
// at any depth (slices, arrays, maps, struct fields honouring json tags,
// pointers, interfaces) is replaced by {"_placeholder":true,"num":N} and
// returned as attachments[N]; the attachments alias the arguments' memory.
// json.RawMessage, json.Marshaler and encoding.TextMarshaler values are
// opaque JSON: nothing inside them is extracted. Map keys are sorted.
func EncodeArgs(args ...any) (data json.RawMessage, attachments [][]byte, err error) {
	return encodeArgArray(nil, args)
}

// EncodeEvent is EncodeArgs with the event name prepended as the first
// element, the payload shape of EVENT packets.
func EncodeEvent(event string, args ...any) (json.RawMessage, [][]byte, error) {
	return encodeArgArray(&event, args)
}

func encodeArgArray(event *string, args []any) (json.RawMessage, [][]byte, error) {
	size := 2 + len(args)
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
	e := argEncoder{buf: make([]byte, 0, size)}
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
	if !validJSON(r) {
		return fmt.Errorf("%w: json.RawMessage argument", ErrInvalidJSON)
	}
	e.buf = append(e.buf, r...)
	return nil
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
	if !binaryCapable(t) {
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

// HasBinary reports whether any of the values holds a non-nil []byte at any
// depth, i.e. whether EncodeArgs would return attachments.
func HasBinary(args ...any) bool {
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

// SplitArgs splits a JSON array into its top-level elements without
// decoding them, checking in the same pass that data is well-formed. The
// elements alias data.
func SplitArgs(data json.RawMessage) ([]json.RawMessage, error) {
	v := jsonValidator{b: data, depth: 1}
	v.i = skipJSONSpace(data, 0)
	if v.i >= len(data) {
		return nil, fmt.Errorf("%w: no arguments", ErrInvalidJSON)
	}
	if data[v.i] != '[' {
		if validJSON(data) {
			return nil, fmt.Errorf("%w: arguments must be a JSON array", ErrInvalidPayload)
		}
		return nil, fmt.Errorf("%w: arguments", ErrInvalidJSON)
	}
	out := make([]json.RawMessage, 0, 4)
	v.i = skipJSONSpace(data, v.i+1)
	if v.i < len(data) && data[v.i] == ']' {
		v.i++
	} else {
		for {
			start := v.i
			if !v.value() {
				return nil, fmt.Errorf("%w: arguments", ErrInvalidJSON)
			}
			out = append(out, data[start:v.i:v.i])
			v.i = skipJSONSpace(data, v.i)
			if v.i < len(data) && data[v.i] == ',' {
				v.i = skipJSONSpace(data, v.i+1)
				continue
			}
			if v.i < len(data) && data[v.i] == ']' {
				v.i++
				break
			}
			return nil, fmt.Errorf("%w: arguments", ErrInvalidJSON)
		}
	}
	if skipJSONSpace(data, v.i) != len(data) {
		return nil, fmt.Errorf("%w: data after the arguments", ErrInvalidJSON)
	}
	return out, nil
}

// DecodeArg decodes one argument into target, which must be a non-nil
// pointer, replacing placeholders by their attachments:
//
//   - *json.RawMessage receives a copy of raw, placeholders untouched;
//   - *any receives the DecodeAny tree, placeholders becoming []byte;
//   - any other target is filled by json.Unmarshal from raw with each
//     placeholder rewritten as the base64 string of its attachment, so
//     []byte places get the bytes; then every interface-typed place
//     (field, element or map value of type any) that json.Unmarshal filled
//     with a generic tree is given the DecodeAny tree, with []byte leaves.
//     (A json.RawMessage nested in a typed target gets the base64 string.)
//
// A []byte taken straight from attachments (a *[]byte target holding one
// placeholder, the []byte leaves of a tree) aliases it. A placeholder whose
// num does not index attachments is an ErrBadPlaceholder error; a syntax
// error wraps ErrInvalidJSON; a type mismatch is the *json.UnmarshalTypeError
// of encoding/json.
func DecodeArg(raw json.RawMessage, attachments [][]byte, target any) error {
	switch t := target.(type) {
	case *json.RawMessage:
		if t != nil {
			if !validJSON(raw) {
				return fmt.Errorf("%w: argument", ErrInvalidJSON)
			}
			*t = append(json.RawMessage(nil), raw...)
			return nil
		}
	case *any:
		if t != nil {
			v, err := DecodeAny(raw, attachments)
			if err != nil {
				return err
			}
			*t = v
			return nil
		}
	case *string:
		if t != nil {
			if s, ok := plainJSONString(raw); ok {
				*t = s
				return nil
			}
		}
	case *[]byte:
		if t != nil {
			if b, ok, err := wholePlaceholder(raw, attachments); ok || err != nil {
				if err == nil {
					*t = b
				}
				return err
			}
		}
	}
	rv := reflect.ValueOf(target)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return &json.InvalidUnmarshalError{Type: reflect.TypeOf(target)}
	}
	inlined, changed, err := inlineAttachments(raw, attachments)
	if err != nil {
		return err
	}
	if err := unmarshalArg(inlined, target); err != nil {
		return err
	}
	if !changed || !holdsEmptyInterface(rv.Type().Elem()) {
		return nil // no []byte can be lost in an interface place
	}
	tree, err := DecodeAny(raw, attachments)
	if err != nil {
		return err
	}
	restoreInterfaces(rv.Elem(), tree, 0)
	return nil
}

// DecodeAny returns the argument as a generic Go value: map[string]any,
// []any, string, float64, bool or nil, with every placeholder replaced by
// its attachment as a []byte (aliasing attachments).
func DecodeAny(raw json.RawMessage, attachments [][]byte) (any, error) {
	var v any
	if s, ok := plainJSONString(raw); ok {
		return s, nil
	}
	if err := unmarshalArg(raw, &v); err != nil {
		return nil, err
	}
	if !mayHoldPlaceholder(raw) {
		return v, nil
	}
	return resolvePlaceholders(v, attachments)
}

// unmarshalArg is json.Unmarshal with syntax errors wrapped in
// ErrInvalidJSON.
func unmarshalArg(raw []byte, target any) error {
	err := json.Unmarshal(raw, target)
	var syntax *json.SyntaxError
	if errors.As(err, &syntax) {
		return fmt.Errorf("%w: %w", ErrInvalidJSON, err)
	}
	return err
}

// plainJSONString returns the value of raw when it is a JSON string with no
// escape, control character or invalid UTF-8, the common case that needs
// no decoder.
func plainJSONString(raw []byte) (string, bool) {
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return "", false
	}
	body := raw[1 : len(raw)-1]
	ascii := true
	for _, c := range body {
		if c < 0x20 || c == '"' || c == '\\' {
			return "", false
		}
		if c >= utf8.RuneSelf {
			ascii = false
		}
	}
	if !ascii && !utf8.Valid(body) {
		return "", false
	}
	return string(body), true
}

// wholePlaceholder reports whether raw is exactly one placeholder and, if
// so, returns its attachment.
func wholePlaceholder(raw []byte, attachments [][]byte) ([]byte, bool, error) {
	start := skipJSONSpace(raw, 0)
	if start >= len(raw) || raw[start] != '{' || !validJSON(raw) {
		return nil, false, nil
	}
	spans, err := findPlaceholders(raw)
	if err != nil || len(spans) != 1 || spans[0].start != start || skipJSONSpace(raw, spans[0].end) != len(raw) {
		return nil, false, nil
	}
	num, err := placeholderIndex(raw, spans[0], len(attachments))
	if err != nil {
		return nil, true, err
	}
	return attachments[num], true, nil
}

// restoreInterfaces walks target along tree (the DecodeAny view of the
// same JSON) and stores the tree into every empty-interface place, so that
// placeholders there become []byte rather than base64 strings.
func restoreInterfaces(v reflect.Value, tree any, depth int) {
	if depth >= maxArgDepth || !holdsEmptyInterface(v.Type()) {
		return
	}
	switch v.Kind() {
	case reflect.Interface:
		if cur := v.Elem(); cur.IsValid() && cur.Kind() == reflect.Pointer {
			if !cur.IsNil() {
				restoreInterfaces(cur, tree, depth+1)
			}
			return
		}
		if v.CanSet() {
			if tree == nil {
				v.SetZero()
			} else {
				v.Set(reflect.ValueOf(tree))
			}
		}
	case reflect.Pointer:
		if !v.IsNil() {
			restoreInterfaces(v.Elem(), tree, depth+1)
		}
	case reflect.Slice, reflect.Array:
		list, _ := tree.([]any)
		for i := range min(v.Len(), len(list)) {
			restoreInterfaces(v.Index(i), list[i], depth+1)
		}
	case reflect.Map:
		obj, _ := tree.(map[string]any)
		if v.IsNil() || v.Type().Key().Kind() != reflect.String {
			return
		}
		kt, et := v.Type().Key(), v.Type().Elem()
		for k, sub := range obj {
			key := reflect.ValueOf(k).Convert(kt)
			cur := v.MapIndex(key)
			if !cur.IsValid() {
				continue
			}
			cp := reflect.New(et).Elem()
			cp.Set(cur)
			restoreInterfaces(cp, sub, depth+1)
			v.SetMapIndex(key, cp)
		}
	case reflect.Struct:
		obj, _ := tree.(map[string]any)
		if len(obj) == 0 {
			return
		}
		fields := structFields(v.Type())
		for i := range fields {
			f := &fields[i]
			if !holdsEmptyInterface(f.typ) {
				continue
			}
			sub, ok := memberFor(fields, f, obj)
			if !ok {
				continue
			}
			if fv, ok := fieldByIndex(v, f.index); ok {
				restoreInterfaces(fv, sub, depth+1)
			}
		}
	}
}

// memberFor returns the member of obj that encoding/json decoded into
// field f: the one member whose name is f's name or, without an exact
// match, folds to it. When several members land in f, the last one in the
// document won, an order obj no longer has, so no member is returned and
// the field keeps what json.Unmarshal stored.
func memberFor(fields []structField, f *structField, obj map[string]any) (any, bool) {
	var found any
	n := 0
	for k, sub := range obj {
		if k == f.name || (strings.EqualFold(k, f.name) && !hasExactField(fields, k)) {
			found = sub
			n++
		}
	}
	return found, n == 1
}

// hasExactField reports whether a field is named exactly name; such a
// member never folds onto another field.
func hasExactField(fields []structField, name string) bool {
	for i := range fields {
		if fields[i].name == name {
			return true
		}
	}
	return false
}

// ---- per-type knowledge, cached ----

var (
	jsonMarshalerType   = reflect.TypeFor[json.Marshaler]()
	textMarshalerType   = reflect.TypeFor[encoding.TextMarshaler]()
	jsonUnmarshalerType = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
	binaryCapableCache  sync.Map // reflect.Type -> bool
	emptyInterfaceCache sync.Map // reflect.Type -> bool
	structFieldsCache   sync.Map // reflect.Type -> []structField
)

func implementsMarshaler(t reflect.Type) bool {
	return t.Implements(jsonMarshalerType) || t.Implements(textMarshalerType)
}

// opaqueForEncoding reports whether encoding/json hands values of t to a
// MarshalJSON or MarshalText method, directly or through a pointer.
func opaqueForEncoding(t reflect.Type) bool {
	return implementsMarshaler(t) || (t.Kind() != reflect.Pointer && implementsMarshaler(reflect.PointerTo(t)))
}

// isBinarySlice reports whether t is a byte slice that encoding/json would
// write as base64: those are the values extracted as attachments.
func isBinarySlice(t reflect.Type) bool {
	if t.Kind() != reflect.Slice || t.Elem().Kind() != reflect.Uint8 {
		return false
	}
	return !opaqueForEncoding(t.Elem())
}

// binaryCapable reports whether a value of type t may hold a []byte that
// the encoder must extract. The answer is cached per type.
func binaryCapable(t reflect.Type) bool {
	if c, ok := binaryCapableCache.Load(t); ok {
		return c.(bool)
	}
	c := typeReaches(t, map[reflect.Type]bool{}, binaryLeaf)
	binaryCapableCache.Store(t, c)
	return c
}

// holdsEmptyInterface reports whether a value of type t has a place of type
// any that json.Unmarshal fills with a generic tree. Cached per type.
func holdsEmptyInterface(t reflect.Type) bool {
	if c, ok := emptyInterfaceCache.Load(t); ok {
		return c.(bool)
	}
	c := typeReaches(t, map[reflect.Type]bool{}, interfaceLeaf)
	emptyInterfaceCache.Store(t, c)
	return c
}

// typeLeaf classifies a type for typeReaches: stop (false), found (true),
// or look inside (descend).
type typeLeaf func(t reflect.Type) (found, stop bool)

func binaryLeaf(t reflect.Type) (bool, bool) {
	switch {
	case opaqueForEncoding(t):
		return false, true
	case t.Kind() == reflect.Interface:
		return true, true // the dynamic value may be anything
	case isBinarySlice(t):
		return true, true
	case t.Kind() == reflect.Map && !mapKeyEncodable(t.Key()):
		return false, true // encoding/json reports the error
	}
	return false, false
}

func interfaceLeaf(t reflect.Type) (bool, bool) {
	if t.Kind() == reflect.Interface {
		return t.NumMethod() == 0, true
	}
	if pt := reflect.PointerTo(t); pt.Implements(jsonUnmarshalerType) || pt.Implements(textUnmarshalerType) {
		return false, true // decoded by its own method
	}
	return false, false
}

// typeReaches searches the types reachable from t (elements, fields) for
// one that leaf accepts. A type met again while being searched counts as
// not found: reachability through a cycle adds nothing new.
func typeReaches(t reflect.Type, visiting map[reflect.Type]bool, leaf typeLeaf) bool {
	if found, stop := leaf(t); stop {
		return found
	}
	if visiting[t] {
		return false
	}
	visiting[t] = true
	defer delete(visiting, t)
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Array, reflect.Map:
		return typeReaches(t.Elem(), visiting, leaf)
	case reflect.Struct:
		for _, f := range structFields(t) {
			if typeReaches(f.typ, visiting, leaf) {
				return true
			}
		}
	}
	return false
}

func mapKeyEncodable(k reflect.Type) bool {
	switch k.Kind() {
	case reflect.String, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return true
	}
	return k.Implements(textMarshalerType)
}

// structField is one JSON member of a struct type, after json tags and
// embedded-struct promotion are applied.
type structField struct {
	name      string
	key       []byte // "name": ready to append
	index     []int
	typ       reflect.Type
	tagged    bool
	depth     int
	omitEmpty bool
	omitZero  bool
	quoted    bool // ",string" on a scalar
}

// structFields lists the JSON members of struct type t in declaration
// order, following the encoding/json rules: unexported fields and fields
// tagged "-" are skipped; fields of embedded structs without a tag name are
// promoted; when several fields claim one name, the shallowest wins, then
// the only tagged one, else none.
func structFields(t reflect.Type) []structField {
	if c, ok := structFieldsCache.Load(t); ok {
		return c.([]structField)
	}
	fields := collectStructFields(t)
	structFieldsCache.Store(t, fields)
	return fields
}

func collectStructFields(t reflect.Type) []structField {
	type level struct {
		typ   reflect.Type
		index []int
	}
	var all []structField
	current := []level{{typ: t}}
	seen := map[reflect.Type]bool{}
	for depth := 0; len(current) > 0; depth++ {
		var next []level
		for _, lv := range current {
			if seen[lv.typ] {
				continue
			}
			seen[lv.typ] = true
			for i := range lv.typ.NumField() {
				sf := lv.typ.Field(i)
				ft := sf.Type
				if ft.Name() == "" && ft.Kind() == reflect.Pointer {
					ft = ft.Elem()
				}
				if sf.Anonymous {
					if !sf.IsExported() && ft.Kind() != reflect.Struct {
						continue
					}
				} else if !sf.IsExported() {
					continue
				}
				tag := sf.Tag.Get("json")
				if tag == "-" {
					continue
				}
				name, opts, _ := strings.Cut(tag, ",")
				if !validJSONTagName(name) {
					name = ""
				}
				index := append(slices.Clip(lv.index), i)
				if name == "" && sf.Anonymous && ft.Kind() == reflect.Struct {
					next = append(next, level{typ: ft, index: index})
					continue
				}
				f := structField{
					name:   name,
					index:  index,
					typ:    sf.Type,
					tagged: name != "",
					depth:  depth,
				}
				if f.name == "" {
					f.name = sf.Name
				}
				for opt := range strings.SplitSeq(opts, ",") {
					switch opt {
					case "omitempty":
						f.omitEmpty = true
					case "omitzero":
						f.omitZero = true
					case "string":
						switch ft.Kind() {
						case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
							reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
							reflect.Float32, reflect.Float64, reflect.String:
							f.quoted = true
						}
					}
				}
				f.key = append(appendJSONString(nil, f.name), ':')
				all = append(all, f)
			}
		}
		current = next
	}
	return dominantFields(all)
}

// dominantFields keeps, for each name, the field encoding/json would use,
// and returns them ordered by index sequence.
func dominantFields(all []structField) []structField {
	slices.SortStableFunc(all, func(a, b structField) int {
		if c := strings.Compare(a.name, b.name); c != 0 {
			return c
		}
		if a.depth != b.depth {
			return a.depth - b.depth
		}
		if a.tagged != b.tagged {
			if a.tagged {
				return -1
			}
			return 1
		}
		return slices.Compare(a.index, b.index)
	})
	out := all[:0:0]
	for i := 0; i < len(all); {
		j := i + 1
		for j < len(all) && all[j].name == all[i].name {
			j++
		}
		group := all[i:j]
		i = j
		if len(group) > 1 && group[0].depth == group[1].depth && group[0].tagged == group[1].tagged {
			continue // ambiguous: encoding/json drops the name
		}
		out = append(out, group[0])
	}
	slices.SortFunc(out, func(a, b structField) int { return slices.Compare(a.index, b.index) })
	return out
}

// validJSONTagName mirrors the characters encoding/json accepts in a tag
// name; other names are ignored in favour of the Go field name.
func validJSONTagName(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		switch {
		case strings.ContainsRune("!#$%&()*+-./:;<=>?@[]^_{|}~ ", c):
		case !unicode.IsLetter(c) && !unicode.IsDigit(c):
			return false
		}
	}
	return true
}

// fieldByIndex follows index through embedded structs; ok is false when a
// nil embedded pointer is on the way.
func fieldByIndex(v reflect.Value, index []int) (reflect.Value, bool) {
	for k, i := range index {
		if k > 0 && v.Kind() == reflect.Pointer {
			if v.IsNil() {
				return reflect.Value{}, false
			}
			v = v.Elem()
		}
		v = v.Field(i)
	}
	return v, true
}

// isEmptyJSONValue is the "omitempty" test of encoding/json.
func isEmptyJSONValue(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Interface, reflect.Pointer:
		return v.IsZero()
	}
	return false
}

// isZeroValue is the "omitzero" test of encoding/json: an IsZero method
// when the type has one, the zero value otherwise.
func isZeroValue(v reflect.Value) bool {
	type zeroer interface{ IsZero() bool }
	if v.Kind() == reflect.Pointer && v.IsNil() {
		return true
	}
	if v.CanInterface() {
		if z, ok := v.Interface().(zeroer); ok {
			return z.IsZero()
		}
		if v.CanAddr() {
			if z, ok := v.Addr().Interface().(zeroer); ok {
				return z.IsZero()
			}
		}
	}
	return v.IsZero()
}

// ---- scalar encoding, byte-compatible with json.Marshal ----

// jsonSafeASCII marks the ASCII bytes written as is inside a JSON string by
// json.Marshal (which escapes <, > and & for safe embedding in HTML).
var jsonSafeASCII = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = true
	}
	for _, c := range `"\<>&` {
		t[c] = false
	}
	return t
}()

const lowerHex = "0123456789abcdef"

// appendJSONString appends s as a JSON string, escaping like json.Marshal:
// short escapes for \b \f \n \r \t, \u00XX for other controls and for
// < > &, U+FFFD for invalid UTF-8, and \u2028 \u2029 for the JavaScript
// line separators.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if jsonSafeASCII[c] {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', lowerHex[c>>4], lowerHex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', lowerHex[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// appendJSONFloat formats a finite float the way json.Marshal does: the
// shortest representation, in exponent form only for very small or very
// large magnitudes (the ECMAScript Number-to-String rule), with a
// two-digit negative exponent shortened (1e-07 → 1e-7).
func appendJSONFloat(dst []byte, f float64, bits int) []byte {
	format := byte('f')
	if a := math.Abs(f); a != 0 {
		if bits == 64 && (a < 1e-6 || a >= 1e21) || bits == 32 && (float32(a) < 1e-6 || float32(a) >= 1e21) {
			format = 'e'
		}
	}
	dst = strconv.AppendFloat(dst, f, format, -1, bits)
	if format == 'e' {
		n := len(dst)
		if n >= 4 && dst[n-4] == 'e' && dst[n-3] == '-' && dst[n-2] == '0' {
			dst[n-2] = dst[n-1]
			dst = dst[:n-1]
		}
	}
	return dst
}
