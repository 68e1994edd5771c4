package storagetest

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/raftsim/raftsim/raft"
	"github.com/raftsim/raftsim/storage/memstore"
)

// mutant is a deliberately broken store: the suite must catch each.
type mutant struct {
	name string
	// want is the case written for the bug: it must fail.
	want string
	bug  string
	f    Factory
}

// base is memstore with what a mutant wrapping it may need.
type base struct {
	Store
	id raft.NodeID
	sm raft.StateMachine[Cmd, Resp]
}

// wrapped returns the factory of memstore behind a wrapper.
func wrapped(wrap func(b base) Store) Factory {
	return Memory(func(id raft.NodeID, sm raft.StateMachine[Cmd, Resp]) Store {
		return wrap(base{Store: memstore.New(id, sm), id: id, sm: sm})
	})
}

func mutants() []mutant {
	return []mutant{
		{"inclusive-stop", "entries-half-open", "GetLogEntries returns [start, stop], stop included", wrapped(func(b base) Store { return inclusiveStop{base: b} })},
		{"inverted-range-swapped", "entries-inverted-range", "GetLogEntries answers an inverted range as if it were [stop, start)", wrapped(func(b base) Store { return swappedRange{base: b} })},
		{"pointer-hidden", "entries-pointer", "GetLogEntries leaves out the snapshot pointer", wrapped(func(b base) Store { return pointerHidden{base: b} })},
		{"delete-ignores-stop", "delete-middle-refused", "DeleteLogsFrom deletes to the end whatever stop says", wrapped(func(b base) Store { return deleteIgnoresStop{base: b} })},
		{"replicate-appends", "replicate-places-by-index", "ReplicateToLog appends the batch after the last entry instead of placing each entry at its index", wrapped(func(b base) Store { return replicateAppends{base: b} })},
		{"replicate-keeps-stale-tail", "replicate-conflict-replaces", "ReplicateToLog replaces the conflicting entries but keeps what lay beyond the batch", wrapped(func(b base) Store { return &staleTail{base: b} })},
		{"membership-first-entry", "membership-latest-entry", "the membership comes from the first config entry in the log, not the last", wrapped(func(b base) Store { return &scanMutant{base: b, forward: true} })},
		{"pointer-membership-ignored", "membership-snapshot-pointer", "the membership scan skips snapshot pointers", wrapped(func(b base) Store { return &scanMutant{base: b, skipPointers: true} })},
		{"hard-state-not-persisted", "hardstate-survives-reopen", "SaveHardState changes memory only: a restart forgets it", journal{skipHardState: true}},
		{"term-vote-two-steps", "hardstate-survives-reopen", "SaveHardState writes the new term with the old vote, and the vote later: a restart between shows new term, old vote", journal{splitHardState: true}},
		{"vote-change-accepted", "hardstate-vote-change-refused", "SaveHardState lets a vote change within a term", wrapped(func(b base) Store { return &anyHardState{base: b} })},
		{"apply-zero-response", "apply-response", "ApplyEntryToStateMachine returns R's zero value instead of the machine's answer", wrapped(func(b base) Store { return zeroResponse{base: b} })},
		{"batch-apply-drops-last", "apply-batch", "ReplicateToStateMachine applies all but the last entry of a batch", wrapped(func(b base) Store { return batchDropsLast{base: b} })},
		{"applied-ahead-of-machine", "apply-survives-reopen", "after a restart the last applied index counts an entry the state machine lost (a skipped entry)", journal{dropLastApply: true, claimDropped: true}},
		{"node-id-not-persisted", "membership-node-id-persisted", "the node ID is not persisted: a restarted store is node 1's", journal{forgetID: true}},
		{"compaction-leaves-entries", "compact-entries-gone", "DoLogCompaction leaves the compacted entries readable behind the pointer", wrapped(func(b base) Store { return &ghostEntries{base: b} })},
		{"compaction-snapshot-at-through", "compact-window", "DoLogCompaction reports the snapshot at through instead of the last applied index", wrapped(func(b base) Store { return snapshotAtThrough{base: b} })},
		{"old-snapshot-kept", "snapshot-old-gone", "the first snapshot is never deleted, and GetCurrentSnapshot returns it", wrapped(func(b base) Store { return &oldSnapshotKept{base: b} })},
		{"snapshot-ids-repeat", "snapshot-create", "CreateSnapshot hands out the same ID every time", wrapped(func(b base) Store { return sameID{base: b} })},
		{"install-ignores-delete-through", "snapshot-delete-through-keeps", "FinalizeSnapshotInstallation always deletes the whole log", wrapped(func(b base) Store { return wipeOnInstall{base: b} })},
		{"older-snapshot-moves-back", "snapshot-older-ignored", "FinalizeSnapshotInstallation installs a snapshot below the last applied index", wrapped(func(b base) Store { return &installsOlder{base: b} })},
		{"older-snapshot-error", "snapshot-older-ignored", "FinalizeSnapshotInstallation refuses an older snapshot with an error instead of ignoring it", wrapped(func(b base) Store { return refusesOlder{base: b} })},
	}
}

// TestMutants runs the conformance cases on every mutant, requires the
// case written for its bug to fail, and logs which cases caught it.
func TestMutants(t *testing.T) {
	var table strings.Builder
	table.WriteString("\n| mutant | its case | first case failed | cases failed |\n|---|---|---|---|\n")
	for _, m := range mutants() {
		var caught []string
		for _, r := range Check(m.f) {
			if r.Failure != "" {
				caught = append(caught, r.Case)
			}
		}
		require.True(t, slices.ContainsFunc(Cases(), func(c Case) bool { return c.Name == m.want }), "mutant %s: no case %s", m.name, m.want)
		if !slices.Contains(caught, m.want) {
			t.Errorf("mutant %s (%s) passed case %s; failed %v", m.name, m.bug, m.want, caught)
			continue
		}
		fmt.Fprintf(&table, "| %s | %s | %s | %d |\n", m.name, m.want, caught[0], len(caught))
	}
	t.Log(table.String())
}
