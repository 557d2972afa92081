package main

import (
	"github.com/gosio/gosio/sio/socketio"
)

// socketPeer is a peer over a *socketio.NamespaceSocket. The nickname and
// room live in the socket's Data, which connection state recovery restores.
type socketPeer struct{ s *socketio.NamespaceSocket }

func (p socketPeer) ID() string { return p.s.ID() }
func (p socketPeer) Nick() string {
	v, _ := p.s.Data.Get("nick")
	s, _ := v.(string)
	return s
}
func (p socketPeer) Room() string {
	v, _ := p.s.Data.Get("room")
	s, _ := v.(string)
	return s
}
func (p socketPeer) SetRoom(room string) { p.s.Data.Set("room", room) }
func (p socketPeer) Join(room string)    { p.s.Join(room) }
func (p socketPeer) Leave(room string)   { p.s.Leave(room) }

// registerDirect wires the chat with the socketio package's callbacks.
func registerDirect(c *chat) {
	c.nsp.Use(func(s *socketio.NamespaceSocket) error {
		var auth struct {
			Nick string `json:"nick"`
		}
		_ = s.Handshake().DecodeAuth(&auth)
		nick, err := cleanNick(auth.Nick)
		if err != nil {
			return socketio.NewConnectError(err.Error(), nil)
		}
		s.Data.Set("nick", nick)
		return nil
	})
	c.nsp.OnConnection(func(s *socketio.NamespaceSocket) {
		p := socketPeer{s}
		if s.Recovered() {
			c.announceMembers(p.Room())
		} else {
			c.connect(p, s.Handshake().Auth)
		}
		s.On("join", func(e *socketio.Event) {
			var room string
			_ = e.Decode(&room)
			_ = e.Ack(c.join(p, room))
		})
		s.On("chat_message", func(e *socketio.Event) {
			var in TextIn
			_ = e.Decode(&in)
			_ = e.Ack(c.text(p, in))
		})
		s.On("image", func(e *socketio.Event) {
			var in ImageIn
			_ = e.Decode(&in)
			_ = e.Ack(c.image(p, in))
		})
		s.On("typing", func(e *socketio.Event) {
			var on bool
			_ = e.Decode(&on)
			c.typing(p, on)
		})
		s.OnDisconnect(func(socketio.DisconnectReason) {
			c.announceMembers(p.Room())
		})
	})
}
