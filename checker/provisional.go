package checker

import "github.com/raftsim/raftsim/raft"

// Provisional commitments. With lagging durability a leader counts its own
// copy of an entry toward the quorum once the write returned, before the
// disk made it durable; the host holds everything the leader sends until
// then (majorityHolds). When that copy is what makes the majority (a
// configuration of one voter, or a leader whose own sync is slower than a
// follower's acknowledgement), the commitment is provisional: visible to
// nobody yet, and a crash before the copy is durable erases it along with
// the copy. The Watch keeps such commitments here and, when their leader
// crashes, takes back from the committed log every entry that a majority
// does not hold durably at the crash, so that a later leader overwriting it
// is not reported as a changed commitment.

// provisionalCommit is one commitment that needed the leader's unsynced
// copy.
type provisionalCommit struct {
	leader  raft.NodeID
	entry   raft.EntryID
	chain   uint64
	members []raft.NodeID
}

// maxProvisional bounds the commitments kept per run between pruning;
// past it the oldest are checked against durability and dropped.
const maxProvisional = 1024

// noteProvisional records a commitment whose majority needed the leader's
// own copy, if that copy is not durable yet.
func (w *Watch) noteProvisional(leader raft.NodeID, entry raft.EntryID, chain uint64, members []raft.NodeID, held int) {
	if !w.cfg.LaggingDurability || w.durablyHolds(leader, entry.Index, chain) || 2*(held-1) > len(members) {
		return
	}
	w.pruneProvisional()
	w.provisional = append(w.provisional, provisionalCommit{leader: leader, entry: entry, chain: chain, members: members})
}

// pruneProvisional drops the commitments whose majority is durable by now.
func (w *Watch) pruneProvisional() {
	if len(w.provisional) < maxProvisional {
		return
	}
	kept := w.provisional[:0]
	for _, p := range w.provisional {
		if !w.durableMajority(p) {
			kept = append(kept, p)
		}
	}
	w.provisional = kept
}

// durableMajority reports whether a majority of p's members durably hold
// its entry.
func (w *Watch) durableMajority(p provisionalCommit) bool {
	held := 0
	for _, id := range p.members {
		if w.durablyHolds(id, p.entry.Index, p.chain) {
			held++
		}
	}
	return 2*held > len(p.members)
}

// retractProvisional runs when leader crashes, after the host reported
// every write durable by then: it takes back the committed log from the
// first of leader's provisional commitments that no durable majority
// holds.
func (w *Watch) retractProvisional(leader raft.NodeID) {
	from := raft.Index(0)
	kept := w.provisional[:0]
	for _, p := range w.provisional {
		switch {
		case p.leader != leader:
			kept = append(kept, p)
		case (from == 0 || p.entry.Index < from) && !w.durableMajority(p):
			from = p.entry.Index
		}
	}
	w.provisional = kept
	if from == 0 || from > w.commitIndex() {
		return
	}
	w.committed.truncate(int(from))
	for len(w.commitSpans) > 0 && w.commitSpans[len(w.commitSpans)-1].from >= from {
		w.commitSpans = w.commitSpans[:len(w.commitSpans)-1]
	}
	for len(w.committedConfigs) > 0 && w.committedConfigs[len(w.committedConfigs)-1].index >= from {
		w.committedConfigs = w.committedConfigs[:len(w.committedConfigs)-1]
	}
}
