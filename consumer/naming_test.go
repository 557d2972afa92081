package consumer

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestEventNames is the table of the naming rule stated in the package
// documentation under "Event names".
func TestEventNames(t *testing.T) {
	tests := []struct {
		method string
		want   string
	}{
		{"EventChatMessage", "chat_message"},
		{"EventPing", "ping"},
		{"EventA", "a"},
		{"EventGetURL", "get_url"},
		{"EventGetURLPath", "get_url_path"},
		{"EventHTTPRequest", "http_request"},
		{"EventUserID", "user_id"},
		{"EventID", "id"},
		{"EventPlayer2Move", "player2_move"},
		{"EventV2", "v2"},
		{"Event2FA", "2_fa"},
		{"EventChat_Message", "chat_message"},
		{"EventChat_message", "chat_message"},
		{"EventGetURLs", "get_ur_ls"},
		{"EventÉtéChaud", "été_chaud"},
		{"EventSetNick", "set_nick"},
		{"EventJSONToXML", "json_to_xml"},
	}
	for _, tt := range tests {
		t.Run(tt.method, func(t *testing.T) {
			suffix, ok := handlerSuffix(tt.method)
			assert.True(t, ok)
			assert.Equal(t, tt.want, snakeCase(suffix))
		})
	}
}

// TestHandlerSuffix checks which method names are event handlers: "Event"
// followed by anything but a lower-case letter.
func TestHandlerSuffix(t *testing.T) {
	tests := []struct {
		method string
		ok     bool
		suffix string
	}{
		{"EventChatMessage", true, "ChatMessage"},
		{"Event", true, ""},
		{"Event2FA", true, "2FA"},
		{"Event_x", true, "_x"},
		{"Events", false, ""},
		{"Eventually", false, ""},
		{"OnEvent", false, ""},
		{"Connect", false, ""},
		{"HandleEvent", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.method, func(t *testing.T) {
			suffix, ok := handlerSuffix(tt.method)
			assert.Equal(t, tt.ok, ok)
			assert.Equal(t, tt.suffix, suffix)
		})
	}
}
