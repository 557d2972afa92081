package socketio_test

import (
	"fmt"
	"net/http/httptest"
	"regexp"

	"github.com/gosio/gosio/sio/socketio"
)

// OnNewNamespace listeners see every namespace made from then on, a
// parent's children included, before anyone connects to them; Namespaces
// lists those that exist.
func ExampleSocketIOServer_OnNewNamespace() {
	srv := socketio.NewServer(nil)
	srv.OnNewNamespace(func(n *socketio.Namespace) {
		fmt.Println("new namespace", n.Name())
	})
	srv.Of("/chat")
	srv.OfRegexp(regexp.MustCompile(`^/team-\w+$`))
	ts := httptest.NewServer(srv)
	defer shutdown(srv, ts)

	c := dialPolling(ts.URL)
	defer c.close()
	c.emit("40/team-blue,") // CONNECT to "/team-blue": the parent makes it
	connected(c.next())
	for _, n := range srv.Namespaces() {
		fmt.Println(n.Name())
	}
	// Output:
	// new namespace /chat
	// new namespace /team-blue
	// 40/team-blue,{...}
	// /
	// /chat
	// /team-blue
}

// Room listeners see rooms made and emptied and sockets joining and
// leaving them, as the Node.js adapter's events do; a socket's own room
// (its id) is one of them.
func ExampleNamespace_OnJoinRoom() {
	srv := socketio.NewServer(nil)
	nsp := srv.Of("/")
	nsp.OnCreateRoom(func(room socketio.Room) {
		if room == "lobby" {
			fmt.Println("created", room)
		}
	})
	nsp.OnJoinRoom(func(room socketio.Room, id socketio.SocketID) {
		if room == "lobby" {
			fmt.Println("joined", room)
		}
	})
	done := make(chan struct{})
	srv.OnConnection(func(s *socketio.NamespaceSocket) {
		s.Join("lobby")
		close(done)
	})
	ts := httptest.NewServer(srv)
	defer shutdown(srv, ts)

	c := dialPolling(ts.URL)
	defer c.close()
	c.emit("40")
	<-done
	// Output:
	// created lobby
	// joined lobby
}

// OnAny listeners see every incoming event, before its handlers; each
// registration returns the function that removes that one listener.
func ExampleNamespaceSocket_OnAny() {
	srv := socketio.NewServer(nil)
	seen := make(chan string, 4)
	srv.OnConnection(func(s *socketio.NamespaceSocket) {
		var remove func()
		remove = s.OnAny(func(e *socketio.Event) {
			seen <- "any " + e.Name
			remove() // only the first event
		})
		s.On("hi", func(e *socketio.Event) { seen <- "handler 1" })
		s.On("hi", func(e *socketio.Event) { seen <- "handler 2" })
	})
	ts := httptest.NewServer(srv)
	defer shutdown(srv, ts)

	c := dialPolling(ts.URL)
	defer c.close()
	c.emit("40")
	connected(c.next())
	c.send(`42["hi"]`, `42["hi"]`)
	for range 5 {
		fmt.Println(<-seen)
	}
	// Output:
	// 40{...}
	// any hi
	// handler 1
	// handler 2
	// handler 1
	// handler 2
}
