package consumer

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// eventPrefix starts the name of every method handled as an event.
const eventPrefix = "Event"

// handlerSuffix returns what follows "Event" in the name of an event
// handler method, and whether name is one: "Event" followed by anything but
// a lower-case letter, the rule of go test's TestXxx. "Events" (the method
// of explicit names) and "Eventually" are therefore not handlers.
func handlerSuffix(name string) (string, bool) {
	rest, ok := strings.CutPrefix(name, eventPrefix)
	if !ok {
		return "", false
	}
	if r, _ := utf8.DecodeRuneInString(rest); rest != "" && unicode.IsLower(r) {
		return "", false
	}
	return rest, true
}

// snakeCase turns the CamelCase part of a method name after "Event" into
// the wire name of its event; the package documentation states the rule
// under "Event names". A word starts at an upper-case letter that follows a
// lower-case letter or a digit, or that ends a run of upper-case letters
// and is followed by a lower-case one. Words are joined with "_", letters
// are lowered, and an underscore already in the name is kept without
// another being added next to it.
func snakeCase(s string) string {
	rs := []rune(s)
	var b strings.Builder
	b.Grow(len(s) + 4)
	for i, r := range rs {
		if unicode.IsUpper(r) {
			if i > 0 && rs[i-1] != '_' {
				prev := rs[i-1]
				nextLower := i+1 < len(rs) && unicode.IsLower(rs[i+1])
				if unicode.IsLower(prev) || unicode.IsDigit(prev) || (unicode.IsUpper(prev) && nextLower) {
					b.WriteByte('_')
				}
			}
			b.WriteRune(unicode.ToLower(r))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
