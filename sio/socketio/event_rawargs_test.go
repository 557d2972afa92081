package socketio

import (
	"encoding/json"
	"slices"
	"sync"
	"testing"
)

// Event.RawArgs gives what Args.RawArgs gives, for one argument from the
// event's own slot, the same on every call and from concurrent callers.
func TestEventRawArgs(t *testing.T) {
	one := &Event{Args: newArgs([]json.RawMessage{json.RawMessage(`{"a":1}`)}, nil)}
	two := &Event{Args: newArgs([]json.RawMessage{json.RawMessage(`1`), json.RawMessage(`"b"`)}, nil)}
	for _, ev := range []*Event{one, two} {
		want := ev.Args.RawArgs()
		var wg sync.WaitGroup
		results := make([][]any, 8)
		for i := range results {
			wg.Go(func() { results[i] = ev.RawArgs() })
		}
		wg.Wait()
		for _, got := range results {
			if !slices.EqualFunc(got, want, func(a, b any) bool {
				return string(a.(json.RawMessage)) == string(b.(json.RawMessage))
			}) {
				t.Fatalf("RawArgs %v, want %v", got, want)
			}
		}
	}
	if got := one.RawArgs(); &got[0] != &one.rawArg[0] {
		t.Fatal("one argument: RawArgs does not return the event's own slot")
	}
}
