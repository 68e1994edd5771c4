package sim

import (
	"fmt"
	"time"
)

// Budget bounds a run so that it always ends with a clear result, never a
// hang. Zero means "no limit" for each field, which suits unit tests; a
// harness configuration's Validate requires both to be set.
type Budget struct {
	// MaxSteps is the most events the kernel pops, e.g. 1_000_000.
	MaxSteps uint64
	// MaxTime is the latest virtual time an event may run at, e.g.
	// Time(60 * time.Second). An event at exactly MaxTime still runs.
	MaxTime Time
}

// StopReason says why a run or a step stopped.
type StopReason uint8

const (
	// Running is the zero value: Step returned an event and nothing stopped.
	Running StopReason = iota
	// Drained: no events are left.
	Drained
	// Stopped: the handler passed to Run returned false.
	Stopped
	// StepBudget: Budget.MaxSteps events have run.
	StepBudget
	// TimeBudget: the next event is after Budget.MaxTime.
	TimeBudget
)

// String names the reason.
func (r StopReason) String() string {
	switch r {
	case Running:
		return "running"
	case Drained:
		return "drained"
	case Stopped:
		return "stopped"
	case StepBudget:
		return "step budget"
	case TimeBudget:
		return "time budget"
	}
	return fmt.Sprintf("StopReason(%d)", uint8(r))
}

// Kernel is the event loop of one world: a Queue, the current virtual time
// and the number of steps run, within a Budget. Time advances only by popping
// an event, and never backwards.
type Kernel[E any] struct {
	queue  Queue[E]
	now    Time   // Invariant: now <= every queued time; now never decreases.
	steps  uint64 // Invariant: counts only popped events; never decreases.
	budget Budget
}

// NewKernel returns a kernel at time 0 with no events.
func NewKernel[E any](b Budget) *Kernel[E] {
	return &Kernel[E]{budget: b}
}

// Now returns the current virtual time: the time of the last popped event,
// or MaxTime after a TimeBudget stop.
func (k *Kernel[E]) Now() Time { return k.now }

// Steps returns how many events have been popped.
func (k *Kernel[E]) Steps() uint64 { return k.steps }

// Pending returns how many events are queued.
func (k *Kernel[E]) Pending() int { return k.queue.Len() }

// Budget returns the current budget.
func (k *Kernel[E]) Budget() Budget { return k.budget }

// SetBudget replaces the budget, so that a harness can run a chaos phase to
// one budget, heal, and then give the liveness phase its own bound. Steps and
// time already spent count against the new budget.
func (k *Kernel[E]) SetBudget(b Budget) { k.budget = b }

// At schedules e at time t. Panics if t is before Now: an event in the past
// would make time run backwards, and it is always a harness bug.
func (k *Kernel[E]) At(t Time, e E) {
	if t < k.now {
		panic(fmt.Sprintf("sim: Kernel.At: event at %v is before now %v: scheduling in the past is a harness bug (a negative delay, or a Time that overflowed)", t, k.now))
	}
	k.queue.Push(t, e)
}

// After schedules e at Now()+d. Panics if d is negative.
func (k *Kernel[E]) After(d time.Duration, e E) {
	if d < 0 {
		panic(fmt.Sprintf("sim: Kernel.After: negative delay %v: scheduling in the past is a harness bug", d))
	}
	k.At(k.now.Add(d), e)
}

// PeekTime returns the time of the next event, if any.
func (k *Kernel[E]) PeekTime() (Time, bool) { return k.queue.PeekTime() }

// AdvanceTo moves time forward to t when nothing is due before it: a test
// that waits in virtual time past the last event. Panics if t is in the
// past or an event is due before t (that event must be stepped first).
func (k *Kernel[E]) AdvanceTo(t Time) {
	if t < k.now {
		panic(fmt.Sprintf("sim: Kernel.AdvanceTo(%v): before now %v", t, k.now))
	}
	if at, ok := k.queue.PeekTime(); ok && at < t {
		panic(fmt.Sprintf("sim: Kernel.AdvanceTo(%v): an event is due at %v first", t, at))
	}
	k.now = t
}

// Step pops the next event, advances time to it and counts the step. When
// it cannot, ok is false and stop says why, checked in this order: Drained
// (nothing left to do wins over any budget), TimeBudget (the next event is
// after MaxTime; time advances to MaxTime, never past it, and the event stays
// queued), StepBudget (MaxSteps events have run).
func (k *Kernel[E]) Step() (e E, ok bool, stop StopReason) {
	at, ok := k.queue.PeekTime()
	if !ok {
		return e, false, Drained
	}
	if k.budget.MaxTime > 0 && at > k.budget.MaxTime {
		if k.now < k.budget.MaxTime {
			k.now = k.budget.MaxTime
		}
		return e, false, TimeBudget
	}
	if k.budget.MaxSteps > 0 && k.steps >= k.budget.MaxSteps {
		return e, false, StepBudget
	}
	at, e, _ = k.queue.Pop()
	k.now = at
	k.steps++
	return e, true, Running
}

// Run steps until handle returns false (Stopped), the queue drains (Drained)
// or a budget runs out (StepBudget, TimeBudget), and returns why. handle runs
// at Now() equal to the event's time and may schedule more events. A harness
// that wants no indirect call per event can loop over Step itself.
func (k *Kernel[E]) Run(handle func(e E) bool) StopReason {
	for {
		e, ok, stop := k.Step()
		if !ok {
			return stop
		}
		if !handle(e) {
			return Stopped
		}
	}
}
