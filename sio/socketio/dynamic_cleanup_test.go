package socketio

import (
	"fmt"
	"regexp"
	"runtime"
	"testing"
)

// namespaceCount is the number of namespaces the server holds.
func (srv *SocketIOServer) namespaceCount() int {
	srv.mu.RLock()
	defer srv.mu.RUnlock()
	return len(srv.nsps)
}

// With CleanupEmptyChildNamespaces, as with Node's
// cleanupEmptyChildNamespaces, a child of a parent namespace is released
// when its last socket leaves, and so is one whose only connection was
// refused; without it, children are kept (Node's default).
func TestCleanupEmptyChildNamespaces(t *testing.T) {
	const n = 3000
	for _, cleanup := range []bool{false, true} {
		t.Run(fmt.Sprint("cleanup=", cleanup), func(t *testing.T) {
			e := newTestEnv(t, &ServerOptions{CleanupEmptyChildNamespaces: cleanup})
			parent := e.srv.OfRegexp(regexp.MustCompile(`^/dyn-`))
			parent.Use(func(s *NamespaceSocket) error {
				if s.Namespace().Name() == "/dyn-refused" {
					return &ConnectError{Message: "no"}
				}
				return nil
			})
			heap := func() uint64 {
				var m runtime.MemStats
				runtime.GC()
				runtime.GC()
				runtime.ReadMemStats(&m)
				return m.HeapAlloc
			}
			c := e.dialWS()
			c.connect("/", "")
			before := heap()
			for i := range n {
				c.send(fmt.Sprintf("0/dyn-%d,", i))
				c.expectPrefix(fmt.Sprintf("0/dyn-%d,", i))
			}
			if got := len(parent.Children()); got != n {
				t.Fatalf("%d children while connected, want %d", got, n)
			}
			// A refused connection leaves no child behind (with cleanup).
			c.send("0/dyn-refused,")
			c.expectPrefix("4/dyn-refused,")
			if cleanup {
				eventually(t, "the refused namespace released", func() bool { return len(parent.Children()) == n })
			}
			// Leaving one namespace releases it.
			c.send("1/dyn-0,")
			want := n + 1
			if cleanup {
				want = n - 1
			}
			eventually(t, "the namespace left released", func() bool { return len(parent.Children()) == want })
			c.close()
			if cleanup {
				eventually(t, "children released", func() bool {
					return len(parent.Children()) == 0 && e.srv.namespaceCount() == 1
				})
				per := (int64(heap()) - int64(before)) / n
				t.Logf("%d bytes retained per released namespace", per)
				if per > 600 { // a kept namespace costs ~1,300 bytes; the margin absorbs what other tests leave on the heap
					t.Fatalf("%d bytes retained per released namespace", per)
				}
			} else if t.Logf("%d bytes retained per namespace kept", (int64(heap())-int64(before))/n); len(parent.Children()) != n+1 || e.srv.namespaceCount() != n+2 {
				t.Fatalf("without cleanup: %d children, %d namespaces", len(parent.Children()), e.srv.namespaceCount())
			}
		})
	}
}
