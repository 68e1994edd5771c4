package sim

import (
	"errors"
	"fmt"
	"time"
)

// DistKind is the shape of a latency distribution.
type DistKind uint8

const (
	// distUnset is the zero DistKind. It is invalid, so that a latency
	// left out of a configuration is caught by Validate rather than
	// silently meaning "instant".
	distUnset DistKind = iota
	// Fixed always returns Min.
	Fixed
	// Uniform returns a value in [Min, Max], both inclusive.
	Uniform
	// LongTail is Uniform(Min, Max), except that with probability Tail it
	// is Uniform(TailMin, TailMax): a mostly fast link with rare stalls.
	LongTail
	// Normalish is the mean of four uniform values in [Min, Max] (an
	// Irwin-Hall distribution): bell-shaped around the midpoint, bounded on
	// both sides, in integer arithmetic.
	Normalish
)

// distKindNames are the names used by String and JSON, indexed by kind.
var distKindNames = [...]string{"unset", "fixed", "uniform", "longtail", "normalish"}

// String returns the kind's JSON name ("uniform").
func (k DistKind) String() string {
	if int(k) < len(distKindNames) {
		return distKindNames[k]
	}
	return fmt.Sprintf("DistKind(%d)", uint8(k))
}

// DistDraws is how many values every Sample consumes, whatever the kind; the
// kinds that need fewer discard the rest. A constant count keeps a stream
// aligned when a fault plan changes a link's distribution: shrinking a
// failure by removing a "slow link" fault does not reshuffle every later
// draw of the network.
const DistDraws = 4

// Dist is a latency distribution. Durations are non-negative and the
// arithmetic is integer-only, so a sample depends on nothing but the draws.
//
// Example: UniformDist(1*time.Millisecond, 5*time.Millisecond), or in JSON
// {"kind":"uniform","min":"1ms","max":"5ms"}.
type Dist struct {
	Kind DistKind
	// Min and Max bound the body of the distribution, both inclusive.
	// Fixed uses Min only, and requires Max == Min.
	Min, Max time.Duration
	// Tail is the probability of a tail draw; LongTail only.
	Tail Ratio
	// TailMin and TailMax bound tail draws, both inclusive; LongTail only.
	TailMin, TailMax time.Duration
}

// ErrDist is wrapped by every distribution validation and decoding error.
var ErrDist = errors.New("invalid latency distribution")

// FixedDist always returns d.
func FixedDist(d time.Duration) Dist { return Dist{Kind: Fixed, Min: d, Max: d} }

// UniformDist returns values in [lo, hi].
func UniformDist(lo, hi time.Duration) Dist { return Dist{Kind: Uniform, Min: lo, Max: hi} }

// NormalishDist returns means of four uniform values in [lo, hi].
func NormalishDist(lo, hi time.Duration) Dist { return Dist{Kind: Normalish, Min: lo, Max: hi} }

// LongTailDist returns values in [lo, hi], or with probability tail values
// in [tailLo, tailHi].
func LongTailDist(lo, hi time.Duration, tail Ratio, tailLo, tailHi time.Duration) Dist {
	return Dist{Kind: LongTail, Min: lo, Max: hi, Tail: tail, TailMin: tailLo, TailMax: tailHi}
}

// Sample draws one latency. It consumes exactly DistDraws values from r for
// every kind: LongTail decides the tail from the first and places the value
// with the second; Uniform uses the first; Normalish uses all four; Fixed
// none. d must be valid; Sample panics on an unknown kind or a reversed range
// rather than return garbage.
func (d Dist) Sample(r *Rand) time.Duration {
	x0, x1, x2, x3 := r.Uint64(), r.Uint64(), r.Uint64(), r.Uint64()
	switch d.Kind {
	case Fixed:
		return d.Min
	case Uniform:
		return d.Min + time.Duration(scale(x0, span(d.Min, d.Max)))
	case LongTail:
		if hit(x0, d.Tail) {
			return d.TailMin + time.Duration(scale(x1, span(d.TailMin, d.TailMax)))
		}
		return d.Min + time.Duration(scale(x1, span(d.Min, d.Max)))
	case Normalish:
		n := span(d.Min, d.Max)
		u0, u1, u2, u3 := scale(x0, n), scale(x1, n), scale(x2, n), scale(x3, n)
		// floor((u0+u1+u2+u3)/4) without overflowing 64 bits.
		mean := u0>>2 + u1>>2 + u2>>2 + u3>>2 + (u0&3+u1&3+u2&3+u3&3)>>2
		return d.Min + time.Duration(mean)
	}
	panic(fmt.Sprintf("sim: Dist.Sample: %v: unknown kind; validate configurations before use", d))
}

// span returns the number of values in [lo, hi]. With 0 <= lo <= hi it is at
// most 2^63, so it never overflows.
func span(lo, hi time.Duration) uint64 {
	if lo < 0 || hi < lo {
		panic(fmt.Sprintf("sim: Dist.Sample: bad range %v..%v; validate configurations before use", lo, hi))
	}
	return uint64(hi-lo) + 1
}

// MaxDelay returns the largest value Sample can return, for liveness bounds.
func (d Dist) MaxDelay() time.Duration {
	switch d.Kind {
	case Fixed:
		return d.Min
	case LongTail:
		if !d.Tail.IsZero() && d.TailMax > d.Max {
			return d.TailMax
		}
	}
	return d.Max
}

// Validate reports the first field that makes d unusable, naming it.
func (d Dist) Validate() error {
	if why := d.problem(); why != "" {
		return fmt.Errorf("sim: latency %v: %s: %w", d, why, ErrDist)
	}
	return nil
}

// problem says what makes d invalid, or "" if it is valid.
func (d Dist) problem() string {
	switch d.Kind {
	case distUnset:
		return "kind is unset (use FixedDist, UniformDist, NormalishDist or LongTailDist)"
	case Fixed, Uniform, Normalish, LongTail:
	default:
		return fmt.Sprintf("unknown kind %d", uint8(d.Kind))
	}
	switch {
	case d.Min < 0:
		return fmt.Sprintf("min %v is negative", d.Min)
	case d.Kind == Fixed && d.Max != d.Min:
		return fmt.Sprintf("max %v differs from min %v, but fixed has one value (use FixedDist)", d.Max, d.Min)
	case d.Max < d.Min:
		return fmt.Sprintf("max %v is below min %v", d.Max, d.Min)
	case d.Kind != LongTail && (d.Tail != Ratio{} || d.TailMin != 0 || d.TailMax != 0):
		return fmt.Sprintf("tail, tailMin and tailMax must be unset for %v; only longtail uses them", d.Kind)
	case d.Kind != LongTail:
		return ""
	case d.Tail.problem() != "":
		return fmt.Sprintf("tail %v: %s", d.Tail, d.Tail.problem())
	case d.TailMin < 0:
		return fmt.Sprintf("tailMin %v is negative", d.TailMin)
	case d.TailMax < d.TailMin:
		return fmt.Sprintf("tailMax %v is below tailMin %v", d.TailMax, d.TailMin)
	}
	return ""
}

// String is compact, for traces and summaries: "fixed(1ms)",
// "uniform(1ms..5ms)", "normalish(1ms..5ms)",
// "longtail(1ms..5ms, 1/100 -> 50ms..200ms)".
func (d Dist) String() string {
	switch d.Kind {
	case Fixed:
		if d.Max != d.Min {
			return fmt.Sprintf("fixed(%v, max %v)", d.Min, d.Max)
		}
		return fmt.Sprintf("fixed(%v)", d.Min)
	case Uniform, Normalish:
		return fmt.Sprintf("%v(%v..%v)", d.Kind, d.Min, d.Max)
	case LongTail:
		return fmt.Sprintf("longtail(%v..%v, %v -> %v..%v)", d.Min, d.Max, d.Tail, d.TailMin, d.TailMax)
	}
	if d == (Dist{}) {
		return "unset"
	}
	return fmt.Sprintf("%v(%v..%v, %v -> %v..%v)", d.Kind, d.Min, d.Max, d.Tail, d.TailMin, d.TailMax)
}
