package checker

import (
	"fmt"

	"github.com/raftsim/raftsim/raft"
)

// Invariant names a Raft safety property the Watch checks.
type Invariant string

const (
	// ElectionSafety: at most one leader per term (§5.2).
	ElectionSafety Invariant = "election-safety"
	// LeaderAppendOnly: a leader never deletes or overwrites entries in
	// its own log during its term (§5.3).
	LeaderAppendOnly Invariant = "leader-append-only"
	// LogMatching: two logs holding an entry with the same index and term
	// are identical through it (§5.3).
	LogMatching Invariant = "log-matching"
	// LeaderCompleteness: a leader holds every entry committed in earlier
	// terms (§5.4).
	LeaderCompleteness Invariant = "leader-completeness"
	// StateMachineSafety: every replica applies the same entry at each
	// index, and only committed ones (§5.4.3); a snapshot installs only
	// committed state.
	StateMachineSafety Invariant = "state-machine-safety"
	// CommittedOnQuorum: when a leader's commit index advances to c, the
	// entry at c is of its own term (Figure 8) and a majority of each half
	// of its configuration holds it durably; no node's commit index passes
	// what a leader committed.
	CommittedOnQuorum Invariant = "committed-on-quorum"
	// CommittedNeverChanges: the committed log only grows; every later
	// commitment agrees with it and no log drops a committed entry.
	CommittedNeverChanges Invariant = "committed-never-changes"
	// TermVoteMonotonic: a node's term never goes back and its vote is
	// never withdrawn within a term, including across restarts (they are
	// durable).
	TermVoteMonotonic Invariant = "term-vote-monotonic"
	// CommitAppliedMonotonic: commit and applied never go back within one
	// incarnation of a node; after a restart commit starts from applied
	// (the commit index is volatile).
	CommitAppliedMonotonic Invariant = "commit-applied-monotonic"
	// OneVotePerTerm: a node votes for at most one candidate per term,
	// across restarts.
	OneVotePerTerm Invariant = "one-vote-per-term"
	// IndexOrder: purged <= snapshot <= applied <= commit <= last, per node.
	IndexOrder Invariant = "index-order"
	// DurableBeforeAck: a vote grant, a vote request, an append or
	// snapshot acknowledgement, and any message of a term leaves a node
	// only when its durable state holds what the message promises.
	DurableBeforeAck Invariant = "durable-before-ack"
	// DurableRecovery: a restarted node recovers exactly what was durable,
	// plus at most a prefix of its unsynced writes.
	DurableRecovery Invariant = "durable-recovery"
	// StatusMatchesStorage: at the end of a step a node's view of its log,
	// hard state, applied index and snapshot is what its storage holds.
	StatusMatchesStorage Invariant = "status-matches-storage"
	// SingleServerChange: a leader appends a configuration that changes
	// one voter in one step (dissertation §4.1) only once an entry of its
	// own term is committed and the previous configuration is committed,
	// or a new leader's change and an uncommitted one of a previous leader
	// can have majorities that do not overlap (the bug Diego Ongaro
	// reported on raft-dev in 2015). Joint changes need majorities of the
	// old configuration and are not bound by it.
	SingleServerChange Invariant = "single-server-change"
	// CommittedPrefixMatches: a node never rejects an append whose
	// previous entry lies within what it committed or its snapshot: that
	// prefix matches every later leader's log (log matching and leader
	// completeness), and a rejection there stalls the follower for good.
	CommittedPrefixMatches Invariant = "committed-prefix-matches"
	// InvalidObservation is not a Raft property: the observations
	// themselves are impossible (a node observed before it started, a
	// write that leaves a hole). It points at the wiring or at a store
	// that broke its contract without returning an error.
	InvalidObservation Invariant = "invalid-observation"
)

// Invariants lists every name a Violation can carry, in a fixed order.
func Invariants() []Invariant {
	return []Invariant{
		ElectionSafety, LeaderAppendOnly, LogMatching, LeaderCompleteness, StateMachineSafety,
		CommittedOnQuorum, CommittedNeverChanges, TermVoteMonotonic, CommitAppliedMonotonic,
		OneVotePerTerm, IndexOrder, DurableBeforeAck, DurableRecovery, StatusMatchesStorage,
		SingleServerChange, CommittedPrefixMatches, InvalidObservation,
	}
}

// Violation is a broken invariant: which one, where, and what was seen. The
// message is complete on its own ("n2 and n3 hold 4/17 with different
// histories"); the fields repeat its parts for programs. The harness adds
// the step.
type Violation struct {
	Invariant Invariant
	Nodes     []raft.NodeID
	Term      raft.Term
	Index     raft.Index
	Message   string
}

func (v *Violation) Error() string { return string(v.Invariant) + ": " + v.Message }

// violate builds a Violation. It is only called once something is wrong,
// so its formatting never costs anything on the hot path.
func violate(inv Invariant, nodes []raft.NodeID, term raft.Term, index raft.Index, format string, args ...any) *Violation {
	return &Violation{Invariant: inv, Nodes: nodes, Term: term, Index: index, Message: fmt.Sprintf(format, args...)}
}

func nodes(ids ...raft.NodeID) []raft.NodeID { return ids }
