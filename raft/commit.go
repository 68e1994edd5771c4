package raft

import (
	"fmt"
)

// maxQuorumGroup bounds a configuration half for the allocation-free quorum
// arithmetic below; Raft clusters are small.
const maxQuorumGroup = 64

// quorumValue returns the largest v such that a majority of members have a
// value of at least v. extra values (non-voters, only in the bug zoo's
// count-learners-in-quorum) are counted as if they voted, without growing
// the majority: that is the bug. A correct leader passes none.
func quorumValue(members []NodeID, value func(NodeID) uint64, extra []uint64) uint64 {
	if len(members) == 0 {
		return 0
	}
	if len(members)+len(extra) > maxQuorumGroup {
		panic(fmt.Sprintf("raft: quorum over %d nodes exceeds the supported %d", len(members)+len(extra), maxQuorumGroup))
	}
	var buf [maxQuorumGroup]uint64
	xs := buf[:0]
	for _, id := range members {
		xs = append(xs, value(id))
	}
	xs = append(xs, extra...)
	// Insertion sort, descending: the groups are tiny.
	for i := 1; i < len(xs); i++ {
		for j := i; j > 0 && xs[j] > xs[j-1]; j-- {
			xs[j], xs[j-1] = xs[j-1], xs[j]
		}
	}
	return xs[len(members)/2]
}

// jointQuorumValue applies quorumValue to each half of a configuration and
// takes the smaller: joint consensus needs both majorities (§4.3).
func jointQuorumValue(m Membership, value func(NodeID) uint64, extra []uint64) uint64 {
	v := quorumValue(m.Members, value, extra)
	if m.IsJoint() {
		v = min(v, quorumValue(m.MembersAfterConsensus, value, extra))
	}
	return v
}

// hasQuorum reports whether a majority of each half says yes.
func (m Membership) hasQuorum(yes func(NodeID) bool) bool {
	return jointQuorumValue(m, func(id NodeID) uint64 {
		if yes(id) {
			return 1
		}
		return 0
	}, nil) == 1
}

// matchOf is the leader's knowledge of how far id's log matches its own.
func (n *Node[D, R]) matchOf(id NodeID) uint64 {
	if id == n.id {
		return uint64(n.log.last.Index)
	}
	if pr := n.lead.get(id); pr != nil {
		return uint64(pr.match)
	}
	return 0
}

// learnerMatches lists non-voters' match indexes, only for the bug zoo
// (count-learners-in-quorum): a correct leader counts voters alone.
func (n *Node[D, R]) learnerMatches() []uint64 {
	if n.zoo == nil || !n.zoo.CountLearners() {
		return nil
	}
	var out []uint64
	for _, pr := range n.lead.progress {
		if pr.nonVoter {
			out = append(out, uint64(pr.match))
		}
	}
	return out
}

// maybeCommit advances a leader's commit index to the highest index a
// quorum matches, but only through an entry of the current term: an entry
// of an earlier term is committed only indirectly (§5.4.2, Figure 8).
func (n *Node[D, R]) maybeCommit() bool {
	if n.role != Leader {
		return false
	}
	idx := Index(jointQuorumValue(n.membership, n.matchOf, n.learnerMatches()))
	if idx <= n.commit {
		return false
	}
	if n.zoo == nil || n.zoo.CommitNeedsCurrentTerm() {
		t, err := n.log.term(idx)
		n.must(err, "term of %d", idx)
		if t != n.term {
			n.hit(ProbeCommitWaitsForTerm)
			return false
		}
	}
	n.commit = idx
	return true
}

// commitTo moves a follower's commit index forward and applies.
func (n *Node[D, R]) commitTo(idx Index) {
	if idx <= n.commit {
		return
	}
	if idx > n.log.last.Index {
		panic(fmt.Sprintf("raft: %v: commit %d beyond last index %v", n.id, idx, n.log.last))
	}
	n.commit = idx
	n.applyCommitted()
}

// applyBatch bounds the entries applied per storage call.
const applyBatch = 256

// applyCommitted applies every committed entry not yet applied. A leader
// applies one entry at a time to collect responses for its clients; a
// follower applies in batches.
func (n *Node[D, R]) applyCommitted() {
	for n.applied < n.commit {
		es, err := n.log.entries(n.applied+1, n.commit+1, applyBatch)
		n.must(err, "entries (%d, %d] to apply", n.applied, n.commit)
		if n.role == Leader {
			for i := range es {
				resp, err := n.store.ApplyEntryToStateMachine(&es[i])
				n.must(err, "apply %v", es[i].ID())
				n.applied = es[i].Index
				n.resolveProposal(&es[i], resp)
			}
		} else {
			n.must(n.store.ReplicateToStateMachine(es), "apply %v..%v", es[0].ID(), es[len(es)-1].ID())
			n.applied = es[len(es)-1].Index
		}
	}
	n.afterApply()
}

// resolveProposal reports the proposal at e's index, if this leader made it.
func (n *Node[D, R]) resolveProposal(e *Entry[D], resp R) {
	l := n.lead
	for len(l.pending) > 0 && l.pending[0].index <= e.Index {
		p := l.pending[0]
		l.pending = l.pending[1:]
		if p.index != e.Index || p.term != e.Term {
			panic(fmt.Sprintf("raft: %v: leader's own entry %d/%d replaced by %v while leader", n.id, p.term, p.index, e.ID()))
		}
		n.env.Events.Applied(p.id, e.Index, resp)
	}
}

// afterApply runs what waits on the state machine: membership steps,
// reads, and compaction.
func (n *Node[D, R]) afterApply() {
	if n.role == Leader {
		n.advanceMembershipChange()
	}
	if n.role == Leader {
		n.serveReads()
	}
	n.maybeCompact()
}
