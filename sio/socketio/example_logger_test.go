package socketio_test

import (
	"log/slog"
	"os"

	"github.com/gosio/gosio/sio/socketio"
)

// Log the server's records as JSON, with what clients cause (at Debug)
// included.
func ExampleServerOptions_logger() {
	logger := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv := socketio.NewServer(&socketio.ServerOptions{Logger: logger})
	_ = srv // the engine and the Redis adapters log to the same logger
	// Output:
}
