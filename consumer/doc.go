// Package consumer runs Socket.IO namespaces as consumers, the way Django
// Channels runs websockets: a struct type with one method per event, one
// value of it per client, and AsASGI to turn it into an http.Handler.
//
//	type Chat struct {
//		consumer.SocketIOConsumer        // Emit, Join, To, Close, ...
//		Namespace string                 // "/chat"
//		Rooms     *RoomStore             // shared by every client
//		nick      string                 // this client's own
//	}
//
//	func (c *Chat) Connect(auth Credentials) error              { ... }
//	func (c *Chat) Disconnect(reason string)                    { ... }
//	func (c *Chat) EventSetNick(nick string) error              { ... }
//	func (c *Chat) EventChatMessage(m Message) (Receipt, error) { ... }
//
//	http.Handle("/socket.io/", consumer.AsASGI(&Chat{Namespace: "/chat", Rooms: rooms}))
//
// # Registration
//
// AsASGI takes a prototype: a pointer to a struct that embeds
// SocketIOConsumer by value. It reads the consumer's namespace from a
// Namespace string field or a Namespace() string method ("/" by default),
// builds the table of its handlers by reflection, once, and registers it on
// the process-wide socketio.GetSocketIOServer() or on the server given
// with WithServer. Everything that can be wrong with a consumer type (a
// parameter JSON cannot fill, a result that is not JSON, an error result
// that is not last, two methods for one event, a reserved event name) is a
// panic at that moment, whose message names the method and the mistake:
// never an error when an event first arrives.
//
// Several consumer types, one per namespace, can be registered on one
// server; they share its Engine.IO endpoint, as Socket.IO namespaces
// share a connection.
//
// # Instances
//
// Each client that connects to the namespace gets its own consumer value,
// as Channels makes one consumer instance per connection: a shallow copy of
// the prototype as it is at that moment, made before Connect. Every field is copied as it is in the
// prototype: a pointer, map, slice, channel or interface field (a store, a
// database handle, a configuration) is thereby shared by every client,
// while a field holding a plain value (a string, a number, a struct)
// starts, for each client, as the prototype's value. Per-connection fields
// should therefore be zero in the prototype, usually unexported ones; a
// per-connection map or slice is made in Connect, not in the prototype,
// whose one map every client would share. The embedded SocketIOConsumer is
// the exception: each copy gets its own, bound to its client.
//
// A client's handlers (Connect, its events, Disconnect) run one at a time,
// in the order the packets arrived (socketio runs a socket's handlers on
// one queue, as Channels' await_many_dispatch does), so a consumer's fields
// need no lock as long as only its handlers touch them. Shared dependencies
// must be safe for concurrent use: every client's consumer calls them.
//
// A client restored by connection state recovery gets a new consumer value
// too. Connect runs as a namespace middleware, and recovery skips those by
// default: the new value then gets no Connect call, so per-connection
// fields it would have set are zero (keep what must survive in
// Socket().Data, which recovery restores), unless the server's
// RecoveryOptions.RunMiddlewares is set, which calls Connect again.
//
// # Handlers
//
// All handlers are optional methods. A handler that changes the consumer's
// fields needs a pointer receiver, as any Go method does; the others may
// have either.
//
//	Connect()                      // runs when the client joins the namespace
//	Connect(auth T)                // T decoded from the CONNECT packet's payload
//	Connect() error / Connect(auth T) error
//	Disconnect()
//	Disconnect(reason string)      // any string type; the socketio.DisconnectReason
//	EventXxx(args...) results      // the event named after Xxx, see "Event names"
//	OnEvent(name string, args socketio.Args) results // every event without a handler
//	Events() map[string]string     // explicit event names, see "Event names"
//	Namespace() string             // the namespace, instead of a Namespace field
//
// Connect runs as a middleware of the namespace, before the client is
// connected; returning a non-nil error rejects it: the client receives a
// CONNECT_ERROR whose message is the error's text, and whose data is the
// Data of a *socketio.ConnectError (socket.io-client's connect_error event
// gets err.message and err.data). Rooms joined in a Connect that fails are
// left again, and Disconnect does not run for a rejected client. A Connect
// that panics is logged and rejects the client with the message "server
// error". Events emitted in Connect are sent right after the CONNECT
// reply. Middlewares added to the namespace with Namespace.Use before the
// registration run before Connect, later ones after it.
//
// Disconnect runs once the client has left the namespace, its rooms left
// already; reason is one of the socketio.DisconnectReason texts ("client
// namespace disconnect", "transport close", "ping timeout", "server
// namespace disconnect" after Close, ...).
//
// Because a consumer defines these names, SocketIOConsumer has no method
// named Connect or Disconnect: the action that disconnects the client is
// Close (Channels' self.close), and CloseConnection closes its whole
// connection.
//
// # Event names
//
// This is the one place the naming rule is stated. An exported method whose
// name is "Event" followed by anything but a lower-case letter handles the
// event whose name is the rest of the method's name in snake case (as
// django-sio's event_chat_message handles "chat_message"): a word starts at
// an upper-case letter that follows a lower-case letter or a digit, or
// that ends a run of upper-case letters and is followed by a lower-case
// one; words are joined with "_" and lowered; an underscore in the method
// name is kept, with none added next to it.
//
//	EventChatMessage   "chat_message"
//	EventPing          "ping"
//	EventGetURL        "get_url"         (an acronym is one word)
//	EventGetURLPath    "get_url_path"
//	EventHTTPRequest   "http_request"
//	EventUserID        "user_id"
//	EventPlayer2Move   "player2_move"    (a digit ends no word, a capital after it starts one)
//	EventV2            "v2"
//	EventChat_Message  "chat_message"
//	EventGetURLs       "get_ur_ls"       (so name this one explicitly)
//
// Names that snake case cannot spell ("chat message", "chat:message",
// "chatMessage", "getURLs") are given explicitly by a method
//
//	func (*Chat) Events() map[string]string {
//		return map[string]string{"chat:message": "EventChatMessage", "typing...": "Typing"}
//	}
//
// mapping wire names to method names. A method named there handles only the
// names given to it there (EventChatMessage above does not also handle
// "chat_message"); it need not start with "Event", and several names may
// map to one method. Events is called once, on the prototype. Two methods
// that claim one name, a reserved name ("connect", "disconnect",
// "disconnecting", "connect_error", "newListener", "removeListener"), or a
// name mapped to a missing or special method panic at registration.
//
// An event that no method handles goes to OnEvent when the consumer has
// one; otherwise it is logged (at level Info) and ignored, and an ack the
// client asked for is not answered.
//
// # Arguments
//
// The event's arguments are decoded, in order, into the handler's
// parameters as socketio.Args.Decode does: structs and maps by encoding/json, a
// []byte from a binary attachment, a json.RawMessage as the argument's raw
// JSON, an any as the generic value (with []byte for attachments). A final
// variadic parameter ...T receives every remaining argument. Missing
// arguments leave their parameters at the zero value, and arguments beyond
// the parameters of a non-variadic handler are ignored, as a JavaScript
// function would. Connect's parameter is decoded the same way from the
// CONNECT payload (the client's auth option); without a payload it is the
// zero value.
//
// # Results and errors
//
// A handler's results answer the client's acknowledgement
// (socket.emitWithAck, or emit with a callback): a handler may return
// nothing, an error, one or more values, or values followed by an error
// (the usual (T, error)). An error result must be the last, declared as
// error.
//
//   - nil error: the ack carries the other results as its arguments, in
//     order (none for a handler that returns only an error, or nothing).
//   - non-nil error: the ack carries one argument, the ErrorReply
//     {"error": err.Error()}; the other results are not sent.
//   - an argument that does not decode: the handler does not run, the
//     *DecodeError is logged (at level Warn), and the ack carries
//     {"error": "invalid argument N of event \"name\""}: no Go type or
//     field names reach the client.
//
// When the client asked for no ack, the results are dropped, and an error
// or a decoding failure is logged (at level Warn) instead. A CONNECT auth
// payload that does not decode is logged, and rejects the client with the
// message "invalid auth payload". A panicking handler is logged by socketio, and its ack
// is not answered.
//
// # Outside consumers
//
// The server is usable without a consumer, as Channels' channel layer is
// by group_send: any goroutine, an HTTP handler for one, can emit to a
// namespace's room:
//
//	socketio.GetSocketIOServer().Of("/chat").To("lobby").Emit("notice", text)
package consumer
