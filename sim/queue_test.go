package sim

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

// A Queue pops exactly what a sorted reference pops, whatever the
// interleaving of pushes and pops, with ties in insertion order.
func TestQueueMatchesSortedReference(t *testing.T) {
	type ref struct {
		at  Time
		seq int
	}
	rapid.Check(t, func(t *rapid.T) {
		var q Queue[int]
		var model []ref // unsorted; the minimum is found by scanning
		next := 0
		ops := rapid.IntRange(0, 300).Draw(t, "ops")
		for i := 0; i < ops; i++ {
			if rapid.IntRange(0, 2).Draw(t, "op") > 0 { // push twice as often
				at := Time(rapid.Int64Range(0, 20).Draw(t, "at")) // narrow: many ties
				q.Push(at, next)
				model = append(model, ref{at, next})
				next++
			} else {
				at, e, ok := q.Pop()
				if len(model) == 0 {
					require.False(t, ok)
					continue
				}
				best := 0
				for j, m := range model {
					if m.at < model[best].at || (m.at == model[best].at && m.seq < model[best].seq) {
						best = j
					}
				}
				require.True(t, ok)
				require.Equal(t, model[best].at, at)
				require.Equal(t, model[best].seq, e)
				model = append(model[:best], model[best+1:]...)
			}
			require.Equal(t, len(model), q.Len())
		}
	})
}

func TestQueueTiesPopInInsertionOrder(t *testing.T) {
	var q Queue[string]
	q.Push(5, "b1")
	q.Push(3, "a")
	q.Push(5, "b2")
	q.Push(9, "c")
	q.Push(5, "b3")

	at, ok := q.PeekTime()
	require.True(t, ok)
	assert.Equal(t, Time(3), at)
	var got []string
	for {
		_, e, ok := q.Pop()
		if !ok {
			break
		}
		got = append(got, e)
	}
	assert.Equal(t, []string{"a", "b1", "b2", "b3", "c"}, got)
	_, ok = q.PeekTime()
	assert.False(t, ok)
}

func TestQueueClearsPoppedSlots(t *testing.T) {
	var q Queue[*int]
	for i := 0; i < 10; i++ {
		v := i
		q.Push(Time(i), &v)
	}
	for i := 0; i < 10; i++ {
		q.Pop()
	}
	full := q.items[:cap(q.items)]
	for i := range full {
		assert.Nil(t, full[i].e, "slot %d still holds an event", i)
	}
}

func TestQueueSteadyStateDoesNotAllocate(t *testing.T) {
	var q Queue[[2]uint64]
	r := NewRand(1)
	for i := 0; i < 1000; i++ {
		q.Push(Time(r.Uint64n(1e6)), [2]uint64{uint64(i), 0})
	}
	allocs := testing.AllocsPerRun(10_000, func() {
		at, e, _ := q.Pop()
		q.Push(at+Time(r.Uint64n(1e6)), e)
	})
	assert.Zero(t, allocs)
}
