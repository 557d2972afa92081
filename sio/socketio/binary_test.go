package socketio

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
)

func TestFindPlaceholders(t *testing.T) {
	cases := []struct {
		name string
		in   string
		want []string // the placeholder objects found, in order
	}{
		{"none", `["a",1,{"b":null}]`, nil},
		{"spec example", `["baz",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`,
			[]string{`{"_placeholder":true,"num":0}`, `{"_placeholder":true,"num":1}`}},
		{"top level", `{"_placeholder":true,"num":0}`, []string{`{"_placeholder":true,"num":0}`}},
		{"whitespace and member order", `[ { "num" : 0 , "_placeholder" : true } ]`, []string{`{ "num" : 0 , "_placeholder" : true }`}},
		{"extra members", `[{"x":[1,{"y":2}],"_placeholder":true,"num":0}]`, []string{`{"x":[1,{"y":2}],"_placeholder":true,"num":0}`}},
		{"escaped member name", `[{"\u005f\u0070laceholder":true,"n\u0075m":0}]`, []string{`{"\u005f\u0070laceholder":true,"n\u0075m":0}`}},
		{"false flag", `[{"_placeholder":false,"num":0}]`, nil},
		{"string flag", `[{"_placeholder":"true","num":0}]`, nil},
		{"last duplicate wins off", `[{"_placeholder":true,"_placeholder":false,"num":0}]`, nil},
		{"last duplicate wins on", `[{"_placeholder":false,"_placeholder":true,"num":0}]`, []string{`{"_placeholder":false,"_placeholder":true,"num":0}`}},
		{"inside a string", `["{\"_placeholder\":true,\"num\":0}"]`, nil},
		{"as a member name only", `[{"{\"_placeholder\":true}":1}]`, nil},
		{"nested in a placeholder counts once", `[{"_placeholder":true,"num":0,"x":{"_placeholder":true,"num":1}}]`,
			[]string{`{"_placeholder":true,"num":0,"x":{"_placeholder":true,"num":1}}`}},
		{"deep", `{"a":[[{"b":{"_placeholder":true,"num":2}}]],"c":{"_placeholder":true,"num":1}}`,
			[]string{`{"_placeholder":true,"num":2}`, `{"_placeholder":true,"num":1}`}},
		{"nested objects around", `[{"a":{"b":{}}},{"_placeholder":true,"num":0},{}]`, []string{`{"_placeholder":true,"num":0}`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := []byte(tc.in)
			if !json.Valid(b) {
				t.Fatalf("test input is not valid JSON")
			}
			spans, err := findPlaceholders(b)
			pcNoErr(t, err)
			var got []string
			for _, sp := range spans {
				got = append(got, string(b[sp.start:sp.end]))
			}
			pcEqual(t, got, tc.want)
		})
	}
}

func TestFindPlaceholdersMalformed(t *testing.T) {
	// Never given such input by the package, but it must not panic.
	for _, in := range []string{`{"_placeholder":true,"num":0`, `[{"_placeholder"`, `{"_placeholder":}`,
		`["\u`, `[{"_placeholder":true} {}]`, `{"_placeholder":true,"num":0}}`, `{"_placeholder":true,"num":0]`} {
		_, err := findPlaceholders([]byte(in))
		pcErrIs(t, err, errInvalidJSON, "input %s", in)
	}
	// Without a possible placeholder the pre-check answers alone.
	spans, err := findPlaceholders([]byte(`[1 2]`))
	pcTrue(t, spans == nil && err == nil, "pre-check")
}

func TestPlaceholderNum(t *testing.T) {
	cases := []struct {
		num  string
		want int
		ok   bool
	}{
		{`0`, 0, true}, {`2`, 2, true}, {`2.0`, 2, true}, {`2e0`, 2, true}, {`0.2e1`, 2, true}, {`-0`, 0, true},
		{`3`, 0, false}, {`-1`, 0, false}, {`1.5`, 0, false}, {`"1"`, 0, false}, {`null`, 0, false},
		{`true`, 0, false}, {`[1]`, 0, false}, {`{"n":1}`, 0, false}, {`1e400`, 0, false}, {`99999999999999999999`, 0, false},
	}
	for _, tc := range cases {
		b := []byte(`[{"_placeholder":true,"num":` + tc.num + `}]`)
		spans, err := findPlaceholders(b)
		pcNoErr(t, err)
		if len(spans) != 1 {
			t.Fatalf("num %s: %d spans", tc.num, len(spans))
		}
		got, err := placeholderIndex(b, spans[0], 3)
		if tc.ok {
			pcNoErr(t, err, "num %s", tc.num)
			pcEqual(t, got, tc.want, "num %s", tc.num)
		} else {
			pcErrIs(t, err, errBadPlaceholder, "num %s", tc.num)
		}
		// The tree path must agree with the scanner.
		_, treeErr := decodeAny(b, make([][]byte, 3))
		pcEqual(t, treeErr == nil, tc.ok, "decodeAny on num %s: %v", tc.num, treeErr)
	}
}

func TestInlineAttachments(t *testing.T) {
	atts := [][]byte{{1, 2, 3}, {}, {0xff}}
	in := []byte(`["a",{"_placeholder":true,"num":0}, {"k":{ "num":2,"_placeholder":true }},{"_placeholder":true,"num":1}]`)
	out, changed, err := inlineAttachments(in, atts)
	pcNoErr(t, err)
	pcTrue(t, changed, "changed")
	pcEqual(t, string(out), `["a","AQID", {"k":"/w=="},""]`)

	plain := []byte(`["a",{"b":1}]`)
	out, changed, err = inlineAttachments(plain, atts)
	pcNoErr(t, err)
	pcTrue(t, !changed && &out[0] == &plain[0], "input without placeholder was copied")

	_, _, err = inlineAttachments([]byte(`[{"_placeholder":true,"num":3}]`), atts)
	pcErrIs(t, err, errBadPlaceholder)
}

func TestAppendPlaceholder(t *testing.T) {
	pcEqual(t, string(appendPlaceholder([]byte("x"), 12)), `x{"_placeholder":true,"num":12}`)
}

// TestScannerAgreesWithTree checks, on a set of payloads, that the byte
// scanner (used for typed targets) and the encoding/json tree walk (used
// for decodeAny) see the same placeholders.
func TestScannerAgreesWithTree(t *testing.T) {
	atts := [][]byte{{1}, {2, 2}}
	docs := []string{
		`["a",{"_placeholder":true,"num":0},[{"x":{"_placeholder":true,"num":1}}]]`,
		`{"\u005fplaceholder":true,"num":1}`,
		`{"_placeholder":true,"num":1,"x":{"_placeholder":true,"num":0}}`,
		`[{"_placeholder":true,"_placeholder":false,"num":0},{"_placeholder":1,"num":0}]`,
		`{"a":{"b":{"c":[{"_placeholder":true,"num":0.0}]}}}`,
		`[{"_placeholder":true,"num":-0}, "{\"_placeholder\":true,\"num\":1}"]`,
	}
	for _, doc := range docs {
		tree, err := decodeAny(json.RawMessage(doc), atts)
		pcNoErr(t, err, "decodeAny %s", doc)
		inlined, _, err := inlineAttachments([]byte(doc), atts)
		pcNoErr(t, err, "inline %s", doc)
		var viaScanner any
		pcNoErr(t, json.Unmarshal(inlined, &viaScanner))
		pcEqual(t, bytesToBase64(tree), viaScanner, "document %s", doc)
	}
}

// bytesToBase64 turns the []byte leaves of a generic tree into the base64
// strings encoding/json would produce.
func bytesToBase64(v any) any {
	switch t := v.(type) {
	case []byte:
		return base64.StdEncoding.EncodeToString(t)
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = bytesToBase64(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[k] = bytesToBase64(e)
		}
		return out
	}
	return v
}

func TestValidJSONMatchesEncodingJSON(t *testing.T) {
	inputs := []string{
		``, ` `, `1`, `-`, `-0`, `-01`, `01`, `0.`, `0.1`, `.1`, `1e`, `1e+`, `1e+5`, `1E-05`, `1.5e3`, `-1.0E+2`, `1x`,
		`true`, `tru`, `truee`, `false`, `null`, `nul`, `nullx`, `True`,
		`""`, `"`, `"abc`, `"a\"b"`, `"\u00e9"`, `"\u00g9"`, `"\u12"`, `"\x"`, `"\/"`, "\"\x01\"", "\"\x7f\"", "\"\xff\xfe\"",
		`[]`, `[`, `]`, `[1,]`, `[,1]`, `[1 2]`, `[1,2]`, ` [ 1 , [ ] , { } ] `, `[[[]]]`, `[[]`,
		`{}`, `{`, `{"a"}`, `{"a":}`, `{"a":1,}`, `{"a":1 "b":2}`, `{1:2}`, `{"a":1}`, `{ "a" : [ { } ] }`, `{"a":1}}`,
		"\t\n\r 1 \t\n\r", "\v1", "\u00a01", `1 2`, `{}{}`, `"\ud800"`,
	}
	for _, in := range inputs {
		pcEqual(t, validJSON([]byte(in)), json.Valid([]byte(in)), "input %q", in)
	}
	deep := func(n int) []byte {
		return []byte(strings.Repeat("[", n) + strings.Repeat("]", n))
	}
	pcTrue(t, validJSON(deep(maxJSONDepth)) && json.Valid(deep(maxJSONDepth)), "depth limit")
	pcTrue(t, !validJSON(deep(maxJSONDepth+1)) && !json.Valid(deep(maxJSONDepth+1)), "depth limit + 1")
	obj := []byte(strings.Repeat(`{"a":`, maxJSONDepth+1) + "1" + strings.Repeat("}", maxJSONDepth+1))
	pcEqual(t, validJSON(obj), json.Valid(obj), "deep objects")
}

// TestPlainRunMatchesByteScan checks the eight-bytes-at-a-time scan of
// JSON strings against a byte-by-byte one, with each byte that ends a
// plain stretch, and bytes next to them that do not, at every position of
// strings up to three words long.
func TestPlainRunMatchesByteScan(t *testing.T) {
	naive := func(b []byte, i int) int {
		for ; i < len(b); i++ {
			if b[i] == '"' || b[i] == '\\' || b[i] < 0x20 {
				return i
			}
		}
		return i
	}
	for _, fill := range []byte{'a', 0x20, 0x21, 0x23, 0x5b, 0x5d, 0x7f, 0x80, 0xa2, 0xdc, 0xff} {
		for n := 0; n <= 24; n++ {
			for p := 0; p <= n; p++ {
				for _, c := range []byte{'"', '\\', 0x00, 0x1f, 0x01, 0x20, 0xa2, 0xdc} {
					b := bytes.Repeat([]byte{fill}, n)
					if p < n {
						b[p] = c
					}
					for start := 0; start <= n; start++ {
						if got, want := plainRun(b, start), naive(b, start); got != want {
							t.Fatalf("plainRun(%q, %d) = %d, want %d", b, start, got, want)
						}
					}
				}
			}
		}
	}
}
