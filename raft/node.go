package raft

import (
	"fmt"
	"time"

	"github.com/raftsim/raftsim/internal/zoohook"
)

// Role is what a node currently does in the protocol.
type Role uint8

const (
	Follower Role = iota
	PreCandidate
	Candidate
	Leader
)

var roleNames = [...]string{"follower", "pre-candidate", "candidate", "leader"}

func (r Role) String() string {
	if int(r) < len(roleNames) {
		return roleNames[r]
	}
	return fmt.Sprintf("role(%d)", r)
}

// Node is one Raft node. It is not safe for concurrent use: its host calls
// it from one goroutine (in the simulator, the world's only goroutine).
type Node[D, R any] struct {
	cfg   Config
	id    NodeID
	store Storage[D, R]
	env   Env[D, R]

	// err is set once the node stopped on a fatal error; every later call
	// returns it.
	err error

	// term and vote mirror the durable hard state: they change only right
	// after SaveHardState returned.
	term Term
	vote NodeID

	role   Role
	leader NodeID

	// Invariant: log.snapIndex <= applied <= commit <= log.last.Index.
	commit  Index
	applied Index
	log     raftLog[D]

	// membership is the latest configuration in the log, which takes
	// effect as soon as it is appended (§4.1). membershipIndex is the
	// index of the entry that holds it; 0 when it is not in the log yet
	// (pristine, or given by Initialize).
	membership      Membership
	membershipIndex Index
	// prev: whether the node voted in the configuration before that one
	// (votedBefore).
	prev prevVoter
	// pristine nodes have an empty log and wait for Initialize or a
	// leader before they take part in elections.
	pristine bool

	electionTimeout   time.Duration
	electionDeadline  time.Duration
	lastLeaderContact time.Duration

	votes  voteTally
	lead   *leaderState[D]
	snapIn *snapshotIn

	// Role behaviour, swapped by the become* functions.
	stepRole func(m *Message[D])
	tickRole func(now time.Duration)

	// zoo is nil in a correct node: the bug zoo's hooks (zoo.go).
	zoo zoohook.Hooks

	// probes counts the rare situations this node met (probe.go).
	probes Probes
}

// storageFailure carries a storage error from deep inside a step up to the
// API boundary, where it stops the node. Storage errors are fail-stop, so
// unwinding is the whole of the handling.
type storageFailure struct{ err error }

// must stops the step on a storage error.
func (n *Node[D, R]) must(err error, what string, args ...any) {
	if err != nil {
		panic(storageFailure{fmt.Errorf("raft: %v: %s: %w", n.id, fmt.Sprintf(what, args...), err)})
	}
}

// guard turns a storage failure into a stopped node. Every exported entry
// point defers it.
func (n *Node[D, R]) guard(errp *error) {
	if r := recover(); r != nil {
		sf, ok := r.(storageFailure)
		if !ok {
			panic(r)
		}
		n.stop(sf.err)
		*errp = n.err
	}
}

// stop makes the node fail-stop and releases everyone waiting on it.
func (n *Node[D, R]) stop(err error) {
	if n.err != nil {
		return
	}
	n.err = fmt.Errorf("%w: %w", ErrStopped, err)
	if n.lead != nil {
		dropAll(n.lead, n.env.Events, n.err)
	}
	n.lead = nil
	n.role = Follower
	n.leader = None
}

// Err returns the error that stopped the node, or nil.
func (n *Node[D, R]) Err() error { return n.err }

// NewNode starts a node from what its storage holds: a pristine store gives
// a pristine node, anything else resumes where the durable state left off.
// The commit index starts at the last applied index, the only commitment
// the node knows durably.
func NewNode[D, R any](cfg Config, store Storage[D, R], env Env[D, R]) (n *Node[D, R], err error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := env.validate(); err != nil {
		return nil, err
	}
	n = &Node[D, R]{cfg: cfg, id: cfg.ID, store: store, env: env, zoo: cfg.zoo}
	n.log.fetch = store.GetLogEntries
	n.log.cacheMax = cfg.LogCacheEntries
	defer func() {
		if r := recover(); r != nil {
			sf, ok := r.(storageFailure)
			if !ok {
				panic(r)
			}
			n, err = nil, sf.err
		}
	}()
	n.load()
	n.becomeFollower(n.term, None)
	return n, nil
}

// load reads the durable state.
func (n *Node[D, R]) load() {
	st, err := n.store.GetInitialState()
	n.must(err, "get initial state")
	n.term, n.vote = st.HardState.CurrentTerm, st.HardState.VotedFor
	n.membership = st.Membership.Clone()
	n.applied = st.LastAppliedLog
	n.commit = st.LastAppliedLog
	if n.zoo != nil {
		n.commit = Index(n.zoo.RestartCommit(uint64(st.LastAppliedLog), uint64(st.LastLogIndex)))
	}
	var snapIndex Index
	var snapTerm Term
	snap, err := n.store.GetCurrentSnapshot()
	n.must(err, "get current snapshot")
	if snap != nil {
		snapIndex, snapTerm = snap.Index, snap.Term
		n.must(snap.Snapshot.Close(), "close snapshot")
	}
	if snapIndex > st.LastLogIndex || st.LastAppliedLog > st.LastLogIndex || snapIndex > st.LastAppliedLog {
		n.must(fmt.Errorf("snapshot %d, applied %d, last %d: %w", snapIndex, st.LastAppliedLog, st.LastLogIndex, ErrInconsistent), "load")
	}
	n.log.reset(snapIndex, snapTerm, EntryID{Term: st.LastLogTerm, Index: st.LastLogIndex})
	n.pristine = st.LastLogIndex == 0
	n.membershipIndex = n.membershipIndexOf(st)
}

// membershipIndexOf returns the index of the entry holding st.Membership:
// the store's own answer when it gives one inside the log, else the
// reverse scan.
func (n *Node[D, R]) membershipIndexOf(st InitialState) Index {
	if i := st.MembershipIndex; i > 0 && i >= n.log.snapIndex && i <= n.log.last.Index {
		return i
	}
	return n.findMembershipIndex()
}

// findMembershipIndex locates the entry holding the current membership by
// the same reverse scan the storage does. It runs at start and after
// truncations and snapshot installs when the store does not report the
// index (InitialState.MembershipIndex); it reads in chunks, since a read
// costs a disk latency.
func (n *Node[D, R]) findMembershipIndex() Index {
	if e, ok := n.lastConfigEntry(n.log.last.Index); ok {
		return e.Index
	}
	if n.log.snapIndex > 0 {
		return n.log.snapIndex
	}
	return 0
}

// lastConfigEntry scans the log back from hi for the last configuration
// entry at or below it. It reads in chunks: one storage read per entry
// made a restart on a slow disk take seconds per thousand entries.
func (n *Node[D, R]) lastConfigEntry(hi Index) (Entry[D], bool) {
	const chunk = 256
	first := max(n.log.firstIndex(), 1)
	for hi >= first {
		lo := first
		if hi-first >= chunk {
			lo = hi - chunk + 1
		}
		es, err := n.store.GetLogEntries(lo, hi+1)
		n.must(err, "scan for membership in [%d, %d]", lo, hi)
		for k := len(es) - 1; k >= 0; k-- {
			if es[k].Kind == EntryConfigChange {
				return es[k], true
			}
		}
		if lo == first {
			break
		}
		hi = lo - 1
	}
	return Entry[D]{}, false
}

// Initialize gives a pristine node the cluster's initial membership, as
// async-raft's initialize: the node then campaigns, and the first leader
// writes the membership into the log as its first entry. Calling it on
// every initial member is safe; calling it on a node with a log returns
// ErrNotPristine.
func (n *Node[D, R]) Initialize(m Membership) (err error) {
	if n.err != nil {
		return n.err
	}
	defer n.guard(&err)
	if !n.pristine {
		return fmt.Errorf("raft: %v: initialize: %w", n.id, ErrNotPristine)
	}
	if err := m.Validate(); err != nil {
		return err
	}
	n.membership = m.Clone()
	n.membershipIndex = 0
	n.pristine = false
	n.resetElectionTimer(n.now())
	return nil
}

func (n *Node[D, R]) now() time.Duration { return n.env.Clock.Now() }

// Step feeds the node one message from the network.
func (n *Node[D, R]) Step(m *Message[D]) (err error) {
	if n.err != nil {
		return n.err
	}
	defer n.guard(&err)
	if m.To != n.id {
		panic(fmt.Sprintf("raft: %v: message for %v delivered here: a routing bug in the host: %v", n.id, m.To, m))
	}
	if !n.stepTerm(m) {
		return nil
	}
	switch m.Type {
	case MsgPreVote, MsgVote:
		n.handleVoteRequest(m)
	default:
		n.stepRole(m)
	}
	return nil
}

// stepTerm applies the term rules common to every role (§5.1, with the
// pre-vote and check-quorum refinements of the dissertation §9.6, §4.2.3).
// It reports whether the message should be processed further.
func (n *Node[D, R]) stepTerm(m *Message[D]) bool {
	switch {
	case m.Term > n.term:
		if (m.Type == MsgPreVote || m.Type == MsgVote) && !m.Transfer && n.inLeaderLease() {
			// A leader was heard from recently: this candidate is likely
			// a disconnected or removed node. Ignore it without adopting
			// its term, so it cannot depose a healthy leader.
			n.hit(ProbeVoteIgnoredLeaderAlive)
			return false
		}
		if m.Type == MsgPreVote || (m.Type == MsgPreVoteResp && !m.Reject) {
			// Pre-votes carry a hypothetical term; adopting it would be
			// exactly the disruption pre-vote exists to prevent.
			return true
		}
		leader := None
		if m.Type == MsgApp || m.Type == MsgHeartbeat || m.Type == MsgSnap {
			leader = m.From
		}
		n.becomeFollower(m.Term, leader)
		return true
	case m.Term < n.term:
		n.answerStale(m)
		return false
	}
	return true
}

// answerStale tells the sender of an old-term message about the newer term.
// A stale leader must learn it so it steps down; a pre-candidate must learn
// it so it does not wait forever.
func (n *Node[D, R]) answerStale(m *Message[D]) {
	switch m.Type {
	case MsgApp, MsgHeartbeat, MsgSnap:
		n.hit(ProbeStaleLeaderNotified)
		// A rejection of index 0 is a term notice, never a real one
		// (index 0 always matches): a leader elected meanwhile in this
		// very term must not take it for a rejection of its own probe.
		n.send(&Message[D]{Type: MsgAppResp, To: m.From, Reject: true})
	case MsgPreVote:
		n.send(&Message[D]{Type: MsgPreVoteResp, To: m.From, Reject: true})
	case MsgVote:
		n.send(&Message[D]{Type: MsgVoteResp, To: m.From, Reject: true})
	}
}

// inLeaderLease reports whether this node heard from a live leader within
// the minimum election timeout, in which case (with CheckQuorum) it refuses
// to help depose it.
func (n *Node[D, R]) inLeaderLease() bool {
	if !n.cfg.CheckQuorum {
		return false
	}
	if n.role == Leader {
		return true
	}
	return n.leader != None && n.now()-n.lastLeaderContact < n.cfg.ElectionTimeoutMin
}

// Tick lets the node act on its timers. The host calls it when its clock
// reaches Deadline(); calling it earlier or more often is harmless.
func (n *Node[D, R]) Tick() (err error) {
	if n.err != nil {
		return n.err
	}
	defer n.guard(&err)
	n.tickRole(n.now())
	return nil
}

// Deadline is the time on the node's clock when it next needs Tick.
func (n *Node[D, R]) Deadline() time.Duration {
	if n.lead != nil {
		return n.lead.deadline()
	}
	return n.electionDeadline
}

// send stamps and hands a message to the transport.
func (n *Node[D, R]) send(m *Message[D]) {
	m.From = n.id
	if m.Term == 0 {
		m.Term = n.term
	}
	n.env.Transport.Send(m)
}

// saveHardState makes term and vote durable, then mirrors them.
func (n *Node[D, R]) saveHardState(term Term, vote NodeID) {
	if term < n.term {
		panic(fmt.Sprintf("raft: %v: term going back from %d to %d", n.id, n.term, term))
	}
	if term == n.term && n.vote != None && vote != n.vote {
		panic(fmt.Sprintf("raft: %v: second vote in term %d: %v then %v", n.id, term, n.vote, vote))
	}
	n.must(n.store.SaveHardState(HardState{CurrentTerm: term, VotedFor: vote}), "save hard state term %d vote %v", term, vote)
	n.term, n.vote = term, vote
}

// Status is a copy of a node's volatile and durable state, for hosts,
// traces and checkers.
type Status struct {
	ID            NodeID
	Role          Role
	Term          Term
	Vote          NodeID
	Leader        NodeID
	Commit        Index
	Applied       Index
	Last          EntryID
	SnapshotIndex Index
	Pristine      bool
	Stopped       bool
}

// Status returns the node's current state.
func (n *Node[D, R]) Status() Status {
	return Status{
		ID: n.id, Role: n.role, Term: n.term, Vote: n.vote, Leader: n.leader,
		Commit: n.commit, Applied: n.applied, Last: n.log.last, SnapshotIndex: n.log.snapIndex,
		Pristine: n.pristine, Stopped: n.err != nil,
	}
}

// Membership returns the node's current configuration and the index of the
// entry holding it (0 when not yet in the log).
func (n *Node[D, R]) Membership() (Membership, Index) {
	return n.membership.Clone(), n.membershipIndex
}

// MembershipIndex is the index Membership would return, without the copy:
// a cheap way for a host to notice that the configuration changed.
func (n *Node[D, R]) MembershipIndex() Index { return n.membershipIndex }

// ID returns the node's ID.
func (n *Node[D, R]) ID() NodeID { return n.id }

// IsVoter reports whether the node votes in its current configuration.
func (n *Node[D, R]) IsVoter() bool { return n.membership.Contains(n.id) }

func (s Status) String() string {
	return fmt.Sprintf("%v %v term %d vote %v leader %v commit %d applied %d last %v snap %d",
		s.ID, s.Role, s.Term, s.Vote, s.Leader, s.Commit, s.Applied, s.Last, s.SnapshotIndex)
}

// notLeader builds the error a non-leader returns to requests.
func (n *Node[D, R]) notLeader() error {
	return &NotLeaderError{Leader: n.leader, Term: n.term}
}
