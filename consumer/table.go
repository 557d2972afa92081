package consumer

import (
	"encoding"
	"encoding/json"
	"fmt"
	"log/slog"
	"reflect"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gosio/gosio/sio/socketio"
)

// This file builds, by reflection and once per registration, the table of
// a consumer type's handlers, and panics there on any malformed one.

var (
	consumerType  = reflect.TypeFor[SocketIOConsumer]()
	errorType     = reflect.TypeFor[error]()
	argsType      = reflect.TypeFor[socketio.Args]()
	unmarshalerT  = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshT  = reflect.TypeFor[encoding.TextUnmarshaler]()
	marshalerT    = reflect.TypeFor[json.Marshaler]()
	stringMapType = reflect.TypeFor[map[string]string]()
)

// Names of the methods with a meaning of their own.
const (
	methodConnect    = "Connect"
	methodDisconnect = "Disconnect"
	methodOnEvent    = "OnEvent"
	methodEvents     = "Events"
	methodNamespace  = "Namespace"
)

// reservedEvents reports the event names a client cannot send (socket.io's
// RESERVED_EVENTS, declared once by socketio.IsReservedEvent): no handler
// may claim them.
var reservedEvents = socketio.IsReservedEvent

// method is one handler: an event handler, the catch-all, Connect or
// Disconnect.
type method struct {
	name     string         // Go method name
	fn       reflect.Value  // the method's function, receiver first
	params   []reflect.Type // fixed parameters
	variadic reflect.Type   // element type of a final ...T, or nil
	results  int            // value results, the error excluded
	hasErr   bool           // the last result is an error
}

// table is what a registration knows of a consumer type.
type table struct {
	typ        reflect.Type  // *T
	proto      reflect.Value // the prototype, a *T
	embed      []int         // index of the SocketIOConsumer field in T
	namespace  string
	connect    *method // nil when T has no Connect
	disconnect *method // nil when T has no Disconnect
	catchAll   *method // nil when T has no OnEvent
	events     map[string]*method
	log        *slog.Logger
}

// setupError is the panic value of a registration that cannot be made.
func setupError(typ reflect.Type, format string, args ...any) string {
	return fmt.Sprintf("consumer: %v: %s", typ, fmt.Sprintf(format, args...))
}

// newTable checks the prototype and builds its handler table, panicking
// with a message that names the method and the mistake.
func newTable(prototype any, log *slog.Logger) *table {
	pv := reflect.ValueOf(prototype)
	if !pv.IsValid() {
		panic("consumer: nil prototype")
	}
	pt := pv.Type()
	if pt.Kind() != reflect.Pointer || pt.Elem().Kind() != reflect.Struct {
		panic(setupError(pt, "the prototype must be a pointer to a struct that embeds consumer.SocketIOConsumer"))
	}
	if pv.IsNil() {
		panic(setupError(pt, "nil prototype"))
	}
	t := &table{typ: pt, proto: pv, events: make(map[string]*method), log: log}
	t.embed = findEmbed(pt)
	t.namespace = namespaceOf(pv)

	explicit := explicitNames(pv)
	mapped := make(map[string]bool, len(explicit))
	for _, m := range explicit {
		mapped[m] = true
	}
	// owner records which method handles each wire name, for the check
	// that no two claim one.
	owner := make(map[string]string)
	claim := func(event string, m *method) {
		if prev, dup := owner[event]; dup {
			panic(setupError(pt, "methods %s and %s both handle event %q", prev, m.name, event))
		}
		owner[event] = m.name
		t.events[event] = m
	}
	for i := range pt.NumMethod() {
		m := pt.Method(i)
		switch m.Name {
		case methodConnect:
			t.connect = connectMethod(pt, m)
			continue
		case methodDisconnect:
			t.disconnect = disconnectMethod(pt, m)
			continue
		case methodOnEvent:
			t.catchAll = catchAllMethod(pt, m)
			continue
		}
		suffix, ok := handlerSuffix(m.Name)
		if !ok || mapped[m.Name] {
			continue
		}
		if suffix == "" {
			panic(setupError(pt, "method Event: an event handler needs a name after \"Event\", as EventChatMessage"))
		}
		event := snakeCase(suffix)
		if reservedEvents(event) {
			panic(setupError(pt, "method %s: event %q is reserved; define %s instead", m.Name, event, reservedAlternative(event)))
		}
		claim(event, eventMethod(pt, m))
	}
	// Explicit names, in a stable order so that a duplicate is reported
	// the same way every time.
	wires := make([]string, 0, len(explicit))
	for w := range explicit {
		wires = append(wires, w)
	}
	sort.Strings(wires)
	for _, w := range wires {
		name := explicit[w]
		switch {
		case w == "":
			panic(setupError(pt, "method Events: empty event name for method %s", name))
		case reservedEvents(w):
			panic(setupError(pt, "method Events: event %q is reserved; define %s instead", w, reservedAlternative(w)))
		}
		if special(name) {
			panic(setupError(pt, "method Events: %q maps to %s, which is not an event handler", w, name))
		}
		if _, ok := consumerType.MethodByName(name); ok {
			panic(setupError(pt, "method Events: %q maps to %s, a method of consumer.SocketIOConsumer", w, name))
		}
		m, ok := pt.MethodByName(name)
		if !ok {
			if r, _ := utf8.DecodeRuneInString(name); unicode.IsLower(r) || r == '_' {
				panic(setupError(pt, "method Events: %q maps to %s, which is unexported: export it, reflection cannot call it", w, name))
			}
			panic(setupError(pt, "method Events: %q maps to %s, which is not a method of %v", w, name, pt))
		}
		claim(w, eventMethod(pt, m))
	}
	return t
}

// special reports whether name is one of the methods with a meaning of
// their own.
func special(name string) bool {
	switch name {
	case methodConnect, methodDisconnect, methodOnEvent, methodEvents, methodNamespace:
		return true
	}
	return false
}

func reservedAlternative(event string) string {
	switch event {
	case "connect":
		return "Connect"
	case "disconnect", "disconnecting":
		return "Disconnect"
	}
	return "an explicit name with Events"
}

// findEmbed locates the SocketIOConsumer embedded, by value, in the
// prototype's struct, possibly through other embedded structs.
func findEmbed(pt reflect.Type) []int {
	st := pt.Elem()
	f, ok := st.FieldByName(consumerType.Name())
	if !ok || f.Type != consumerType || !f.Anonymous {
		if ok && f.Type == reflect.PointerTo(consumerType) {
			panic(setupError(pt, "embeds *consumer.SocketIOConsumer: embed consumer.SocketIOConsumer by value"))
		}
		panic(setupError(pt, "does not embed consumer.SocketIOConsumer"))
	}
	// Every step must be a struct held by value, so that the shallow copy
	// of the prototype gets its own SocketIOConsumer, and settable.
	v := reflect.New(st).Elem()
	for k, i := range f.Index {
		if k > 0 && v.Kind() != reflect.Struct {
			panic(setupError(pt, "embeds consumer.SocketIOConsumer through a pointer: embed the structs by value"))
		}
		v = v.Field(i)
	}
	if !v.CanSet() {
		panic(setupError(pt, "embeds consumer.SocketIOConsumer through an unexported field: embed it in an exported type"))
	}
	return f.Index
}

// namespaceOf reads the consumer's namespace from a Namespace string field
// or a Namespace() string method; "/" by default, and a leading "/" added.
func namespaceOf(pv reflect.Value) string {
	pt := pv.Type()
	name := "/"
	if m, ok := pt.MethodByName(methodNamespace); ok {
		if m.Type.NumIn() != 1 || m.Type.NumOut() != 1 || m.Type.Out(0).Kind() != reflect.String {
			panic(setupError(pt, "method Namespace must be func() string, not %s", signature(m)))
		}
		name = pv.Method(m.Index).Call(nil)[0].String()
	} else if f, ok := pt.Elem().FieldByName(methodNamespace); ok {
		if f.Type.Kind() != reflect.String {
			panic(setupError(pt, "field Namespace must be a string, not %v", f.Type))
		}
		name = pv.Elem().FieldByIndex(f.Index).String()
	}
	if name == "" {
		name = "/"
	}
	if !strings.HasPrefix(name, "/") {
		name = "/" + name
	}
	return name
}

// explicitNames calls the Events method, when there is one: wire name to
// method name.
func explicitNames(pv reflect.Value) map[string]string {
	pt := pv.Type()
	m, ok := pt.MethodByName(methodEvents)
	if !ok {
		return nil
	}
	if m.Type.NumIn() != 1 || m.Type.NumOut() != 1 || m.Type.Out(0) != stringMapType {
		panic(setupError(pt, "method Events must be func() map[string]string (event name to method name), not %s", signature(m)))
	}
	return pv.Method(m.Index).Call(nil)[0].Interface().(map[string]string)
}

// signature renders a method's type without its receiver.
func signature(m reflect.Method) string {
	ft := m.Type
	in := make([]string, 0, ft.NumIn())
	for i := 1; i < ft.NumIn(); i++ {
		s := ft.In(i).String()
		if ft.IsVariadic() && i == ft.NumIn()-1 {
			s = "..." + ft.In(i).Elem().String()
		}
		in = append(in, s)
	}
	out := make([]string, 0, ft.NumOut())
	for i := range ft.NumOut() {
		out = append(out, ft.Out(i).String())
	}
	s := "func(" + strings.Join(in, ", ") + ")"
	switch len(out) {
	case 0:
	case 1:
		s += " " + out[0]
	default:
		s += " (" + strings.Join(out, ", ") + ")"
	}
	return s
}

// connectMethod checks Connect: func(), or func(auth T), with no result or
// an error.
func connectMethod(pt reflect.Type, m reflect.Method) *method {
	ft := m.Type
	bad := func(why string) {
		panic(setupError(pt, "method Connect %s: %s; want func(), func(auth T), func() error or func(auth T) error", signature(m), why))
	}
	if ft.IsVariadic() || ft.NumIn() > 2 {
		bad("at most one parameter, the CONNECT auth payload")
	}
	h := &method{name: m.Name, fn: m.Func}
	if ft.NumIn() == 2 {
		p := ft.In(1)
		if err := checkDecodable(p); err != nil {
			bad("parameter auth: " + err.Error())
		}
		h.params = []reflect.Type{p}
	}
	switch {
	case ft.NumOut() == 0:
	case ft.NumOut() == 1 && ft.Out(0) == errorType:
		h.hasErr = true
	default:
		bad("the only result allowed is an error")
	}
	return h
}

// disconnectMethod checks Disconnect: func() or func(reason string), no
// result. Any string type, socketio.DisconnectReason included, will do.
func disconnectMethod(pt reflect.Type, m reflect.Method) *method {
	ft := m.Type
	ok := !ft.IsVariadic() && ft.NumOut() == 0 &&
		(ft.NumIn() == 1 || ft.NumIn() == 2 && ft.In(1).Kind() == reflect.String)
	if !ok {
		panic(setupError(pt, "method Disconnect %s: want func() or func(reason string), with no result", signature(m)))
	}
	h := &method{name: m.Name, fn: m.Func}
	if ft.NumIn() == 2 {
		h.params = []reflect.Type{ft.In(1)}
	}
	return h
}

// catchAllMethod checks OnEvent: func(name string, args socketio.Args),
// with the results of an event handler.
func catchAllMethod(pt reflect.Type, m reflect.Method) *method {
	ft := m.Type
	if ft.IsVariadic() || ft.NumIn() != 3 || ft.In(1).Kind() != reflect.String || ft.In(2) != argsType {
		panic(setupError(pt, "method OnEvent %s: want func(name string, args socketio.Args), with the results of an event handler", signature(m)))
	}
	h := &method{name: m.Name, fn: m.Func, params: []reflect.Type{ft.In(1), ft.In(2)}}
	checkResults(pt, m, h)
	return h
}

// eventMethod checks an event handler: parameters that decode from JSON,
// the last one possibly variadic; results that encode, an error last.
func eventMethod(pt reflect.Type, m reflect.Method) *method {
	ft := m.Type
	h := &method{name: m.Name, fn: m.Func}
	n := ft.NumIn()
	for i := 1; i < n; i++ {
		p := ft.In(i)
		if ft.IsVariadic() && i == n-1 {
			p = p.Elem()
		}
		if err := checkDecodable(p); err != nil {
			panic(setupError(pt, "method %s %s: parameter %d: %v", m.Name, signature(m), i-1, err))
		}
		if ft.IsVariadic() && i == n-1 {
			h.variadic = p
		} else {
			h.params = append(h.params, p)
		}
	}
	checkResults(pt, m, h)
	return h
}

// checkResults checks the results of an event handler or of the
// catch-all: values that encode as JSON, then possibly an error, last.
func checkResults(pt reflect.Type, m reflect.Method, h *method) {
	ft := m.Type
	n := ft.NumOut()
	for i := range n {
		r := ft.Out(i)
		if r == errorType {
			if i != n-1 {
				panic(setupError(pt, "method %s %s: result %d is an error, which must be the last result", m.Name, signature(m), i))
			}
			h.hasErr = true
			continue
		}
		if r.Implements(errorType) {
			panic(setupError(pt, "method %s %s: result %d is %v, which implements error: declare it as error, the last result", m.Name, signature(m), i, r))
		}
		if err := checkEncodable(r); err != nil {
			panic(setupError(pt, "method %s %s: result %d: %v", m.Name, signature(m), i, err))
		}
		h.results++
	}
}

// checkDecodable reports why a parameter type cannot receive a JSON value.
func checkDecodable(t reflect.Type) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if pt := reflect.PointerTo(t); pt.Implements(unmarshalerT) || pt.Implements(textUnmarshT) {
		return nil
	}
	switch t.Kind() {
	case reflect.Chan, reflect.Func, reflect.UnsafePointer, reflect.Complex64, reflect.Complex128:
		return fmt.Errorf("%v cannot be decoded from JSON", t)
	case reflect.Interface:
		if t.NumMethod() > 0 {
			return fmt.Errorf("%v is an interface with methods, which JSON cannot fill; use any, or a concrete type", t)
		}
	case reflect.Map:
		switch t.Key().Kind() {
		case reflect.String, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
			reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		default:
			if !reflect.PointerTo(t.Key()).Implements(textUnmarshT) {
				return fmt.Errorf("%v has keys of type %v, which JSON object keys cannot fill", t, t.Key())
			}
		}
	case reflect.Struct:
		if t == argsType {
			return fmt.Errorf("socketio.Args is the parameter of the catch-all, OnEvent(name string, args socketio.Args)")
		}
		if t.NumField() > 0 && !hasJSONFields(t) {
			return fmt.Errorf("struct %v has no exported fields, so JSON cannot fill it", t)
		}
	}
	return nil
}

// hasJSONFields reports whether a struct type has a field encoding/json
// can see: an exported one, or an embedded struct.
func hasJSONFields(t reflect.Type) bool {
	for i := range t.NumField() {
		f := t.Field(i)
		if f.IsExported() {
			return true
		}
		if f.Anonymous {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				return true
			}
		}
	}
	return false
}

// checkEncodable reports why a result type cannot be sent as JSON.
func checkEncodable(t reflect.Type) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Implements(marshalerT) || reflect.PointerTo(t).Implements(marshalerT) {
		return nil
	}
	switch t.Kind() {
	case reflect.Chan, reflect.Func, reflect.UnsafePointer, reflect.Complex64, reflect.Complex128:
		return fmt.Errorf("%v cannot be encoded as JSON", t)
	}
	return nil
}
