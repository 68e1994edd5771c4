package sim

import (
	"strconv"
	"time"
)

// Time is a point in virtual time: nanoseconds since the world began.
//
// It is a distinct type from time.Time so that wall-clock time cannot leak
// into a simulation by accident; it interoperates with time.Duration for
// spans because delays, timeouts and latencies are naturally durations.
// The zero Time is the start of the world. Add does not saturate: a sum that
// overflows wraps negative, and Kernel rejects it as scheduling in the past.
type Time int64

// Add returns t+d.
func (t Time) Add(d time.Duration) Time { return t + Time(d) }

// Sub returns the span t-u.
func (t Time) Sub(u Time) time.Duration { return time.Duration(t - u) }

// String formats t as seconds with exactly six decimals ("1.234567s",
// "0.000000s"), truncating below the microsecond, so traces line up in
// columns and compare as text.
func (t Time) String() string {
	var buf [32]byte
	return string(t.appendTo(buf[:0]))
}

// appendTo appends t's String form to b without allocating.
func (t Time) appendTo(b []byte) []byte {
	u := uint64(t)
	if t < 0 {
		b = append(b, '-')
		u = -u // two's complement magnitude, correct even for math.MinInt64
	}
	b = strconv.AppendUint(b, u/1e9, 10)
	b = append(b, '.')
	micros := (u % 1e9) / 1e3
	for div := uint64(100000); div > 0; div /= 10 {
		b = append(b, byte('0'+micros/div%10))
	}
	return append(b, 's')
}
