package socketio

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"testing"
	"time"
)

// This file holds a differential fuzz of the package's own JSON encoding of
// Go values (args.go, args_types.go) against encoding/json: for every value
// built from the fuzz bytes, encodeArgs(v) must produce exactly the bytes of
// json.Marshal([]any{v}), and fail exactly when json.Marshal fails. The
// values come from a fixed family of struct types chosen to reach every
// struct rule encoding/json has: dominant fields by depth and by tag,
// conflicting untagged fields that vanish, "-" and "-," tags, omitempty,
// omitzero (with and without an IsZero method), ",string", embedded pointers
// (nil and set), unexported embedded structs with exported fields, maps
// with int, string and TextMarshaler keys, Marshaler and TextMarshaler
// values, interfaces, NaN and infinities, invalid UTF-8 and HTML characters.
// Binary values ([]byte) are left out: encodeArgs makes them attachments by
// design.

// diffInner is embedded at several depths so that its fields compete.
type diffInner struct {
	A int    `json:"a"`
	B string `json:"b,omitempty"`
	C bool
	D float64 `json:",omitzero"`
}

type diffOther struct {
	A string // loses to a tagged "a" at the same depth, or conflicts
	C bool   // conflicts with diffInner.C at the same depth: both vanish
	E []int  `json:"e,omitempty"`
}

type diffDeep struct {
	diffInner
	Z int `json:"z,string"`
}

type diffzero struct{ V int }

// IsZero makes omitzero ask the method rather than compare with the zero
// value.
func (d diffzero) IsZero() bool { return d.V%2 == 0 }

type diffText string

// MarshalText makes diffText a TextMarshaler, usable as a map key.
func (t diffText) MarshalText() ([]byte, error) {
	if t == "fail" {
		return nil, fmt.Errorf("diffText: fail")
	}
	return []byte("t:" + string(t)), nil
}

type diffMarsh struct{ N int }

// MarshalJSON is on the value receiver, so pointers and values both use it.
func (m diffMarsh) MarshalJSON() ([]byte, error) {
	switch m.N % 4 {
	case 0:
		return []byte(` {"n" : ` + strconv.Itoa(m.N) + `} `), nil // not compact: json compacts it
	case 1:
		return []byte(`"<&>"`), nil // HTML escaping applies to Marshaler output
	case 2:
		return []byte(`{bad`), nil
	default:
		return nil, fmt.Errorf("diffMarsh: %d", m.N)
	}
}

type diffPtrMarsh struct{ N int }

// MarshalJSON on the pointer receiver is only used when the value is
// addressable.
func (m *diffPtrMarsh) MarshalJSON() ([]byte, error) {
	return []byte(strconv.Itoa(m.N * 10)), nil
}

type diffShapes struct {
	diffInner
	diffOther
	*diffDeep
	diffzero `json:"dz"`

	A        int8            `json:"a"` // dominates both embedded A fields
	Skip     int             `json:"-"`
	Dash     int             `json:"-,"`
	Str      int64           `json:",string"`
	StrU     uint16          `json:"stru,string,omitempty"`
	StrF     float32         `json:"strf,string"`
	StrB     bool            `json:"strb,string"`
	StrS     string          `json:"strs,string"`
	StrP     *int            `json:"strp,string"`
	OmitE    string          `json:"omite,omitempty"`
	OmitZ    diffzero        `json:"omitz,omitzero"`
	OmitZP   *diffzero       `json:"omitzp,omitzero"`
	OmitT    time.Time       `json:"omitt,omitzero"`
	OmitA    [2]int          `json:"omita,omitempty"`
	OmitA0   [0]int          `json:"omita0,omitempty"`
	OmitM    map[string]int  `json:"omitm,omitempty"`
	OmitI    any             `json:"omiti,omitempty"`
	OmitStr  struct{ X int } `json:"omitstr,omitzero"`
	Iface    any
	Ptr      *diffInner
	Slice    []diffInner
	Arr      [2]*int
	IntMap   map[int]string
	UintMap  map[uint8]bool
	TextMap  map[diffText]int
	StrMap   map[string]any
	Text     diffText
	TextP    *diffText
	Marsh    diffMarsh
	MarshP   *diffMarsh
	PtrMarsh diffPtrMarsh
	Raw      json.RawMessage
	Num      json.Number
	F32      float32
	F64      float64
	Dur      time.Duration
	Named    diffNamed
	unexp    int //nolint:unused // encoding/json ignores it
	Weird    int `json:"we!rd#"`
	Bad      int `json:"bad name"`
	Unicode  int `json:"ñ"`
}

type diffNamed []string

// diffSource hands out values taken from the fuzz bytes; when they run out
// it gives zeros.
type diffSource struct{ b []byte }

func (s *diffSource) byte() byte {
	if len(s.b) == 0 {
		return 0
	}
	c := s.b[0]
	s.b = s.b[1:]
	return c
}

func (s *diffSource) uint64() uint64 {
	var v uint64
	for range 8 {
		v = v<<8 | uint64(s.byte())
	}
	return v
}

var diffStrings = []string{"", "a", "<b>&amp;", "\u2028\u2029", "\xff\xfe", "é\x00\x1f", `"\`, "t:x", "fail", "0", "-1", "1e3", "true", "null"}
var diffRaws = []string{"", "null", ` { "a" : [ 1 , 2 ] } `, `"<>"`, "[1,", "1e400", `"\ud800"`, "\"\xff\""}
var diffFloats = []float64{0, -0.0, 1, -1.5, 1e21, 1e-7, 123456789e-20, 0.000001, math.MaxFloat32, math.SmallestNonzeroFloat64, math.NaN(), math.Inf(1), math.MaxFloat64}

func (s *diffSource) string() string {
	c := s.byte()
	if c < 200 {
		return diffStrings[int(c)%len(diffStrings)]
	}
	n := int(c - 200)
	if n > len(s.b) {
		n = len(s.b)
	}
	str := string(s.b[:n])
	s.b = s.b[n:]
	return str
}

// fill sets v (settable) from the source, recursing into composite types.
func (s *diffSource) fill(v reflect.Value, depth int) {
	if !v.CanSet() {
		return
	}
	if v.Type() == reflect.TypeFor[time.Time]() {
		switch s.byte() % 3 {
		case 1:
			v.Set(reflect.ValueOf(time.Unix(int64(s.uint64()%4e9), int64(s.byte())).UTC()))
		case 2:
			v.Set(reflect.ValueOf(time.Date(10000+int(s.byte()), 1, 1, 0, 0, 0, 0, time.UTC))) // beyond RFC 3339: both fail
		}
		return
	}
	if v.Type() == reflect.TypeFor[json.RawMessage]() {
		if r := diffRaws[int(s.byte())%len(diffRaws)]; r != "" {
			v.SetBytes([]byte(r))
		}
		return
	}
	if v.Type() == reflect.TypeFor[json.Number]() {
		v.SetString([]string{"", "12", "-0.5e3", "x", "01"}[int(s.byte())%5])
		return
	}
	switch v.Kind() {
	case reflect.Bool:
		v.SetBool(s.byte()%2 == 1)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		x := int64(s.uint64())
		if s.byte()%2 == 0 {
			x %= 100
		}
		v.SetInt(x) // truncated to the kind's width by the conversion below
		if v.OverflowInt(x) {
			v.SetInt(int64(int8(x)))
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		x := s.uint64()
		if v.OverflowUint(x) {
			x %= 256
		}
		v.SetUint(x)
	case reflect.Float32, reflect.Float64:
		c := s.byte()
		var f float64
		if c < 128 {
			f = diffFloats[int(c)%len(diffFloats)]
		} else {
			f = math.Float64frombits(s.uint64())
		}
		if v.Kind() == reflect.Float32 && !math.IsNaN(f) && !math.IsInf(f, 0) && math.Abs(f) > math.MaxFloat32 {
			f = math.Inf(1)
		}
		v.SetFloat(f)
	case reflect.String:
		v.SetString(s.string())
	case reflect.Pointer:
		if depth > 4 || s.byte()%3 == 0 {
			return // nil
		}
		p := reflect.New(v.Type().Elem())
		s.fill(p.Elem(), depth+1)
		v.Set(p)
	case reflect.Slice:
		c := s.byte()
		if c%4 == 0 || depth > 4 {
			return // nil
		}
		n := int(c%4) - 1
		sl := reflect.MakeSlice(v.Type(), n, n)
		for i := range n {
			s.fill(sl.Index(i), depth+1)
		}
		v.Set(sl)
	case reflect.Array:
		for i := range v.Len() {
			s.fill(v.Index(i), depth+1)
		}
	case reflect.Map:
		c := s.byte()
		if c%4 == 0 || depth > 4 {
			return
		}
		m := reflect.MakeMap(v.Type())
		for range int(c%4) - 1 {
			k := reflect.New(v.Type().Key()).Elem()
			s.fill(k, depth+1)
			e := reflect.New(v.Type().Elem()).Elem()
			s.fill(e, depth+1)
			m.SetMapIndex(k, e)
		}
		v.Set(m)
	case reflect.Interface:
		if depth > 4 {
			return
		}
		var x any
		switch s.byte() % 8 {
		case 1:
			x = s.string()
		case 2:
			x = diffFloats[int(s.byte())%len(diffFloats)]
		case 3:
			x = int(s.byte())
		case 4:
			in := diffInner{}
			s.fill(reflect.ValueOf(&in).Elem(), depth+1)
			x = in
		case 5:
			x = diffMarsh{N: int(s.byte())}
		case 6:
			x = map[string]any{s.string(): s.string()}
		case 7:
			x = []any{s.string(), nil, true}
		}
		if x != nil {
			v.Set(reflect.ValueOf(x))
		}
	case reflect.Struct:
		for i := range v.NumField() {
			s.fill(v.Field(i), depth+1)
		}
	}
}

// FuzzArgsMatchEncodingJSON is the differential fuzz: encodeArgs against
// json.Marshal, on the diffShapes family (as a value, as a pointer, inside
// a slice and a map).
func FuzzArgsMatchEncodingJSON(f *testing.F) {
	f.Add([]byte{})
	f.Add(bytes.Repeat([]byte{1}, 64))
	f.Add(bytes.Repeat([]byte{0xff, 3, 7, 200, 'x', 1}, 60))
	f.Add([]byte("\x05\x07\x81\x02\x03\x04abcdefghijklmnopqrstuvwxyz0123456789"))
	f.Fuzz(func(t *testing.T, data []byte) {
		src := &diffSource{b: data}
		var v diffShapes
		src.fill(reflect.ValueOf(&v).Elem(), 0)
		var values []any
		switch src.byte() % 4 {
		case 0:
			values = []any{v}
		case 1:
			values = []any{&v, v.Iface}
		case 2:
			values = []any{[]diffShapes{v}, v.diffInner}
		default:
			values = []any{map[string]*diffShapes{"k": &v, "nil": nil}}
		}
		want, wantErr := json.Marshal(values)
		got, atts, gotErr := encodeArgs(values...)
		if (wantErr == nil) != (gotErr == nil) {
			t.Fatalf("errors differ: encoding/json %v, encodeArgs %v\nvalue %#v", wantErr, gotErr, values)
		}
		if wantErr != nil {
			return
		}
		if len(atts) != 0 {
			t.Fatalf("attachments from a value without []byte: %d", len(atts))
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("encodings differ:\nencoding/json %s\nEncodeArgs    %s", want, got)
		}

		// Decoding the same JSON into the same type: decodeArg agrees with
		// json.Unmarshal.
		var viaJSON, viaArg []diffShapes
		errJSON := json.Unmarshal(want, &viaJSON)
		errArg := decodeArg(want, nil, &viaArg)
		if (errJSON == nil) != (errArg == nil) {
			if _, isMap := values[0].(map[string]*diffShapes); !isMap && len(values) == 1 {
				t.Fatalf("decode errors differ: json.Unmarshal %v, decodeArg %v\non %s", errJSON, errArg, want)
			}
		}
		if errJSON == nil && errArg == nil && !reflect.DeepEqual(viaJSON, viaArg) {
			t.Fatalf("decodings differ on %s:\n%#v\n%#v", want, viaJSON, viaArg)
		}
	})
}

// TestEncodeArgsTaggedUnexportedEmbedded is the first finding of
// FuzzArgsMatchEncodingJSON: a tagged embedded struct of an unexported type
// (a named member for encoding/json) in a value that may hold binary made
// encodeArgs fail with "cannot encode unexported value".
func TestEncodeArgsTaggedUnexportedEmbedded(t *testing.T) {
	type inner struct{ V int }
	type outer struct {
		inner     `json:"in"`
		*diffzero `json:"pz"`
		B         any
	}
	for _, v := range []any{
		outer{inner: inner{V: 1}, B: "x"},
		outer{inner: inner{V: 2}, diffzero: &diffzero{V: 3}},
		[]outer{{}},
	} {
		want, err := json.Marshal([]any{v})
		if err != nil {
			t.Fatal(err)
		}
		got, _, err := encodeArgs(v)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("encodeArgs(%#v) = %s, %v; want %s", v, got, err, want)
		}
	}
}
