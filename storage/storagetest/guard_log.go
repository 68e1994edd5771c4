package storagetest

import (
	"fmt"

	"github.com/raftsim/raftsim/raft"
)

// The guard's log rules: reads, appends, replication, deletion, applies.

func (g *guarded[D, R]) GetLogEntries(start, stop raft.Index) ([]raft.Entry[D], error) {
	es, err := g.s.GetLogEntries(start, stop)
	if err != nil {
		return es, err
	}
	call := fmt.Sprintf("GetLogEntries(%d, %d)", start, stop)
	if detail := g.rangeShape(start, stop, es); detail != "" {
		g.store("entries-range", call, "%s", detail)
		return es, err
	}
	if len(es) > 0 && !g.first.ok && (es[0].Kind == raft.EntrySnapshotPointer || es[0].Index == 1 || es[0].Index > start) {
		g.first.set(es[0].Index)
	}
	return es, err
}

// rangeShape returns what is wrong with es as the answer to
// GetLogEntries(start, stop), or "".
func (g *guarded[D, R]) rangeShape(start, stop raft.Index, es []raft.Entry[D]) string {
	for k := range es {
		e := &es[k]
		switch {
		case e.Index < start || e.Index >= stop:
			return fmt.Sprintf("returned %v, outside the range", e.ID())
		case k > 0 && e.Index != es[k-1].Index+1:
			return fmt.Sprintf("returned %v after %v", e.ID(), es[k-1].ID())
		case k > 0 && e.Kind == raft.EntrySnapshotPointer:
			return fmt.Sprintf("returned snapshot pointer %v after %v", e.ID(), es[k-1].ID())
		case g.first.ok && e.Kind == raft.EntrySnapshotPointer && e.Index != g.first.v:
			return fmt.Sprintf("returned snapshot pointer %v, the log starts at %d", e.ID(), g.first.v)
		}
	}
	if !g.lastIndex.ok {
		return ""
	}
	hi := min(stop, g.lastIndex.v+1) // the range that exists ends before hi
	if n := len(es); n > 0 && es[n-1].Index != hi-1 {
		return fmt.Sprintf("the answer ends at %d, the range that exists at %d", es[n-1].Index, hi-1)
	}
	if !g.first.ok {
		return ""
	}
	lo := max(start, g.first.v)
	if want := int(max(hi, lo) - lo); len(es) != want {
		return fmt.Sprintf("%d entries, the range that exists ([%d, %d)) holds %d", len(es), lo, max(hi, lo), want)
	}
	return ""
}

func (g *guarded[D, R]) AppendEntryToLog(e *raft.Entry[D]) error {
	if e == nil {
		g.caller("entry-valid", "AppendEntryToLog(nil)", "no entry")
		return g.s.AppendEntryToLog(e)
	}
	call := fmt.Sprintf("AppendEntryToLog(%v)", e.ID())
	ok := g.validEntry(call, e)
	if g.lastIndex.ok && e.Index != g.lastIndex.v+1 {
		g.caller("append-contiguous", call, "the log ends at %d", g.lastIndex.v)
		ok = false
	}
	if g.lastTerm.ok && e.Term < g.lastTerm.v {
		g.caller("append-contiguous", call, "term %d is before the last entry's %d", e.Term, g.lastTerm.v)
		ok = false
	}
	err := g.s.AppendEntryToLog(e)
	if err != nil || !ok {
		g.forgetLog()
		return err
	}
	g.lastIndex.set(e.Index)
	g.lastTerm.set(e.Term)
	if e.Index == 1 {
		g.first.set(1)
	}
	return nil
}

// validEntry checks an entry the caller writes to the log.
func (g *guarded[D, R]) validEntry(call string, e *raft.Entry[D]) bool {
	if err := e.Validate(); err != nil {
		g.caller("entry-valid", call, "%v", err)
		return false
	}
	if e.Kind == raft.EntrySnapshotPointer || e.Term == 0 {
		g.caller("entry-valid", call, "a %v entry of term %d: only the store writes pointers, and term 0 is before any election", e.Kind, e.Term)
		return false
	}
	return true
}

func (g *guarded[D, R]) ReplicateToLog(entries []raft.Entry[D]) error {
	if len(entries) == 0 {
		return g.s.ReplicateToLog(entries)
	}
	call := fmt.Sprintf("ReplicateToLog(%v..%v)", entries[0].ID(), entries[len(entries)-1].ID())
	ok := g.validBatch(call, entries)
	if g.lastIndex.ok && entries[0].Index > g.lastIndex.v+1 {
		g.caller("replicate-contiguous", call, "the log ends at %d", g.lastIndex.v)
		ok = false
	}
	wasEmpty := g.lastIndex.ok && g.lastIndex.v == 0
	err := g.s.ReplicateToLog(entries)
	last := entries[len(entries)-1]
	if err != nil || !ok || !g.lastIndex.ok || last.Index < g.lastIndex.v {
		// A batch that ends inside the log may have truncated it there.
		g.forgetLog()
		return err
	}
	g.lastIndex.set(last.Index)
	g.lastTerm.set(last.Term)
	if wasEmpty {
		g.first.set(1)
	}
	return nil
}

// validBatch checks a batch a follower replicates: valid entries,
// contiguous, terms never decreasing, none replacing an applied entry.
func (g *guarded[D, R]) validBatch(call string, entries []raft.Entry[D]) bool {
	for k := range entries {
		e := &entries[k]
		if !g.validEntry(call, e) {
			return false
		}
		if k > 0 && (e.Index != entries[k-1].Index+1 || e.Term < entries[k-1].Term) {
			g.caller("replicate-contiguous", call, "%v follows %v", e.ID(), entries[k-1].ID())
			return false
		}
		// Terms never decrease along a log, so an entry at or below the
		// applied one with a newer term conflicts with an applied entry.
		if g.applied.ok && g.appliedTerm.ok && e.Index <= g.applied.v &&
			(e.Term > g.appliedTerm.v || e.Index == g.applied.v && e.Term != g.appliedTerm.v) {
			g.caller("replicate-applied", call, "%v conflicts with applied entry %d/%d", e.ID(), g.appliedTerm.v, g.applied.v)
			return false
		}
	}
	return true
}

func (g *guarded[D, R]) DeleteLogsFrom(start raft.Index, stop *raft.Index) error {
	call := fmt.Sprintf("DeleteLogsFrom(%d, nil)", start)
	if stop != nil {
		call = fmt.Sprintf("DeleteLogsFrom(%d, %d)", start, *stop)
	}
	known := g.first.ok && g.lastIndex.ok
	lo, hi := start, raft.Index(0)
	refusable := false
	if known {
		lo, hi = max(start, g.first.v), g.lastIndex.v+1
		if stop != nil {
			hi = min(hi, *stop)
		}
		if lo < hi && hi <= g.lastIndex.v {
			g.caller("delete-suffix", call, "leaves %d..%d after a hole", hi, g.lastIndex.v)
			refusable = true
		}
		if lo < hi && g.applied.ok && lo <= g.applied.v {
			g.caller("delete-applied", call, "deletes applied entry %d (last applied %d)", lo, g.applied.v)
			refusable = true
		}
	}
	err := g.s.DeleteLogsFrom(start, stop)
	switch {
	case err != nil || !known:
		g.forgetLog()
	case refusable:
		g.store("delete-refusal", call, "accepted, but the contract refuses it (ErrInconsistent)")
		g.forgetLog()
	case lo < hi:
		g.lastIndex.set(lo - 1)
		g.lastTerm.forget()
		if lo == 1 {
			g.lastTerm.set(0)
		}
	}
	return err
}

func (g *guarded[D, R]) ApplyEntryToStateMachine(e *raft.Entry[D]) (R, error) {
	if e == nil {
		g.caller("apply-contiguous", "ApplyEntryToStateMachine(nil)", "no entry")
		return g.s.ApplyEntryToStateMachine(e)
	}
	call := fmt.Sprintf("ApplyEntryToStateMachine(%v)", e.ID())
	ok := g.applicable(call, e, 0)
	r, err := g.s.ApplyEntryToStateMachine(e)
	g.applied.forget()
	g.appliedTerm.forget()
	if err == nil && ok {
		g.applied.set(e.Index)
		g.appliedTerm.set(e.Term)
	}
	return r, err
}

func (g *guarded[D, R]) ReplicateToStateMachine(entries []raft.Entry[D]) error {
	if len(entries) == 0 {
		return g.s.ReplicateToStateMachine(entries)
	}
	call := fmt.Sprintf("ReplicateToStateMachine(%v..%v)", entries[0].ID(), entries[len(entries)-1].ID())
	ok := g.applicable(call, &entries[0], 0)
	for k := 1; k < len(entries) && ok; k++ {
		if entries[k].Index != entries[k-1].Index+1 {
			g.caller("apply-contiguous", call, "%v follows %v", entries[k].ID(), entries[k-1].ID())
			ok = false
		}
	}
	ok = ok && g.applicable(call, &entries[len(entries)-1], raft.Index(len(entries)-1))
	err := g.s.ReplicateToStateMachine(entries)
	g.applied.forget()
	g.appliedTerm.forget()
	if err == nil && ok {
		last := entries[len(entries)-1]
		g.applied.set(last.Index)
		g.appliedTerm.set(last.Term)
	}
	return err
}

// applicable checks that e, the k-th of a batch, is the next entry to
// apply and within the log.
func (g *guarded[D, R]) applicable(call string, e *raft.Entry[D], k raft.Index) bool {
	if g.applied.ok && e.Index != g.applied.v+1+k {
		g.caller("apply-contiguous", call, "applies %v, last applied is %d", e.ID(), g.applied.v)
		return false
	}
	if g.lastIndex.ok && e.Index > g.lastIndex.v {
		g.caller("apply-in-log", call, "applies %v, the log ends at %d", e.ID(), g.lastIndex.v)
		return false
	}
	return true
}
