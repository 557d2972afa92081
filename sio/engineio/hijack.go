package engineio

import (
	"bufio"
	"errors"
	"net"
	"net/http"
)

// wsBufferSize is the size of the read buffer a websocket connection keeps
// for its whole life (its write buffer is wsWriteBufferSize: writer.go).
// net/http hands a hijacker 4 KiB buffers of each kind; an idle connection
// would hold 8 KiB it never uses. Frames larger than the buffer are read
// straight into the caller's memory by bufio, so a small buffer costs
// extra system calls only when many small frames arrive in one read.
const wsBufferSize = 512

// smallBufferWriter is the http.ResponseWriter handed to the websocket
// library: its Hijack returns the connection as a sendBuffer, with small
// buffers in place of net/http's.
type smallBufferWriter struct {
	http.ResponseWriter
	hj  http.Hijacker
	srv *Server
	out *sendBuffer // set by Hijack: the connection the websocket writes to
}

// Hijack hijacks the underlying connection. Bytes net/http has already
// buffered from the client (frames sent before the handshake's response was
// read) are kept by keeping net/http's reader.
func (w *smallBufferWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, brw, err := w.hj.Hijack()
	if err != nil {
		return nil, nil, err
	}
	w.out = newSendBuffer(w.srv, conn)
	br := brw.Reader
	if br.Buffered() == 0 {
		br = bufio.NewReaderSize(conn, wsBufferSize)
	}
	// Writes go through the sendBuffer (writer.go), which gathers a
	// batch's frames: net/http's writer, empty after the handshake, is not
	// kept, and the library's is small.
	bw := bufio.NewWriterSize(w.out, wsWriteBufferSize)
	return w.out, bufio.NewReadWriter(br, bw), nil
}

// Unwrap returns the wrapped writer, for http.ResponseController.
func (w *smallBufferWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// withSmallBuffers wraps w, which must be a hijacker.
func withSmallBuffers(w http.ResponseWriter, srv *Server) (*smallBufferWriter, error) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		return nil, errors.New("engineio: the http.ResponseWriter cannot be hijacked for a websocket")
	}
	return &smallBufferWriter{ResponseWriter: w, hj: hj, srv: srv}, nil
}
