package rediswire

import (
	"bytes"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/vmihailenco/msgpack/v5"
)

// refDecode decodes with the msgpack library, normalized to the kinds
// MsgpackParser.Decode gives: the reference of the differential tests.
func refDecode(b []byte) (any, error) {
	dec := msgpack.NewDecoder(bytes.NewReader(b))
	dec.SetMapDecoder(func(d *msgpack.Decoder) (any, error) {
		n, err := d.DecodeMapLen()
		if err != nil || n < 0 {
			return nil, err
		}
		m := make(map[string]any, n)
		for range n {
			k, err := d.DecodeInterface()
			if err != nil {
				return nil, err
			}
			v, err := d.DecodeInterface()
			if err != nil {
				return nil, err
			}
			ks, ok := k.(string)
			switch {
			case ok:
			case k == nil:
				ks = "null" // as JavaScript names it
			default:
				ks = fmt.Sprint(refNormalize(k))
			}
			m[ks] = v
		}
		return m, nil
	})
	v, err := dec.DecodeInterface()
	return refNormalize(v), err
}

func refNormalize(v any) any {
	switch t := v.(type) {
	case int8:
		return int64(t)
	case int16:
		return int64(t)
	case int32:
		return int64(t)
	case uint8:
		return int64(t)
	case uint16:
		return int64(t)
	case uint32:
		return int64(t)
	case uint64:
		if t <= math.MaxInt64 {
			return int64(t)
		}
	case float32:
		return float64(t)
	case time.Time: // the library's timestamp extension; ext values decode as nil here
		return nil
	case map[string]any:
		for k, e := range t {
			t[k] = refNormalize(e)
		}
	case []any:
		for i, e := range t {
			t[i] = refNormalize(e)
		}
	}
	return v
}

// TestDecodeMatchesLibrary decodes the messages of the protocol and odd
// values as the msgpack library does.
func TestDecodeMatchesLibrary(t *testing.T) {
	values := []any{
		[]any{"uid", map[string]any{"type": 2, "data": []any{"ev", 1, -1, -200, 70000, int64(-1) << 40, uint64(math.MaxUint64), 1.5, float32(2.5), true, false, nil, []byte{1, 2}, "é", map[string]any{"k": "v"}}, "nsp": "/"},
			map[string]any{"rooms": []string{"a"}, "except": []string{}, "flags": map[string]any{"volatile": true, "timeout": 5000}}},
		map[string]any{"long": string(bytes.Repeat([]byte("x"), 70000)), "bin": bytes.Repeat([]byte{7}, 300), "arr": make([]any, 20)},
	}
	for _, v := range values {
		b, err := MsgpackParser{}.Encode(v)
		if err != nil {
			t.Fatal(err)
		}
		got, err := MsgpackParser{}.Decode(b)
		if err != nil {
			t.Fatal(err)
		}
		want, err := refDecode(b)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("decoded\n%v\nwant\n%v", got, want)
		}
	}
}

// FuzzDecodeMatchesLibrary compares the decoder with the library on any
// input both accept.
func FuzzDecodeMatchesLibrary(f *testing.F) {
	f.Add([]byte{0x93, 0xa1, 'u', 0x81, 0xa4, 't', 'y', 'p', 'e', 0x02, 0xc0})
	f.Add([]byte{0x82, 0x01, 0x02, 0xcb, 0, 0, 0, 0, 0, 0, 0, 0, 0xc4, 1, 9})
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := MsgpackParser{}.Decode(b)
		if err != nil {
			return
		}
		want, err := refDecode(b)
		if err != nil {
			return // the library refuses ext types this decoder reads as nil
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("%x: decoded %v, library %v", b, got, want)
		}
	})
}
