package socketio

import (
	"encoding"
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"sync"
	"unicode"
)

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
