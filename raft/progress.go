package raft

import (
	"time"
)

// progressState is how a leader replicates to one follower.
type progressState uint8

const (
	// probe: one append at a time, until the follower's match is found.
	probe progressState = iota
	// replicate: appends are pipelined, up to MaxInflightAppends.
	replicate
	// snapshot: the follower is behind the compacted log; a snapshot is
	// streaming to it.
	snapshot
)

func (s progressState) String() string {
	return [...]string{"probe", "replicate", "snapshot"}[s]
}

// progress is the leader's view of one follower.
//
// Invariant: match < next; in replicate state inflight holds the last
// index of each unacknowledged append, ascending, and is at most
// MaxInflightAppends long.
type progress struct {
	id       NodeID
	match    Index
	next     Index
	state    progressState
	inflight []Index
	// probeSent: in probe state an append is outstanding.
	probeSent bool
	// matchAtHeartbeat is match at the previous heartbeat answer; no
	// progress between two answers means appends were lost.
	matchAtHeartbeat Index
	// active: heard from since the last check-quorum.
	active bool
	// ackedRound is the latest heartbeat round the follower answered.
	ackedRound uint64
	// nonVoter: replicated to but not in the membership (catching up).
	nonVoter bool
	snap     *snapshotOut
}

func (pr *progress) becomeProbe()     { pr.reset(probe) }
func (pr *progress) becomeReplicate() { pr.reset(replicate) }

// reset restarts replication from just after the match index.
func (pr *progress) reset(s progressState) {
	pr.state = s
	pr.next = pr.match + 1
	pr.inflight = pr.inflight[:0]
	pr.probeSent = false
	pr.snap = nil
}

// freeThrough forgets in-flight appends acknowledged through index.
func (pr *progress) freeThrough(index Index) {
	k := 0
	for k < len(pr.inflight) && pr.inflight[k] <= index {
		k++
	}
	if k > 0 {
		pr.inflight = append(pr.inflight[:0], pr.inflight[k:]...)
	}
}

// pendingProposal is a client command the leader appended and will report.
type pendingProposal struct {
	id    ProposalID
	index Index
	term  Term
}

// readRequest is a read waiting for its round to be confirmed (round) and
// then for the state machine to reach index.
type readRequest struct {
	id    ReadID
	round uint64
	index Index
}

// roundSent remembers when a heartbeat round left, for the read lease.
type roundSent struct {
	round uint64
	at    time.Duration
}

// maxRoundsRemembered bounds roundsSent: only the newest confirmed round
// matters, and rounds are confirmed in order.
const maxRoundsRemembered = 64

// leaderState is everything only a leader has.
type leaderState[D any] struct {
	// progress for every other voter and non-voter, sorted by ID.
	progress []*progress
	// termStart is the index of the leader's first entry of its term;
	// until it commits, the leader serves no reads and changes no
	// membership.
	termStart Index

	pending []pendingProposal // ascending by index

	round          uint64 // latest heartbeat round sent
	confirmedRound uint64 // latest round a quorum answered
	readRoundOpen  bool   // a round started for reads is unanswered
	roundsSent     []roundSent
	readsWaiting   []readRequest // ascending by round
	readsReady     []readRequest // ascending by index
	readsEarly     []ReadID      // arrived before termStart committed

	transferee       NodeID
	transferDeadline time.Duration
	// timeoutNowSent says this leader sent TimeoutNow in its term: it
	// holds no read lease for the rest of the term (see leaseValid).
	timeoutNowSent bool

	heartbeatDeadline   time.Duration
	checkQuorumDeadline time.Duration
}

func newLeaderState[D, R any](n *Node[D, R]) *leaderState[D] {
	now := n.now()
	l := &leaderState[D]{
		heartbeatDeadline:   now + n.cfg.HeartbeatInterval,
		checkQuorumDeadline: now + n.cfg.ElectionTimeoutMin,
	}
	for _, id := range n.membership.AllMembers() {
		if id != n.id {
			l.add(id, n.log.last.Index+1, false)
		}
	}
	return l
}

func (l *leaderState[D]) add(id NodeID, next Index, nonVoter bool) *progress {
	pr := &progress{id: id, next: next, nonVoter: nonVoter}
	i := 0
	for i < len(l.progress) && l.progress[i].id < id {
		i++
	}
	l.progress = append(l.progress, nil)
	copy(l.progress[i+1:], l.progress[i:])
	l.progress[i] = pr
	return pr
}

func (l *leaderState[D]) get(id NodeID) *progress {
	for _, pr := range l.progress {
		if pr.id == id {
			return pr
		}
	}
	return nil
}

func (l *leaderState[D]) remove(id NodeID) {
	for i, pr := range l.progress {
		if pr.id == id {
			l.progress = append(l.progress[:i], l.progress[i+1:]...)
			return
		}
	}
}

func (l *leaderState[D]) deadline() time.Duration {
	d := min(l.heartbeatDeadline, l.checkQuorumDeadline)
	if l.transferee != None {
		d = min(d, l.transferDeadline)
	}
	return d
}

// dropAll tells the host about every proposal and read this leader will
// no longer report, in a deterministic order.
func dropAll[D, R any](l *leaderState[D], ev Events[R], err error) {
	for _, p := range l.pending {
		ev.Dropped(p.id, err)
	}
	for _, id := range l.readsEarly {
		ev.ReadFailed(id, err)
	}
	for _, r := range l.readsWaiting {
		ev.ReadFailed(r.id, err)
	}
	for _, r := range l.readsReady {
		ev.ReadFailed(r.id, err)
	}
	l.pending, l.readsEarly, l.readsWaiting, l.readsReady = nil, nil, nil, nil
}
