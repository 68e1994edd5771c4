package checker

import (
	"github.com/raftsim/raftsim/raft"
)

// Node observations: a node's life (Started, Crashed), its state after
// every step (Observe), and the messages it sends (Sent).

// Started reports a node that raft.NewNode just built from its storage, at
// boot or after a crash; st is its Status before anything else happens to
// it (before Initialize). The Watch recovers its view of the node's storage
// from what was durable, checks that the node found exactly that (plus, with
// lagging durability, a prefix of its unsynced writes), and that its
// volatile state starts over: commit at the applied index.
func (w *Watch) Started(st raft.Status) *Violation {
	n := w.node(st.ID)
	switch {
	case n == nil:
		return violate(InvalidObservation, nodes(st.ID), 0, 0, "start of node %v: IDs must lie in [1, %d]", st.ID, maxNodeID)
	case n.up:
		return violate(InvalidObservation, nodes(st.ID), 0, 0, "%v started while running: Crashed was not reported", st.ID)
	}
	if v := w.recover(n, &st); v != nil {
		return v
	}
	n.up, n.started = true, true
	n.status = st
	n.ledTerm = 0
	n.applied = st.Applied
	if v := checkOrder(n, &st); v != nil {
		return v
	}
	if st.Commit != st.Applied {
		return violate(CommitAppliedMonotonic, nodes(st.ID), st.Term, st.Commit,
			"%v starts with commit %d but applied %d: the commit index is volatile and starts from the applied index", st.ID, st.Commit, st.Applied)
	}
	n.appliedAhead = false
	if st.Applied > w.commitIndex() {
		n.appliedAhead = true // checked at its first commit observation
	} else if s, ok := n.log.at(st.Applied); ok && !w.committedMatches(st.Applied, s.chain) {
		return violate(StateMachineSafety, nodes(st.ID), s.term, st.Applied,
			"%v starts having applied %d/%d, but %d/%d is committed there", st.ID, s.term, st.Applied, w.committedAt(st.Applied).term, st.Applied)
	}
	return nil
}

// recover rebuilds the written view of a starting node from its durable
// one and checks it against what the node found.
func (w *Watch) recover(n *nodeState, st *raft.Status) *Violation {
	id := n.id
	found := raft.HardState{CurrentTerm: st.Term, VotedFor: st.Vote}
	d := n.hsDurable
	switch {
	case found.CurrentTerm < d.CurrentTerm:
		return violate(TermVoteMonotonic, nodes(id), found.CurrentTerm, 0,
			"%v restarts at term %d, but term %d was durable", id, found.CurrentTerm, d.CurrentTerm)
	case found.CurrentTerm == d.CurrentTerm && d.VotedFor != raft.None && found.VotedFor == raft.None:
		return violate(TermVoteMonotonic, nodes(id, d.VotedFor), found.CurrentTerm, 0,
			"%v restarts in term %d without its durable vote for %v", id, found.CurrentTerm, d.VotedFor)
	case found.CurrentTerm == d.CurrentTerm && d.VotedFor != raft.None && found.VotedFor != d.VotedFor:
		return violate(OneVotePerTerm, nodes(id, d.VotedFor, found.VotedFor), found.CurrentTerm, 0,
			"%v restarts having voted for %v in term %d, but its durable vote was for %v", id, found.VotedFor, found.CurrentTerm, d.VotedFor)
	}
	hsOK := found == d
	if w.cfg.LaggingDurability {
		n.log.copyFrom(&n.dlog)
	}
	logOK := n.log.matches(st)
	foundWrites := 0 // the pending writes the node found: a prefix
	for k := range n.pending {
		op := &n.pending[k]
		switch {
		case op.kind == opHardState:
			hsOK = hsOK || op.hs == found
		case !logOK:
			n.log.apply(op)
			logOK = n.log.matches(st)
			foundWrites = k + 1
		}
	}
	if !hsOK {
		return violate(DurableRecovery, nodes(id), found.CurrentTerm, 0,
			"%v restarts with hard state %v, which is neither its durable one (%v) nor one it wrote since", id, found, d)
	}
	if !logOK {
		return violate(DurableRecovery, nodes(id), st.Last.Term, st.Last.Index,
			"%v restarts with a log ending at %v and snapshot %d, but its durable log ends at %v with snapshot %d (%d writes since)",
			id, st.Last, st.SnapshotIndex, n.dur.lastID(), n.dur.snap.Index, len(n.pending))
	}
	if v := n.noteVote(found.CurrentTerm, found.VotedFor); v != nil {
		return v
	}
	for k := range foundWrites {
		if op := &n.pending[k]; op.kind == opPut {
			if v := w.holds(n, op.index, op.s); v != nil {
				return v
			}
		}
	}
	n.hs, n.hsDurable = found, found
	if w.cfg.LaggingDurability {
		n.dlog.copyFrom(&n.log)
		n.pendingBase += uint64(len(n.pending))
		clear(n.pending)
		n.pending = n.pending[:0]
	}
	return nil
}

// Crashed reports that id crashed: its volatile state is gone, and with
// lagging durability so may be any write not yet synced (which ones
// survived shows at Started).
func (w *Watch) Crashed(id raft.NodeID) *Violation {
	n, v := w.live(id, "crash")
	if v != nil {
		return v
	}
	n.up = false
	n.ledTerm = 0
	w.retractProvisional(id)
	return nil
}

// Observe reports id's Status at the end of a step: after every call into a
// running raft.Node (Step, Tick, Propose, Read, Initialize, membership and
// transfer requests). It checks election safety, leader completeness when
// a leader first shows, commitment when the commit index moves, the
// ordering of the node's indexes, that nothing volatile goes back within
// the incarnation, and that the node's view agrees with its storage.
func (w *Watch) Observe(st raft.Status) *Violation {
	n, v := w.live(st.ID, "observe")
	if v != nil {
		return v
	}
	if v := w.observe(n, &st); v != nil {
		return v
	}
	n.status = st
	return nil
}

func (w *Watch) observe(n *nodeState, st *raft.Status) *Violation {
	id, prev := n.id, &n.status
	if v := checkOrder(n, st); v != nil {
		return v
	}
	if !st.Stopped {
		// A stopped node may have stopped between a write and its
		// bookkeeping; its failure is reported by the host.
		if v := checkAgreement(n, st); v != nil {
			return v
		}
	}
	switch {
	case st.Term < prev.Term:
		return violate(TermVoteMonotonic, nodes(id), st.Term, 0, "%v's term goes back from %d to %d", id, prev.Term, st.Term)
	case st.Term == prev.Term && prev.Vote != raft.None && st.Vote == raft.None:
		return violate(TermVoteMonotonic, nodes(id, prev.Vote), st.Term, 0,
			"%v forgets its vote for %v in term %d", id, prev.Vote, st.Term)
	case st.Term == prev.Term && prev.Vote != raft.None && st.Vote != prev.Vote:
		return violate(OneVotePerTerm, nodes(id, prev.Vote, st.Vote), st.Term, 0,
			"%v's vote in term %d changes from %v to %v", id, st.Term, prev.Vote, st.Vote)
	case st.Commit < prev.Commit:
		return violate(CommitAppliedMonotonic, nodes(id), st.Term, st.Commit,
			"%v's commit index goes back from %d to %d", id, prev.Commit, st.Commit)
	case st.Applied < prev.Applied:
		return violate(CommitAppliedMonotonic, nodes(id), st.Term, st.Applied,
			"%v's applied index goes back from %d to %d", id, prev.Applied, st.Applied)
	}
	if st.Role == raft.Leader {
		if v := w.electionSafety(id, st.Term); v != nil {
			return v
		}
		if n.ledTerm != st.Term {
			n.ledTerm = st.Term
			if v := w.leaderCompleteness(n, st); v != nil {
				return v
			}
		}
		if v := singleServerChange(n, st); v != nil {
			return v
		}
	}
	if st.Commit != prev.Commit {
		if v := w.commitAdvanced(n, st); v != nil {
			return v
		}
	}
	if n.appliedAhead {
		return w.appliedCommitted(n)
	}
	return nil
}

// checkOrder checks snapshot <= applied <= commit <= last on a status, and
// purged <= snapshot in storage.
func checkOrder(n *nodeState, st *raft.Status) *Violation {
	if n.log.purged <= st.SnapshotIndex && st.SnapshotIndex <= st.Applied &&
		st.Applied <= st.Commit && st.Commit <= st.Last.Index {
		return nil
	}
	return violate(IndexOrder, nodes(st.ID), st.Term, 0,
		"%v has purged %d, snapshot %d, applied %d, commit %d, last %v: purged <= snapshot <= applied <= commit <= last does not hold",
		st.ID, n.log.purged, st.SnapshotIndex, st.Applied, st.Commit, st.Last)
}

// checkAgreement checks that a node's view of its storage is its storage.
func checkAgreement(n *nodeState, st *raft.Status) *Violation {
	switch {
	case st.Last != n.log.lastID():
		return violate(StatusMatchesStorage, nodes(st.ID), st.Last.Term, st.Last.Index,
			"%v's status says its log ends at %v, its storage at %v", st.ID, st.Last, n.log.lastID())
	case st.Term != n.hs.CurrentTerm || st.Vote != n.hs.VotedFor:
		return violate(StatusMatchesStorage, nodes(st.ID), st.Term, 0,
			"%v's status says term %d vote %v, its storage %v", st.ID, st.Term, st.Vote, n.hs)
	case st.Applied != n.applied:
		return violate(StatusMatchesStorage, nodes(st.ID), st.Term, st.Applied,
			"%v's status says applied %d, its storage %d", st.ID, st.Applied, n.applied)
	case st.SnapshotIndex != n.log.snap.Index:
		return violate(StatusMatchesStorage, nodes(st.ID), st.Term, st.SnapshotIndex,
			"%v's status says snapshot %d, its storage %v", st.ID, st.SnapshotIndex, n.log.snap)
	}
	return nil
}

// leaderCompleteness checks a node first seen leading st.Term against the
// committed log: one chain compare at the highest index committed in an
// earlier term. Only those bind it (§5.4): a candidate of an old term that
// wins late, on vote answers delayed in the network, leads a term the
// cluster has already left, and legitimately lacks what later terms
// committed, even entries of terms before its own.
func (w *Watch) leaderCompleteness(n *nodeState, st *raft.Status) *Violation {
	c := w.committedBefore(st.Term)
	if c == 0 {
		return nil
	}
	s, ok := n.log.at(c)
	if ok && w.committedMatches(c, s.chain) {
		return nil
	}
	if !ok && c < n.log.base {
		return nil // compacted past it: what it applied was checked against the committed log
	}
	return violate(LeaderCompleteness, nodes(n.id), st.Term, c,
		"%v leads term %d without committed entry %d/%d (its log ends at %v)", n.id, st.Term, w.committedAt(c).term, c, n.log.lastID())
}

// singleServerChange checks a leader whose last configuration entry is of
// its term and changes one voter in one step: by the end of the step that
// appended it, an entry of the leader's term and the previous
// configuration must be committed. A joint configuration, and the final one
// that ends a joint change, are not bound by the rule.
func singleServerChange(n *nodeState, st *raft.Status) *Violation {
	k := len(n.log.configs)
	if k < 2 {
		return nil
	}
	c, prev := n.log.configs[k-1], n.log.configs[k-2]
	s, ok := n.log.at(c.index)
	if !ok || s.term != st.Term || c.m.IsJoint() || prev.m.IsJoint() {
		return nil
	}
	start, ok := n.log.firstOfTerm(st.Term)
	switch {
	case ok && st.Commit < start:
		return violate(SingleServerChange, nodes(n.id), st.Term, c.index,
			"%v, leader of term %d, appends configuration %v at %d before any entry of its term is committed (commit %d, its term starts at %d)",
			n.id, st.Term, c.m, c.index, st.Commit, start)
	case st.Commit < prev.index:
		return violate(SingleServerChange, nodes(n.id), st.Term, c.index,
			"%v, leader of term %d, appends configuration %v at %d while the previous one at %d is not committed (commit %d)",
			n.id, st.Term, c.m, c.index, prev.index, st.Commit)
	}
	return nil
}

// commitAdvanced checks a node whose commit index moved. A leader's new
// commit index must hold an entry of its term, on a durable majority of
// each half of its configuration; it extends the committed log. Anyone
// else's must lie within the committed log and agree with it.
func (w *Watch) commitAdvanced(n *nodeState, st *raft.Status) *Violation {
	c := st.Commit
	s, ok := n.log.at(c)
	if !ok {
		return violate(IndexOrder, nodes(n.id), st.Term, c,
			"%v commits %d outside the log it holds [%d, %d]", n.id, c, n.log.base, n.log.last())
	}
	committed := w.commitIndex()
	// A leader of this term, even one that stepped down within the step
	// that committed (a removed leader steps down as soon as the final
	// configuration commits), commits by quorum; anyone else follows.
	if n.ledTerm == st.Term {
		entry := raft.EntryID{Term: s.term, Index: c}
		if s.term != st.Term {
			return violate(CommittedOnQuorum, nodes(n.id), st.Term, c,
				"%v, leader of term %d, commits %v, an entry of an earlier term: only entries of the leader's term commit by counting replicas (Figure 8)",
				n.id, st.Term, entry)
		}
		cfg, ok := n.log.config()
		if !ok {
			cfg = w.cfg.Initial
		}
		if len(cfg.Members) == 0 {
			return violate(InvalidObservation, nodes(n.id), st.Term, c,
				"%v commits %v but no configuration is known: its log holds none and WatchConfig.Initial is empty", n.id, entry)
		}
		if v := w.majorityHolds(n, st.Term, cfg.Members, entry, s.chain); v != nil {
			return v
		}
		if cfg.IsJoint() {
			if v := w.majorityHolds(n, st.Term, cfg.MembersAfterConsensus, entry, s.chain); v != nil {
				return v
			}
		}
		if c > committed {
			return w.extendCommitted(n, c)
		}
	}
	if c > committed {
		return violate(CommittedOnQuorum, nodes(n.id), st.Term, c,
			"%v commits %d/%d beyond the committed log (through %v): no leader committed it", n.id, s.term, c, w.Committed())
	}
	if want := w.committedAt(c); !w.committedMatches(c, s.chain) {
		return violate(CommittedNeverChanges, nodes(n.id), st.Term, c,
			"%v commits %d/%d but %d/%d is committed there (or the histories before it differ)", n.id, s.term, c, want.term, c)
	}
	return nil
}

// majorityHolds checks that a majority of members durably hold the entry.
// The leader's own copy counts once written: with lagging durability, the
// host holds everything the leader sends until its writes are durable, so
// the commitment is visible to nobody before its own copy is durable, and
// a crash before that erases the commitment along with the copy. (The
// followers' copies count only when durable: their acknowledgements are
// what the leader counted.)
func (w *Watch) majorityHolds(leader *nodeState, term raft.Term, members []raft.NodeID, entry raft.EntryID, chain uint64) *Violation {
	held := 0
	for _, id := range members {
		if id == leader.id {
			if s, ok := leader.log.at(entry.Index); entry.Index < leader.log.base || ok && s.chain == chain {
				held++
			}
			continue
		}
		if w.durablyHolds(id, entry.Index, chain) {
			held++
		}
	}
	if 2*held > len(members) {
		w.noteProvisional(leader.id, entry, chain, members, held)
		return nil
	}
	return violate(CommittedOnQuorum, append(nodes(leader.id), members...), term, entry.Index,
		"%v, leader of term %d, commits %v but only %d of %v hold it durably", leader.id, term, entry, held, members)
}

// durablyHolds reports whether id's durable log holds the entry at i with
// this chain hash, or a durable snapshot covers i.
func (w *Watch) durablyHolds(id raft.NodeID, i raft.Index, chain uint64) bool {
	p := w.peek(id)
	if p == nil || !p.started {
		return false
	}
	if i < p.dur.base {
		return true
	}
	s, ok := p.dur.at(i)
	return ok && s.chain == chain
}

// extendCommitted appends a leader's entries through c to the committed
// log, after checking that its log agrees with the committed log so far.
func (w *Watch) extendCommitted(n *nodeState, c raft.Index) *Violation {
	committed := w.commitIndex()
	l := &n.log
	s, ok := l.at(committed)
	if !ok || !w.committedMatches(committed, s.chain) {
		return violate(CommittedNeverChanges, nodes(n.id), n.ledTerm, committed,
			"%v commits %d on a log that does not hold committed entry %v (it holds %d/%d)", n.id, c, w.Committed(), s.term, committed)
	}
	for _, s := range l.slots[committed+1-l.base : c+1-l.base] {
		w.committed.push(s)
	}
	if int(committed)>>pageBits != int(c)>>pageBits {
		w.trimCommitted()
	}
	if k := len(w.commitSpans); k == 0 || w.commitSpans[k-1].term != n.ledTerm {
		w.commitSpans = append(w.commitSpans, commitSpan{term: n.ledTerm, from: committed + 1})
	}
	for _, cfg := range l.configs {
		if cfg.index > committed && cfg.index <= c {
			w.committedConfigs = append(w.committedConfigs, cfg)
		}
	}
	return nil
}

// appliedCommitted checks entries a node applied beyond the committed log
// once its commit index has been observed.
func (w *Watch) appliedCommitted(n *nodeState) *Violation {
	if n.applied > w.commitIndex() {
		return violate(StateMachineSafety, nodes(n.id), 0, n.applied,
			"%v applied through %d, beyond the committed log (through %v)", n.id, n.applied, w.Committed())
	}
	if s, ok := n.log.at(n.applied); ok && !w.committedMatches(n.applied, s.chain) {
		return violate(StateMachineSafety, nodes(n.id), s.term, n.applied,
			"%v applied %d/%d but %d/%d is committed there (or the histories before it differ)", n.id, s.term, n.applied, w.committedAt(n.applied).term, n.applied)
	}
	n.appliedAhead = false
	return nil
}

// CommitReached reports the commit index a node had reached when a power
// cut stopped it inside a storage call. A leader commits and applies in
// one step; if the cut comes in the apply, or in a write after it, no
// status of that step is ever observed, yet what it applied is durable
// and is checked at its restart. The commitment is checked here as an
// observed one would be: only by a leader of term, within its log.
func (w *Watch) CommitReached(id raft.NodeID, term raft.Term, commit raft.Index) *Violation {
	n, v := w.live(id, "stop")
	if v != nil {
		return v
	}
	if n.ledTerm != term || commit <= n.status.Commit || commit <= w.commitIndex() {
		return nil
	}
	st := n.status
	st.Commit = commit
	return w.commitAdvanced(n, &st)
}

// Sent reports a message as it leaves a node (from its Transport.Send).
// Whatever the message promises must already be durable: its term; for a
// vote request, the candidate's vote for itself; for a vote grant, the
// vote; for an append acknowledgement, the entries through its index; for
// a snapshot acknowledgement, the snapshot. Pre-vote messages carry a
// hypothetical term and promise nothing.
func (w *Watch) Sent(m Outgoing) *Violation {
	n, v := w.live(m.From, "send")
	if v != nil {
		return v
	}
	if m.Type == raft.MsgPreVote || m.Type == raft.MsgPreVoteResp {
		return nil
	}
	// A second vote is the harm itself, so it is named before the missing
	// durability that usually lets it happen.
	switch {
	case m.Type == raft.MsgVote:
		if v := n.noteVote(m.Term, m.From); v != nil {
			return v
		}
	case m.Type == raft.MsgVoteResp && !m.Reject:
		if v := n.noteVote(m.Term, m.To); v != nil {
			return v
		}
	}
	d := n.hsDurable
	if m.Term > d.CurrentTerm {
		return violate(DurableBeforeAck, nodes(m.From, m.To), m.Term, m.Index,
			"%v sends %v in term %d while its durable term is %d", m.From, m.Type, m.Term, d.CurrentTerm)
	}
	if (m.Type == raft.MsgVote || m.Type == raft.MsgVoteResp) && d.CurrentTerm > m.Term {
		// A vote held until a later term was durable: a restart starts in
		// that later term and can never vote in this one again.
		return nil
	}
	switch m.Type {
	case raft.MsgVote:
		if d.CurrentTerm != m.Term || d.VotedFor != m.From {
			return violate(DurableBeforeAck, nodes(m.From, m.To), m.Term, 0,
				"%v asks %v for a vote in term %d before its vote for itself is durable (durable: %v)", m.From, m.To, m.Term, d)
		}
	case raft.MsgVoteResp:
		if !m.Reject && (d.CurrentTerm != m.Term || d.VotedFor != m.To) {
			return violate(DurableBeforeAck, nodes(m.From, m.To), m.Term, 0,
				"%v grants %v its vote in term %d before the vote is durable (durable: %v)", m.From, m.To, m.Term, d)
		}
	case raft.MsgAppResp:
		if m.Reject && m.Index != 0 {
			return rejectWithinCommitted(n, m)
		}
		if m.Reject || m.Index == 0 {
			return nil
		}
		return w.ackDurable(n, m)
	case raft.MsgSnapResp:
		if m.Reject || m.Index == 0 || n.dur.snap.Index >= m.Index || n.dur.last() >= m.Index {
			return nil
		}
		return violate(DurableBeforeAck, nodes(m.From, m.To), m.Term, m.Index,
			"%v acknowledges snapshot %d before it is durable (durable snapshot at %d, log ends at %v)", m.From, m.Index, n.dur.snap.Index, n.dur.lastID())
	}
	return nil
}

// rejectWithinCommitted checks an append rejection: it claims the
// sender's log does not match the leader's at m.Index, which cannot be
// so within its committed prefix or its snapshot (what a node committed
// matches every later leader's log), so a follower that refuses such an
// append refuses it forever.
func rejectWithinCommitted(n *nodeState, m Outgoing) *Violation {
	c := max(n.status.Commit, n.log.snap.Index)
	if m.Index > c {
		return nil
	}
	return violate(CommittedPrefixMatches, nodes(m.From, m.To), m.Term, m.Index,
		"%v rejects an append from %v at %d, within what it committed (through %d): a committed prefix matches every later leader's log",
		m.From, m.To, m.Index, c)
}

// ackDurable checks an append acknowledgement: the durable log holds the
// written entry at its index.
func (w *Watch) ackDurable(n *nodeState, m Outgoing) *Violation {
	i := m.Index
	ws, ok := n.log.at(i)
	if !ok {
		if i < n.log.base {
			return nil // compacted: committed and applied
		}
		return violate(DurableBeforeAck, nodes(m.From, m.To), m.Term, i,
			"%v acknowledges entries through %d but its log ends at %v", m.From, i, n.log.lastID())
	}
	if i < n.dur.base {
		return nil
	}
	if ds, ok := n.dur.at(i); ok && ds.chain == ws.chain {
		return nil
	}
	return violate(DurableBeforeAck, nodes(m.From, m.To), m.Term, i,
		"%v acknowledges %d/%d before it is durable (its durable log ends at %v)", m.From, ws.term, i, n.dur.lastID())
}
