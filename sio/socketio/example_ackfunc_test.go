package socketio_test

import (
	"errors"
	"log"
	"time"

	"github.com/gosio/gosio/sio/socketio"
)

// A handler asks its client a question and returns at once: the client's
// later events are handled meanwhile, and the answer (or the timeout)
// reaches the callback on the socket's mailbox, one at a time with the
// handlers, like Node's socket.timeout(5000).emit("question", cb).
func ExampleSocketEmitter_EmitWithAckFunc() {
	srv := socketio.NewServer(nil)
	srv.OnConnection(func(s *socketio.NamespaceSocket) {
		asked := 0 // touched by handlers and callbacks alone: no lock
		s.On("ask", func(*socketio.Event) {
			asked++
			err := s.Timeout(5*time.Second).EmitWithAckFunc("question", func(answer socketio.Args, err error) {
				if errors.Is(err, socketio.ErrAckTimeout) {
					log.Printf("no answer to question %d", asked)
					return
				}
				var text string
				_ = answer.Decode(&text)
				log.Printf("answer %q", text)
			}, "what time is it?")
			if err != nil {
				log.Print(err)
			}
		})
	})
}

// A broadcast collects every client's acknowledgement without blocking the
// caller, like Node's io.timeout(1000).emit("vote", cb).
func ExampleBroadcastOperator_EmitWithAckFunc() {
	srv := socketio.NewServer(nil)
	_ = srv.To("room").Timeout(time.Second).EmitWithAckFunc("vote", func(votes []socketio.Args, err error) {
		log.Printf("%d votes (%v)", len(votes), err)
	})
}
