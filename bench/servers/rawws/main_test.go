package main

import "testing"

func TestSplitAndName(t *testing.T) {
	id, arr := splitID([]byte(`12["echo-ack",{"a":1},2]`))
	if string(id) != "12" || string(arr) != `["echo-ack",{"a":1},2]` {
		t.Fatalf("splitID: %q %q", id, arr)
	}
	name, rest, ok := eventName(arr)
	if !ok || string(name) != "echo-ack" || string(rest) != `,{"a":1},2]` {
		t.Fatalf("eventName: %q %q %v", name, rest, ok)
	}
	if got := string(ackPacket(id, rest)); got != `4312[{"a":1},2]` {
		t.Fatalf("ackPacket: %q", got)
	}
	if got := string(ackPacket([]byte("3"), []byte("]"))); got != `433[]` {
		t.Fatalf("empty ackPacket: %q", got)
	}
	id, _ = splitID([]byte(`["echo"]`))
	if id != nil {
		t.Fatalf("want no id, got %q", id)
	}
}

func TestStringArg(t *testing.T) {
	s, rest, ok := stringArg([]byte(`,"ro\"om",{"x":1}]`))
	if !ok || s != `ro"om` || string(rest) != `,{"x":1}]` {
		t.Fatalf("got %q %q %v", s, rest, ok)
	}
	if _, _, ok := stringArg([]byte(`,1]`)); ok {
		t.Fatal("want failure for a number")
	}
}
