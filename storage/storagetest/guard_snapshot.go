package storagetest

import (
	"fmt"

	"github.com/raftsim/raftsim/raft"
)

// The guard's snapshot rules: compaction and installation.

func (g *guarded[D, R]) DoLogCompaction(through raft.Index) (raft.CurrentSnapshot, error) {
	call := fmt.Sprintf("DoLogCompaction(%d)", through)
	ok := true
	if through == 0 || g.applied.ok && through > g.applied.v {
		g.caller("compact-range", call, "through must lie in [1, last applied %d]", g.applied.v)
		ok = false
	}
	cs, err := g.s.DoLogCompaction(through)
	if err != nil || !ok {
		g.forgetLog()
		g.snapID.forget()
		return cs, err
	}
	switch {
	case cs.ID == "" || cs.Snapshot == nil:
		g.store("compaction-snapshot", call, "snapshot %d/%d with id %q and handle %v", cs.Term, cs.Index, cs.ID, cs.Snapshot)
	case g.applied.ok && cs.Index != g.applied.v:
		g.store("compaction-snapshot", call, "snapshot at %d, not at last applied %d", cs.Index, g.applied.v)
	case g.applied.ok && g.appliedTerm.ok && cs.Term != g.appliedTerm.v:
		g.store("compaction-snapshot", call, "snapshot of term %d, the last applied entry's is %d", cs.Term, g.appliedTerm.v)
	}
	g.snapID.set(cs.ID)
	if g.first.ok {
		g.first.set(max(g.first.v, through))
	}
	return cs, err
}

func (g *guarded[D, R]) FinalizeSnapshotInstallation(index raft.Index, term raft.Term, deleteThrough *raft.Index, id string, snap raft.SnapshotHandle) error {
	dt := "nil"
	if deleteThrough != nil {
		dt = fmt.Sprint(*deleteThrough)
	}
	call := fmt.Sprintf("FinalizeSnapshotInstallation(%d/%d, delete through %s, %q)", term, index, dt, id)
	ok := true
	if deleteThrough != nil && *deleteThrough != index {
		g.caller("install-delete-through", call, "deleteThrough must be nil or the snapshot's index")
		ok = false
	}
	if id == "" || snap == nil {
		g.caller("install-handle", call, "id %q, handle %v", id, snap)
		ok = false
	}
	err := g.s.FinalizeSnapshotInstallation(index, term, deleteThrough, id, snap)
	switch {
	case err != nil || !ok || !g.applied.ok:
		g.forgetAll()
	case index <= g.applied.v:
		// An older snapshot: nothing changes, which GetInitialState and
		// GetCurrentSnapshot will confirm.
	default:
		g.installed(index, term, deleteThrough, id)
	}
	return err
}

// installed records what a successful installation of a newer snapshot
// left: the pointer first, the state machine at index, and the last entry
// when the log could not have kept entries after index.
func (g *guarded[D, R]) installed(index raft.Index, term raft.Term, deleteThrough *raft.Index, id string) {
	g.first.set(index)
	g.applied.set(index)
	g.appliedTerm.set(term)
	g.snapID.set(id)
	if deleteThrough == nil || g.lastIndex.ok && g.lastIndex.v <= index {
		g.lastIndex.set(index)
		g.lastTerm.set(term)
		return
	}
	g.lastIndex.forget()
	g.lastTerm.forget()
}
