package socketio

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
)

// handshakeJSON is the shape of Node's socket.handshake as the cluster
// adapters send it in a fetchSockets response: header names in lower case
// (host among them), one string per header and per query parameter.
type handshakeJSON struct {
	Headers map[string]any  `json:"headers"`
	Time    string          `json:"time"`
	Address string          `json:"address"`
	XDomain bool            `json:"xdomain"`
	Secure  bool            `json:"secure"`
	Issued  int64           `json:"issued"`
	URL     string          `json:"url"`
	Query   map[string]any  `json:"query"`
	Auth    json.RawMessage `json:"auth"`
}

// MarshalJSON encodes the handshake as the Node.js server does: header
// names in lower case with host, repeated headers joined with ", " (set-cookie
// kept as an array, as Node's IncomingMessage does), query values as strings.
func (h *Handshake) MarshalJSON() ([]byte, error) {
	out := handshakeJSON{
		Headers: make(map[string]any, len(h.Headers)+1),
		Time:    h.Time, Address: h.Address, XDomain: h.XDomain, Secure: h.Secure,
		Issued: h.Issued, URL: h.URL,
		Auth: h.RawAuth,
	}
	query := h.Query()
	out.Query = make(map[string]any, len(query))
	if h.host != "" {
		out.Headers["host"] = h.host
	}
	for k, vs := range h.Headers {
		name := strings.ToLower(k)
		switch {
		case len(vs) == 0:
		case name == "set-cookie":
			out.Headers[name] = vs
		case name == "cookie":
			out.Headers[name] = strings.Join(vs, "; ")
		default:
			out.Headers[name] = strings.Join(vs, ", ")
		}
	}
	for k, vs := range query {
		if len(vs) == 1 {
			out.Query[k] = vs[0]
		} else {
			out.Query[k] = vs
		}
	}
	if len(out.Auth) == 0 {
		out.Auth = json.RawMessage("{}")
	}
	return json.Marshal(out)
}

// UnmarshalJSON decodes a handshake sent by another server of a cluster,
// Node.js or gosio.
func (h *Handshake) UnmarshalJSON(b []byte) error {
	var in handshakeJSON
	if err := json.Unmarshal(b, &in); err != nil {
		return err
	}
	*h = Handshake{
		Headers: make(http.Header, len(in.Headers)),
		query:   make(url.Values, len(in.Query)),
		Time:    in.Time, Address: in.Address, XDomain: in.XDomain, Secure: in.Secure,
		Issued: in.Issued, URL: in.URL,
	}
	for k, v := range in.Headers {
		if strings.EqualFold(k, "host") {
			h.host, _ = v.(string)
			continue
		}
		h.Headers[http.CanonicalHeaderKey(k)] = stringValues(v)
	}
	for k, v := range in.Query {
		h.query[k] = stringValues(v)
	}
	if len(in.Auth) > 0 && string(in.Auth) != "null" {
		h.RawAuth = in.Auth
		_ = json.Unmarshal(in.Auth, &h.Auth)
	}
	if h.Auth == nil {
		h.Auth = map[string]any{}
	}
	return nil
}

// stringValues reads a header or query value of Node's: a string or an
// array of strings.
func stringValues(v any) []string {
	switch t := v.(type) {
	case string:
		return []string{t}
	case []any:
		out := make([]string, 0, len(t))
		for _, e := range t {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}
