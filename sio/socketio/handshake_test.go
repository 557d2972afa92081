package socketio

import (
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/assert"
)

func TestHandshakeTimeIsSharedWithinASecond(t *testing.T) {
	const layout = "Mon Jan 02 2006 15:04:05 GMT-0700"
	t0 := time.Date(2026, 3, 1, 10, 20, 30, 100, time.UTC)
	a := handshakeTime(t0)
	b := handshakeTime(t0.Add(800 * time.Millisecond))
	assert.Equal(t, t0.Format(layout)+" (Coordinated Universal Time)", a)
	assert.Equal(t, unsafe.StringData(a), unsafe.StringData(b), "one string for the second")

	c := handshakeTime(t0.Add(time.Second))
	assert.Equal(t, t0.Add(time.Second).Format(layout)+" (Coordinated Universal Time)", c)

	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Skip("no time zone database:", err)
	}
	d := handshakeTime(t0.Add(time.Second).In(paris))
	assert.Equal(t, t0.Add(time.Second).In(paris).Format(layout)+" (Central European Standard Time)", d, "another location, another text")
}

// TestHandshakeTimeAsNode compares the text with what Node's
// new Date(ms).toString() writes (node 22, TZ set as named), in UTC, the
// case that matters on servers, and a few zones.
func TestHandshakeTimeAsNode(t *testing.T) {
	jan := time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC)
	jul := time.Date(2026, 7, 15, 0, 0, 0, 0, time.UTC)
	assert.Equal(t, "Thu Jan 15 2026 00:00:00 GMT+0000 (Coordinated Universal Time)", handshakeTime(jan))
	cases := []struct {
		tz   string
		at   time.Time
		want string
	}{
		{"UTC", jul, "Wed Jul 15 2026 00:00:00 GMT+0000 (Coordinated Universal Time)"},
		{"Etc/UTC", jan, "Thu Jan 15 2026 00:00:00 GMT+0000 (Coordinated Universal Time)"},
		{"Europe/London", jan, "Thu Jan 15 2026 00:00:00 GMT+0000 (Greenwich Mean Time)"},
		{"Europe/London", jul, "Wed Jul 15 2026 01:00:00 GMT+0100 (British Summer Time)"},
		{"Europe/Paris", jul, "Wed Jul 15 2026 02:00:00 GMT+0200 (Central European Summer Time)"},
		{"America/New_York", jan, "Wed Jan 14 2026 19:00:00 GMT-0500 (Eastern Standard Time)"},
		{"America/Chicago", jul, "Tue Jul 14 2026 19:00:00 GMT-0500 (Central Daylight Time)"},
		{"Asia/Tokyo", jan, "Thu Jan 15 2026 09:00:00 GMT+0900 (Japan Standard Time)"},
		{"Asia/Kolkata", jan, "Thu Jan 15 2026 05:30:00 GMT+0530 (India Standard Time)"},
		{"Australia/Sydney", jan, "Thu Jan 15 2026 11:00:00 GMT+1100 (Australian Eastern Daylight Time)"},
	}
	for _, c := range cases {
		loc, err := time.LoadLocation(c.tz)
		if err != nil {
			t.Skip("no time zone database:", err)
		}
		assert.Equal(t, c.want, handshakeTime(c.at.In(loc)), c.tz)
	}
}
