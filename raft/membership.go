package raft

import (
	"fmt"
	"slices"
)

// setMembership makes a configuration current as soon as its entry is in
// the log, committed or not (§4.1). A leader starts replicating to new
// members at once.
func (n *Node[D, R]) setMembership(m Membership, index Index) {
	n.prev = prevVoter{at: index, voter: n.membership.Contains(n.id)}
	n.membership = m.Clone()
	n.membershipIndex = index
	if n.lead == nil {
		return
	}
	for _, id := range n.membership.AllMembers() {
		if id == n.id {
			continue
		}
		if pr := n.lead.get(id); pr != nil {
			pr.nonVoter = false
		} else {
			n.lead.add(id, n.log.last.Index+1, false)
		}
	}
}

// AddNonVoter starts replicating to a node that is not a member, so that it
// can catch up before ChangeMembership makes it a voter (async-raft's
// add_non_voter). The node does not count toward any quorum.
func (n *Node[D, R]) AddNonVoter(id NodeID) (err error) {
	if n.err != nil {
		return n.err
	}
	defer n.guard(&err)
	if n.role != Leader {
		return n.notLeader()
	}
	if id == None || n.membership.Contains(id) {
		return fmt.Errorf("raft: %v: add non-voter %v: already a member: %w", n.id, id, ErrMembershipChange)
	}
	if n.lead.get(id) != nil {
		return nil
	}
	pr := n.lead.add(id, n.log.last.Index+1, true)
	n.sendAppend(pr, true)
	return nil
}

// CaughtUp reports whether a leader sees id's log within
// NonVoterCatchUpLag entries of its own.
func (n *Node[D, R]) CaughtUp(id NodeID) bool {
	if n.role != Leader {
		return false
	}
	if id == n.id {
		return true
	}
	pr := n.lead.get(id)
	return pr != nil && uint64(n.log.last.Index-pr.match) <= n.cfg.NonVoterCatchUpLag
}

// ChangeMembership moves the cluster to a new set of voters by joint
// consensus, as async-raft does: it appends the joint configuration now;
// once that commits, the leader appends the final one; once that commits, a
// leader that is not in it steps down. With Config.SingleServerChanges, a
// change of exactly one voter skips the joint step (dissertation §4.1,
// etcd-raft's ConfChangeV1): the target is appended at once, which is safe
// because any majority of the old set overlaps any majority of the new.
// Every new member must already be a caught-up non-voter. Only one change
// runs at a time, and none before an entry of the leader's term has
// committed (the 2015 single-server change bug: a new leader could
// otherwise append a configuration whose majorities miss those of an
// uncommitted one a previous leader appended).
func (n *Node[D, R]) ChangeMembership(members []NodeID) (err error) {
	if n.err != nil {
		return n.err
	}
	defer n.guard(&err)
	if n.role != Leader {
		return n.notLeader()
	}
	target := NewMembership(members...)
	if err := target.Validate(); err != nil {
		return err
	}
	bad := func(why string, args ...any) error {
		return fmt.Errorf("raft: %v: change membership to %v: %s: %w", n.id, target, fmt.Sprintf(why, args...), ErrMembershipChange)
	}
	switch {
	case n.membership.IsJoint() || n.commit < n.membershipIndex:
		return bad("change to %v still in progress", n.membership)
	case n.commit < n.lead.termStart && (n.zoo == nil || n.zoo.ChangeNeedsTermCommit()):
		return bad("no entry of term %d committed yet", n.term)
	case n.lead.transferee != None:
		return ErrTransferring
	case slices.Equal(target.Members, n.membership.Members):
		return nil
	}
	for _, id := range target.Members {
		if !n.membership.Contains(id) && !n.CaughtUp(id) {
			return bad("%v is not a caught-up non-voter", id)
		}
	}
	if n.cfg.SingleServerChanges && votersChanged(n.membership.Members, target.Members) == 1 {
		n.appendConfig(target)
		return nil
	}
	joint := Membership{Members: slices.Clone(n.membership.Members), MembersAfterConsensus: target.Members}
	n.appendConfig(joint)
	return nil
}

// votersChanged counts the voters in one sorted set and not the other.
func votersChanged(a, b []NodeID) int {
	changed := 0
	for _, id := range a {
		if !slices.Contains(b, id) {
			changed++
		}
	}
	for _, id := range b {
		if !slices.Contains(a, id) {
			changed++
		}
	}
	return changed
}

func (n *Node[D, R]) appendConfig(m Membership) {
	e := Entry[D]{Term: n.term, Index: n.log.last.Index + 1, Kind: EntryConfigChange, Membership: &m}
	n.appendLeaderEntry(e)
	if n.role == Leader {
		n.broadcastAppend()
	}
}

// advanceMembershipChange runs the next step of a change once the current
// configuration is committed.
func (n *Node[D, R]) advanceMembershipChange() {
	if n.membershipIndex == 0 || n.commit < n.membershipIndex {
		return
	}
	if n.membership.IsJoint() {
		n.appendConfig(Membership{Members: slices.Clone(n.membership.MembersAfterConsensus)})
		return
	}
	if !n.membership.Contains(n.id) {
		// Removed: it managed the cluster until the change committed
		// (dissertation §4.2.2); now it steps down.
		n.hit(ProbeLeaderRemoved)
		n.becomeFollower(n.term, None)
		return
	}
	for i := len(n.lead.progress) - 1; i >= 0; i-- {
		pr := n.lead.progress[i]
		if !pr.nonVoter && !n.membership.Contains(pr.id) {
			if pr.match >= n.membershipIndex {
				// Tell it the removal committed, so that it stops
				// campaigning to get it committed (canCampaign).
				n.send(&Message[D]{Type: MsgHeartbeat, To: pr.id, Commit: n.membershipIndex})
			}
			n.lead.remove(pr.id)
		}
	}
}

// prevVoter remembers whether the node voted in the configuration before
// the one at index at (0: not known, after a restart, a truncation or a
// snapshot install).
type prevVoter struct {
	at    Index
	voter bool
}

// votedBefore reports whether the node votes in the configuration that
// precedes its latest one. It is known in memory when the latest one was
// appended since the node started; otherwise it is looked up, in the log
// (the latest configuration entry before membershipIndex) or, when the log
// holds none, in the snapshot. Only a node outside its latest, uncommitted
// configuration asks, so the reads happen in that situation alone.
func (n *Node[D, R]) votedBefore() bool {
	if n.prev.at != n.membershipIndex {
		prev, ok := n.previousMembership()
		n.prev = prevVoter{at: n.membershipIndex, voter: ok && prev.Contains(n.id)}
	}
	return n.prev.voter
}

// previousMembership finds the configuration in force just before the
// entry at membershipIndex.
func (n *Node[D, R]) previousMembership() (Membership, bool) {
	if e, ok := n.lastConfigEntry(n.membershipIndex - 1); ok {
		return e.Membership.Clone(), true
	}
	if n.log.snapIndex == 0 {
		return Membership{}, false
	}
	snap, err := n.store.GetCurrentSnapshot()
	n.must(err, "get current snapshot")
	if snap == nil {
		return Membership{}, false
	}
	n.must(snap.Snapshot.Close(), "close snapshot")
	return snap.Membership.Clone(), true
}
