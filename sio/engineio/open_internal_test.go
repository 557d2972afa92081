package engineio

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/gosio/gosio/internal/sid"
)

// The open packet, written by hand, is what json.Marshal makes of the
// handshake's keys, for every transport and option that changes it.
func TestOpenPacketIsTheMarshalledHandshake(t *testing.T) {
	type handshake struct {
		SID          string   `json:"sid"`
		Upgrades     []string `json:"upgrades"`
		PingInterval int64    `json:"pingInterval"`
		PingTimeout  int64    `json:"pingTimeout"`
		MaxPayload   int64    `json:"maxPayload"`
	}
	for _, opts := range []*Options{
		nil,
		{DisallowUpgrades: true},
		{Transports: []string{TransportPolling}},
		{PingInterval: 1500 * time.Microsecond, PingTimeout: time.Hour, MaxPayload: 1 << 40},
	} {
		srv := NewServer(opts)
		for _, transport := range []string{TransportPolling, TransportWebSocket} {
			id := sid.New()
			want := handshake{SID: id, Upgrades: []string{}, PingInterval: srv.opts.PingInterval.Milliseconds(),
				PingTimeout: srv.opts.PingTimeout.Milliseconds(), MaxPayload: srv.opts.MaxPayload}
			if transport == TransportPolling && (opts == nil || !opts.DisallowUpgrades && opts.Transports == nil) {
				want.Upgrades = []string{TransportWebSocket}
			}
			data, err := json.Marshal(want)
			assert.NoError(t, err)
			p := srv.openPacket(id, transport)
			assert.Equal(t, PacketOpen, p.Type)
			assert.Equal(t, string(data), string(p.Data), "%+v over %s", opts, transport)
		}
		srv.Close()
	}
}
