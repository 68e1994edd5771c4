package storagetest

import (
	"github.com/stretchr/testify/require"

	"github.com/raftsim/raftsim/raft"
)

func rangeCases() []Case {
	return []Case{
		{"entries-half-open", "GetLogEntries(start, stop) returns exactly the entries in [start, stop), in order, as they were written.", entriesHalfOpen},
		{"entries-empty-range", "An empty range (start == stop) returns nothing.", entriesEmptyRange},
		{"entries-inverted-range", "An inverted range (stop < start) returns nothing and is not an error.", entriesInvertedRange},
		{"entries-out-of-range", "Indices beyond the last entry, or 0 (before the log), are simply absent.", entriesOutOfRange},
		{"entries-pristine", "Any range of a pristine store returns nothing.", entriesPristine},
		{"entries-compacted", "Compacted indices are absent; a range covering the pointer returns it as an entry.", entriesCompacted},
		{"entries-pointer", "The pointer returned is a snapshot-pointer entry with the term and membership in force at its index, naming the current snapshot.", entriesPointer},
	}
}

func deleteCases() []Case {
	return []Case{
		{"delete-tail", "DeleteLogsFrom(start, nil) deletes from start to the end.", deleteTail},
		{"delete-range-to-end", "DeleteLogsFrom(start, stop) with stop at or past the end deletes [start, end].", deleteRangeToEnd},
		{"delete-everything", "Deleting every entry of a log with nothing applied leaves a pristine log: last entry 0/0, the initial membership.", deleteEverything},
		{"delete-beyond-end", "A range beyond the end is a no-op, not an error.", deleteBeyondEnd},
		{"delete-empty-inverted", "Empty and inverted ranges are no-ops, not errors.", deleteEmptyInverted},
		{"delete-compacted-noop", "A range entirely behind the snapshot pointer is outside the log: a no-op.", deleteCompactedNoop},
		{"delete-middle-refused", "A deletion that leaves entries after it (a hole, or a prefix with no pointer) is refused (ErrInconsistent) and changes nothing.", deleteMiddleRefused},
		{"delete-applied-refused", "A deletion that reaches an applied entry is refused (ErrInconsistent) and changes nothing.", deleteAppliedRefused},
		{"delete-then-append", "After a tail deletion the leader appends at the new end, in a newer term.", deleteThenAppend},
	}
}

func appendCases() []Case {
	return []Case{
		{"append-round-trip", "AppendEntryToLog keeps every kind of entry exactly: blank, normal, config, joint config.", appendRoundTrip},
		{"append-survives-reopen", "Appended entries are durable: they survive a restart.", appendSurvivesReopen},
		{"append-after-compaction", "The leader appends after a log compacted down to its pointer.", appendAfterCompaction},
	}
}

func replicateCases() []Case {
	return []Case{
		{"replicate-pristine", "ReplicateToLog on an empty log writes the batch at its indices, every kind of entry exactly.", replicatePristine},
		{"replicate-places-by-index", "Each entry's own index decides its place: a batch the log already holds changes nothing (no duplicate, nothing dropped).", replicatePlacesByIndex},
		{"replicate-overlap-extends", "A batch that overlaps the end of the log extends it, without duplicating the overlap.", replicateOverlapExtends},
		{"replicate-conflict-replaces", "An entry replaces whatever the log held at its index, and the batch leaves no stale entry behind it: the conflicting tail is gone.", replicateConflictReplaces},
		{"replicate-after-truncation", "The caller's protocol: truncate the conflicting suffix (DeleteLogsFrom), then replicate.", replicateAfterTruncation},
		{"replicate-below-pointer", "Entries at or below the snapshot pointer are covered by the snapshot: the pointer stays and no entry appears before it.", replicateBelowPointer},
		{"replicate-survives-reopen", "Replicated entries, and the truncation a conflict caused, are durable.", replicateSurvivesReopen},
	}
}

// fiveEntries returns a store holding 1/1 1/2 2/3 2/4 3/5.
func fiveEntries(t TB, f Factory) *node {
	n := open(t, f, 1)
	n.append(run(1, 1, 1, 2, 2, 3)...)
	return n
}

func requireEntries(n *node, start, stop raft.Index, want []raft.Entry[Cmd]) {
	n.t.Helper()
	got := n.entries(start, stop)
	require.Equal(n.t, fmtEntries(want), fmtEntries(got), "GetLogEntries(%d, %d)", start, stop)
}

func fmtEntries(es []raft.Entry[Cmd]) []string {
	var out []string
	for k := range es {
		out = append(out, fmtEntry(&es[k]))
	}
	return out
}

func entriesHalfOpen(t TB, f Factory) {
	n := fiveEntries(t, f)
	all := run(1, 1, 1, 2, 2, 3)
	requireEntries(n, 2, 4, all[1:3])
	requireEntries(n, 1, 6, all)
	requireEntries(n, 5, 6, all[4:])
	n.check()
}

func entriesEmptyRange(t TB, f Factory) {
	n := fiveEntries(t, f)
	for _, i := range []raft.Index{0, 1, 3, 5, 6} {
		requireEntries(n, i, i, nil)
	}
}

func entriesInvertedRange(t TB, f Factory) {
	n := fiveEntries(t, f)
	requireEntries(n, 4, 2, nil)
	requireEntries(n, 5, 0, nil)
	requireEntries(n, 9, 3, nil)
}

func entriesOutOfRange(t TB, f Factory) {
	n := fiveEntries(t, f)
	all := run(1, 1, 1, 2, 2, 3)
	requireEntries(n, 6, 9, nil)
	requireEntries(n, 4, 9, all[3:])
	requireEntries(n, 0, 2, all[:1])
	requireEntries(n, 0, 100, all)
	requireEntries(n, 0, 1, nil)
}

func entriesPristine(t TB, f Factory) {
	n := open(t, f, 1)
	requireEntries(n, 0, 10, nil)
	requireEntries(n, 1, 2, nil)
}

func entriesCompacted(t TB, f Factory) {
	n := fiveEntries(t, f)
	all := run(1, 1, 1, 2, 2, 3)
	n.applyThrough(4)
	n.compact(3)
	requireEntries(n, 1, 3, nil)
	require.Equal(t, []string{"2/3p", "2/4"}, entryIDs(n.entries(1, 5)), "GetLogEntries(1, 5) after compacting through 3")
	requireEntries(n, 4, 6, all[3:])
	n.requireLog("2/3p", "2/4", "3/5")
	n.check()
}

func entriesPointer(t TB, f Factory) {
	n := open(t, f, 1)
	n.append(config(1, 1, 1, 2))
	n.append(run(2, 1, 2, 2)...)
	n.applyThrough(4)
	cs := n.compact(3)
	es := n.entries(3, 4)
	require.Len(t, es, 1, "GetLogEntries(3, 4) must return the pointer")
	want := raft.NewSnapshotPointer[Cmd](3, 2, cs.ID, raft.NewMembership(1, 2))
	require.Equal(t, fmtEntry(&want), fmtEntry(&es[0]), "the pointer")
	require.Equal(t, cs.ID, es[0].SnapshotID, "the pointer's snapshot ID")
	n.check()
}

func deleteTail(t TB, f Factory) {
	n := fiveEntries(t, f)
	require.NoError(t, n.s.DeleteLogsFrom(3, nil))
	n.requireLog("1/1", "1/2")
	st := n.initial()
	require.Equal(t, raft.EntryID{Term: 1, Index: 2}, raft.EntryID{Term: st.LastLogTerm, Index: st.LastLogIndex}, "last entry")
	n.check()
}

func deleteRangeToEnd(t TB, f Factory) {
	n := fiveEntries(t, f)
	require.NoError(t, n.s.DeleteLogsFrom(4, ptr(6)))
	n.requireLog("1/1", "1/2", "2/3")
	require.NoError(t, n.s.DeleteLogsFrom(2, ptr(100)))
	n.requireLog("1/1")
	n.check()
}

func deleteEverything(t TB, f Factory) {
	n := open(t, f, 3)
	n.append(config(1, 1, 1, 3), normal(1, 2, "k", "a"))
	require.NoError(t, n.s.DeleteLogsFrom(1, nil))
	n.requireLog()
	require.Equal(t, raft.NewInitialState(3), n.initial(), "initial state of an emptied log")
	n.check()
}

func deleteBeyondEnd(t TB, f Factory) {
	n := fiveEntries(t, f)
	before := n.check()
	require.NoError(t, n.s.DeleteLogsFrom(6, nil))
	require.NoError(t, n.s.DeleteLogsFrom(9, ptr(12)))
	require.Equal(t, before.String(), n.check().String())
}

func deleteEmptyInverted(t TB, f Factory) {
	n := fiveEntries(t, f)
	before := n.check()
	require.NoError(t, n.s.DeleteLogsFrom(3, ptr(3)))
	require.NoError(t, n.s.DeleteLogsFrom(4, ptr(2)))
	require.NoError(t, n.s.DeleteLogsFrom(5, ptr(0)))
	require.Equal(t, before.String(), n.check().String())
}

func deleteCompactedNoop(t TB, f Factory) {
	n := fiveEntries(t, f)
	n.applyThrough(4)
	n.compact(3)
	before := n.check()
	require.NoError(t, n.s.DeleteLogsFrom(1, ptr(3)))
	require.Equal(t, before.String(), n.check().String())
}

func deleteMiddleRefused(t TB, f Factory) {
	n := fiveEntries(t, f)
	before := n.check()
	n.requireRefused(n.s.DeleteLogsFrom(2, ptr(4)), before, "DeleteLogsFrom(2, 4) of 1..5")
	n.requireRefused(n.s.DeleteLogsFrom(1, ptr(3)), before, "DeleteLogsFrom(1, 3) of 1..5")
	n.requireRefused(n.s.DeleteLogsFrom(0, ptr(5)), before, "DeleteLogsFrom(0, 5) of 1..5")
}

func deleteAppliedRefused(t TB, f Factory) {
	n := fiveEntries(t, f)
	n.applyThrough(3)
	before := n.check()
	n.requireRefused(n.s.DeleteLogsFrom(3, nil), before, "DeleteLogsFrom(3, nil) with 3 applied")
	n.requireRefused(n.s.DeleteLogsFrom(2, ptr(6)), before, "DeleteLogsFrom(2, 6) with 3 applied")
}

func deleteThenAppend(t TB, f Factory) {
	n := fiveEntries(t, f)
	require.NoError(t, n.s.DeleteLogsFrom(4, nil))
	n.append(run(4, 4, 4)...)
	n.requireLog("1/1", "1/2", "2/3", "4/4", "4/5")
	requireEntries(n, 4, 6, run(4, 4, 4))
	n.check()
}

// allKinds returns one entry of each kind the caller writes, from index
// start on.
func allKinds(term raft.Term, start raft.Index) []raft.Entry[Cmd] {
	return []raft.Entry[Cmd]{
		config(term, start, 1, 2, 3),
		blank(term, start+1),
		normal(term, start+2, "key", "value"),
		normal(term, start+3, "", ""),
		joint(term, start+4, []raft.NodeID{1, 2, 3}, []raft.NodeID{2, 3, 4}),
		normal(term, start+5, "k\x00", "\xff\n"),
	}
}

func appendRoundTrip(t TB, f Factory) {
	n := open(t, f, 1)
	es := allKinds(1, 1)
	n.append(es...)
	requireEntries(n, 0, 10, es)
	n.check()
}

func appendSurvivesReopen(t TB, f Factory) {
	n := open(t, f, 1)
	es := allKinds(1, 1)
	n.append(es...)
	n.reopen()
	requireEntries(n, 0, 10, es)
	n.check()
}

func appendAfterCompaction(t TB, f Factory) {
	n := fiveEntries(t, f)
	n.applyThrough(5)
	n.compact(5)
	n.append(run(6, 3)...)
	n.requireLog("3/5p", "3/6")
	n.check()
}

func replicatePristine(t TB, f Factory) {
	n := open(t, f, 1)
	es := allKinds(2, 1)
	n.replicate(es...)
	requireEntries(n, 0, 10, es)
	n.check()
}

func replicatePlacesByIndex(t TB, f Factory) {
	n := fiveEntries(t, f)
	before := n.check()
	n.replicate(run(2, 1, 2)...)
	require.Equal(t, before.String(), n.check().String(), "replicating entries the log holds")
}

func replicateOverlapExtends(t TB, f Factory) {
	n := open(t, f, 1)
	n.append(run(1, 1, 1, 2)...)
	n.replicate(run(2, 1, 2, 2, 3)...)
	requireEntries(n, 0, 10, run(1, 1, 1, 2, 2, 3))
	n.check()
}

func replicateConflictReplaces(t TB, f Factory) {
	n := fiveEntries(t, f)
	n.applyThrough(1)
	n.replicate(run(3, 4, 4)...)
	requireEntries(n, 0, 10, append(run(1, 1, 1), run(3, 4, 4)...))
	n.check()
}

func replicateAfterTruncation(t TB, f Factory) {
	n := fiveEntries(t, f)
	require.NoError(t, n.s.DeleteLogsFrom(3, nil))
	n.replicate(run(3, 4, 4)...)
	requireEntries(n, 0, 10, append(run(1, 1, 1), run(3, 4, 4)...))
	n.check()
}

func replicateBelowPointer(t TB, f Factory) {
	n := fiveEntries(t, f)
	n.applyThrough(3)
	n.compact(3)
	n.replicate(run(2, 1, 2, 2, 3, 3)...)
	n.requireLog("2/3p", "2/4", "3/5", "3/6")
	requireEntries(n, 4, 7, run(4, 2, 3, 3))
	n.check()
}

func replicateSurvivesReopen(t TB, f Factory) {
	n := fiveEntries(t, f)
	n.replicate(run(4, 4, 4, 4)...)
	n.reopen()
	requireEntries(n, 0, 10, append(run(1, 1, 1, 2), run(4, 4, 4, 4)...))
	n.check()
}
