package sim

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// record hashes a small trace: words per step, steps ended between.
func record(keep bool, steps ...[]uint64) *TraceHash {
	var h TraceHash
	h.KeepSteps(keep)
	for _, words := range steps {
		for _, w := range words {
			h.AddUint64(w)
		}
		h.EndStep()
	}
	return &h
}

func TestTraceHashSameInputsSameSum(t *testing.T) {
	a := record(false, []uint64{1, 2}, []uint64{3})
	b := record(false, []uint64{1, 2}, []uint64{3})
	assert.Equal(t, a.Sum(), b.Sum())
	assert.Equal(t, uint64(2), a.Steps())

	differ := [][][]uint64{
		{{1, 2}, {4}},     // a different word
		{{2, 1}, {3}},     // a different order
		{{1}, {2, 3}},     // a different step boundary
		{{1, 2}, {3}, {}}, // an extra empty step
		{{1, 2}, {3, 0}},  // a trailing zero
		{{0, 1, 2}, {3}},  // a leading zero
	}
	for _, steps := range differ {
		assert.NotEqual(t, a.Sum(), record(false, steps...).Sum(), "%v", steps)
	}
}

func TestTraceHashBytes(t *testing.T) {
	sum := func(parts ...string) uint64 {
		var h TraceHash
		for _, p := range parts {
			h.AddString(p)
		}
		return h.Sum()
	}
	assert.NotEqual(t, sum("ab", "c"), sum("a", "bc"))
	assert.NotEqual(t, sum(""), sum())
	assert.NotEqual(t, sum("\x00"), sum(""))
	assert.NotEqual(t, sum("12345678"), sum("12345678\x00"))
	long := "the quick brown fox jumps over the lazy dog"
	var viaBytes TraceHash
	viaBytes.AddBytes([]byte(long))
	assert.Equal(t, sum(long), viaBytes.Sum(), "a string hashes as its bytes")
}

// Pinned: the golden trace hashes under testdata/ depend on this algorithm.
func TestTraceHashGolden(t *testing.T) {
	var h TraceHash
	h.AddUint64(1)
	h.AddString("hello")
	h.EndStep()
	assert.Equal(t, uint64(0x3892f0a738c63df6), h.Sum())
}

func TestTraceHashFirstDivergence(t *testing.T) {
	a := record(true, []uint64{1}, []uint64{2}, []uint64{3}, []uint64{4})
	b := record(true, []uint64{1}, []uint64{2}, []uint64{9}, []uint64{4})
	require.Len(t, a.StepSums(), 4)
	step, ok := FirstDivergence(a.StepSums(), b.StepSums())
	assert.True(t, ok)
	assert.Equal(t, 2, step)

	_, ok = FirstDivergence(a.StepSums(), record(true, []uint64{1}, []uint64{2}, []uint64{3}, []uint64{4}).StepSums())
	assert.False(t, ok)

	short := record(true, []uint64{1}, []uint64{2})
	step, ok = FirstDivergence(a.StepSums(), short.StepSums())
	assert.True(t, ok)
	assert.Equal(t, 2, step, "where the shorter run ends")
	step, ok = FirstDivergence(nil, a.StepSums())
	assert.True(t, ok)
	assert.Equal(t, 0, step)

	assert.Equal(t, a.Sum(), a.StepSums()[3], "the last chain value is the sum")
	assert.Empty(t, record(false, []uint64{1}).StepSums(), "nothing kept unless asked")

	// Appending to a returned slice never overwrites later steps.
	sums := a.StepSums()
	_ = append(sums, 0)
	a.AddUint64(5)
	a.EndStep()
	assert.NotZero(t, a.StepSums()[4])
}

func TestTraceHashKeepStepsLatePanics(t *testing.T) {
	h := record(false, []uint64{1})
	assert.Contains(t, panicMessage(t, func() { h.KeepSteps(true) }), "enable before the first EndStep")
	h.KeepSteps(false) // turning off is always fine
}

func TestTraceHashDoesNotAllocate(t *testing.T) {
	var h TraceHash
	b := []byte("some message payload")
	s := "node/3"
	allocs := testing.AllocsPerRun(1000, func() {
		h.AddUint64(42)
		h.AddBytes(b)
		h.AddString(s)
		h.EndStep()
	})
	assert.Zero(t, allocs)
}
