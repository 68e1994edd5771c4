package raft

import (
	"fmt"
	"time"
)

// voteTally counts the answers of one election or pre-election.
type voteTally struct {
	term      Term // the term the votes are for (the hypothetical term for pre-votes)
	responses []voteAnswer
}

type voteAnswer struct {
	from    NodeID
	granted bool
}

// record notes an answer; a second answer from the same node is ignored
// (countDuplicates is for the bug zoo only).
func (v *voteTally) record(from NodeID, granted bool, countDuplicates bool) {
	if !countDuplicates {
		for _, a := range v.responses {
			if a.from == from {
				return
			}
		}
	}
	v.responses = append(v.responses, voteAnswer{from, granted})
}

// result reports whether the election is won or lost under membership m:
// won needs a majority of each half of a joint configuration; lost means
// some half can no longer reach one.
func (v *voteTally) result(m Membership) (won, lost bool) {
	wonOld, lostOld := v.half(m.Members)
	if !m.IsJoint() {
		return wonOld, lostOld
	}
	wonNew, lostNew := v.half(m.MembersAfterConsensus)
	return wonOld && wonNew, lostOld || lostNew
}

func (v *voteTally) half(members []NodeID) (won, lost bool) {
	yes, no := 0, 0
	for _, a := range v.responses {
		if !contains(members, a.from) {
			continue
		}
		if a.granted {
			yes++
		} else {
			no++
		}
	}
	q := len(members)/2 + 1
	return yes >= q, no > len(members)-q
}

func contains(ids []NodeID, id NodeID) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// resetElectionTimer draws a new randomized election timeout (§5.2).
func (n *Node[D, R]) resetElectionTimer(now time.Duration) {
	n.electionTimeout = n.cfg.ElectionTimeoutMin
	if n.zoo == nil || n.zoo.RandomizeTimeout() {
		spread := uint64(n.cfg.ElectionTimeoutMax - n.cfg.ElectionTimeoutMin)
		n.electionTimeout += time.Duration(n.env.Rand.Uint64n(spread))
	}
	n.electionDeadline = now + n.electionTimeout
}

// canCampaign: initialized voters stand for election, and so does a node
// that its latest configuration removes while that configuration is not
// committed yet, if it voted in the one before (dissertation §4.2.2: it
// may still be needed until the new configuration commits). Without that,
// a removal from two voters whose leader is deposed before the final
// configuration commits deadlocks: the remaining voter needs the removed
// node's vote in the joint configuration and cannot get it when its log
// lacks the final entry, and only the removed node holds that entry. Such
// a candidate counts votes per its latest configuration, as every node
// does, so its own vote does not count; once elected it commits the
// configuration and steps down (advanceMembershipChange). Non-voters and
// nodes whose removal committed wait to be told by a leader.
func (n *Node[D, R]) canCampaign() bool {
	if n.pristine {
		return false
	}
	if n.membership.Contains(n.id) {
		return true
	}
	return n.commit < n.membershipIndex && n.votedBefore()
}

func (n *Node[D, R]) becomeFollower(term Term, leader NodeID) {
	if term > n.term {
		n.saveHardState(term, None)
	}
	if n.lead != nil {
		if len(n.lead.readsWaiting)+len(n.lead.readsEarly)+len(n.lead.readsReady) > 0 {
			n.hit(ProbeReadsDropped)
		}
		dropAll(n.lead, n.env.Events, ErrLeadershipLost)
		n.lead = nil
	}
	n.role = Follower
	n.leader = leader
	now := n.now()
	if leader != None {
		n.lastLeaderContact = now
	}
	n.votes = voteTally{}
	n.stepRole = n.stepFollower
	n.tickRole = n.tickFollower
	n.resetElectionTimer(now)
}

func (n *Node[D, R]) tickFollower(now time.Duration) {
	if now < n.electionDeadline {
		return
	}
	if !n.canCampaign() {
		n.resetElectionTimer(now)
		return
	}
	if !n.membership.Contains(n.id) {
		n.hit(ProbeRemovedCampaigns)
	}
	n.campaign(false)
}

// campaign starts an election, through a pre-vote unless this is a
// leadership transfer (the old leader asked for it, so nobody needs
// convincing that the leader is gone).
func (n *Node[D, R]) campaign(transfer bool) {
	if n.cfg.PreVote && !transfer {
		n.becomePreCandidate()
		return
	}
	n.becomeCandidate(transfer)
}

func (n *Node[D, R]) becomePreCandidate() {
	n.role = PreCandidate
	n.leader = None
	n.votes = voteTally{term: n.term + 1}
	n.stepRole = n.stepCandidate
	n.tickRole = n.tickFollower
	n.resetElectionTimer(n.now())
	n.requestVotes(MsgPreVote, n.term+1, false)
}

func (n *Node[D, R]) becomeCandidate(transfer bool) {
	n.saveHardState(n.term+1, n.id)
	n.role = Candidate
	n.leader = None
	n.votes = voteTally{term: n.term}
	n.stepRole = n.stepCandidate
	n.tickRole = n.tickFollower
	n.resetElectionTimer(n.now())
	n.requestVotes(MsgVote, n.term, transfer)
}

// requestVotes votes for itself and asks every other voter.
func (n *Node[D, R]) requestVotes(t MessageType, term Term, transfer bool) {
	n.votes.record(n.id, true, false)
	if n.checkElection() {
		return
	}
	for _, id := range n.membership.AllMembers() {
		if id == n.id {
			continue
		}
		n.send(&Message[D]{Type: t, To: id, Term: term, Index: n.log.last.Index, LogTerm: n.log.last.Term, Transfer: transfer})
	}
}

// checkElection acts on a decided election and reports whether it was.
func (n *Node[D, R]) checkElection() bool {
	won, lost := n.votes.result(n.membership)
	switch {
	case won && n.role == PreCandidate:
		n.becomeCandidate(false)
	case won && n.role == Candidate:
		n.becomeLeader()
	case lost:
		n.hit(ProbeElectionLost)
		n.becomeFollower(n.term, None)
	default:
		return false
	}
	return true
}

func (n *Node[D, R]) stepCandidate(m *Message[D]) {
	switch m.Type {
	case MsgPreVoteResp:
		if n.role == PreCandidate && (m.Term == n.votes.term || m.Reject) {
			n.votes.record(m.From, !m.Reject, n.zoo != nil && n.zoo.CountDuplicateVotes())
			n.checkElection()
		}
	case MsgVoteResp:
		if n.role == Candidate {
			n.votes.record(m.From, !m.Reject, n.zoo != nil && n.zoo.CountDuplicateVotes())
			n.checkElection()
		}
	case MsgApp, MsgHeartbeat, MsgSnap:
		// A leader won this term (§5.2): follow it.
		n.becomeFollower(n.term, m.From)
		n.stepFollower(m)
	}
}

// handleVoteRequest answers a vote or pre-vote. For a vote, the grant is
// durable before the answer leaves.
func (n *Node[D, R]) handleVoteRequest(m *Message[D]) {
	pre := m.Type == MsgPreVote
	resp := MsgVoteResp
	if pre {
		resp = MsgPreVoteResp
	}
	canVote := n.vote == m.From ||
		(n.vote == None && n.leader == None) ||
		(pre && m.Term > n.term)
	upToDate := n.log.upToDate(EntryID{Term: m.LogTerm, Index: m.Index})
	grant := canVote && upToDate
	if n.zoo != nil {
		grant = n.zoo.VoteGranted(pre, canVote, upToDate)
	}
	if !grant {
		if canVote && !upToDate {
			n.hit(ProbeVoteDeniedStaleLog)
		}
		n.send(&Message[D]{Type: resp, To: m.From, Reject: true})
		return
	}
	if pre {
		// The grant carries the requested term so the pre-candidate can
		// match it to its pre-election.
		n.send(&Message[D]{Type: resp, To: m.From, Term: m.Term})
		return
	}
	if !n.zooPersistVote(m.From, resp) {
		n.saveHardState(n.term, m.From)
		n.send(&Message[D]{Type: resp, To: m.From})
	}
	n.resetElectionTimer(n.now())
}

func (n *Node[D, R]) becomeLeader() {
	if n.role != Candidate {
		panic(fmt.Sprintf("raft: %v: becoming leader from %v", n.id, n.role))
	}
	n.role = Leader
	n.leader = n.id
	n.votes = voteTally{}
	n.lead = newLeaderState[D](n)
	n.stepRole = n.stepLeader
	n.tickRole = n.tickLeader
	// The first entry of a term commits everything before it (§5.4.2). If
	// the membership came from Initialize it is not in the log yet: write
	// it first, so it survives.
	first := Entry[D]{Term: n.term, Index: n.log.last.Index + 1, Kind: EntryBlank}
	if n.membershipIndex == 0 {
		m := n.membership.Clone()
		first.Kind, first.Membership = EntryConfigChange, &m
	}
	if n.membership.IsJoint() {
		n.hit(ProbeLeaderJoint)
	}
	n.lead.termStart = first.Index
	n.appendLeaderEntry(first)
	n.broadcastAppend()
}
