package harness

import (
	"fmt"
	"time"

	"github.com/raftsim/raftsim/sim"
)

// ppm is parts per million, the unit of clock drift.
const ppm = 1_000_000

// maxDriftPPM bounds drift so that a local clock always moves forward and
// the integer arithmetic below cannot overflow within a run.
const maxDriftPPM = 500_000

// clock is a node's local clock: virtual time seen through an offset and a
// rate. Real clocks are skewed (a constant offset), drift (run fast or slow
// by some parts per million) and jump (NTP steps). Local time never goes
// backwards, because Raft's timers assume a monotonic clock; a backward
// step would be a different fault (and a bug in the host, not in Raft).
//
// local(g) = base + (g - anchor) * (ppm + drift) / ppm, for g >= anchor.
// Changing the rate re-anchors at the current time, so local time is
// continuous across rate changes.
type clock struct {
	anchor sim.Time      // global time of the last re-anchoring
	base   time.Duration // local time at anchor
	drift  int64         // parts per million; 0 runs at true rate
}

// local converts global virtual time to this clock's reading.
func (c *clock) local(g sim.Time) time.Duration {
	if g < c.anchor {
		panic(fmt.Sprintf("harness: clock read at %v before its anchor %v", g, c.anchor))
	}
	elapsed := int64(g - c.anchor)
	return c.base + time.Duration(scaleRate(elapsed, ppm+c.drift, ppm))
}

// global converts a local deadline to the first global time at which the
// local clock reads at least d (rounding up, so a timer never fires early).
func (c *clock) global(d time.Duration) sim.Time {
	if d <= c.base {
		return c.anchor
	}
	return c.anchor + sim.Time(ceilScale(int64(d-c.base), ppm, ppm+c.drift))
}

// setDrift changes the rate from now on.
func (c *clock) setDrift(now sim.Time, drift int64) {
	if drift <= -maxDriftPPM || drift >= maxDriftPPM {
		panic(fmt.Sprintf("harness: clock drift %d ppm outside (-%d, %d)", drift, maxDriftPPM, maxDriftPPM))
	}
	c.base = c.local(now)
	c.anchor = now
	c.drift = drift
}

// jump moves local time forward by d (never back).
func (c *clock) jump(now sim.Time, d time.Duration) {
	if d < 0 {
		panic(fmt.Sprintf("harness: clock jump %v backwards: local clocks are monotonic", d))
	}
	c.base = c.local(now) + d
	c.anchor = now
}

// scaleRate returns x*num/den without overflowing for the magnitudes of a
// run (x up to hours in nanoseconds, num and den near a million).
func scaleRate(x, num, den int64) int64 {
	q, r := x/den, x%den
	return q*num + r*num/den
}

// ceilScale returns ceil(x*num/den) for x >= 0.
func ceilScale(x, num, den int64) int64 {
	q, r := x/den, x%den
	v := q*num + r*num/den
	if (r*num)%den != 0 {
		v++
	}
	return v
}
