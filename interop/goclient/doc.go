// Package goclient holds interop tests of gosio with the zishang520 Go
// client (github.com/zishang520/socket.io/clients/socket/v3). It is a module
// of its own, used only by tests, so that the library's go.mod does not
// depend on a Socket.IO client.
package goclient
