package harness

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/raftsim/raftsim/sim"
)

func TestClockDriftAndJump(t *testing.T) {
	var c clock
	require.Equal(t, time.Second, c.local(sim.Time(time.Second)))
	c.setDrift(sim.Time(time.Second), 100_000) // 10% fast from 1s on
	require.Equal(t, time.Second+1100*time.Millisecond, c.local(sim.Time(2*time.Second)))
	c.jump(sim.Time(2*time.Second), 500*time.Millisecond)
	require.Equal(t, 2600*time.Millisecond, c.local(sim.Time(2*time.Second)))
	require.Panics(t, func() { c.jump(sim.Time(2*time.Second), -time.Millisecond) })
}

// A local deadline converts to the first global time at which the local
// clock has reached it: never early, and not a nanosecond late.
func TestClockGlobalIsTheFirstInstantAtDeadline(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var c clock
		now := sim.Time(rapid.Int64Range(0, int64(time.Hour)).Draw(t, "now"))
		c.setDrift(now, rapid.Int64Range(-maxDriftPPM+1, maxDriftPPM-1).Draw(t, "drift"))
		if rapid.Bool().Draw(t, "jump") {
			c.jump(now, time.Duration(rapid.Int64Range(0, int64(time.Minute)).Draw(t, "by")))
		}
		d := c.local(now) + time.Duration(rapid.Int64Range(0, int64(time.Hour)).Draw(t, "ahead"))
		g := c.global(d)
		require.GreaterOrEqual(t, c.local(g), d, "the timer fires at or after its deadline")
		if g > now {
			require.Less(t, c.local(g-1), d, "one nanosecond earlier is too early")
		}
	})
}

// Local time never goes backwards, whatever the drift changes.
func TestClockIsMonotonic(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var c clock
		var g sim.Time
		last := c.local(0)
		for i := 0; i < 20; i++ {
			g += sim.Time(rapid.Int64Range(0, int64(time.Second)).Draw(t, "step"))
			if rapid.Bool().Draw(t, "redrift") {
				c.setDrift(g, rapid.Int64Range(-maxDriftPPM+1, maxDriftPPM-1).Draw(t, "drift"))
			}
			now := c.local(g)
			require.GreaterOrEqual(t, now, last)
			last = now
		}
	})
}
