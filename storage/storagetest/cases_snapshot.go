package storagetest

import (
	"io"

	"github.com/stretchr/testify/require"

	"github.com/raftsim/raftsim/raft"
)

func compactionCases() []Case {
	return []Case{
		{"compact-through-applied", "DoLogCompaction(last applied) returns a snapshot of the state machine at the last applied index, with that entry's term and the membership in force, and leaves the log behind a pointer there.", compactThroughApplied},
		{"compact-window", "DoLogCompaction(through) below the last applied index still snapshots at the last applied index, and puts the pointer at through with the term and membership in force there; the entries after through stay.", compactWindow},
		{"compact-entries-gone", "The entries before the pointer are gone from the log.", compactEntriesGone},
		{"compact-replaces-snapshot", "A new compaction's snapshot replaces the old one as the current snapshot, and the pointer names it.", compactReplacesSnapshot},
		{"compact-survives-reopen", "The pointer, the snapshot and the state machine survive a restart.", compactSurvivesReopen},
	}
}

func snapshotCases() []Case {
	return []Case{
		{"snapshot-current-none", "GetCurrentSnapshot returns nil until the first compaction or installation.", snapshotCurrentNone},
		{"snapshot-current", "GetCurrentSnapshot returns the live snapshot's metadata and ID, and each call a handle positioned at its start.", snapshotCurrent},
		{"snapshot-create", "CreateSnapshot returns a fresh, writable and seekable handle and a distinct ID each time.", snapshotCreate},
		{"snapshot-install", "FinalizeSnapshotInstallation of a streamed snapshot restores the state machine, sets the last applied index, leaves the log behind a pointer at index with the header's membership, and makes the snapshot current under its ID.", snapshotInstall},
		{"snapshot-install-from-store", "A snapshot one store made by compaction, streamed to another store, installs there: the format is protocol.", snapshotInstallFromStore},
		{"snapshot-install-nil-wipes-log", "With deleteThrough nil the whole log goes, even entries after index.", snapshotInstallNilWipesLog},
		{"snapshot-delete-through-keeps", "With deleteThrough == index the log through index goes and the entries after it stay, when the log's entry at index has the snapshot's term (§5.3).", snapshotDeleteThroughKeeps},
		{"snapshot-delete-through-mismatch", "With deleteThrough == index but another term at index, the whole log goes.", snapshotDeleteThroughMismatch},
		{"snapshot-install-beyond-log", "A snapshot beyond the end of the log replaces all of it.", snapshotInstallBeyondLog},
		{"snapshot-old-gone", "Installing a snapshot deletes every other one: the current snapshot, and the one the pointer names, is the new one.", snapshotOldGone},
		{"snapshot-older-ignored", "A snapshot below the last applied index never moves the state machine back: Finalize returns nil and nothing changes.", snapshotOlderIgnored},
		{"snapshot-same-index-ignored", "A snapshot at the last applied index changes nothing either.", snapshotSameIndexIgnored},
		{"snapshot-install-survives-reopen", "An installed snapshot, its pointer and the restored state machine survive a restart.", snapshotInstallSurvivesReopen},
	}
}

// requireSnapshot checks a snapshot's metadata, and that its bytes hold
// that metadata and a state machine of the given digest.
func requireSnapshot(t TB, cs *raft.CurrentSnapshot, b []byte, want raft.SnapshotMeta, digest uint64) {
	t.Helper()
	require.NotNil(t, cs, "a current snapshot")
	got := raft.SnapshotMeta{Index: cs.Index, Term: cs.Term, Membership: cs.Membership}
	require.Equal(t, want.String(), got.String(), "snapshot metadata")
	require.NotEmpty(t, cs.ID, "snapshot id")
	meta, state, err := raft.DecodeSnapshot(b)
	require.NoError(t, err, "the snapshot's bytes")
	require.Equal(t, want.String(), meta.String(), "the header in the snapshot's bytes")
	sm := NewSM()
	require.NoError(t, sm.Restore(state), "restore the snapshot's state")
	require.Equal(t, digest, sm.Digest(), "the state in the snapshot's bytes")
}

// compactable returns a store holding config{1,2} 1/2 1/3 2/4 2/5 with 4
// applied.
func compactable(t TB, f Factory) *node {
	n := open(t, f, 1)
	n.append(config(1, 1, 1, 2))
	n.append(run(2, 1, 1, 2, 2)...)
	n.applyThrough(4)
	return n
}

func compactThroughApplied(t TB, f Factory) {
	n := compactable(t, f)
	cs := n.compact(4)
	require.NotNil(t, cs.Snapshot, "DoLogCompaction: handle")
	b, err := io.ReadAll(cs.Snapshot)
	require.NoError(t, err, "read the compaction's snapshot")
	want := raft.SnapshotMeta{Index: 4, Term: 2, Membership: raft.NewMembership(1, 2)}
	requireSnapshot(t, &cs, b, want, n.sm.Digest())
	n.requireLog("2/4p", "2/5")
	n.check()
}

func compactWindow(t TB, f Factory) {
	n := open(t, f, 1)
	n.append(config(1, 1, 1, 2), normal(1, 2, "k", "a"), config(2, 3, 1, 2, 3))
	n.append(run(4, 2, 3)...)
	n.applyThrough(4)
	cs := n.compact(2)
	b, err := io.ReadAll(cs.Snapshot)
	require.NoError(t, err, "read the compaction's snapshot")
	requireSnapshot(t, &cs, b, raft.SnapshotMeta{Index: 4, Term: 2, Membership: raft.NewMembership(1, 2, 3)}, n.sm.Digest())
	es := n.log()
	require.Equal(t, []string{"1/2p", "2/3", "2/4", "3/5"}, entryIDs(es), "the log")
	require.Equal(t, raft.NewMembership(1, 2).String(), es[0].Membership.String(), "the pointer's membership")
	n.check()
}

func compactEntriesGone(t TB, f Factory) {
	n := compactable(t, f)
	n.compact(3)
	requireEntries(n, 0, 3, nil)
	require.Equal(t, []string{"1/3p", "2/4", "2/5"}, entryIDs(n.entries(0, 10)), "GetLogEntries(0, 10)")
	n.check()
}

func compactReplacesSnapshot(t TB, f Factory) {
	n := compactable(t, f)
	first := n.compact(2)
	n.applyThrough(5)
	second := n.compact(5)
	require.NotEqual(t, first.ID, second.ID, "two snapshots share an ID")
	cs, b := n.current()
	requireSnapshot(t, cs, b, raft.SnapshotMeta{Index: 5, Term: 2, Membership: raft.NewMembership(1, 2)}, n.sm.Digest())
	require.Equal(t, second.ID, cs.ID, "current snapshot")
	require.Equal(t, second.ID, n.log()[0].SnapshotID, "the pointer names the new snapshot")
	n.check()
}

func compactSurvivesReopen(t TB, f Factory) {
	n := compactable(t, f)
	n.compact(3)
	before := n.check()
	n.reopen()
	require.Equal(t, before.String(), n.check().String(), "the state after a restart")
}

func snapshotCurrentNone(t TB, f Factory) {
	n := open(t, f, 1)
	cs, _ := n.current()
	require.Nil(t, cs, "current snapshot of a pristine store")
	n.append(run(1, 1, 1)...)
	n.applyThrough(2)
	cs, _ = n.current()
	require.Nil(t, cs, "current snapshot before any compaction")
}

func snapshotCurrent(t TB, f Factory) {
	n := compactable(t, f)
	made := n.compact(4)
	want := raft.SnapshotMeta{Index: 4, Term: 2, Membership: raft.NewMembership(1, 2)}
	for range 2 {
		cs, b := n.current()
		requireSnapshot(t, cs, b, want, n.sm.Digest())
		require.Equal(t, made.ID, cs.ID, "current snapshot's ID")
	}
}

func snapshotCreate(t TB, f Factory) {
	n := open(t, f, 1)
	id1, h1 := n.create()
	id2, h2 := n.create()
	require.NotEqual(t, id1, id2, "two CreateSnapshot calls returned one ID")
	for _, h := range []raft.SnapshotHandle{h1, h2} {
		writeChunks(t, h, []byte("hello, snapshot"), 2)
		_, err := h.Seek(7, io.SeekStart)
		require.NoError(t, err, "seek")
		writeChunks(t, h, []byte("SNAP"), 1)
		_, err = h.Seek(0, io.SeekStart)
		require.NoError(t, err, "seek")
		b, err := io.ReadAll(h)
		require.NoError(t, err, "read back")
		require.Equal(t, "hello, SNAPshot", string(b), "a handle reads what was written, at the offsets written")
		require.NoError(t, h.Close())
	}
}

func snapshotInstall(t TB, f Factory) {
	n := open(t, f, 2)
	n.append(run(1, 1, 1)...)
	snap, donor := snapshotOf(5, 2, raft.NewMembership(1, 2, 3), "s")
	id, err := n.install(snap, nil)
	require.NoError(t, err, "FinalizeSnapshotInstallation")
	require.Equal(t, donor.Digest(), n.sm.Digest(), "the restored state machine")
	require.Equal(t, raft.Index(5), n.initial().LastAppliedLog, "last applied")
	n.requireLog("2/5p")
	requireMembership(n, raft.NewMembership(1, 2, 3))
	cs, b := n.current()
	requireSnapshot(t, cs, b, raft.SnapshotMeta{Index: 5, Term: 2, Membership: raft.NewMembership(1, 2, 3)}, donor.Digest())
	require.Equal(t, id, cs.ID, "the installed snapshot's ID")
	n.check()
}

func snapshotInstallFromStore(t TB, f Factory) {
	leader := compactable(t, f)
	leader.compact(4)
	_, b := leader.current()
	follower := open(t, f, 2)
	_, err := follower.install(b, nil)
	require.NoError(t, err, "FinalizeSnapshotInstallation of the leader's snapshot")
	require.Equal(t, leader.sm.Digest(), follower.sm.Digest(), "the follower's state machine")
	follower.requireLog("2/4p")
	requireMembership(follower, raft.NewMembership(1, 2))
	follower.check()
}

// sixEntries returns node 2 holding 1/1..1/6 with 2 applied.
func sixEntries(t TB, f Factory) *node {
	n := open(t, f, 2)
	n.append(run(1, 1, 1, 1, 1, 1, 1)...)
	n.applyThrough(2)
	return n
}

func snapshotInstallNilWipesLog(t TB, f Factory) {
	n := sixEntries(t, f)
	snap, _ := snapshotOf(4, 1, raft.NewMembership(1, 2), "s")
	_, err := n.install(snap, nil)
	require.NoError(t, err)
	n.requireLog("1/4p")
	n.check()
}

func snapshotDeleteThroughKeeps(t TB, f Factory) {
	n := sixEntries(t, f)
	snap, _ := snapshotOf(4, 1, raft.NewMembership(1, 2), "s")
	_, err := n.install(snap, ptr(4))
	require.NoError(t, err)
	n.requireLog("1/4p", "1/5", "1/6")
	requireEntries(n, 5, 7, run(5, 1, 1))
	n.check()
}

func snapshotDeleteThroughMismatch(t TB, f Factory) {
	n := sixEntries(t, f)
	snap, _ := snapshotOf(4, 3, raft.NewMembership(1, 2), "s")
	_, err := n.install(snap, ptr(4))
	require.NoError(t, err)
	n.requireLog("3/4p")
	n.check()
}

func snapshotInstallBeyondLog(t TB, f Factory) {
	n := sixEntries(t, f)
	snap, donor := snapshotOf(9, 2, raft.NewMembership(1, 2), "s")
	_, err := n.install(snap, ptr(9))
	require.NoError(t, err)
	n.requireLog("2/9p")
	require.Equal(t, donor.Digest(), n.sm.Digest(), "the restored state machine")
	n.check()
}

func snapshotOldGone(t TB, f Factory) {
	n := sixEntries(t, f)
	old := n.compact(2)
	snap, donor := snapshotOf(5, 1, raft.NewMembership(2, 3), "s")
	id, err := n.install(snap, ptr(5))
	require.NoError(t, err)
	cs, b := n.current()
	requireSnapshot(t, cs, b, raft.SnapshotMeta{Index: 5, Term: 1, Membership: raft.NewMembership(2, 3)}, donor.Digest())
	require.Equal(t, id, cs.ID, "the current snapshot is the installed one")
	require.NotEqual(t, old.ID, cs.ID, "the old snapshot is still current")
	n.requireLog("1/5p", "1/6")
	n.check()
}

func snapshotOlderIgnored(t TB, f Factory) {
	n := sixEntries(t, f)
	n.applyThrough(6)
	n.compact(5)
	before := n.check()
	snap, _ := snapshotOf(4, 1, raft.NewMembership(3), "s")
	_, err := n.install(snap, nil)
	require.NoError(t, err, "FinalizeSnapshotInstallation of an older snapshot")
	require.Equal(t, before.String(), n.check().String(), "an older snapshot changed the store")
}

func snapshotSameIndexIgnored(t TB, f Factory) {
	n := sixEntries(t, f)
	n.applyThrough(4)
	before := n.check()
	snap, _ := snapshotOf(4, 1, raft.NewMembership(3), "s")
	_, err := n.install(snap, ptr(4))
	require.NoError(t, err, "FinalizeSnapshotInstallation at the last applied index")
	require.Equal(t, before.String(), n.check().String(), "a snapshot at the last applied index changed the store")
}

func snapshotInstallSurvivesReopen(t TB, f Factory) {
	n := sixEntries(t, f)
	snap, _ := snapshotOf(4, 1, raft.NewMembership(1, 2), "s")
	_, err := n.install(snap, ptr(4))
	require.NoError(t, err)
	before := n.check()
	n.reopen()
	require.Equal(t, before.String(), n.check().String(), "the state after a restart")
}
