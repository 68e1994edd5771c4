package harness

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/raftsim/raftsim/raft"
)

// The check-quorum property. With Config.CheckQuorum, a leader checks every
// ElectionTimeoutMin of its own clock whether it heard from a quorum of its
// configuration since the previous check (for a joint configuration, a
// quorum of each half; the leader counts itself where it is a member), and
// steps down when it did not (dissertation §6.2: a leader steps down when
// an election timeout passes without a successful round of heartbeats to a
// majority; raft/replication.go's tickLeader and quorumActive). So:
//
//	A leader that, for more than 2 x ElectionTimeoutMin of its running
//	clock, has stepped messages of its term from fewer than a quorum of
//	its current configuration no longer leads that term.
//
// Why two intervals and not one: let Q be the latest running time at which
// a quorum's last messages had all arrived (the quorum-th latest of the
// members' last-heard times, the leader itself counting as now). The first
// check after Q may still count messages from before Q; the check after it
// covers only what arrived after the first, which is fewer than a quorum,
// so it fails. Checks are ElectionTimeoutMin apart on the leader's clock,
// and a check that comes due while the leader is paused or blocked in a
// write runs as soon as it can act again, so on the running clock each is
// at most ElectionTimeoutMin (plus timer rounding) after the previous one.
//
// What the check does not assume: "heard" is what the harness delivered
// and the leader stepped, whatever the cause of silence (cuts one-way or
// both, flaps, clogs, loss of any rate, followers crashed, paused or
// blocked on a slow disk), so a lossy link that happened to deliver counts
// as heard and nothing probabilistic enters. A leader that is paused or
// blocked accrues no running time, so it is never asked to act while it
// cannot; a drifting clock stretches or shortens the running time exactly
// as it does the leader's timers, and a clock jump, which only brings its
// deadlines nearer, is left out of it. The configuration is the
// one the leader holds, and the window starts no earlier than when it took
// effect. The one place a timer can fire late on the running clock is the
// heal, which stops a drift without rescheduling the pending timer (a slow
// clock made fast leaves it up to the rest of its interval late): the
// window then starts no earlier than the end of that lateness
// (availTimerLate). Messages of an older term do not count (the core does not count
// them either: they are answered with a term notice); messages of a later
// term do, leniently (they depose the leader anyway).

// quorumStepDownBound is the running time a leader may lead without hearing
// from a quorum.
func (c Config) quorumStepDownBound() time.Duration {
	return 2*c.Raft.ElectionTimeoutMin + 2*timerSlack
}

// checkQuorumStepDown fails the run when leader n has gone without a
// quorum for longer than the bound.
func (w *World) checkQuorumStepDown(n *node, lw *leaderWatch, now time.Duration) {
	if !w.cfg.Raft.CheckQuorum {
		return
	}
	q := quorumHeardSince(lw.members, n.id, lw.heard, now)
	from := max(q, lw.since, lw.cfgSince, lw.graceUntil)
	bound := w.cfg.quorumStepDownBound()
	if now-from <= bound {
		return
	}
	w.failAvailability(CheckQuorumStepDown, fmt.Sprintf(
		"%v still leads term %d after %v of its running clock without hearing from a quorum of %v (since %v on it; last heard: %s); "+
			"bound %v = 2 x ElectionTimeoutMin %v + timer rounding: check-quorum runs every ElectionTimeoutMin of the leader's clock "+
			"and the second check after a quorum was last heard finds none (running clock: the leader's own at its drifted rate, jumps left out, "+
			"counted only while it is up, not paused and not blocked in a write)",
		n.id, lw.term, now-from, lw.members, from, heardList(lw, n.id, now), bound, w.cfg.Raft.ElectionTimeoutMin))
}

// quorumHeardSince is the latest running time by which a quorum of m had
// all been heard from: for each half of m, the quorum-th latest last-heard
// time of its members (self counting as now where it is a member), and the
// earlier of the halves, since a joint configuration needs both.
func quorumHeardSince(m raft.Membership, self raft.NodeID, heard []time.Duration, now time.Duration) time.Duration {
	q := quorumHeardHalf(m.Members, self, heard, now)
	if m.IsJoint() {
		q = min(q, quorumHeardHalf(m.MembersAfterConsensus, self, heard, now))
	}
	return q
}

func quorumHeardHalf(members []raft.NodeID, self raft.NodeID, heard []time.Duration, now time.Duration) time.Duration {
	if len(members) == 0 {
		return now
	}
	var buf [16]time.Duration
	ts := buf[:0]
	for _, id := range members {
		switch i := int(id) - 1; {
		case id == self:
			ts = append(ts, now)
		case i >= 0 && i < len(heard):
			ts = append(ts, heard[i])
		default:
			ts = append(ts, 0) // a member outside this world is never heard
		}
	}
	slices.Sort(ts)
	slices.Reverse(ts)
	return ts[len(members)/2]
}

// heardList says when the leader last heard from each member, for the
// failure message.
func heardList(lw *leaderWatch, self raft.NodeID, now time.Duration) string {
	var parts []string
	for _, id := range lw.members.AllMembers() {
		if id == self {
			continue
		}
		i := int(id) - 1
		switch {
		case i < 0 || i >= len(lw.heard):
			parts = append(parts, fmt.Sprintf("%v never", id))
		case lw.heard[i] <= lw.since:
			parts = append(parts, fmt.Sprintf("%v not in this term", id))
		default:
			parts = append(parts, fmt.Sprintf("%v %v ago", id, now-lw.heard[i]))
		}
	}
	return strings.Join(parts, ", ")
}
