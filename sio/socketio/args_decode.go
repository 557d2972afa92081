package socketio

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"unicode/utf8"
)

// This file owns the decoding of event and ack arguments: splitting the
// JSON array and decoding one argument into a Go value, binary
// placeholders replaced by their attachments.

// splitArgs splits a JSON array into its top-level elements without
// decoding them, checking in the same pass that data is well-formed. The
// elements alias data.
func splitArgs(data json.RawMessage) ([]json.RawMessage, error) {
	return splitArgsInto(make([]json.RawMessage, 0, 4), data)
}

// splitArgsInto is splitArgs appending the elements to out.
func splitArgsInto(out []json.RawMessage, data json.RawMessage) ([]json.RawMessage, error) {
	v := jsonValidator{b: data, depth: 1}
	v.i = skipJSONSpace(data, 0)
	if v.i >= len(data) {
		return nil, fmt.Errorf("%w: no arguments", errInvalidJSON)
	}
	if data[v.i] != '[' {
		if validJSON(data) {
			return nil, fmt.Errorf("%w: arguments must be a JSON array", errInvalidPayload)
		}
		return nil, fmt.Errorf("%w: arguments", errInvalidJSON)
	}
	v.i = skipJSONSpace(data, v.i+1)
	if v.i < len(data) && data[v.i] == ']' {
		v.i++
	} else {
		for {
			start := v.i
			if !v.value() {
				return nil, fmt.Errorf("%w: arguments", errInvalidJSON)
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
			return nil, fmt.Errorf("%w: arguments", errInvalidJSON)
		}
	}
	if skipJSONSpace(data, v.i) != len(data) {
		return nil, fmt.Errorf("%w: data after the arguments", errInvalidJSON)
	}
	return out, nil
}

// decodeArg decodes one argument into target, which must be a non-nil
// pointer, replacing placeholders by their attachments:
//
//   - *json.RawMessage receives a copy of raw, placeholders untouched;
//   - *any receives the decodeAny tree, placeholders becoming []byte;
//   - any other target is filled by json.Unmarshal from raw with each
//     placeholder rewritten as the base64 string of its attachment, so
//     []byte places get the bytes; then every interface-typed place
//     (field, element or map value of type any) that json.Unmarshal filled
//     with a generic tree is given the decodeAny tree, with []byte leaves.
//     (A json.RawMessage nested in a typed target gets the base64 string.)
//
// A []byte taken straight from attachments (a *[]byte target holding one
// placeholder, the []byte leaves of a tree) aliases it. A placeholder whose
// num does not index attachments is an errBadPlaceholder error; a syntax
// error wraps errInvalidJSON; a type mismatch is the *json.UnmarshalTypeError
// of encoding/json.
func decodeArg(raw json.RawMessage, attachments [][]byte, target any) error {
	switch t := target.(type) {
	case *json.RawMessage:
		if t != nil {
			if !validJSON(raw) {
				return fmt.Errorf("%w: argument", errInvalidJSON)
			}
			*t = append(json.RawMessage(nil), raw...)
			return nil
		}
	case *any:
		if t != nil {
			v, err := decodeAny(raw, attachments)
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
	tree, err := decodeAny(raw, attachments)
	if err != nil {
		return err
	}
	restoreInterfaces(rv.Elem(), tree, 0)
	return nil
}

// decodeAny returns the argument as a generic Go value: map[string]any,
// []any, string, float64, bool or nil, with every placeholder replaced by
// its attachment as a []byte (aliasing attachments).
func decodeAny(raw json.RawMessage, attachments [][]byte) (any, error) {
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
// errInvalidJSON.
func unmarshalArg(raw []byte, target any) error {
	err := json.Unmarshal(raw, target)
	var syntax *json.SyntaxError
	if errors.As(err, &syntax) {
		return fmt.Errorf("%w: %w", errInvalidJSON, err)
	}
	return err
}

// plainJSONString returns the value of raw when it is a JSON string with no
// escape, control character or invalid UTF-8, the common case that needs
// no decoder.
func plainJSONString(raw []byte) (string, bool) {
	body, ok := plainJSONBody(raw)
	if !ok {
		return "", false
	}
	return string(body), true
}

// plainJSONBody is plainJSONString's string as bytes (aliasing raw).
func plainJSONBody(raw []byte) ([]byte, bool) {
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return nil, false
	}
	body := raw[1 : len(raw)-1]
	ascii := true
	for _, c := range body {
		if c < 0x20 || c == '"' || c == '\\' {
			return nil, false
		}
		if c >= utf8.RuneSelf {
			ascii = false
		}
	}
	if !ascii && !utf8.Valid(body) {
		return nil, false
	}
	return body, true
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

// restoreInterfaces walks target along tree (the decodeAny view of the
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
