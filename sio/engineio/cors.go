package engineio

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// sameOrigin reports whether a websocket handshake comes from a page of
// the server's own host, which no cross-origin policy refuses (as
// coder/websocket's origin check): a server whose CORS policy names other
// origins still serves its own pages.
func sameOrigin(origin, host string) bool {
	u, err := url.Parse(origin)
	return err == nil && u.Host != "" && strings.EqualFold(u.Host, host)
}

// originAllowed applies the CORS policy's origin rule.
func (c *CORSOptions) originAllowed(origin string) bool {
	if c.OriginFunc != nil {
		return c.OriginFunc(origin)
	}
	return slices.Contains(c.Origins, "*") || slices.Contains(c.Origins, origin)
}

// allowOriginValue is the Access-Control-Allow-Origin value for a request,
// or "" when the origin is not allowed, and whether the response may carry
// Access-Control-Allow-Credentials.
//
// "*" in Origins is answered with a literal "*", never with the request's
// origin echoed, even with Credentials: echoing any origin with credentials
// would let every site make credentialed requests (CWE-942). Browsers
// refuse credentials with "*", so the combination fails safe; an origin
// listed by name, or allowed by OriginFunc, is echoed with credentials.
func (c *CORSOptions) allowOriginValue(origin string) (value string, credentials bool) {
	if c.OriginFunc != nil {
		if origin != "" && c.OriginFunc(origin) {
			return origin, c.Credentials
		}
		return "", false
	}
	if origin != "" && slices.Contains(c.Origins, origin) {
		return origin, c.Credentials
	}
	if slices.Contains(c.Origins, "*") {
		return "*", false
	}
	return "", false
}

// applyCORS answers a preflight request (returning true) or, for others,
// adds the CORS headers and returns false. A websocket handshake from an
// origin the policy refuses is answered 403 here as well.
func (s *Server) applyCORS(w http.ResponseWriter, r *http.Request) bool {
	c := s.opts.CORS
	origin := r.Header.Get("Origin")
	if isWebSocketUpgrade(r) {
		if origin != "" && !sameOrigin(origin, r.Host) && !c.originAllowed(origin) {
			protocolError(CodeForbidden).writeTo(w)
			return true
		}
		return false
	}
	if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
		h := w.Header()
		s.writeCORSHeaders(w, r)
		h.Set("Access-Control-Allow-Methods", strings.Join(c.Methods, ","))
		if len(c.AllowedHeaders) > 0 {
			h.Set("Access-Control-Allow-Headers", strings.Join(c.AllowedHeaders, ","))
		} else if req := r.Header.Get("Access-Control-Request-Headers"); req != "" {
			h.Set("Access-Control-Allow-Headers", req)
			h.Add("Vary", "Access-Control-Request-Headers")
		}
		if c.MaxAge > 0 {
			h.Set("Access-Control-Max-Age", strconv.Itoa(int(c.MaxAge.Seconds())))
		}
		h.Set("Content-Length", "0")
		w.WriteHeader(http.StatusNoContent)
		return true
	}
	return false
}

// writeCORSHeaders adds the CORS headers of a simple (non-preflight)
// response; it does nothing without a CORS policy.
func (s *Server) writeCORSHeaders(w http.ResponseWriter, r *http.Request) {
	c := s.opts.CORS
	if c == nil {
		return
	}
	h := w.Header()
	v, credentials := c.allowOriginValue(r.Header.Get("Origin"))
	if v != "" {
		h.Set("Access-Control-Allow-Origin", v)
	}
	if c.OriginFunc != nil || len(c.Origins) != 1 || c.Origins[0] != "*" {
		h.Add("Vary", "Origin") // the answer depends on the origin
	}
	if credentials {
		h.Set("Access-Control-Allow-Credentials", "true")
	}
	if len(c.ExposedHeaders) > 0 {
		h.Set("Access-Control-Expose-Headers", strings.Join(c.ExposedHeaders, ","))
	}
}
