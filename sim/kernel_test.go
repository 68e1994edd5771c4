package sim

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

// ticker returns a handler that reschedules itself every period.
func ticker(k *Kernel[int], period time.Duration, seen *[]Time) func(int) bool {
	return func(int) bool {
		*seen = append(*seen, k.Now())
		k.After(period, 0)
		return true
	}
}

func TestKernelDrains(t *testing.T) {
	k := NewKernel[string](Budget{})
	k.At(Time(3*time.Millisecond), "c")
	k.At(Time(time.Millisecond), "a")
	k.After(2*time.Millisecond, "b")
	var got []string
	stop := k.Run(func(e string) bool { got = append(got, e); return true })
	assert.Equal(t, Drained, stop)
	assert.Equal(t, []string{"a", "b", "c"}, got)
	assert.Equal(t, uint64(3), k.Steps())
	assert.Equal(t, Time(3*time.Millisecond), k.Now())
	_, ok, stop := k.Step()
	assert.False(t, ok)
	assert.Equal(t, Drained, stop)
}

func TestKernelStops(t *testing.T) {
	k := NewKernel[int](Budget{})
	for i := 0; i < 5; i++ {
		k.At(Time(i), i)
	}
	stop := k.Run(func(e int) bool { return e < 1 })
	assert.Equal(t, Stopped, stop)
	assert.Equal(t, uint64(2), k.Steps())
	assert.Equal(t, 3, k.Pending())
}

func TestKernelStepBudget(t *testing.T) {
	k := NewKernel[int](Budget{MaxSteps: 5})
	var seen []Time
	k.At(0, 0)
	assert.Equal(t, StepBudget, k.Run(ticker(k, time.Millisecond, &seen)))
	assert.Equal(t, uint64(5), k.Steps())
	assert.Len(t, seen, 5)
	assert.Equal(t, 1, k.Pending())
	assert.Equal(t, Time(4*time.Millisecond), k.Now())
}

func TestKernelTimeBudget(t *testing.T) {
	k := NewKernel[int](Budget{MaxTime: Time(10 * time.Millisecond)})
	var seen []Time
	k.At(Time(time.Millisecond), 0)
	assert.Equal(t, TimeBudget, k.Run(ticker(k, 3*time.Millisecond, &seen)))
	ms := Time(time.Millisecond)
	assert.Equal(t, []Time{1 * ms, 4 * ms, 7 * ms, 10 * ms}, seen, "an event at exactly MaxTime runs")
	assert.Equal(t, Time(10*time.Millisecond), k.Now(), "time stops at MaxTime, not past it")
	assert.Equal(t, 1, k.Pending(), "the event past MaxTime stays queued")

	// A later phase can extend the budget and carry on.
	k.SetBudget(Budget{MaxTime: Time(20 * time.Millisecond)})
	assert.Equal(t, TimeBudget, k.Run(ticker(k, 3*time.Millisecond, &seen)))
	assert.Equal(t, []Time{1 * ms, 4 * ms, 7 * ms, 10 * ms, 13 * ms, 16 * ms, 19 * ms}, seen)
	assert.Equal(t, Time(20*time.Millisecond), k.Now())
}

func TestKernelStopOrder(t *testing.T) {
	// Both budgets exhausted: time is reported first.
	k := NewKernel[int](Budget{MaxSteps: 1, MaxTime: 5})
	k.At(5, 0)
	k.At(6, 0)
	_, ok, stop := k.Step()
	require.True(t, ok)
	assert.Equal(t, Running, stop)
	_, _, stop = k.Step()
	assert.Equal(t, TimeBudget, stop)
	// Drained wins over an exhausted step budget.
	k2 := NewKernel[int](Budget{MaxSteps: 1})
	k2.At(0, 0)
	k2.Step()
	_, _, stop = k2.Step()
	assert.Equal(t, Drained, stop)
}

func TestKernelRefusesThePast(t *testing.T) {
	k := NewKernel[int](Budget{})
	k.At(Time(time.Second), 0)
	k.Step()
	msg := panicMessage(t, func() { k.At(Time(time.Millisecond), 1) })
	assert.Contains(t, msg, "event at 0.001000s is before now 1.000000s")
	assert.Contains(t, msg, "harness bug")
	assert.Contains(t, panicMessage(t, func() { k.After(-time.Nanosecond, 1) }), "negative delay -1ns")
	assert.NotPanics(t, func() { k.At(k.Now(), 2) }, "now itself is not the past")
}

// Whatever handlers schedule, time never runs backwards and each event runs
// at its own time.
func TestKernelTimeIsMonotonic(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		type ev struct {
			at     Time
			fanout int
		}
		k := NewKernel[ev](Budget{MaxSteps: 500})
		r := NewRand(rapid.Uint64().Draw(t, "seed"))
		k.At(0, ev{0, 2})
		last := Time(0)
		k.Run(func(e ev) bool {
			require.Equal(t, e.at, k.Now())
			require.GreaterOrEqual(t, k.Now(), last)
			last = k.Now()
			for i := 0; i < e.fanout; i++ {
				d := r.Duration(0, 10*time.Millisecond)
				k.After(d, ev{k.Now().Add(d), r.Intn(3)})
			}
			return true
		})
	})
}

func TestStopReasonString(t *testing.T) {
	assert.Equal(t, "running", Running.String())
	assert.Equal(t, "drained", Drained.String())
	assert.Equal(t, "stopped", Stopped.String())
	assert.Equal(t, "step budget", StepBudget.String())
	assert.Equal(t, "time budget", TimeBudget.String())
	assert.Equal(t, "StopReason(99)", StopReason(99).String())
}
