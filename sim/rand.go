package sim

import (
	"fmt"
	"math/bits"
	"time"
)

// Rand is a seeded pseudo-random stream: xoshiro256** 1.0 (Blackman and
// Vigna), its 256-bit state filled from the seed by splitmix64.
//
// The algorithm is written out here rather than borrowed from math/rand or
// math/rand/v2 because a failure file records only a seed: if a Go release
// changed how a library helper consumes or maps raw values, every saved seed
// would silently replay a different run. Golden outputs are pinned in the
// tests, so an accidental change fails loudly.
//
// A Rand is not safe for concurrent use; each world and each subsystem owns
// its own (see [Seed.Stream]).
type Rand struct {
	s0, s1, s2, s3 uint64
}

// splitmixGamma is the golden-ratio increment of splitmix64.
const splitmixGamma = 0x9e3779b97f4a7c15

// mix64 is the splitmix64 finalizer (Stafford's "Mix13"). It is a bijection
// on uint64 with full avalanche, used for seeding, seed derivation and trace
// hashing.
func mix64(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// NewRand returns the stream for seed. The state is the first four outputs of
// splitmix64 started at seed; they are distinct (splitmix64 is a bijection of
// its counter), so the state is never all zero, which xoshiro forbids.
func NewRand(seed uint64) *Rand {
	r := &Rand{}
	x := seed
	x += splitmixGamma
	r.s0 = mix64(x)
	x += splitmixGamma
	r.s1 = mix64(x)
	x += splitmixGamma
	r.s2 = mix64(x)
	x += splitmixGamma
	r.s3 = mix64(x)
	return r
}

// Uint64 returns the next 64 uniformly distributed bits. Every other method
// is defined in terms of it, so draw counts below are counts of Uint64 calls.
func (r *Rand) Uint64() uint64 {
	result := bits.RotateLeft64(r.s1*5, 7) * 9
	t := r.s1 << 17
	r.s2 ^= r.s0
	r.s3 ^= r.s1
	r.s1 ^= r.s2
	r.s0 ^= r.s3
	r.s2 ^= t
	r.s3 = bits.RotateLeft64(r.s3, 45)
	return result
}

// Uint64n returns a uniform value in [0, n), exactly unbiased (Lemire's
// multiply-and-reject). It usually draws once; it draws again only with
// probability below n/2^64 per draw. Where a fixed draw count matters more
// than a bias below 2^-32 (Chance, Dist, Network), the package uses
// a multiply-shift without rejection instead. Panics if n is 0.
func (r *Rand) Uint64n(n uint64) uint64 {
	if n == 0 {
		panic("sim: Rand.Uint64n: n must be positive, got 0")
	}
	hi, lo := bits.Mul64(r.Uint64(), n)
	if lo < n {
		threshold := -n % n // 2^64 mod n
		for lo < threshold {
			hi, lo = bits.Mul64(r.Uint64(), n)
		}
	}
	return hi
}

// Intn returns a uniform value in [0, n). Panics if n <= 0.
func (r *Rand) Intn(n int) int {
	if n <= 0 {
		panic(fmt.Sprintf("sim: Rand.Intn: n must be positive, got %d", n))
	}
	return int(r.Uint64n(uint64(n)))
}

// Int64Range returns a uniform value in [lo, hi], both inclusive, so a
// configured maximum is reachable. Panics if lo > hi.
func (r *Rand) Int64Range(lo, hi int64) int64 {
	if lo > hi {
		panic(fmt.Sprintf("sim: Rand.Int64Range: lo %d is greater than hi %d", lo, hi))
	}
	span := uint64(hi) - uint64(lo) + 1 // wraps to 0 for the full int64 range
	if span == 0 {
		return int64(r.Uint64())
	}
	return int64(uint64(lo) + r.Uint64n(span))
}

// Duration returns a uniform duration in [lo, hi], both inclusive. Panics if
// lo > hi.
func (r *Rand) Duration(lo, hi time.Duration) time.Duration {
	if lo > hi {
		panic(fmt.Sprintf("sim: Rand.Duration: lo %v is greater than hi %v", lo, hi))
	}
	return time.Duration(r.Int64Range(int64(lo), int64(hi)))
}

// Chance reports true with probability p. It draws exactly one value whatever
// p is, including Never and Always, so that changing a probability in a
// configuration never shifts the later draws of the same stream. Equal
// fractions (1/2, 2/4) decide identically draw for draw. Panics if p is
// invalid (see [Ratio.Validate]).
func (r *Rand) Chance(p Ratio) bool {
	if p.Den == 0 || p.Num > p.Den {
		panic(fmt.Sprintf("sim: Rand.Chance: invalid ratio %d/%d: want 0 <= num <= den and den > 0", p.Num, p.Den))
	}
	return hit(r.Uint64(), p)
}

// Shuffle permutes n elements with Fisher-Yates, calling swap for each
// exchange; it draws n-1 values. Panics if n < 0.
func (r *Rand) Shuffle(n int, swap func(i, j int)) {
	if n < 0 {
		panic(fmt.Sprintf("sim: Rand.Shuffle: n must not be negative, got %d", n))
	}
	for i := n - 1; i > 0; i-- {
		j := int(r.Uint64n(uint64(i) + 1))
		swap(i, j)
	}
}

// scale maps one raw draw x to [0, n) by multiply-shift, without rejection.
// Its bias is below n/2^64 (under 2^-32 for any n below 2^32, and far below
// anything a simulation can measure for latencies), and in exchange the
// number of draws is fixed, which is what keeps streams aligned when
// configurations change. n == 0 stands for 2^64 and returns x.
func scale(x, n uint64) uint64 {
	if n == 0 {
		return x
	}
	hi, _ := bits.Mul64(x, n)
	return hi
}

// hit decides a Chance from one raw draw x: true iff x < p * 2^64, that is
// floor(x*Den/2^64) < Num. Never (Num 0) is never true and Always (Num ==
// Den) always is; otherwise the probability is within 2^-64 of Num/Den and
// depends only on the value of the fraction. p must be valid.
func hit(x uint64, p Ratio) bool {
	hi, _ := bits.Mul64(x, uint64(p.Den))
	return hi < uint64(p.Num)
}
