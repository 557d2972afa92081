package admin

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"log/slog"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/gosio/gosio/sio/socketio"
)

// errInvalidCredentials is the CONNECT_ERROR message the UI shows in its
// login form, as Node's.
var errInvalidCredentials = socketio.NewConnectError("invalid credentials", nil)

// sessionKey is the socket Data key under which the middleware leaves the
// session id it made, for the connection handler to send ("session") once
// the client is connected, and removes it then.
const sessionKey = "_adminSession"

// storeTimeout bounds a SessionStore call made for one connection.
const storeTimeout = 5 * time.Second

// authenticate returns the namespace middleware of BasicAuth: a known
// session id, or the username and the password matching the hash, let the
// UI in; anything else is refused with "invalid credentials".
func authenticate(auth BasicAuth, store SessionStore, log *slog.Logger) func(s *socketio.NamespaceSocket) error {
	return func(s *socketio.NamespaceSocket) error {
		ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
		defer cancel()
		creds := s.Handshake().Auth
		if id, ok := creds["sessionId"].(string); ok && id != "" {
			known, err := store.SessionExists(ctx, id)
			if err != nil {
				log.Warn("admin: session store", "err", err)
			}
			if known {
				return nil
			}
		}
		user, _ := creds["username"].(string)
		pass, _ := creds["password"].(string)
		if subtle.ConstantTimeCompare([]byte(user), []byte(auth.Username)) != 1 {
			return errInvalidCredentials
		}
		if bcrypt.CompareHashAndPassword([]byte(auth.PasswordHash), []byte(pass)) != nil {
			return errInvalidCredentials
		}
		id := newSessionID()
		if err := store.SaveSession(ctx, id); err != nil {
			// The UI is in; it will have to log in again next time.
			log.Warn("admin: session store", "err", err)
			return nil
		}
		s.Data.Set(sessionKey, id)
		return nil
	}
}

// newSessionID returns 16 random hexadecimal digits, as Node's randomId.
func newSessionID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
