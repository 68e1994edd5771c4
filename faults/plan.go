package faults

import (
	"errors"
	"strings"
	"time"
)

// Plan is a fault schedule for one run: steps in time order, each a fault or
// a heal at a virtual time from the run's start. It is data: it prints,
// saves to JSON and reads back exactly, so a failure file carries the plan
// that produced it, and a shrinker can remove steps one by one.
//
// The executor (the harness) applies each step when the virtual clock
// reaches its At, in slice order among steps at the same time, during the
// chaos phase only: steps at or after the end of the chaos phase are not
// applied, and undo timers still pending then (a crash's For) are dropped;
// the liveness phase decides what heals (see StayFaulty).
type Plan struct {
	Steps []Step `json:"steps"`
}

// ErrPlan is wrapped by every plan validation and decoding error.
var ErrPlan = errors.New("invalid fault plan")

// String lists the steps, one per line, each as Step.String prints it;
// the empty plan is "(no faults)".
func (p Plan) String() string {
	if len(p.Steps) == 0 {
		return "(no faults)"
	}
	lines := make([]string, len(p.Steps))
	for i, s := range p.Steps {
		lines[i] = s.String()
	}
	return strings.Join(lines, "\n")
}

// End is the latest time the plan acts: the last step's At, or later when a
// step's For reaches further (crash, pause, clog). A flap runs on until the
// next heal, which End does not look ahead to. A harness compares End with
// its chaos phase to warn about steps that would never fire.
func (p Plan) End() time.Duration {
	var end time.Duration
	for _, s := range p.Steps {
		end = max(end, s.At)
		if s.Kind.spec().uses&fFor != 0 && s.For > 0 {
			end = max(end, s.At+s.For)
		}
	}
	return end
}
