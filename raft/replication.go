package raft

import (
	"errors"
	"fmt"
	"time"
)

// Propose appends a client command to the leader's log. The result arrives
// later through Events.Applied (or Dropped). On a follower it returns a
// *NotLeaderError naming the leader it knows.
func (n *Node[D, R]) Propose(data D, id ProposalID) (err error) {
	if n.err != nil {
		return n.err
	}
	defer n.guard(&err)
	if n.role != Leader {
		return n.notLeader()
	}
	if n.lead.transferee != None {
		return ErrTransferring
	}
	if n.log.last.Index-n.commit >= Index(n.cfg.MaxUncommittedEntries) {
		return ErrBusy
	}
	e := Entry[D]{Term: n.term, Index: n.log.last.Index + 1, Kind: EntryNormal, Data: data}
	n.lead.pending = append(n.lead.pending, pendingProposal{id: id, index: e.Index, term: e.Term})
	n.appendLeaderEntry(e)
	for _, pr := range n.lead.progress {
		n.sendAppend(pr, false)
	}
	return nil
}

// appendLeaderEntry writes one entry of the leader's own to its log. The
// leader counts itself as matching once the write returned (durable).
func (n *Node[D, R]) appendLeaderEntry(e Entry[D]) {
	n.must(n.store.AppendEntryToLog(&e), "append %v", e.ID())
	n.log.appended([]Entry[D]{e})
	if e.Kind == EntryConfigChange {
		n.setMembership(*e.Membership, e.Index)
	}
	// A cluster of one commits on its own write.
	if n.maybeCommit() {
		n.applyCommitted()
	}
}

func (n *Node[D, R]) broadcastAppend() {
	for _, pr := range n.lead.progress {
		n.sendAppend(pr, true)
	}
}

// sendAppend sends pr the next entries it lacks, if its state allows one
// more append in flight. With allowEmpty it sends an empty append when
// there is nothing new, to carry the commit index or probe. It reports
// whether it sent anything.
func (n *Node[D, R]) sendAppend(pr *progress, allowEmpty bool) bool {
	switch {
	case pr.state == snapshot:
		return false
	case pr.state == probe && pr.probeSent:
		return false
	case pr.state == replicate && len(pr.inflight) >= n.cfg.MaxInflightAppends:
		return false
	}
	if pr.next < n.log.firstIndex() {
		// The entries it needs are compacted away (even when the entry
		// before them is index 0, whose term is known).
		n.startSnapshot(pr)
		return true
	}
	prev := pr.next - 1
	prevTerm, err := n.log.term(prev)
	if errors.Is(err, errCompacted) {
		n.startSnapshot(pr)
		return true
	}
	n.must(err, "term of %d for %v", prev, pr.id)
	entries, err := n.log.entries(pr.next, n.log.last.Index+1, n.cfg.MaxEntriesPerAppend)
	n.must(err, "entries from %d for %v", pr.next, pr.id)
	if len(entries) == 0 && !allowEmpty {
		return false
	}
	if len(entries) > 0 && pr.state == replicate {
		last := entries[len(entries)-1].Index
		pr.next = last + 1
		pr.inflight = append(pr.inflight, last)
	}
	if pr.state == probe {
		pr.probeSent = true
	}
	n.send(&Message[D]{Type: MsgApp, To: pr.id, Index: prev, LogTerm: prevTerm, Entries: entries, Commit: n.commit})
	return true
}

// fillPipeline sends pr everything its in-flight window allows.
func (n *Node[D, R]) fillPipeline(pr *progress) {
	for n.sendAppend(pr, false) {
		if pr.state != replicate {
			return
		}
	}
}

func (n *Node[D, R]) stepLeader(m *Message[D]) {
	pr := n.lead.get(m.From)
	if pr == nil {
		return // a removed node, or a stray message
	}
	pr.active = true
	switch m.Type {
	case MsgAppResp:
		if m.Reject {
			n.handleAppendReject(pr, m)
		} else {
			n.handleAppendAck(pr, m.Index)
		}
	case MsgHeartbeatResp:
		n.handleHeartbeatResp(pr, m)
	case MsgSnapResp:
		n.handleSnapshotResp(pr, m)
	}
}

func (n *Node[D, R]) handleAppendAck(pr *progress, index Index) {
	if index > n.log.last.Index {
		panic(fmt.Sprintf("raft: %v: %v acknowledged %d beyond the leader's last index %v", n.id, pr.id, index, n.log.last))
	}
	advanced := index > pr.match
	if advanced {
		pr.match = index
	}
	pr.next = max(pr.next, pr.match+1)
	switch pr.state {
	case probe:
		pr.becomeReplicate()
	case replicate:
		pr.freeThrough(index)
	case snapshot:
		if pr.match >= pr.snap.index {
			pr.becomeReplicate()
		}
	}
	if advanced {
		if n.maybeCommit() {
			n.applyCommitted()
			if n.role != Leader {
				return
			}
			n.fillAll()
		}
		if n.maybeSendTimeoutNow(pr) {
			n.hit(ProbeTransferAfterCatchUp)
		}
	}
	n.fillPipeline(pr)
}

// handleAppendReject backs up pr.next using the follower's conflict hint,
// so a follower with many conflicting entries catches up in a few round
// trips (§5.3, the optimization the paper sketches).
func (n *Node[D, R]) handleAppendReject(pr *progress, m *Message[D]) {
	switch {
	case m.Index == 0:
		return // a term notice (see answerStale), not about our appends
	case pr.state == replicate && m.Index <= pr.match:
		return // stale: the follower matched beyond it since
	case pr.state == probe && m.Index != pr.next-1:
		return // stale: answers an earlier probe
	case pr.state == snapshot:
		return
	}
	next := m.ConflictIndex
	if m.ConflictTerm != 0 {
		if i, ok := n.lastIndexOfTerm(m.ConflictTerm, min(m.Index, n.log.last.Index)); ok {
			next = i + 1
		} else if next < m.Index {
			n.hit(ProbeConflictSkipsTerm)
		}
	}
	next = min(next, m.Index) // always move back past the rejected entry
	pr.becomeProbe()
	pr.next = max(next, pr.match+1)
	if pr.next < m.Index {
		n.hit(ProbeConflictBacksUpMany)
	}
	n.sendAppend(pr, true)
}

// lastIndexOfTerm finds the last entry of term at or before hi, by binary
// search (terms never decrease along a log).
func (n *Node[D, R]) lastIndexOfTerm(term Term, hi Index) (Index, bool) {
	lo := n.log.snapIndex // term(lo) is known (snapshot or 0)
	if t, err := n.log.term(lo); err != nil || t > term {
		return 0, false
	}
	// Invariant: term(lo) <= term; term(x) > term for x > hi'.
	for lo < hi {
		mid := lo + (hi-lo+1)/2
		t, err := n.log.term(mid)
		n.must(err, "term of %d", mid)
		if t <= term {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	t, _ := n.log.term(lo)
	return lo, t == term && lo > 0
}

// fillAll sends every follower what its pipeline allows of the new
// entries. A new commit index alone sends nothing: followers learn it from
// the next append or heartbeat (within HeartbeatInterval), which under load
// comes at once. Announcing it with empty appends cost the throughput
// workload about 1.7 of its 7.8 messages per command.
func (n *Node[D, R]) fillAll() {
	for _, pr := range n.lead.progress {
		n.sendAppend(pr, false)
	}
}

func (n *Node[D, R]) tickLeader(now time.Duration) {
	l := n.lead
	if now >= l.checkQuorumDeadline {
		l.checkQuorumDeadline = now + n.cfg.ElectionTimeoutMin
		if n.cfg.CheckQuorum && !n.quorumActive() {
			n.hit(ProbeCheckQuorumStepDown)
			n.becomeFollower(n.term, None)
			return
		}
	}
	if l.transferee != None && now >= l.transferDeadline {
		if n.zoo != nil && !n.zoo.AbandonTransfer() {
			l.transferDeadline = now + n.cfg.ElectionTimeoutMin // keeps waiting: the bug
		} else {
			l.transferee = None // the transfer failed; serve again
			n.hit(ProbeTransferAbandoned)
		}
	}
	if now >= l.heartbeatDeadline {
		l.heartbeatDeadline = now + n.cfg.HeartbeatInterval
		n.startRound(now)
	}
}

// startRound sends a heartbeat round: it asserts leadership, carries the
// commit index, and its answers confirm reads (ReadIndex).
func (n *Node[D, R]) startRound(now time.Duration) {
	l := n.lead
	l.round++
	l.roundsSent = append(l.roundsSent, roundSent{round: l.round, at: now})
	if len(l.roundsSent) > maxRoundsRemembered {
		l.roundsSent = l.roundsSent[1:]
	}
	for _, pr := range l.progress {
		// A follower may hold a stale suffix the leader has not yet
		// replaced: never carry it a commit index past what matched.
		commit := min(pr.match, n.commit)
		if n.zoo != nil {
			commit = Index(n.zoo.HeartbeatCommit(uint64(commit), uint64(n.commit)))
		}
		n.send(&Message[D]{Type: MsgHeartbeat, To: pr.id, Commit: commit, Context: l.round})
	}
	n.updateConfirmedRound() // a cluster of one confirms alone
}

func (n *Node[D, R]) handleHeartbeatResp(pr *progress, m *Message[D]) {
	if m.Context > pr.ackedRound {
		pr.ackedRound = m.Context
		n.updateConfirmedRound()
		if n.role != Leader {
			return
		}
	}
	switch pr.state {
	case probe:
		pr.probeSent = false // the probe may have been lost
	case replicate:
		if pr.match < n.log.last.Index && pr.match == pr.matchAtHeartbeat {
			// No progress over a heartbeat interval: appends were lost.
			n.hit(ProbeAppendsLost)
			pr.becomeProbe()
		}
	case snapshot:
		n.resendSnapshotChunk(pr)
	}
	pr.matchAtHeartbeat = pr.match
	if pr.match < n.log.last.Index {
		n.sendAppend(pr, false)
	}
}

// quorumActive reports whether a quorum was heard from since the last
// check, and starts a new check.
func (n *Node[D, R]) quorumActive() bool {
	ok := n.membership.hasQuorum(func(id NodeID) bool {
		if id == n.id {
			return true
		}
		pr := n.lead.get(id)
		return pr != nil && pr.active
	})
	if n.zoo == nil || n.zoo.ResetActivity() {
		for _, pr := range n.lead.progress {
			pr.active = false
		}
	}
	return ok
}

// stepFollower handles what a follower receives from its leader.
func (n *Node[D, R]) stepFollower(m *Message[D]) {
	switch m.Type {
	case MsgApp:
		n.heardFromLeader(m.From)
		n.handleAppend(m)
	case MsgHeartbeat:
		n.heardFromLeader(m.From)
		n.handleHeartbeat(m)
	case MsgSnap:
		n.heardFromLeader(m.From)
		n.handleSnapshot(m)
	case MsgTimeoutNow:
		if m.From == n.leader && n.canCampaign() {
			n.campaign(true)
		}
	}
}

func (n *Node[D, R]) heardFromLeader(id NodeID) {
	n.leader = id
	now := n.now()
	n.lastLeaderContact = now
	n.resetElectionTimer(now)
}

func (n *Node[D, R]) handleHeartbeat(m *Message[D]) {
	if m.Commit > n.commit {
		n.commitTo(min(m.Commit, n.log.last.Index))
	}
	n.send(&Message[D]{Type: MsgHeartbeatResp, To: m.From, Context: m.Context})
}

// handleAppend is the follower's AppendEntries (§5.3): check that the log
// matches at the previous entry, drop a conflicting suffix, write what is
// new, and move the commit index no further than what now matches.
func (n *Node[D, R]) handleAppend(m *Message[D]) {
	entries := m.Entries
	lastNew := m.Index + Index(len(entries))
	if m.Index < n.log.snapIndex && n.zoo != nil && n.zoo.CompactedPrevConflicts() {
		n.rejectAppend(m)
		return
	}
	if m.Index < n.commit {
		// Everything through our commit index is committed, so it matches
		// the leader's log (leader completeness): skip it.
		if len(entries) > 0 {
			n.hit(ProbeAppendBelowCommit)
		}
		k := 0
		for k < len(entries) && entries[k].Index <= n.commit {
			k++
		}
		entries = entries[k:]
		lastNew = max(lastNew, n.commit)
	} else if ok, err := n.log.matches(EntryID{Term: m.LogTerm, Index: m.Index}); err != nil || !ok {
		n.must(err, "match previous %d", m.Index)
		n.rejectAppend(m)
		return
	}
	ack := &Message[D]{Type: MsgAppResp, To: m.From, Index: lastNew}
	if !n.zooAckAppend(entries, ack) {
		n.writeEntries(entries) // durable before acknowledged
		n.send(ack)
	}
	commit := min(m.Commit, lastNew)
	if n.zoo != nil {
		commit = Index(n.zoo.AppendCommit(uint64(m.Commit), uint64(lastNew), uint64(n.log.last.Index)))
	}
	if commit > n.commit {
		n.commitTo(commit)
	}
}

// rejectAppend answers a mismatched append with a hint: the first index of
// the conflicting term, or the end of the log when it is too short.
func (n *Node[D, R]) rejectAppend(m *Message[D]) {
	r := &Message[D]{Type: MsgAppResp, To: m.From, Index: m.Index, Reject: true}
	switch {
	case m.Index > n.log.last.Index:
		r.ConflictIndex = n.log.last.Index + 1
	case m.Index < n.log.snapIndex:
		r.ConflictIndex = m.Index // only in the bug zoo (compacted-prev-is-conflict)
	default:
		t, err := n.log.term(m.Index)
		n.must(err, "term of %d", m.Index)
		r.ConflictTerm = t
		r.ConflictIndex = n.firstIndexOfTerm(t, m.Index)
	}
	n.send(r)
}

// firstIndexOfTerm scans back from hi to the first entry of term. Entries
// through the commit index match the leader, so the scan stops there.
func (n *Node[D, R]) firstIndexOfTerm(term Term, hi Index) Index {
	i := hi
	for i > n.commit+1 && i > n.log.firstIndex() {
		t, err := n.log.term(i - 1)
		n.must(err, "term of %d", i-1)
		if t != term {
			break
		}
		i--
	}
	return i
}

// writeEntries writes the entries of an append that are not already in the
// log, truncating at the first real conflict. Entries that match are
// skipped, so a delayed or duplicated append never erases anything.
func (n *Node[D, R]) writeEntries(entries []Entry[D]) {
	k := 0
	for ; k < len(entries); k++ {
		e := &entries[k]
		if e.Index > n.log.last.Index {
			break
		}
		t, err := n.log.term(e.Index)
		n.must(err, "term of %d", e.Index)
		if t != e.Term || (n.zoo != nil && n.zoo.TruncateMatching(k == 0, uint64(e.Index), uint64(n.commit))) {
			if t != n.log.last.Term {
				n.hit(ProbeTruncateMultiTerm) // the suffix from t on holds another term too
			}
			n.truncateFrom(e.Index)
			break
		}
	}
	entries = entries[k:]
	if len(entries) == 0 {
		return
	}
	n.must(n.store.ReplicateToLog(entries), "replicate %v..%v", entries[0].ID(), entries[len(entries)-1].ID())
	n.log.appended(entries)
	n.pristine = false
	// Every configuration in turn, so that the node knows the one before
	// the latest (votedBefore); the last one stays.
	for i := range entries {
		if entries[i].Kind == EntryConfigChange {
			n.setMembership(*entries[i].Membership, entries[i].Index)
		}
	}
}

// truncateFrom deletes the log from index i on. Committed entries are
// never truncated; doing so would lose acknowledged data.
func (n *Node[D, R]) truncateFrom(i Index) {
	if i <= n.commit {
		panic(fmt.Sprintf("raft: %v: truncating from %d at or below commit %d: a leader sent entries conflicting with committed ones", n.id, i, n.commit))
	}
	prevTerm, err := n.log.term(i - 1)
	n.must(err, "term of %d", i-1)
	n.must(n.store.DeleteLogsFrom(i, nil), "delete logs from %d", i)
	n.log.truncatedFrom(i, prevTerm)
	if n.membershipIndex >= i {
		n.hit(ProbeTruncateConfig)
		st, err := n.store.GetInitialState()
		n.must(err, "get membership after truncation")
		n.membership = st.Membership.Clone()
		n.membershipIndex = n.membershipIndexOf(st)
		n.prev = prevVoter{}
	}
}
