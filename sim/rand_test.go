package sim

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

// The published reference outputs of the two algorithms, so that the
// implementation is known to be xoshiro256** and splitmix64 and not a
// lookalike.
func TestRandReferenceVectors(t *testing.T) {
	// splitmix64 started at 1234567.
	x := uint64(1234567)
	var mixed []uint64
	for i := 0; i < 5; i++ {
		x += splitmixGamma
		mixed = append(mixed, mix64(x))
	}
	assert.Equal(t, []uint64{6457827717110365317, 3203168211198807973, 9817491932198370423,
		4593380528125082431, 16408922859458223821}, mixed)

	// xoshiro256** from the state {1, 2, 3, 4}.
	r := &Rand{1, 2, 3, 4}
	assert.Equal(t, []uint64{11520, 0, 1509978240, 1215971899390074240},
		[]uint64{r.Uint64(), r.Uint64(), r.Uint64(), r.Uint64()})
}

// Pinned outputs: if these change, every saved seed replays a different run.
func TestRandGolden(t *testing.T) {
	golden := map[uint64][]uint64{
		1:  {0xb3f2af6d0fc710c5, 0x853b559647364cea, 0x92f89756082a4514, 0x642e1c7bc266a3a7},
		42: {0x15780b2e0c2ec716, 0x6104d9866d113a7e, 0xae17533239e499a1, 0xecb8ad4703b360a1},
	}
	for seed, want := range golden {
		r := NewRand(seed)
		got := []uint64{r.Uint64(), r.Uint64(), r.Uint64(), r.Uint64()}
		assert.Equal(t, want, got, "seed %d", seed)
	}
}

func TestRandUint64nBuckets(t *testing.T) {
	r := NewRand(7)
	var counts [6]int
	for i := 0; i < 60_000; i++ {
		counts[r.Uint64n(6)]++
	}
	for face, c := range counts {
		// Expect 10000 each, standard deviation about 91.
		assert.InDelta(t, 10_000, c, 1_000, "bucket %d", face)
	}
}

func TestRandRanges(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		r := NewRand(rapid.Uint64().Draw(t, "seed"))
		a, b := rapid.Int64().Draw(t, "a"), rapid.Int64().Draw(t, "b")
		lo, hi := min(a, b), max(a, b)
		v := r.Int64Range(lo, hi)
		if v < lo || v > hi {
			t.Fatalf("Int64Range(%d, %d) = %d", lo, hi, v)
		}
		n := rapid.IntRange(1, math.MaxInt).Draw(t, "n")
		if i := r.Intn(n); i < 0 || i >= n {
			t.Fatalf("Intn(%d) = %d", n, i)
		}
		un := rapid.Uint64Min(1).Draw(t, "un")
		if u := r.Uint64n(un); u >= un {
			t.Fatalf("Uint64n(%d) = %d", un, u)
		}
		d := r.Duration(time.Duration(lo), time.Duration(hi))
		if d < time.Duration(lo) || d > time.Duration(hi) {
			t.Fatalf("Duration(%d, %d) = %d", lo, hi, d)
		}
	})
}

func TestRandBoundsAreInclusive(t *testing.T) {
	r := NewRand(3)
	seen := map[time.Duration]bool{}
	for i := 0; i < 1000; i++ {
		seen[r.Duration(time.Millisecond, time.Millisecond+2)] = true
	}
	assert.Equal(t, map[time.Duration]bool{time.Millisecond: true, time.Millisecond + 1: true, time.Millisecond + 2: true}, seen)
	assert.Equal(t, 5*time.Second, r.Duration(5*time.Second, 5*time.Second))
	assert.Equal(t, int64(-3), r.Int64Range(-3, -3))
	assert.NotPanics(t, func() { r.Int64Range(math.MinInt64, math.MaxInt64) })
}

func TestRandPanicsOnBadArguments(t *testing.T) {
	r := NewRand(1)
	assert.Contains(t, panicMessage(t, func() { r.Uint64n(0) }), "n must be positive, got 0")
	assert.Contains(t, panicMessage(t, func() { r.Intn(0) }), "n must be positive, got 0")
	assert.Contains(t, panicMessage(t, func() { r.Intn(-4) }), "got -4")
	assert.Contains(t, panicMessage(t, func() { r.Int64Range(2, 1) }), "lo 2 is greater than hi 1")
	assert.Contains(t, panicMessage(t, func() { r.Duration(time.Second, time.Millisecond) }), "lo 1s is greater than hi 1ms")
	assert.Contains(t, panicMessage(t, func() { r.Shuffle(-1, func(i, j int) {}) }), "got -1")
	assert.Contains(t, panicMessage(t, func() { r.Chance(Ratio{}) }), "invalid ratio 0/0")
	assert.Contains(t, panicMessage(t, func() { r.Chance(Ratio{Num: 3, Den: 2}) }), "invalid ratio 3/2")
}

func TestRandShufflePermutes(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		seed := rapid.Uint64().Draw(t, "seed")
		n := rapid.IntRange(0, 50).Draw(t, "n")
		xs := make([]int, n)
		for i := range xs {
			xs[i] = i
		}
		r := NewRand(seed)
		r.Shuffle(n, func(i, j int) { xs[i], xs[j] = xs[j], xs[i] })
		seen := make([]bool, n)
		for _, x := range xs {
			require.False(t, seen[x], "duplicate %d", x)
			seen[x] = true
		}
		// Shuffle draws n-1 values (none for n <= 1).
		require.Equal(t, advanced(seed, max(n-1, 0)).Uint64(), r.Uint64())
	})
}

func TestRandIsDeterministic(t *testing.T) {
	a, b := NewRand(99), NewRand(99)
	for i := 0; i < 1000; i++ {
		require.Equal(t, a.Uint64(), b.Uint64())
	}
	assert.NotEqual(t, NewRand(1).Uint64(), NewRand(2).Uint64())
}
