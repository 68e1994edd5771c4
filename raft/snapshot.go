package raft

import (
	"fmt"
	"io"
)

// snapshotOut is a snapshot a leader streams to one follower, one chunk in
// flight at a time.
type snapshotOut struct {
	id         string
	index      Index
	term       Term
	membership Membership
	data       []byte
	offset     uint64 // start of the chunk in flight
	sentEnd    uint64 // end of the chunk in flight: the answer that moves on
	acked      bool   // the chunk in flight was answered
}

// snapshotIn is a snapshot a follower is receiving.
type snapshotIn struct {
	leaderID string // the leader's snapshot ID
	localID  string // the ID the local store gave it
	index    Index
	term     Term
	handle   SnapshotHandle
	offset   uint64 // bytes written so far
}

// maybeCompact snapshots the state machine once enough entries have been
// applied since the last snapshot.
func (n *Node[D, R]) maybeCompact() {
	if n.cfg.SnapshotThreshold == 0 || uint64(n.applied-n.log.snapIndex) < n.cfg.SnapshotThreshold {
		return
	}
	cs, err := n.store.DoLogCompaction(n.applied)
	n.must(err, "compact through %d", n.applied)
	if cs.Snapshot != nil {
		n.must(cs.Snapshot.Close(), "close snapshot %s", cs.ID)
	}
	if cs.Index < n.log.snapIndex || cs.Index > n.applied {
		n.must(fmt.Errorf("compaction through %d made snapshot at %d (previous %d): %w", n.applied, cs.Index, n.log.snapIndex, ErrInconsistent), "compact")
	}
	if cs.Index > n.log.snapIndex && cs.Term < n.term {
		n.hit(ProbeCompactEarlierTerm)
	}
	n.log.compacted(cs.Index, cs.Term)
	n.membershipIndex = max(n.membershipIndex, cs.Index)
}

// startSnapshot begins streaming the current snapshot to a follower whose
// next entry was compacted away.
func (n *Node[D, R]) startSnapshot(pr *progress) {
	cs, err := n.store.GetCurrentSnapshot()
	n.must(err, "get current snapshot for %v", pr.id)
	if cs == nil {
		n.must(fmt.Errorf("log compacted through %d but no snapshot: %w", n.log.snapIndex, ErrInconsistent), "snapshot for %v", pr.id)
	}
	data, err := io.ReadAll(cs.Snapshot)
	n.must(err, "read snapshot %s", cs.ID)
	n.must(cs.Snapshot.Close(), "close snapshot %s", cs.ID)
	pr.state = snapshot
	pr.inflight = pr.inflight[:0]
	pr.snap = &snapshotOut{id: cs.ID, index: cs.Index, term: cs.Term, membership: cs.Membership, data: data}
	n.sendSnapshotChunk(pr)
}

func (n *Node[D, R]) sendSnapshotChunk(pr *progress) {
	s := pr.snap
	end := min(s.offset+uint64(n.cfg.SnapshotChunkSize), uint64(len(s.data)))
	s.acked, s.sentEnd = false, end
	n.send(&Message[D]{Type: MsgSnap, To: pr.id, Snapshot: &SnapshotChunk{
		ID: s.id, Index: s.index, Term: s.term, Membership: s.membership,
		Offset: s.offset, Data: s.data[s.offset:end], Done: end == uint64(len(s.data)),
	}})
}

// resendSnapshotChunk resends a chunk that went unanswered over a
// heartbeat interval (it or its answer was lost).
func (n *Node[D, R]) resendSnapshotChunk(pr *progress) {
	if pr.snap.acked {
		pr.snap.acked = false // give the next chunk one interval
		return
	}
	n.sendSnapshotChunk(pr)
}

func (n *Node[D, R]) handleSnapshotResp(pr *progress, m *Message[D]) {
	if pr.state != snapshot {
		return
	}
	s := pr.snap
	switch {
	case m.Reject:
		s.offset = 0 // the follower lost its partial snapshot: start over
	case m.Snapshot == nil && m.Index >= s.index:
		pr.match = max(pr.match, m.Index)
		pr.becomeReplicate()
		if n.maybeCommit() {
			n.applyCommitted()
			if n.role != Leader {
				return
			}
		}
		n.fillPipeline(pr)
		return
	case m.Snapshot != nil && m.Snapshot.ID == s.id && m.Snapshot.Offset <= uint64(len(s.data)):
		// Resume from where the follower says it is, even behind us:
		// ignoring a true answer would resend the wrong chunk forever.
		s.offset = m.Snapshot.Offset
		if s.offset != s.sentEnd {
			// Not the answer to the chunk in flight but a duplicate, a
			// stale one, or a follower elsewhere: the heartbeat resends
			// from here. Answering each with a chunk would let the
			// network's duplicates multiply without end.
			n.hit(ProbeSnapshotAnswerStale)
			return
		}
	default:
		return
	}
	s.acked = true
	n.sendSnapshotChunk(pr)
}

// handleSnapshot receives one chunk of the leader's snapshot, and installs
// the snapshot once the last chunk arrived.
func (n *Node[D, R]) handleSnapshot(m *Message[D]) {
	c := m.Snapshot
	if c.Index <= n.commit && (n.zoo == nil || !n.zoo.InstallOlderSnapshot()) {
		// Already have all of it, committed: never move back (§5.3).
		n.hit(ProbeSnapshotStale)
		n.abandonSnapshotIn()
		n.send(&Message[D]{Type: MsgSnapResp, To: m.From, Index: n.commit})
		return
	}
	if c.Offset == 0 && (n.snapIn == nil || n.snapIn.leaderID != c.ID || n.snapIn.offset == 0) {
		// A new transfer. The first chunk of the transfer already under
		// way, duplicated or delayed, must not restart it.
		n.abandonSnapshotIn()
		id, h, err := n.store.CreateSnapshot()
		n.must(err, "create snapshot for %s", c.ID)
		n.snapIn = &snapshotIn{leaderID: c.ID, localID: id, index: c.Index, term: c.Term, handle: h}
	}
	in := n.snapIn
	if in == nil || in.leaderID != c.ID || in.offset != c.Offset {
		expect := uint64(0)
		if in != nil && in.leaderID == c.ID {
			expect = in.offset
		}
		n.hit(ProbeSnapshotChunkDuplicate)
		n.send(&Message[D]{Type: MsgSnapResp, To: m.From, Snapshot: &SnapshotChunk{ID: c.ID, Offset: expect}})
		return
	}
	_, err := in.handle.Write(c.Data)
	n.must(err, "write snapshot %s at %d", in.localID, in.offset)
	in.offset += uint64(len(c.Data))
	if !c.Done {
		n.send(&Message[D]{Type: MsgSnapResp, To: m.From, Snapshot: &SnapshotChunk{ID: c.ID, Offset: in.offset}})
		return
	}
	n.installSnapshot(in)
	n.send(&Message[D]{Type: MsgSnapResp, To: m.From, Index: in.index})
}

// abandonSnapshotIn drops a partly received snapshot.
func (n *Node[D, R]) abandonSnapshotIn() {
	if n.snapIn != nil {
		n.must(n.snapIn.handle.Close(), "close abandoned snapshot %s", n.snapIn.localID)
		n.snapIn = nil
	}
}

// installSnapshot hands a complete snapshot to storage and reloads the
// node's view of its log. A log that holds the snapshot's last entry keeps
// what follows it (§7, "retain log entries following it").
func (n *Node[D, R]) installSnapshot(in *snapshotIn) {
	n.snapIn = nil
	n.must(in.handle.Close(), "close snapshot %s", in.localID)
	keep, err := n.log.matches(EntryID{Term: in.term, Index: in.index})
	n.must(err, "match snapshot %d/%d", in.term, in.index)
	joint := n.membership.IsJoint()
	var deleteThrough *Index
	if keep {
		n.hit(ProbeSnapshotKeepsSuffix)
		through := in.index
		deleteThrough = &through
	}
	n.must(n.store.FinalizeSnapshotInstallation(in.index, in.term, deleteThrough, in.localID, in.handle),
		"finalize snapshot %s at %d/%d", in.localID, in.term, in.index)
	st, err := n.store.GetInitialState()
	n.must(err, "reload state after snapshot")
	n.applied = st.LastAppliedLog
	if n.zoo != nil && n.zoo.InstallOlderSnapshot() {
		n.applied = in.index // the zoo trusts the snapshot over the store
	}
	n.commit = max(n.commit, in.index, n.applied)
	n.log.reset(in.index, in.term, EntryID{Term: st.LastLogTerm, Index: st.LastLogIndex})
	if n.log.last.Index < in.index {
		n.must(fmt.Errorf("log ends at %v after installing snapshot %d: %w", n.log.last, in.index, ErrInconsistent), "install")
	}
	n.membership = st.Membership.Clone()
	n.membershipIndex = n.membershipIndexOf(st)
	n.prev = prevVoter{}
	if joint || n.membership.IsJoint() {
		n.hit(ProbeSnapshotJoint)
	}
	n.pristine = false
	n.applyCommitted()
}
