// Package zoohook declares the points where the bug zoo (package
// internal/zoo) may change a decision of the raft core. It holds
// declarations only, so that raft can import it without importing the
// zoo: the core calls a Hooks at each point, and only internal/zoo
// implements one. A production node has none, and raft's exported API
// names none of this (the module's internal/ directory keeps it out of
// reach of users).
//
// Each method receives the correct decision, or the facts it is made
// from, and returns the one the node acts on. An ordering point receives
// the steps as functions and reports whether it ran them itself; when it
// did not, the core runs them in the correct order. A Hooks must be
// deterministic and must not keep state between calls: its answers are
// functions of its arguments and its knobs.
package zoohook

// Hooks are the decisions of the raft core the zoo may change, by the rule
// of the Raft paper (or dissertation) each one keeps.
type Hooks interface {
	// RandomizeTimeout says whether an election timeout is drawn at
	// random from [min, max) (§5.2). Correct: yes. When it says no, the
	// node waits the minimum and draws nothing.
	RandomizeTimeout() bool

	// VoteGranted decides a vote or pre-vote request (§5.2, §5.4.1, §9.6):
	// canVote is the one-vote-per-term rule, upToDate the election
	// restriction on the candidate's log.
	VoteGranted(pre, canVote, upToDate bool) bool
	// PersistVote orders a vote grant (§5.2, dissertation §3.8): correct is
	// persistVote (term and vote in one write) and then send. fresh says
	// the node had not voted in this term. It returns whether it ran the
	// steps itself; persistTerm writes the term with no vote.
	PersistVote(fresh bool, persistTerm, persistVote, send func()) bool
	// CountDuplicateVotes says whether a second answer from the same voter
	// counts again. Correct: no.
	CountDuplicateVotes() bool

	// CountLearners says whether non-voters' matches count toward the
	// commit quorum. Correct: no (§4.2.1).
	CountLearners() bool
	// CommitNeedsCurrentTerm says whether a leader commits only through an
	// entry of its own term (§5.4.2, Figure 8). Correct: yes.
	CommitNeedsCurrentTerm() bool

	// ChangeNeedsTermCommit says whether a leader waits for an entry of its
	// term to commit before it changes the membership (the single-server
	// change fix, raft-dev 2015). Correct: yes.
	ChangeNeedsTermCommit() bool

	// RestartCommit is the commit index a node starts with: correct is
	// applied, the only commitment it knows durably.
	RestartCommit(applied, lastIndex uint64) uint64

	// ReadNeedsConfirm says whether a leader confirms its leadership
	// before it serves a read (§6.4). Correct: yes.
	ReadNeedsConfirm() bool

	// HeartbeatCommit is the commit index a heartbeat carries: correct is
	// min(match, leaderCommit), never past what matched.
	HeartbeatCommit(correct, leaderCommit uint64) uint64
	// AppendCommit is the commit index a follower takes from an append
	// (§5.3): correct is min(leaderCommit, lastNew); lastIndex is the end
	// of the follower's log.
	AppendCommit(leaderCommit, lastNew, lastIndex uint64) uint64
	// CompactedPrevConflicts says whether an append whose previous entry
	// lies in the compacted prefix is rejected. Correct: no.
	CompactedPrevConflicts() bool
	// AckAppend orders a follower's append: correct is write (durable)
	// and then ack. It returns whether it ran the steps itself.
	AckAppend(write, ack func()) bool
	// TruncateMatching says whether an append's entry that matches the
	// log at index is treated as a conflict anyway; first says it is the
	// append's first entry. Correct: never (§5.3: only a real conflict
	// truncates).
	TruncateMatching(first bool, index, commit uint64) bool

	// ResetActivity says whether a leader forgets which followers it heard
	// from after each check-quorum, so that the next check counts only
	// what arrived since (dissertation §6.2). Correct: yes.
	ResetActivity() bool
	// AbandonTransfer says whether a leader whose leadership transfer gave
	// no new leader within an election timeout abandons it and serves
	// again (dissertation §3.10). Correct: yes. When it says no, the
	// leader waits another election timeout.
	AbandonTransfer() bool

	// InstallOlderSnapshot says whether a snapshot at or below the commit
	// index is installed, and its index taken as the applied index.
	// Correct: no (§7).
	InstallOlderSnapshot() bool
}

// Attach returns cfg, a raft.Config, with h as its hooks. Package raft
// sets it when it is initialized, and package zoo calls it; it is a
// variable only because zoohook cannot import raft. It holds no state.
var Attach func(cfg any, h Hooks) any
