package harness

import (
	"fmt"
	"time"

	"github.com/raftsim/raftsim/raft"
	"github.com/raftsim/raftsim/sim"
)

// The availability checks watch the chaos phase for the availability
// mechanisms Raft promises with bounds of its own timeouts, where the
// liveness phase only sees that a healed cluster recovers in the end (the
// first two keep watching during the liveness phase, where a leader left in
// the faulty minority must still step down; the third hands over to it):
//
//   - check-quorum (availability_quorum.go): a leader that has not heard
//     from a quorum of its configuration for two check-quorum intervals of
//     its own running clock no longer believes it leads;
//   - transfer (availability_transfer.go): a leadership transfer ends
//     within an election timeout of the leader's running clock, by a new
//     leader of a higher term or by the old leader serving again;
//   - healed-majority (availability_majority.go): a majority of the
//     configuration that is up, healthy and connected by lossless links for
//     long enough has a leader among it, and that leader completes client
//     commands.
//
// Each bound is derived from the configuration and printed with the
// failure. What a node "hears" is what the harness delivered to it, and
// time is the node's running clock (runClock), so that a lossy link, a
// paused leader, a slow disk or a drifting clock never makes a check ask
// more than Raft promises: the first three are simply time in which the
// node heard nothing or could not act, and the clock is the one its
// timers run on.

// Availability checks, the Check of a ClassAvailability failure.
const (
	CheckQuorumStepDown = "check-quorum"
	CheckTransferEnds   = "transfer"
	CheckHealedMajority = "healed-majority"
)

// timerSlack covers the rounding of a local deadline to global time (a
// timer fires at most a few nanoseconds of local time after its deadline,
// see clock.global) for each timer a bound counts, with room to spare.
const timerSlack = time.Microsecond

// runClock is the local time a node has been able to act: the advance of
// its own clock (at its drifted rate, since its timers run on it), counted
// only while the node is up, not paused and not blocked in a storage write
// (busyUntil), and without forward jumps. A timer that comes due while the
// node cannot act fires when it can again (node.replay), and a jump only
// brings deadlines nearer, so a deadline d ahead on the node's clock is
// always met within d of running time (plus timer rounding): the yardstick
// for bounds that the node's own timers enforce. (Counting a jump would
// not be: a jump of a second past a deadline 150ms away fires the timer
// once, a second of running time later.)
type runClock struct {
	at      sim.Time      // global time of the last account
	localAt time.Duration // the node's clock at the last account
	ran     time.Duration // running time accrued up to at
}

// accountRun brings n's running time up to now. It must run before
// anything that changes whether or how fast the node runs: a pause or
// resume, a new busy period, a clock change, a crash.
func (n *node) accountRun() {
	r := &n.run
	now := n.w.kernel.Now()
	if now < r.at {
		panic(fmt.Sprintf("harness: %v: running clock accounted at %v after %v", n.id, now, r.at))
	}
	localNow := n.clock.local(now)
	switch {
	case !n.up || n.paused:
	case n.busyUntil <= r.at:
		r.ran += localNow - r.localAt
	case n.busyUntil < now:
		// Blocked in a write until busyUntil, running since. (No clock
		// change in between: each one accounts first, re-anchoring.)
		r.ran += localNow - n.clock.local(max(n.busyUntil, n.clock.anchor))
	}
	r.at, r.localAt = now, localNow
}

// skipRunJump leaves a clock jump just made out of n's running time (see
// runClock); accountRun must have run just before the jump.
func (n *node) skipRunJump() { n.run.localAt = n.clock.local(n.w.kernel.Now()) }

// runTime is n's running time now.
func (n *node) runTime() time.Duration {
	n.accountRun()
	return n.run.ran
}

// availWatch is the state of the availability checks.
type availWatch struct {
	// leaders is what each node's current leadership, if any, has heard
	// and done, by node index.
	leaders []leaderWatch
	// maxLeaderTerm is the highest term any node has led.
	maxLeaderTerm raft.Term
	majority      majorityWatch
}

// leaderWatch follows one node while it leads one term.
type leaderWatch struct {
	leading bool
	term    raft.Term
	// since is the node's running time when it became leader.
	since time.Duration
	// heard is the running time at which the leader last stepped a
	// message of its term (or a higher one) from each node, by node
	// index; since when not heard from in this term.
	heard []time.Duration
	// members is the leader's configuration, adopted at cfgSince (running
	// time) from the entry at cfgIndex.
	members  raft.Membership
	cfgIndex raft.Index
	cfgSince time.Duration
	// graceUntil is running time before which a window may not start (a
	// timer left late by a rate change, see availTimerLate).
	graceUntil time.Duration
	transfer   transferWatch
}

func newAvailWatch(nodes int) availWatch {
	a := availWatch{leaders: make([]leaderWatch, nodes)}
	for i := range a.leaders {
		a.leaders[i].heard = make([]time.Duration, nodes)
	}
	a.majority = newMajorityWatch(nodes)
	return a
}

// delivered notes a message n is about to step: a leader hears from the
// sender if the message carries its term or a later one. An older term's
// message is no answer to this leader (the core only tells its sender of
// the newer term), so it does not count.
func (w *World) availDelivered(n *node, m *raft.Message[Command]) {
	lw := &w.avail.leaders[n.idx]
	if !lw.leading || m.Term < lw.term {
		return
	}
	if from := int(m.From) - 1; from >= 0 && from < len(lw.heard) {
		lw.heard[from] = n.runTime()
	}
}

// availObserve follows n after each of its steps and runs the checks that
// concern it.
func (w *World) availObserve(n *node, st raft.Status) {
	w.availMajorityObserve(n, st)
	lw := &w.avail.leaders[n.idx]
	if st.Role != raft.Leader || st.Stopped {
		lw.leading = false
		return
	}
	now := n.runTime()
	if !lw.leading || lw.term != st.Term {
		lw.leading, lw.term, lw.since, lw.graceUntil = true, st.Term, now, 0
		for i := range lw.heard {
			lw.heard[i] = now
		}
		lw.cfgIndex = ^raft.Index(0)
		lw.transfer = transferWatch{}
		w.avail.maxLeaderTerm = max(w.avail.maxLeaderTerm, st.Term)
	}
	if idx := n.raft.MembershipIndex(); idx != lw.cfgIndex {
		lw.members, lw.cfgIndex = n.raft.Membership()
		lw.cfgSince = now
	}
	w.checkQuorumStepDown(n, lw, now)
	w.checkTransferEnds(n, lw, now)
}

// availTimerLate allows for a timer of n that a rate change left scheduled
// too late: the heal stops a slow clock's drift without rescheduling the
// pending timer, which then fires up to that much past its deadline on the
// now faster clock. The leader's windows start no earlier than the end of
// that lateness.
func (w *World) availTimerLate(n *node) {
	lw := &w.avail.leaders[n.idx]
	if !lw.leading || !n.up || n.raft == nil || !n.timerPending {
		return
	}
	late := n.timerAt.Sub(max(w.kernel.Now(), n.clock.global(n.raft.Deadline())))
	if late <= 0 {
		return
	}
	now := n.runTime()
	lw.graceUntil = max(lw.graceUntil, now+late)
	if lw.transfer.active {
		lw.transfer.since += late
	}
}

// availCrashed ends n's leadership in the watch.
func (w *World) availCrashed(n *node) { w.avail.leaders[n.idx].leading = false }

// failAvailability records an availability failure.
func (w *World) failAvailability(check, msg string) {
	w.fail(Failure{Class: ClassAvailability, Check: check, Message: msg})
}
