package socketio

import (
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/assert"
)

func TestHandshakeTimeIsSharedWithinASecond(t *testing.T) {
	const layout = "Mon Jan 02 2006 15:04:05 GMT-0700 (MST)"
	t0 := time.Date(2026, 3, 1, 10, 20, 30, 100, time.UTC)
	a := handshakeTime(t0)
	b := handshakeTime(t0.Add(800 * time.Millisecond))
	assert.Equal(t, t0.Format(layout), a)
	assert.Equal(t, unsafe.StringData(a), unsafe.StringData(b), "one string for the second")

	c := handshakeTime(t0.Add(time.Second))
	assert.Equal(t, t0.Add(time.Second).Format(layout), c)

	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Skip("no time zone database:", err)
	}
	d := handshakeTime(t0.Add(time.Second).In(paris))
	assert.Equal(t, t0.Add(time.Second).In(paris).Format(layout), d, "another location, another text")
}
