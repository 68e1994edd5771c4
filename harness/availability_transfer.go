package harness

import (
	"fmt"
	"time"

	"github.com/raftsim/raftsim/raft"
)

// The transfer property. A leader asked to hand leadership to a voter
// (raft.Node.TransferLeadership) stops taking proposals, brings the target
// up to date and tells it to campaign at once; if no new leader emerges
// within an election timeout it abandons the transfer and serves again
// (dissertation §3.10; raft/transfer.go, the deadline ElectionTimeoutMin
// of the leader's clock checked in tickLeader). So:
//
//	Within ElectionTimeoutMin of the leader's running clock after a
//	transfer starts, either the old leader no longer leads its term, or
//	some node leads a higher term, or the old leader has abandoned the
//	transfer (raft.Node.Transferee is None again: it accepts proposals).
//
// The transfer starts when TransferLeadership returns nil (the operator's
// call, adminTransfer); a second call restarts it, and so restarts the
// bound. The running clock is the one the leader's transfer deadline runs
// on (see runClock): a paused or blocked leader is not asked to act, and
// drift stretches the bound as it stretches the deadline. A new leader of a
// higher term counts even when the old one has not heard of it yet: the
// transfer did its job.

// transferWatch is a transfer in progress at a leader.
type transferWatch struct {
	active bool
	to     raft.NodeID
	since  time.Duration // the leader's running time at the start
}

// transferBound is the running time a transfer may last.
func (c Config) transferBound() time.Duration { return c.Raft.ElectionTimeoutMin + 2*timerSlack }

// availTransferStarted notes that leader n accepted a transfer to to.
func (w *World) availTransferStarted(n *node, to raft.NodeID) {
	lw := &w.avail.leaders[n.idx]
	if !lw.leading || n.raft.Transferee() == raft.None {
		return // to itself, or not a leader the watch follows
	}
	lw.transfer = transferWatch{active: true, to: to, since: n.runTime()}
}

// checkTransferEnds fails the run when leader n's transfer outlived its
// bound.
func (w *World) checkTransferEnds(n *node, lw *leaderWatch, now time.Duration) {
	tw := &lw.transfer
	to := n.raft.Transferee()
	if to == raft.None {
		tw.active = false
		return
	}
	if !tw.active {
		// A transfer the operator did not start (or one seen first now):
		// its bound runs from here, which only gives it more time.
		*tw = transferWatch{active: true, to: to, since: now}
	}
	bound := w.cfg.transferBound()
	if now-tw.since <= bound || w.avail.maxLeaderTerm > lw.term {
		return
	}
	w.failAvailability(CheckTransferEnds, fmt.Sprintf(
		"%v still leads term %d and still transfers leadership to %v (refusing proposals) after %v of its running clock, and no node leads a later term; "+
			"bound %v = ElectionTimeoutMin %v + timer rounding: a transfer that gives no new leader within an election timeout of the leader's clock is abandoned "+
			"(running clock: the leader's own at its drifted rate, jumps left out, counted only while it is up, not paused and not blocked in a write)",
		n.id, lw.term, to, now-tw.since, bound, w.cfg.Raft.ElectionTimeoutMin))
}
