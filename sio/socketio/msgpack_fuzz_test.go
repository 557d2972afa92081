package socketio

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/vmihailenco/msgpack/v5"
)

// FuzzMsgpackDecode feeds one binary message to the msgpack decoder.
// Decoding must never panic; an error must wrap ErrInvalidPacket (the
// connection is then closed); a decoded packet must satisfy the codec
// invariants, its arguments must survive the argument helpers, and
// re-encoding it must give a message that decodes, to a fixed point after
// one more round.
func FuzzMsgpackDecode(f *testing.F) {
	for _, h := range []string{
		"84a47479706502a46461746196a2657601fecb3ff8000000000000c402010283a161c0a162c3a173a2c3a9a36e7370a12fa2696407",
		"85a47479706502a46461746195a27570c702000908d4000082a175d40000a16b01d7000000000005265c00a36e7370a62f61646d696ea269640ca76f7074696f6e7381a8636f6d7072657373c3",
		"83a47479706500a36e7370a12fa46461746181a5746f6b656ea178",
		"84a47479706503a36e7370a12fa2696404a46461746190",
		"83a47479706504a36e7370a12fa46461746181a76d657373616765a178",
		"82a47479706501a36e7370a12f",
	} {
		f.Add(mustHex(f, h))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		dec := MsgpackParser.NewDecoder(&ParserOptions{MaxPayload: 1 << 16})
		pkt, err := dec.Add(data, true)
		if err != nil {
			if !errors.Is(err, ErrInvalidPacket) {
				t.Fatalf("error %v does not wrap ErrInvalidPacket", err)
			}
			return
		}
		if pkt == nil {
			t.Fatal("no packet and no error: a msgpack packet is one message")
		}
		if pkt.Namespace == "" || pkt.Namespace[0] != '/' {
			pkt.Namespace = "/" + pkt.Namespace // the invariants are those of a namespace the server knows
		}
		checkPacketInvariants(t, pkt)
		if pkt.Type == PacketEvent || pkt.Type == PacketAck || pkt.Type.isBinary() {
			checkArgs(t, pkt)
		}
		once := msgpackRoundTrip(t, pkt)
		twice := msgpackRoundTrip(t, once)
		if !reflect.DeepEqual(once, twice) {
			t.Fatalf("round trip is not stable:\n%+v %s\n%+v %s", once, once.Data, twice, twice.Data)
		}
	})
}

func msgpackRoundTrip(t *testing.T, p *SocketIOPacket) *SocketIOPacket {
	t.Helper()
	first, binaries, err := MsgpackParser.Encode(p)
	if err != nil || !first.Binary || len(binaries) != 0 {
		t.Fatalf("encoding %+v (%s): %v", p, p.Data, err)
	}
	again, err := MsgpackParser.NewDecoder(nil).Add(first.Data, true)
	if err != nil {
		t.Fatalf("re-decoding %x: %v", first.Data, err)
	}
	return again
}

// FuzzMsgpackEncode transcodes a JSON event payload and checks, with the
// msgpack library's own generic decoder, that the data member holds the
// same value as JSON.parse would give (numbers compared as float64).
func FuzzMsgpackEncode(f *testing.F) {
	f.Add(`["e",1,-2,1.5,"é",null,true,{"a":[1,2,3]}]`)
	f.Add(`["e",[0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17],"` + strings.Repeat("x", 300) + `"]`)
	f.Add(`["e",{"k0":0,"k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7,"k8":8,"k9":9,"ka":10,"kb":11,"kc":12,"kd":13,"ke":14,"kf":15,"kg":16}]`)
	f.Add(`["e","\u00e9\n\ud83d\ude00", 1e300, -0, 18446744073709551615, -9223372036854775808, 123456789012345678901]`)
	f.Fuzz(func(t *testing.T, data string) {
		var want any
		if json.Unmarshal([]byte(data), &want) != nil {
			return
		}
		first, _, err := MsgpackParser.Encode(&SocketIOPacket{Type: PacketEvent, Namespace: "/", ID: NoAckID, Data: json.RawMessage(data)})
		if err != nil {
			t.Fatalf("Encode(%s): %v", data, err)
		}
		var got map[string]any
		if err := msgpack.Unmarshal(first.Data, &got); err != nil {
			t.Fatalf("msgpack.Unmarshal(%x): %v", first.Data, err)
		}
		if g, w := normalizeNumbers(got["data"]), normalizeNumbers(want); !reflect.DeepEqual(g, w) {
			t.Fatalf("data %s became\n%#v\nwant\n%#v", data, g, w)
		}
	})
}

// normalizeNumbers makes every number a float64, as in JS.
func normalizeNumbers(v any) any {
	switch v := v.(type) {
	case []any:
		for i := range v {
			v[i] = normalizeNumbers(v[i])
		}
	case map[string]any:
		for k := range v {
			v[k] = normalizeNumbers(v[k])
		}
	case int8:
		return float64(v)
	case int16:
		return float64(v)
	case int32:
		return float64(v)
	case int64:
		return float64(v)
	case uint8:
		return float64(v)
	case uint16:
		return float64(v)
	case uint32:
		return float64(v)
	case uint64:
		return float64(v)
	case float32:
		return float64(v)
	}
	return v
}
