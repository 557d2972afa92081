package listeners

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
)

func call(l *List[func() string]) []string {
	var out []string
	for _, fn := range l.Funcs() {
		out = append(out, fn())
	}
	return out
}

func TestListOrderPrependRemove(t *testing.T) {
	var l List[func() string]
	assert.Nil(t, l.Funcs())
	assert.Equal(t, 0, l.Len())
	rmA := l.Add(func() string { return "a" })
	l.Add(func() string { return "b" })
	rmZ := l.Prepend(func() string { return "z" })
	assert.Equal(t, []string{"z", "a", "b"}, call(&l))

	snapshot := l.Funcs()
	rmA()
	rmA() // idempotent
	assert.Equal(t, []string{"z", "b"}, call(&l))
	assert.Len(t, snapshot, 3, "a snapshot is not changed by a removal")

	rmZ()
	assert.Equal(t, []string{"b"}, call(&l))
	l.Clear()
	assert.Nil(t, l.Funcs())
	assert.Equal(t, []func() string{}, l.Copy())
	rmZ() // after Clear: nothing to remove
}

func TestListConcurrent(t *testing.T) {
	var l List[func()]
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				rm := l.Add(func() {})
				for _, fn := range l.Funcs() {
					fn()
				}
				rm()
			}
		})
	}
	wg.Wait()
	assert.Equal(t, 0, l.Len())
}

func TestEmptyFuncsDoesNotAllocate(t *testing.T) {
	var l List[func()]
	n := testing.AllocsPerRun(100, func() {
		for _, fn := range l.Funcs() {
			fn()
		}
	})
	assert.Zero(t, n)
}
