package storagetest

import (
	"github.com/stretchr/testify/require"

	"github.com/raftsim/raftsim/raft"
)

func initialStateCases() []Case {
	return []Case{
		{"initial-pristine", "A pristine store returns NewInitialState(id), an empty log and no snapshot.", initialPristine},
		{"initial-pristine-reopen", "A pristine store reopened is still pristine, and still node id's.", initialPristineReopen},
		{"initial-round-trip", "GetInitialState reports the last entry's index and term, the last applied index, the hard state and the membership.", initialRoundTrip},
		{"initial-after-compaction", "A log compacted down to its pointer reports the pointer as its last entry.", initialAfterCompaction},
		{"initial-survives-reopen", "Everything (hard state, log, pointer, snapshot, applied index, state machine) survives a restart unchanged, the last applied index once the core has applied again what the store may have taken back.", initialSurvivesReopen},
		{"initial-log-behind-applied", "Applying an entry the log does not hold would leave a log that ends before the last applied index: the apply, or else the next GetInitialState, is an error.", initialLogBehindApplied},
		{"initial-conflict-at-applied", "Replicating an entry of another term at an applied index would conflict with the state machine: the replication, or else the next GetInitialState, is an error.", initialConflictAtApplied},
	}
}

func hardStateCases() []Case {
	return []Case{
		{"hardstate-round-trip", "SaveHardState's value comes back from GetInitialState; the last save wins.", hardStateRoundTrip},
		{"hardstate-survives-reopen", "A saved hard state survives a restart whole: the new term with the new vote, never the new term with an old vote.", hardStateSurvivesReopen},
		{"hardstate-vote-once-per-term", "Within a term, a node with no vote may vote, and saving the same vote again is accepted.", hardStateVoteOncePerTerm},
		{"hardstate-new-term-any-vote", "A newer term may carry any vote, or none.", hardStateNewTermAnyVote},
		{"hardstate-term-back-refused", "A term that goes back is refused (ErrInconsistent) and changes nothing (dissertation §3.4).", hardStateTermBackRefused},
		{"hardstate-vote-change-refused", "Changing or withdrawing the vote within a term is refused (ErrInconsistent) and changes nothing: either could let the node vote twice.", hardStateVoteChangeRefused},
	}
}

func initialPristine(t TB, f Factory) {
	n := open(t, f, 2)
	require.Equal(t, raft.NewInitialState(2), n.initial(), "GetInitialState of a pristine store")
	require.Empty(t, n.entries(0, 10), "GetLogEntries(0, 10) of a pristine store")
	cs, _ := n.current()
	require.Nil(t, cs, "GetCurrentSnapshot of a pristine store")
	n.check()
}

func initialPristineReopen(t TB, f Factory) {
	n := open(t, f, 6)
	n.reopen()
	require.Equal(t, raft.NewInitialState(6), n.initial(), "GetInitialState of a pristine store after a restart")
	require.Empty(t, n.entries(0, 10), "GetLogEntries(0, 10) of a pristine store after a restart")
	n.check()
}

func initialRoundTrip(t TB, f Factory) {
	n := open(t, f, 1)
	n.save(3, 2)
	n.append(config(1, 1, 1, 2), normal(2, 2, "k", "a"), normal(3, 3, "k", "b"))
	n.applyThrough(2)
	want := raft.InitialState{
		LastLogIndex: 3, LastLogTerm: 3, LastAppliedLog: 2,
		HardState:  raft.HardState{CurrentTerm: 3, VotedFor: 2},
		Membership: raft.NewMembership(1, 2),
	}
	got := n.initial()
	// MembershipIndex is optional (0: the node scans), but never wrong.
	if got.MembershipIndex != 0 {
		require.Equal(t, raft.Index(1), got.MembershipIndex, "GetInitialState().MembershipIndex")
		want.MembershipIndex = 1
	}
	require.Equal(t, want, got, "GetInitialState")
	n.check()
}

func initialAfterCompaction(t TB, f Factory) {
	n := open(t, f, 1)
	n.append(run(1, 1, 1, 2)...)
	n.applyThrough(3)
	n.compact(3)
	st := n.initial()
	require.Equal(t, raft.EntryID{Term: 2, Index: 3}, raft.EntryID{Term: st.LastLogTerm, Index: st.LastLogIndex}, "last entry after compacting everything")
	require.Equal(t, raft.Index(3), st.LastAppliedLog, "last applied")
	n.check()
}

// richState drives n through every kind of write: hard state, config,
// normal and blank entries, applies, a compaction with a window, more
// entries after it.
func richState(n *node) {
	n.t.Helper()
	n.save(2, 1)
	n.append(config(1, 1, 1, 2, 3))
	n.append(run(2, 1, 1, 2)...)
	n.append(blank(2, 5), normal(2, 6, "j", "x"))
	n.applyThrough(5)
	n.compact(3)
	n.append(config(2, 7, 1, 2), normal(2, 8, "k", "y"))
	n.applyThrough(7)
}

func initialSurvivesReopen(t TB, f Factory) {
	n := open(t, f, 2)
	richState(n)
	before := n.check()
	n.reopen()
	require.Equal(t, before.String(), n.check().String(), "the state after a restart")
}

func initialLogBehindApplied(t TB, f Factory) {
	n := open(t, f, 1)
	n.append(run(1, 1, 1)...)
	n.applyThrough(2)
	e := normal(1, 3, "k", "never appended")
	if _, err := n.s.ApplyEntryToStateMachine(&e); err != nil {
		return
	}
	_, err := n.s.GetInitialState()
	require.Error(t, err, "applied %v, which the log does not hold: the log ends before the last applied index", e)
}

func initialConflictAtApplied(t TB, f Factory) {
	n := open(t, f, 1)
	n.append(run(1, 1, 1, 1)...)
	n.applyThrough(2)
	if err := n.s.ReplicateToLog(run(2, 2)); err != nil {
		return
	}
	_, err := n.s.GetInitialState()
	require.Error(t, err, "replicated 2/2 over applied entry 1/2")
}

func hardStateRoundTrip(t TB, f Factory) {
	n := open(t, f, 1)
	for _, hs := range []raft.HardState{{CurrentTerm: 1}, {CurrentTerm: 1, VotedFor: 2}, {CurrentTerm: 3}, {CurrentTerm: 4, VotedFor: 1}} {
		n.save(hs.CurrentTerm, hs.VotedFor)
		require.Equal(t, hs, n.initial().HardState, "hard state after saving %v", hs)
	}
	n.check()
}

func hardStateSurvivesReopen(t TB, f Factory) {
	n := open(t, f, 1)
	for _, hs := range []raft.HardState{{CurrentTerm: 5, VotedFor: 2}, {CurrentTerm: 6}, {CurrentTerm: 6, VotedFor: 3}, {CurrentTerm: 9, VotedFor: 1}} {
		n.save(hs.CurrentTerm, hs.VotedFor)
		n.reopen()
		require.Equal(t, hs, n.initial().HardState, "hard state saved as %v, after a restart", hs)
	}
}

func hardStateVoteOncePerTerm(t TB, f Factory) {
	n := open(t, f, 1)
	n.save(2, raft.None)
	n.save(2, 3)
	n.save(2, 3)
	require.Equal(t, raft.HardState{CurrentTerm: 2, VotedFor: 3}, n.initial().HardState)
}

func hardStateNewTermAnyVote(t TB, f Factory) {
	n := open(t, f, 1)
	n.save(2, 1)
	n.save(3, 2)
	n.save(4, raft.None)
	require.Equal(t, raft.HardState{CurrentTerm: 4}, n.initial().HardState)
}

func hardStateTermBackRefused(t TB, f Factory) {
	n := open(t, f, 1)
	n.save(5, 1)
	before := n.check()
	err := n.s.SaveHardState(raft.HardState{CurrentTerm: 4, VotedFor: 1})
	n.requireRefused(err, before, "saving term 4 after term 5")
}

func hardStateVoteChangeRefused(t TB, f Factory) {
	n := open(t, f, 1)
	n.save(5, 1)
	before := n.check()
	err := n.s.SaveHardState(raft.HardState{CurrentTerm: 5, VotedFor: 2})
	n.requireRefused(err, before, "changing term 5's vote from n1 to n2")
	err = n.s.SaveHardState(raft.HardState{CurrentTerm: 5})
	n.requireRefused(err, before, "withdrawing term 5's vote")
}
