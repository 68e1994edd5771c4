package checker

import (
	"fmt"
	"sort"

	"github.com/raftsim/raftsim/raft"
)

// Watch checks Raft's invariants incrementally, as a world reports what its
// nodes and their stores do. Every method returns the first violation it
// finds, or nil; after a violation the Watch's state is unspecified and the
// run should stop.
//
// It is fed from two places: a wrapper around each node's storage reports
// every write after the store accepted it (SavedHardState, Appended,
// Replicated, Deleted, AppliedEntry, Compacted, InstalledSnapshot, and
// Synced when writes become durable), and the host reports each node's
// life and output (Started, Crashed, Observe after every step, Sent for
// every message). The Watch keeps, per node, a shadow of its written log and
// of its durable log as chain hashes (see logshadow.go), a table from
// (index, term) to chain hash over all logs ever seen, and the committed
// log. Every check is O(1) or O(entries changed) per observation; nothing
// scans a whole log except the recovery of a restarted node with lagging
// durability.
//
// It is deterministic: no maps, no time, no randomness.
type Watch struct {
	cfg   WatchConfig
	nodes []*nodeState // by NodeID
	// leaders[t] is the leader seen in term t.
	leaders []raft.NodeID
	entries entryTable
	// committed holds the committed entry at each index; index 0 is the
	// anchor, so len()-1 is the highest committed index.
	committed pages[slot]
	// commitSpans record in which term each stretch of the committed log
	// was committed (by that term's leader), ascending in index and term:
	// leader completeness binds a leader to the entries committed in
	// earlier terms, which is not the same as entries of earlier terms.
	commitSpans []commitSpan
	// committedConfigs are the configuration entries of the committed
	// log, ascending.
	committedConfigs []configAt
	// provisional are commitments that needed a leader's unsynced copy
	// (provisional.go).
	provisional []provisionalCommit

	// configured[id] says a configuration seen named node id (see
	// trimCommitted).
	configured []bool

	// legacyApplied backs the command-level Applied.
	legacyApplied []appliedAt
}

// WatchConfig configures a Watch. The zero value is the in-memory store:
// every write is durable when its call returns.
type WatchConfig struct {
	// LaggingDurability says writes become durable only when Synced
	// reports it (the simulated disk): the Watch then keeps a node's
	// written and durable states apart, checks acknowledgements against
	// the durable one, and at a restart accepts the durable state plus a
	// prefix of the unsynced writes. False: every observed write is
	// durable at once.
	LaggingDurability bool
	// Initial is the configuration in force before any configuration
	// entry, for clusters whose first entry is not one. Optional: in this
	// project the first leader writes the membership as its first entry.
	Initial raft.Membership
}

// Validate reports a configuration that cannot be used.
func (c WatchConfig) Validate() error {
	if len(c.Initial.Members) == 0 && !c.Initial.IsJoint() {
		return nil
	}
	if err := c.Initial.Validate(); err != nil {
		return fmt.Errorf("checker: watch config: %w", err)
	}
	return nil
}

// maxNodeID bounds node IDs: nodes are kept in a slice indexed by ID.
const maxNodeID = 1 << 12

// NewWatch returns a Watch for the in-memory store (WatchConfig{}).
func NewWatch() *Watch { return NewWatchConfig(WatchConfig{}) }

// NewWatchConfig returns a Watch with nothing seen. It panics on a
// configuration that fails Validate: that is a programming error.
func NewWatchConfig(cfg WatchConfig) *Watch {
	if err := cfg.Validate(); err != nil {
		panic(err)
	}
	cfg.Initial = cfg.Initial.Clone()
	w := &Watch{cfg: cfg}
	w.noteMembers(&w.cfg.Initial)
	w.committed.push(slot{})
	return w
}

// Committed returns the last entry of the committed log: the highest index
// a leader was seen to commit, with its term.
func (w *Watch) Committed() raft.EntryID {
	c := w.commitIndex()
	return raft.EntryID{Term: w.committedAt(c).term, Index: c}
}

func (w *Watch) commitIndex() raft.Index { return raft.Index(w.committed.len() - 1) }

// commitSpan is a stretch of the committed log, from index from up to the
// next span's, that a leader of term committed.
type commitSpan struct {
	term raft.Term
	from raft.Index
}

// committedBefore returns the highest index committed in a term before
// term, 0 if none.
func (w *Watch) committedBefore(term raft.Term) raft.Index {
	i := sort.Search(len(w.commitSpans), func(k int) bool { return w.commitSpans[k].term >= term })
	switch {
	case i == 0:
		return 0
	case i == len(w.commitSpans):
		return w.commitIndex()
	default:
		return w.commitSpans[i].from - 1
	}
}

// committedAt returns the committed entry at i <= commitIndex(), or the
// zero slot below the trimmed part (see trimCommitted).
func (w *Watch) committedAt(i raft.Index) slot {
	if !w.committed.has(int(i)) {
		return slot{}
	}
	return *w.committed.at(int(i))
}

// committedMatches reports whether chain is the committed chain hash at
// i <= commitIndex(). Every caller asks about an index a node's shadow
// holds, which the Watch never trims (see trimCommitted); an index below
// the trimmed part is the Watch's own bug, and it panics rather than let a
// check pass unchecked (a panic in a world is a reported failure).
func (w *Watch) committedMatches(i raft.Index, chain uint64) bool {
	if !w.committed.has(int(i)) {
		panic(fmt.Sprintf("checker: Watch asked to match committed index %d below its trimmed log (from %d)", i, w.committed.floor()))
	}
	return w.committed.at(int(i)).chain == chain
}

// trimCommitted forgets the committed log and the entry table below the
// lowest index any node's shadow holds (written or durable view): every
// check asks about an index some node holds, or the committed log's end.
// A node that is not known yet would start with an empty log and could
// be sent entries from below that floor, so nothing is trimmed while a
// node named in any configuration seen has never started. Without this
// the Watch kept about 40 bytes per committed entry for the whole run.
// It runs when the committed log enters a new page, and frees whole
// pages.
func (w *Watch) trimCommitted() {
	floor := w.commitIndex()
	for id, seen := range w.configured {
		if seen && (int(id) >= len(w.nodes) || w.nodes[id] == nil || !w.nodes[id].started) {
			return
		}
	}
	for _, n := range w.nodes {
		if n != nil {
			floor = min(floor, n.log.base, n.dur.base)
		}
	}
	w.committed.dropBelow(int(floor))
	w.entries.first.dropBelow(int(floor))
}

// noteMembers records the nodes a configuration names (see trimCommitted).
func (w *Watch) noteMembers(m *raft.Membership) {
	for _, ids := range [][]raft.NodeID{m.Members, m.MembersAfterConsensus} {
		for _, id := range ids {
			if id == raft.None || id > maxNodeID {
				continue
			}
			for raft.NodeID(len(w.configured)) <= id {
				w.configured = append(w.configured, false)
			}
			w.configured[id] = true
		}
	}
}

// nodeState is what the Watch knows of one node.
type nodeState struct {
	id      raft.NodeID
	started bool // Started at least once
	up      bool
	// status is the last one observed in this incarnation.
	status raft.Status
	// ledTerm is the term this incarnation was seen leading, 0 if none.
	ledTerm raft.Term

	// hs is the written hard state, hsDurable the durable one.
	hs, hsDurable raft.HardState
	// voteTerm and voteFor are the Watch's own memory of the node's
	// latest vote: unlike the node's storage, it survives anything.
	voteTerm raft.Term
	voteFor  raft.NodeID

	// log is the written view; dur is the durable one: &log when writes
	// are durable at once, else &dlog, brought forward by Synced.
	log     logShadow
	dlog    logShadow
	dur     *logShadow
	pending []writeOp // written, not yet durable (lagging durability only)
	// pendingBase is the write mark of pending[0]: how many writes left
	// pending, made durable or dropped at a restart, before it.
	pendingBase uint64

	// applied is the store's last applied index; appliedAhead says some
	// applied entries lay beyond the committed log when applied, to be
	// checked once the node's commit index is observed.
	applied      raft.Index
	appliedAhead bool
}

func (w *Watch) newNode(id raft.NodeID) *nodeState {
	n := &nodeState{id: id}
	n.log.init()
	n.dur = &n.log
	if w.cfg.LaggingDurability {
		n.dlog.init()
		n.dur = &n.dlog
	}
	return n
}

// node returns the state of id, creating it; nil for an ID out of range.
func (w *Watch) node(id raft.NodeID) *nodeState {
	if id == raft.None || id > maxNodeID {
		return nil
	}
	for raft.NodeID(len(w.nodes)) <= id {
		w.nodes = append(w.nodes, nil)
	}
	n := w.nodes[id]
	if n == nil {
		n = w.newNode(id)
		w.nodes[id] = n
	}
	return n
}

// peek returns the state of id if the Watch knows it.
func (w *Watch) peek(id raft.NodeID) *nodeState {
	if int(id) >= len(w.nodes) {
		return nil
	}
	return w.nodes[id]
}

// live returns a started, running node, or the violation of observing
// anything else.
func (w *Watch) live(id raft.NodeID, what string) (*nodeState, *Violation) {
	if int(id) < len(w.nodes) {
		if n := w.nodes[id]; n != nil && n.up {
			return n, nil
		}
	}
	n := w.node(id)
	switch {
	case n == nil:
		return nil, violate(InvalidObservation, nodes(id), 0, 0, "%s on node %v: IDs must lie in [1, %d]", what, id, maxNodeID)
	case !n.up:
		return nil, violate(InvalidObservation, nodes(id), 0, 0, "%s on %v, which is not running (Started not called, or Crashed)", what, id)
	}
	return n, nil
}

// write applies a write to the node's written view and, by the durability
// mode, to its durable one now or at the next Synced.
func (n *nodeState) write(op *writeOp, lagging bool) {
	if op.kind == opHardState {
		n.hs = op.hs
		if !lagging {
			n.hsDurable = op.hs
		}
	} else {
		n.log.apply(op)
	}
	if lagging {
		n.pending = append(n.pending, *op)
	}
}

// leading reports whether the node is leader of its current term: from
// the observation that showed it leading until its term moves on.
func (n *nodeState) leading() bool {
	return n.ledTerm != 0 && n.hs.CurrentTerm == n.ledTerm
}

// noteVote remembers a vote, and reports a second one in the same term.
func (n *nodeState) noteVote(term raft.Term, vote raft.NodeID) *Violation {
	if vote == raft.None {
		return nil
	}
	if term == n.voteTerm && vote != n.voteFor {
		return violate(OneVotePerTerm, nodes(n.id, n.voteFor, vote), term, 0,
			"%v voted for %v and for %v in term %d", n.id, n.voteFor, vote, term)
	}
	if term >= n.voteTerm {
		n.voteTerm, n.voteFor = term, vote
	}
	return nil
}

// Leader reports that id is leader in term, for hosts that do not (yet)
// call Observe; Observe does this itself.
func (w *Watch) Leader(id raft.NodeID, term raft.Term) *Violation {
	return w.electionSafety(id, term)
}

func (w *Watch) electionSafety(id raft.NodeID, term raft.Term) *Violation {
	for raft.Term(len(w.leaders)) <= term {
		w.leaders = append(w.leaders, raft.None)
	}
	prev := w.leaders[term]
	if prev == raft.None {
		w.leaders[term] = id
		return nil
	}
	if prev != id {
		return violate(ElectionSafety, nodes(prev, id), term, 0, "%v and %v both lead term %d", prev, id, term)
	}
	return nil
}

type appliedAt struct {
	digest uint64
	node   raft.NodeID
}

// Applied reports that id applied, at index, a command with the given
// digest (any hash that differs between different commands). It is the
// command-level check of hosts that do not wrap their storage; with a
// storage wrapper, AppliedEntry checks every entry against the committed
// log instead.
func (w *Watch) Applied(id raft.NodeID, index raft.Index, digest uint64) *Violation {
	if index == 0 {
		return violate(StateMachineSafety, nodes(id), 0, 0, "%v applied index 0", id)
	}
	for raft.Index(len(w.legacyApplied)) < index {
		w.legacyApplied = append(w.legacyApplied, appliedAt{})
	}
	a := &w.legacyApplied[index-1]
	if a.node == raft.None {
		*a = appliedAt{digest: digest, node: id}
		return nil
	}
	if a.digest != digest {
		return violate(StateMachineSafety, nodes(a.node, id), 0, index,
			"%v and %v applied different commands at index %d", a.node, id, index)
	}
	return nil
}
