package storagetest

import (
	"github.com/stretchr/testify/require"

	"github.com/raftsim/raftsim/raft"
)

func applyCases() []Case {
	return []Case{
		{"apply-response", "ApplyEntryToStateMachine applies one committed entry and returns the state machine's response to it.", applyResponse},
		{"apply-blank-config", "Blank and config-change entries advance the last applied index, leave the state machine alone, and answer R's zero value.", applyBlankConfig},
		{"apply-batch", "ReplicateToStateMachine applies a batch in order, each entry once, and advances the last applied index through it.", applyBatch},
		{"apply-survives-reopen", "After a restart the last applied index and the state machine agree: the index is the one before, or an earlier one (at or after the snapshot) with the machine rebuilt to it, from which the core applies the rest again; the next entry applies once, never re-applied or skipped.", applySurvivesReopen},
		{"apply-after-install", "After a snapshot installation the state machine continues from the snapshot's state.", applyAfterInstall},
	}
}

func applyResponse(t TB, f Factory) {
	n := open(t, f, 1)
	es := []raft.Entry[Cmd]{normal(1, 1, "a", "x"), normal(1, 2, "b", "y"), normal(1, 3, "a", "z")}
	n.append(es...)
	ref := NewSM()
	for k := range es {
		want := ref.Apply(es[k].Index, es[k].Data)
		got, err := n.s.ApplyEntryToStateMachine(&es[k])
		require.NoError(t, err, "ApplyEntryToStateMachine %v", es[k])
		require.Equal(t, want, got, "response to %v", es[k])
	}
	require.Equal(t, ref.Digest(), n.sm.Digest(), "state machine after three commands")
	require.Equal(t, raft.Index(3), n.initial().LastAppliedLog)
	n.check()
}

func applyBlankConfig(t TB, f Factory) {
	n := open(t, f, 1)
	es := []raft.Entry[Cmd]{config(1, 1, 1, 2), blank(2, 2), normal(2, 3, "k", "v"), blank(3, 4)}
	n.append(es...)
	for k := range es {
		want := n.expectResp(&es[k])
		got, err := n.s.ApplyEntryToStateMachine(&es[k])
		require.NoError(t, err, "ApplyEntryToStateMachine %v", es[k])
		require.Equal(t, want, got, "response to %v", es[k])
		require.Equal(t, es[k].Index, n.initial().LastAppliedLog, "last applied after %v", es[k])
	}
	count, last := n.sm.Applied()
	require.Equal(t, uint64(1), count, "commands the state machine applied")
	require.Equal(t, raft.Index(3), last, "index of the last command applied")
	n.check()
}

func applyBatch(t TB, f Factory) {
	n := open(t, f, 1)
	es := append([]raft.Entry[Cmd]{config(1, 1, 1)}, run(2, 1, 1, 2, 2)...)
	n.append(es...)
	ref := NewSM()
	for _, e := range es[1:4] {
		ref.Apply(e.Index, e.Data)
	}
	require.NoError(t, n.s.ReplicateToStateMachine(es[:4]), "ReplicateToStateMachine 1..4")
	require.Equal(t, raft.Index(4), n.initial().LastAppliedLog)
	require.Equal(t, ref.Digest(), n.sm.Digest(), "state machine after the batch")
	require.NoError(t, n.s.ReplicateToStateMachine(es[4:]), "ReplicateToStateMachine 5")
	ref.Apply(es[4].Index, es[4].Data)
	require.Equal(t, ref.Digest(), n.sm.Digest(), "state machine after the second batch")
	n.check()
}

func applySurvivesReopen(t TB, f Factory) {
	n := fiveEntries(t, f)
	n.applyThrough(3)
	digest := n.sm.Digest()
	n.reopen()
	require.Equal(t, raft.Index(3), n.initial().LastAppliedLog, "last applied after a restart (and catching up)")
	require.Equal(t, digest, n.sm.Digest(), "state machine after a restart (and catching up)")
	n.applyThrough(5)
	n.check()
}

func applyAfterInstall(t TB, f Factory) {
	n := open(t, f, 2)
	snap, donor := snapshotOf(4, 2, raft.NewMembership(1, 2), "k")
	_, err := n.install(snap, nil)
	require.NoError(t, err, "FinalizeSnapshotInstallation")
	require.Equal(t, donor.Digest(), n.sm.Digest(), "state machine after the installation")
	n.replicate(run(5, 2, 3)...)
	n.applyThrough(6)
	donor.Apply(5, run(5, 2)[0].Data)
	donor.Apply(6, run(6, 3)[0].Data)
	require.Equal(t, donor.Digest(), n.sm.Digest(), "state machine after applying on top of the snapshot")
	n.check()
}
