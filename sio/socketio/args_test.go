package socketio

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

type argsInner struct {
	Label string `json:"label"`
	Data  []byte `json:"data"`
}

type argsEmbedded struct {
	Promoted []byte `json:"promoted"`
	Shadowed string
}

type argsOuter struct {
	argsEmbedded
	Name      string            `json:"name"`
	Blob      []byte            `json:"blob"`
	Skipped   []byte            `json:"-"`
	Dash      string            `json:"-,"`
	Empty     []byte            `json:"empty,omitempty"`
	Zero      *argsInner        `json:"zero,omitzero"`
	Inner     *argsInner        `json:"inner"`
	List      []argsInner       `json:"list"`
	ByName    map[string][]byte `json:"by_name"`
	Any       any               `json:"any"`
	Count     int               `json:"count,string"`
	Shadowed  string            `json:"Shadowed"`
	unexposed []byte
}

type argsOpaque struct{ B []byte }

func (argsOpaque) MarshalJSON() ([]byte, error) { return []byte(`"opaque"`), nil }

type argsBlob []byte

// argsNoBinary holds no []byte type at all: it takes the encoding/json path.
type argsNoBinary struct {
	A string            `json:"a"`
	B int               `json:"b,omitempty"`
	C map[string]string `json:"c"`
	D *float64          `json:"d,string"`
	E time.Time         `json:"e"`
}

// argsMixed can hold []byte but may hold none: it takes the reflective path.
type argsMixed struct {
	argsEmbedded
	S   string            `json:"s"`
	F   float64           `json:"f"`
	P   *int              `json:"p"`
	Any any               `json:"any"`
	M   map[int]any       `json:"m"`
	T   time.Time         `json:"t"`
	Q   uint8             `json:"q,string"`
	QS  string            `json:"qs,string"`
	Arr [2]any            `json:"arr"`
	Nil []byte            `json:"nil"`
	N   json.Number       `json:"n"`
	Raw json.RawMessage   `json:"raw"`
	Opq argsOpaque        `json:"opq"`
	Map map[string]any    `json:"map,omitempty"`
	X   map[argsKey][]any `json:"x"`
}

type argsKey string

func TestEncodeArgsMatchesEncodingJSON(t *testing.T) {
	seven := 7
	pi := 3.25
	values := []any{
		nil, true, false, 0, -12, int64(math.MaxInt64), int32(-5), uint(7), uint64(math.MaxUint64), int8(3),
		0.1, -0.0, 1e-7, 1e21, 1e20, 123456789.125, 5e-324, float32(3.14), float32(1e-7), float32(1e21),
		"", "hello", `quote " backslash \ slash /`, "<script>&amp;</script>", "line\u2028sep\u2029",
		"ctrl \x00\x01\x1f\x7f \b\f\n\r\t", "bad utf8 \xff\xfe end", "emoji 😀 é", "\xed\xa0\x80",
		[]any{1, "a", nil, []any{}, map[string]any{}},
		map[string]any{"z": 1, "a": []any{"x", map[string]any{"k": true}}, "m": nil, "<": ">"},
		[]string{"a", "b"}, map[string]string{"b": "2", "a": "1"}, map[int]string{10: "x", 2: "y"},
		json.Number("12.5e3"), json.RawMessage(`{"compact":[1,2]}`), argsOpaque{B: []byte{1}},
		argsNoBinary{A: "x", C: map[string]string{"k": "v"}, D: &pi, E: time.Unix(0, 0).UTC()},
		argsMixed{S: "s", F: 2.5, P: &seven, Any: "str", M: map[int]any{3: "c", 1: "a"}, T: time.Unix(1, 0).UTC(),
			Q: 9, QS: `he said "hi" <b>`, Arr: [2]any{1, "two"}, N: "42", Raw: json.RawMessage(`[true]`),
			X: map[argsKey][]any{"k2": {1}, "k1": {nil}}},
		&argsMixed{},
		argsOuter{Name: "n", Inner: &argsInner{Label: "l"}, List: []argsInner{{Label: "a"}}, Count: 3, Dash: "d"},
		[]argsMixed{{}, {S: "two"}},
		map[string]argsMixed{"b": {}, "a": {S: "a"}},
		[]*argsInner{nil, {Label: "p"}},
		struct {
			A any `json:"a"`
			B []any
		}{A: []any{1.5}, B: []any{map[string]any{"x": nil}}},
	}
	for i, v := range values {
		want, err := json.Marshal([]any{v})
		pcNoErr(t, err, "json.Marshal value %d (%T)", i, v)
		got, atts, err := encodeArgs(v)
		pcNoErr(t, err, "encodeArgs value %d (%T)", i, v)
		pcEqual(t, string(got), string(want), "value %d (%T)", i, v)
		pcEqual(t, len(atts), 0, "attachments of value %d", i)
		pcEqual(t, anyBinary(v), false, "anyBinary of value %d (%T)", i, v)
	}
}

func TestEncodeArgsExtractsBinaryAtAnyDepth(t *testing.T) {
	b1, b2, b3 := []byte{1}, []byte{2, 2}, []byte{3, 3, 3}
	cases := []struct {
		name string
		args []any
		want string
		atts [][]byte
	}{
		{"top level bytes", []any{b1}, `[{"_placeholder":true,"num":0}]`, [][]byte{b1}},
		{"empty non-nil bytes", []any{[]byte{}}, `[{"_placeholder":true,"num":0}]`, [][]byte{{}}},
		{"nil bytes stay null", []any{[]byte(nil)}, `[null]`, nil},
		{"named byte slice", []any{argsBlob{9}}, `[{"_placeholder":true,"num":0}]`, [][]byte{{9}}},
		{"in any slice", []any{"a", []any{1, b1, []any{b2}}}, `["a",[1,{"_placeholder":true,"num":0},[{"_placeholder":true,"num":1}]]]`, [][]byte{b1, b2}},
		{"in map with sorted keys", []any{map[string]any{"b": b1, "a": []any{b2}, "c": "x"}},
			`[{"a":[{"_placeholder":true,"num":0}],"b":{"_placeholder":true,"num":1},"c":"x"}]`, [][]byte{b2, b1}},
		{"typed map", []any{map[string][]byte{"y": b2, "x": b1}},
			`[{"x":{"_placeholder":true,"num":0},"y":{"_placeholder":true,"num":1}}]`, [][]byte{b1, b2}},
		{"array of byte slices", []any{[2][]byte{b1, nil}}, `[[{"_placeholder":true,"num":0},null]]`, [][]byte{b1}},
		{"byte array is not binary", []any{[3]byte{1, 2, 3}}, `[[1,2,3]]`, nil},
		{"pointer to bytes", []any{&b3}, `[{"_placeholder":true,"num":0}]`, [][]byte{b3}},
		{"struct fields and tags", []any{argsOuter{
			argsEmbedded: argsEmbedded{Promoted: b3, Shadowed: "hidden"},
			Name:         "n", Blob: b1, Skipped: []byte{0}, Empty: []byte{},
			Inner:     &argsInner{Label: "in", Data: b2},
			List:      []argsInner{{Label: "l0"}, {Label: "l1", Data: b1}},
			ByName:    map[string][]byte{"k": b2},
			Any:       map[string]any{"deep": []any{b3}},
			Count:     4,
			Shadowed:  "outer",
			unexposed: []byte{7},
		}},
			`[{"promoted":{"_placeholder":true,"num":0},"name":"n","blob":{"_placeholder":true,"num":1},"-":"",` +
				`"inner":{"label":"in","data":{"_placeholder":true,"num":2}},` +
				`"list":[{"label":"l0","data":null},{"label":"l1","data":{"_placeholder":true,"num":3}}],` +
				`"by_name":{"k":{"_placeholder":true,"num":4}},"any":{"deep":[{"_placeholder":true,"num":5}]},` +
				`"count":"4","Shadowed":"outer"}]`,
			[][]byte{b3, b1, b2, b1, b2, b3}},
		{"json.RawMessage is opaque", []any{json.RawMessage(`{"_placeholder":true,"num":0}`), b1},
			`[{"_placeholder":true,"num":0},{"_placeholder":true,"num":0}]`, [][]byte{b1}},
		{"json.Marshaler is opaque", []any{argsOpaque{B: b1}, &argsOpaque{B: b2}}, `["opaque","opaque"]`, nil},
		{"interface holding struct", []any{any(argsInner{Label: "x", Data: b1})},
			`[{"label":"x","data":{"_placeholder":true,"num":0}}]`, [][]byte{b1}},
		{"same slice twice gives two attachments", []any{b1, b1}, `[{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`, [][]byte{b1, b1}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			data, atts, err := encodeArgs(tc.args...)
			pcNoErr(t, err)
			pcEqual(t, string(data), tc.want)
			pcEqual(t, atts, tc.atts)
			pcEqual(t, anyBinary(tc.args...), len(tc.atts) > 0, "anyBinary")
			pcTrue(t, json.Valid(data), "invalid JSON %s", data)
		})
	}
}

func TestEncodeEvent(t *testing.T) {
	data, atts, err := encodeEvent("hello", "world", []byte{1, 2, 3, 4}, 42)
	pcNoErr(t, err)
	pcEqual(t, string(data), `["hello","world",{"_placeholder":true,"num":0},42]`)
	pcEqual(t, atts, [][]byte{{1, 2, 3, 4}})

	data, atts, err = encodeEvent("only<name>")
	pcNoErr(t, err)
	pcEqual(t, string(data), `["only\u003cname\u003e"]`)
	pcEqual(t, len(atts), 0)

	data, _, err = encodeArgs()
	pcNoErr(t, err)
	pcEqual(t, string(data), `[]`)
}

func TestEncodeArgsErrors(t *testing.T) {
	cyclic := map[string]any{}
	cyclic["self"] = cyclic
	list := []any{nil}
	list[0] = list
	type node struct {
		Next *node
		B    []byte
	}
	loop := &node{}
	loop.Next = loop

	cases := []struct {
		name  string
		arg   any
		check func(error) bool
	}{
		{"NaN", math.NaN(), func(err error) bool { var e *json.UnsupportedValueError; return errors.As(err, &e) }},
		{"infinite float32", float32(math.Inf(1)), func(err error) bool { var e *json.UnsupportedValueError; return errors.As(err, &e) }},
		{"NaN inside binary-capable struct", argsMixed{F: math.NaN()}, func(err error) bool { var e *json.UnsupportedValueError; return errors.As(err, &e) }},
		{"channel", make(chan int), func(err error) bool { var e *json.UnsupportedTypeError; return errors.As(err, &e) }},
		{"invalid raw message", json.RawMessage(`{"a":`), func(err error) bool { return errors.Is(err, errInvalidJSON) }},
		{"cyclic map", cyclic, func(err error) bool { return errors.Is(err, errArgTooDeep) }},
		{"cyclic slice", list, func(err error) bool { return errors.Is(err, errArgTooDeep) }},
		{"cyclic pointers", loop, func(err error) bool { return errors.Is(err, errArgTooDeep) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			data, atts, err := encodeArgs("ok", tc.arg)
			if err == nil {
				t.Fatalf("no error, got %s", data)
			}
			pcTrue(t, tc.check(err), "unexpected error %v", err)
			pcTrue(t, data == nil && atts == nil, "partial output returned")
		})
	}
}

func TestEncodeArgsRawMessageVerbatim(t *testing.T) {
	data, _, err := encodeArgs(json.RawMessage(" { \"a\" : 1 } "), json.RawMessage(nil))
	pcNoErr(t, err)
	pcEqual(t, string(data), `[ { "a" : 1 } ,null]`)
}

func TestHasBinary(t *testing.T) {
	cases := []struct {
		name string
		args []any
		want bool
	}{
		{"no args", nil, false},
		{"scalars", []any{1, "a", nil, true, 2.5}, false},
		{"bytes", []any{"a", []byte{}}, true},
		{"nil bytes", []any{[]byte(nil)}, false},
		{"deep in maps", []any{map[string]any{"a": []any{map[string]any{"b": []byte{1}}}}}, true},
		{"struct without bytes set", []any{argsInner{Label: "x"}}, false},
		{"struct with bytes", []any{argsInner{Data: []byte{1}}}, true},
		{"omitempty empty bytes", []any{argsOuter{Empty: []byte{}}}, false},
		{"skipped field", []any{argsOuter{Skipped: []byte{1}}}, false},
		{"unexported field", []any{argsOuter{unexposed: []byte{1}}}, false},
		{"marshaler hides bytes", []any{argsOpaque{B: []byte{1}}}, false},
		{"raw message", []any{json.RawMessage(`{"_placeholder":true,"num":0}`)}, false},
		{"pointer to struct", []any{&argsOuter{Inner: &argsInner{Data: []byte{1}}}}, true},
		{"promoted field", []any{argsOuter{argsEmbedded: argsEmbedded{Promoted: []byte{1}}}}, true},
		{"typed map", []any{map[string][]byte{"a": nil, "b": {1}}}, true},
		{"named slice", []any{argsBlob{}}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pcEqual(t, anyBinary(tc.args...), tc.want)
			_, atts, err := encodeArgs(tc.args...)
			pcNoErr(t, err)
			pcEqual(t, len(atts) > 0, tc.want, "encodeArgs disagrees with anyBinary")
		})
	}
}

func TestSplitArgs(t *testing.T) {
	cases := []struct {
		name string
		in   string
		want []string
		err  error
	}{
		{"mixed", `["a",1,{"b":[1,2]},"x,y]",[],null,true,-2.5e3]`, []string{`"a"`, `1`, `{"b":[1,2]}`, `"x,y]"`, `[]`, `null`, `true`, `-2.5e3`}, nil},
		{"whitespace", " [ 1 ,\n\"a\\\"]\" ,\t{ } ] ", []string{`1`, `"a\"]"`, `{ }`}, nil},
		{"empty", `[]`, []string{}, nil},
		{"empty with spaces", `[ ]`, []string{}, nil},
		{"nested brackets in strings", `["[{", {"k":"}]"}]`, []string{`"[{"`, `{"k":"}]"}`}, nil},
		{"object", `{}`, nil, errInvalidPayload},
		{"string", `"a"`, nil, errInvalidPayload},
		{"truncated", `[1,`, nil, errInvalidJSON},
		{"nothing", ``, nil, errInvalidJSON},
		{"two arrays", `[1][2]`, nil, errInvalidJSON},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := splitArgs(json.RawMessage(tc.in))
			if tc.err != nil {
				pcErrIs(t, err, tc.err)
				return
			}
			pcNoErr(t, err)
			strs := make([]string, len(got))
			for i, g := range got {
				strs[i] = string(g)
			}
			pcEqual(t, strs, tc.want)
		})
	}
}

func TestSplitArgsElementsDoNotOverwriteEachOther(t *testing.T) {
	args, err := splitArgs(json.RawMessage(`["a","b"]`))
	pcNoErr(t, err)
	_ = append(args[0], 'X')
	pcEqual(t, string(args[1]), `"b"`)
}

func TestDecodeArgTargets(t *testing.T) {
	atts := [][]byte{{1, 2, 3}, {4}}

	var s string
	pcNoErr(t, decodeArg(json.RawMessage(`"plain"`), nil, &s))
	pcEqual(t, s, "plain")
	pcNoErr(t, decodeArg(json.RawMessage(`"esc\naped \u00e9 \ud83d\ude00"`), nil, &s))
	pcEqual(t, s, "esc\naped é 😀")
	pcNoErr(t, decodeArg(json.RawMessage(`"caf`+"\xc3\xa9"+`"`), nil, &s))
	pcEqual(t, s, "café")
	pcNoErr(t, decodeArg(json.RawMessage(`"bad `+"\xff"+`"`), nil, &s))
	pcEqual(t, s, "bad \ufffd")

	var n int
	pcNoErr(t, decodeArg(json.RawMessage(` 42 `), nil, &n))
	pcEqual(t, n, 42)

	var b []byte
	pcNoErr(t, decodeArg(json.RawMessage(`{"_placeholder":true,"num":1}`), atts, &b))
	pcEqual(t, b, []byte{4})
	pcNoErr(t, decodeArg(json.RawMessage(`"AQID"`), nil, &b))
	pcEqual(t, b, []byte{1, 2, 3})
	pcNoErr(t, decodeArg(json.RawMessage(`null`), nil, &b))
	pcEqual(t, b, []byte(nil))

	var raw json.RawMessage
	in := json.RawMessage(`{"_placeholder":true,"num":0}`)
	pcNoErr(t, decodeArg(in, atts, &raw))
	pcEqual(t, string(raw), `{"_placeholder":true,"num":0}`)
	in[1] = 'X'
	pcEqual(t, string(raw), `{"_placeholder":true,"num":0}`, "RawMessage target aliases its input")

	var a any
	pcNoErr(t, decodeArg(json.RawMessage(`["x",{"_placeholder":true,"num":0},{"k":{"_placeholder":true,"num":1}},2]`), atts, &a))
	pcEqual(t, a, []any{"x", []byte{1, 2, 3}, map[string]any{"k": []byte{4}}, 2.0})

	var m map[string]any
	pcNoErr(t, decodeArg(json.RawMessage(`{"a":{"_placeholder":true,"num":0},"b":[{"_placeholder":true,"num":1}],"c":"s"}`), atts, &m))
	pcEqual(t, m, map[string]any{"a": []byte{1, 2, 3}, "b": []any{[]byte{4}}, "c": "s"})

	var list []any
	pcNoErr(t, decodeArg(json.RawMessage(`[{"_placeholder":true,"num":1},null]`), atts, &list))
	pcEqual(t, list, []any{[]byte{4}, nil})
}

func TestDecodeArgStructWithBinary(t *testing.T) {
	type target struct {
		argsEmbedded
		Name   string               `json:"name"`
		Blob   []byte               `json:"blob"`
		Inner  *argsInner           `json:"inner"`
		List   []argsInner          `json:"list"`
		ByName map[string][]byte    `json:"by_name"`
		Any    any                  `json:"any"`
		Anys   map[string]any       `json:"anys"`
		Deep   map[string][]any     `json:"deep"`
		Ptrs   []*struct{ V any }   `json:"ptrs"`
		Keyed  map[argsKey]any      `json:"keyed"`
		Arr    [2]any               `json:"arr"`
		Typed  map[string]argsInner `json:"typed"`
		Folded []byte
	}
	raw := json.RawMessage(`{"promoted":{"_placeholder":true,"num":0},"name":"n","blob":{"_placeholder":true,"num":1},` +
		`"inner":{"label":"i","data":{"_placeholder":true,"num":2}},` +
		`"list":[{"label":"a"},{"label":"b","data":{"_placeholder":true,"num":0}}],` +
		`"by_name":{"k":{"_placeholder":true,"num":1}},` +
		`"any":{"x":[{"_placeholder":true,"num":2}],"n":1},` +
		`"anys":{"p":{"_placeholder":true,"num":0},"s":"str"},` +
		`"deep":{"d":[1,{"_placeholder":true,"num":1}]},` +
		`"ptrs":[{"V":{"_placeholder":true,"num":2}},null],` +
		`"keyed":{"k":{"_placeholder":true,"num":0}},` +
		`"arr":[{"_placeholder":true,"num":1},"x"],` +
		`"typed":{"t":{"label":"t","data":{"_placeholder":true,"num":2}}},` +
		`"FOLDED":{"_placeholder":true,"num":0}}`)
	atts := [][]byte{{0xa}, {0xb, 0xb}, {0xc, 0xc, 0xc}}
	var got target
	pcNoErr(t, decodeArg(raw, atts, &got))
	want := target{
		argsEmbedded: argsEmbedded{Promoted: atts[0]},
		Name:         "n",
		Blob:         atts[1],
		Inner:        &argsInner{Label: "i", Data: atts[2]},
		List:         []argsInner{{Label: "a"}, {Label: "b", Data: atts[0]}},
		ByName:       map[string][]byte{"k": atts[1]},
		Any:          map[string]any{"x": []any{atts[2]}, "n": 1.0},
		Anys:         map[string]any{"p": atts[0], "s": "str"},
		Deep:         map[string][]any{"d": {1.0, atts[1]}},
		Ptrs:         []*struct{ V any }{{V: atts[2]}, nil},
		Keyed:        map[argsKey]any{"k": atts[0]},
		Arr:          [2]any{atts[1], "x"},
		Typed:        map[string]argsInner{"t": {Label: "t", Data: atts[2]}},
		Folded:       atts[0],
	}
	pcEqual(t, got, want)
}

func TestDecodeArgInterfaceHoldingPointer(t *testing.T) {
	inner := &argsInner{}
	holder := struct{ V any }{V: inner}
	pcNoErr(t, decodeArg(json.RawMessage(`{"V":{"label":"x","data":{"_placeholder":true,"num":0}}}`), [][]byte{{7}}, &holder))
	pcTrue(t, holder.V == any(inner), "pointer in interface replaced")
	pcEqual(t, *inner, argsInner{Label: "x", Data: []byte{7}})
}

func TestDecodeArgErrors(t *testing.T) {
	one := [][]byte{{1}}
	var s string
	var a any
	var b []byte
	var st argsInner
	var raw json.RawMessage
	cases := []struct {
		name   string
		raw    string
		target any
		check  func(error) bool
	}{
		{"placeholder out of range into any", `[{"_placeholder":true,"num":5}]`, &a, isErr(errBadPlaceholder)},
		{"placeholder out of range into bytes", `{"_placeholder":true,"num":1}`, &b, isErr(errBadPlaceholder)},
		{"placeholder out of range into struct", `{"data":{"_placeholder":true,"num":1}}`, &st, isErr(errBadPlaceholder)},
		{"placeholder not integer into struct", `{"data":{"_placeholder":true,"num":0.5}}`, &st, isErr(errBadPlaceholder)},
		{"placeholder not integer into any", `{"_placeholder":true,"num":0.5}`, &a, isErr(errBadPlaceholder)},
		{"placeholder without num into any", `{"_placeholder":true}`, &a, isErr(errBadPlaceholder)},
		{"syntax error into string", `"abc`, &s, isErr(errInvalidJSON)},
		{"syntax error into any", `[1,`, &a, isErr(errInvalidJSON)},
		{"syntax error into raw", `[1,`, &raw, isErr(errInvalidJSON)},
		{"empty input", ``, &st, isErr(errInvalidJSON)},
		{"type mismatch", `123`, &s, func(err error) bool { var e *json.UnmarshalTypeError; return errors.As(err, &e) }},
		{"nil pointer target", `1`, (*int)(nil), isInvalidUnmarshal},
		{"non-pointer target", `1`, 5, isInvalidUnmarshal},
		{"nil target", `1`, nil, isInvalidUnmarshal},
		{"nil any pointer", `1`, (*any)(nil), isInvalidUnmarshal},
		{"nil raw pointer", `1`, (*json.RawMessage)(nil), isInvalidUnmarshal},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := decodeArg(json.RawMessage(tc.raw), one, tc.target)
			if err == nil {
				t.Fatal("no error")
			}
			pcTrue(t, tc.check(err), "unexpected error %v", err)
		})
	}
}

func isErr(target error) func(error) bool {
	return func(err error) bool { return errors.Is(err, target) && errors.Is(err, ErrInvalidPacket) }
}

func isInvalidUnmarshal(err error) bool {
	var e *json.InvalidUnmarshalError
	return errors.As(err, &e)
}

func TestDecodeAny(t *testing.T) {
	atts := [][]byte{{1}, {2}}
	cases := []struct {
		name string
		raw  string
		want any
	}{
		{"string", `"s"`, "s"},
		{"number", `1.5`, 1.5},
		{"null", `null`, nil},
		{"bool", `true`, true},
		{"placeholder", `{"_placeholder":true,"num":1}`, []byte{2}},
		{"placeholder num as float", `{"_placeholder":true,"num":1.0}`, []byte{2}},
		{"escaped placeholder key", `{"\u005fplaceholder":true,"num":0}`, []byte{1}},
		{"false flag is plain object", `{"_placeholder":false,"num":0}`, map[string]any{"_placeholder": false, "num": 0.0}},
		{"string flag is plain object", `{"_placeholder":"true","num":0}`, map[string]any{"_placeholder": "true", "num": 0.0}},
		{"nested", `{"a":[{"_placeholder":true,"num":0},{"b":{"_placeholder":true,"num":1}}]}`,
			map[string]any{"a": []any{[]byte{1}, map[string]any{"b": []byte{2}}}}},
		{"placeholder inside placeholder", `{"_placeholder":true,"num":0,"x":{"_placeholder":true,"num":9}}`, []byte{1}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := decodeAny(json.RawMessage(tc.raw), atts)
			pcNoErr(t, err)
			pcEqual(t, got, tc.want)
		})
	}
}

// TestArgsThroughWire encodes arguments holding binary at several depths,
// sends the packet through encodeTextPacket and the parser, and decodes the
// arguments back into typed and generic targets.
func TestArgsThroughWire(t *testing.T) {
	type payload struct {
		Title string            `json:"title"`
		Files map[string][]byte `json:"files"`
		Parts [][]byte          `json:"parts"`
		Meta  any               `json:"meta"`
	}
	sent := payload{
		Title: "report <1>",
		Files: map[string][]byte{"a.bin": {0, 1, 2}, "b.bin": {}},
		Parts: [][]byte{{9}, nil, {8, 8}},
		Meta:  map[string]any{"thumb": []byte{0xff, 0xd8}, "n": 2.0},
	}
	data, atts, err := encodeEvent("upload", sent, []byte("tail"))
	pcNoErr(t, err)
	pcEqual(t, len(atts), 6)

	wire := encodeTextPacket(&SocketIOPacket{Type: PacketEvent, Namespace: "/files", ID: 7, Data: data, Attachments: atts})
	pcTrue(t, strings.HasPrefix(string(wire), `56-/files,7["upload",`), "wire %s", wire)

	p := NewSocketIOParser(nil)
	pkt, err := p.Add(wire, false)
	pcNoErr(t, err)
	for _, a := range atts {
		pkt, err = p.Add(a, true)
		pcNoErr(t, err)
	}
	if pkt == nil {
		t.Fatal("packet not complete")
	}
	args, err := splitArgs(pkt.Data)
	pcNoErr(t, err)
	pcEqual(t, len(args), 3)

	var name string
	pcNoErr(t, decodeArg(args[0], pkt.Attachments, &name))
	pcEqual(t, name, "upload")

	var got payload
	pcNoErr(t, decodeArg(args[1], pkt.Attachments, &got))
	pcEqual(t, got, sent)

	tail, err := decodeAny(args[2], pkt.Attachments)
	pcNoErr(t, err)
	pcEqual(t, tail, []byte("tail"))

	// Re-encoding the generic tree extracts the same bytes again.
	tree, err := decodeAny(args[1], pkt.Attachments)
	pcNoErr(t, err)
	again, atts2, err := encodeArgs(tree)
	pcNoErr(t, err)
	pcEqual(t, len(atts2), 5)
	var back []payload
	pcNoErr(t, decodeArg(again, atts2, &back))
	pcEqual(t, back, []payload{sent})
}

func TestAppendJSONStringMatchesEncodingJSON(t *testing.T) {
	// Every byte value alone and inside text, plus multi-byte edge cases.
	var inputs []string
	for c := range 256 {
		inputs = append(inputs, string([]byte{byte(c)}), "a"+string([]byte{byte(c)})+"z")
	}
	inputs = append(inputs, "\u2028\u2029", "\U0010ffff", "\xf4\x90\x80\x80", "\xe2\x80", "\xc0\xaf", strings.Repeat("é<", 40))
	for _, in := range inputs {
		want, err := json.Marshal(in)
		pcNoErr(t, err)
		pcEqual(t, string(appendJSONString(nil, in)), string(want), "input %q", in)
	}
}

func TestAppendJSONFloatMatchesEncodingJSON(t *testing.T) {
	for _, f := range []float64{0, 1, -1, 0.5, 1e-6, 9.99e-7, 1e-7, 1e20, 1e21, 1.5e300, -2.5e-300, 123.456, math.MaxFloat64, math.SmallestNonzeroFloat64} {
		want, _ := json.Marshal(f)
		pcEqual(t, string(appendJSONFloat(nil, f, 64)), string(want), "float64 %v", f)
		want32, _ := json.Marshal(float32(f))
		if !math.IsInf(float64(float32(f)), 0) {
			pcEqual(t, string(appendJSONFloat(nil, float64(float32(f)), 32)), string(want32), "float32 %v", f)
		}
	}
}

func TestDeeplyNestedArguments(t *testing.T) {
	const depth = maxJSONDepth - 2 // plus the arguments array and the placeholder object
	wire := `2["deep",` + strings.Repeat("[", depth) + `{"_placeholder":true,"num":0}` + strings.Repeat("]", depth) + `]`
	pkt, err := NewSocketIOParser(nil).Add([]byte(wire), false)
	pcNoErr(t, err)
	args, err := splitArgs(pkt.Data)
	pcNoErr(t, err)
	pcEqual(t, len(args), 2)
	v, err := decodeAny(args[1], [][]byte{{1}})
	pcNoErr(t, err)
	data, atts, err := encodeArgs("deep", v)
	pcNoErr(t, err)
	pcEqual(t, len(atts), 1)
	pcEqual(t, len(data), len(wire)-1)

	_, err = NewSocketIOParser(nil).Add([]byte(`2["deep",`+strings.Repeat("[", depth+2)+strings.Repeat("]", depth+2)+`]`), false)
	pcErrIs(t, err, errInvalidJSON)
}

func TestDecodeArgFoldedMemberNames(t *testing.T) {
	type target struct {
		Value any
		value any // unexported: never a JSON member
		Other any `json:"other"`
	}
	atts := [][]byte{{1}, {2}}
	var got target
	pcNoErr(t, decodeArg(json.RawMessage(`{"VALUE":{"_placeholder":true,"num":0},"OTHER":[{"_placeholder":true,"num":1}]}`), atts, &got))
	pcEqual(t, got.Value, any([]byte{1}))
	pcEqual(t, got.Other, any([]any{[]byte{2}}))
	pcTrue(t, got.value == nil, "unexported field set")

	// Two members landing in one field: json.Unmarshal keeps the last one;
	// the restore pass cannot know which, so it leaves the field alone.
	var twice target
	pcNoErr(t, decodeArg(json.RawMessage(`{"Value":{"_placeholder":true,"num":0},"value":{"_placeholder":true,"num":1}}`), atts, &twice))
	pcEqual(t, twice.Value, any("Ag=="))
}
