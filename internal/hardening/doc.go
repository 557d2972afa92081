// Package hardening holds the bad-input matrix, the churn soak and the
// read-path fuzzers of gosio (issue 10): tests only, run by go test ./...
//
// The matrix (matrix_test.go) fires every known bad input at a real
// SocketIOServer on an httptest server and asserts the outcome the Node.js
// socket.io 4.8 server gives (exact HTTP status and error body, websocket
// close code, connection kept or closed), that a canary client on the same
// server keeps echoing, and that goroutines return to the baseline. Cases
// named "defect/..." are the defects of issue 10, each fixed. The
// expectations were checked against socket.io 4.8.4 with TestNodeProbe
// (see nodeprobe_test.go); where gosio is stricter than Node.js and both
// are safe, a case accepts either answer and says so.
//
// The churn soak (soak_test.go) runs mixed websocket, polling-then-upgrade
// and polling-only clients that connect, emit, broadcast and go away by
// clean close, TCP close or RST. go test runs a CI-sized soak (about 20 s,
// 1,000 connections); GOSIO_SOAK=5m runs the long one (8,000 connections,
// raise ulimit -n first) and prints its table every 10 s.
//
// The fuzzers: FuzzReadPaths here (any bytes through the websocket and
// long-polling read paths of a real server); FuzzDecode, FuzzEncodeDecode
// and FuzzArgsMatchEncodingJSON in sio/socketio.
package hardening
