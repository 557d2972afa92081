package admin_test

import (
	"fmt"
	"log"
	"net/http"

	"golang.org/x/crypto/bcrypt"

	"github.com/gosio/gosio/admin"
	"github.com/gosio/gosio/sio/engineio"
	"github.com/gosio/gosio/sio/socketio"
)

// The Admin UI of https://admin.socket.io monitors a gosio server: allow
// its origin with credentials, instrument the server, and connect the UI
// to http://host:3000 with the username and password.
func ExampleInstrument() {
	srv := socketio.NewServer(&socketio.ServerOptions{
		Engine: &engineio.Options{CORS: &engineio.CORSOptions{
			Origins:     []string{"https://admin.socket.io"},
			Credentials: true,
		}},
	})
	srv.Of("/chat") // the application's namespaces, before Instrument

	// Keep the hash, not the password, in the configuration.
	hash, _ := bcrypt.GenerateFromPassword([]byte("change me"), bcrypt.DefaultCost)
	a, err := admin.Instrument(srv, &admin.Options{
		Auth: &admin.BasicAuth{Username: "admin", PasswordHash: string(hash)},
		Mode: admin.Production, // server_stats only; Development adds every socket and event
	})
	if err != nil {
		log.Fatal(err)
	}
	defer a.Close()
	fmt.Println(a.Namespace().Name())
	_ = http.Handler(srv) // mount srv at /socket.io/ and serve
	// Output: /admin
}
