// Command quickstart is the smallest gosio server worth copying: a
// consumer on namespace "/chat" that puts each client in room "lobby",
// relays "chat_message" to the room's other clients and acknowledges it
// with a receipt. Copied into a folder of your own:
//
//	go mod init example.com/chat
//	go get github.com/gosio/gosio@latest
//	go run .
//
// A client, in Node.js (npm install socket.io-client) or a browser page:
//
//	import { io } from "socket.io-client";
//
//	const socket = io("http://127.0.0.1:3000/chat", { auth: { nick: "ann" } });
//	socket.on("chat_message", (msg) => console.log(`${msg.from}: ${msg.text}`));
//	const receipt = await socket.emitWithAck("chat_message", { text: "hello" });
//	console.log(receipt); // { ok: true }
package main

import (
	"errors"
	"flag"
	"log"
	"net"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/gosio/gosio/consumer"
	"github.com/gosio/gosio/routing"
)

// Auth is what a client sends when it connects: socket.io-client's auth
// option.
type Auth struct {
	Nick string `json:"nick"`
}

// Message is a chat message; the server fills in From.
type Message struct {
	Text string `json:"text"`
	From string `json:"from"`
}

// Receipt answers a client's "chat_message": its ack callback, or the
// value emitWithAck resolves to.
type Receipt struct {
	OK bool `json:"ok"`
}

// Chat is the consumer: each client that connects to "/chat" gets its own
// copy, whose handlers run one at a time (nick needs no lock).
type Chat struct {
	consumer.SocketIOConsumer
	Namespace string // "/chat"

	nick string
}

// Connect accepts a client that gives a nickname; an error refuses it
// (the client gets a connect_error with the error's text).
func (c *Chat) Connect(auth Auth) error {
	if auth.Nick == "" {
		return errors.New("pick a nickname")
	}
	c.nick = auth.Nick
	c.Join("lobby")
	return nil
}

// EventChatMessage handles the "chat_message" event: the message goes to
// the room's other clients, and the receipt answers the sender's ack.
func (c *Chat) EventChatMessage(msg Message) (Receipt, error) {
	msg.From = c.nick
	if err := c.To("lobby").Emit("chat_message", msg); err != nil {
		return Receipt{}, err
	}
	return Receipt{OK: true}, nil
}

// Disconnect runs when the client has gone.
func (c *Chat) Disconnect(reason string) {
	log.Printf("%s left (%s)", c.nick, reason)
}

func main() {
	addr := flag.String("addr", "127.0.0.1:3000", "address to listen on")
	flag.Parse()

	r := chi.NewRouter()
	routing.Mount(r, "/socket.io/", &Chat{Namespace: "/chat"})

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	log.Printf("listening on http://%s", ln.Addr())
	log.Fatal(http.Serve(ln, r))
}
