package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"
	"time"
)

// defaultLeaveGrace is how long a departed client has to come back (a
// reload, a reconnection) before its room is told it left.
const defaultLeaveGrace = 10 * time.Second

// users holds who has which nickname, and the "left" notices not yet
// posted. A user is a browser tab: its page keeps a random token in
// sessionStorage and sends it when it connects; the user id is a hash of
// it, which the pages see (the token, which would let anyone take the
// nickname, is never sent to others). Its methods are safe for concurrent
// use.
type users struct {
	grace time.Duration
	// left posts a "left" notice and the new member list; it runs on the
	// timer's goroutine.
	left func(nick, room string)

	mu      sync.Mutex
	closed  bool
	byNick  map[string]*claim      // lower-cased nickname -> its holder
	leaving map[string]*time.Timer // user id + "\x00" + room -> the pending notice
	running sync.WaitGroup         // notices being posted
}

// claim is a nickname held by a user, through one or more sockets (tabs
// opened as copies share the token).
type claim struct {
	user    string
	sockets int
}

func newUsers(grace time.Duration, left func(nick, room string)) *users {
	return &users{grace: grace, left: left, byNick: make(map[string]*claim), leaving: make(map[string]*time.Timer)}
}

// userID is the public id of the user holding token: a hash of it, or,
// for a page that sent no plausible token, a random id (every connection
// of such a page is a new user).
func userID(token string) string {
	if len(token) < 16 || len(token) > 64 {
		token = messageID("") + messageID("")
	}
	sum := sha256.Sum256([]byte("gosio-chat-user\x00" + token))
	return hex.EncodeToString(sum[:8])
}

// errNickTaken is the refusal of a nickname someone else holds.
func errNickTaken(nick string) error {
	return fmt.Errorf("the nickname %q is taken: pick another", nick)
}

// claim gives nick to user, unless another user holds it; force (a
// recovered connection, which held it before) takes it regardless.
func (u *users) claim(nick, user string, force bool) error {
	key := strings.ToLower(nick)
	u.mu.Lock()
	defer u.mu.Unlock()
	c := u.byNick[key]
	switch {
	case c == nil:
		u.byNick[key] = &claim{user: user, sockets: 1}
	case c.user == user || force:
		c.user = user
		c.sockets++
	default:
		return errNickTaken(nick)
	}
	return nil
}

// release gives back one socket's hold on nick.
func (u *users) release(nick, user string) {
	key := strings.ToLower(nick)
	u.mu.Lock()
	defer u.mu.Unlock()
	if c := u.byNick[key]; c != nil && c.user == user {
		if c.sockets--; c.sockets <= 0 {
			delete(u.byNick, key)
		}
	}
}

// depart schedules the notice that user left room, posted after the
// grace period unless back cancels it first.
func (u *users) depart(user, nick, room string) {
	if room == "" {
		return
	}
	key := user + "\x00" + room
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.closed {
		return
	}
	if t := u.leaving[key]; t != nil {
		t.Stop()
	}
	var t *time.Timer
	t = time.AfterFunc(u.grace, func() {
		u.mu.Lock()
		if u.closed || u.leaving[key] != t {
			u.mu.Unlock()
			return
		}
		delete(u.leaving, key)
		u.running.Add(1)
		u.mu.Unlock()
		defer u.running.Done()
		u.left(nick, room)
	})
	u.leaving[key] = t
}

// back cancels the pending "left" notice of user in room, and reports
// whether there was one (the user was away for less than the grace
// period: the room is not told it joined either).
func (u *users) back(user, room string) bool {
	key := user + "\x00" + room
	u.mu.Lock()
	defer u.mu.Unlock()
	t := u.leaving[key]
	if t == nil {
		return false
	}
	t.Stop()
	delete(u.leaving, key)
	return true
}

// close drops the pending notices and waits for those being posted.
func (u *users) close() {
	u.mu.Lock()
	u.closed = true
	for k, t := range u.leaving {
		t.Stop()
		delete(u.leaving, k)
	}
	u.mu.Unlock()
	u.running.Wait()
}
