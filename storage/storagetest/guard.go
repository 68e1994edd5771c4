package storagetest

import (
	"fmt"

	"github.com/raftsim/raftsim/raft"
)

// Violation is one rule of the storage contract that a call broke, as a
// Guard saw it.
type Violation struct {
	// Rule names the rule: "term-monotonic", "entries-range", ...
	Rule string
	// Caller is true when the caller broke the rule (a bug in the Raft
	// core or the test), false when the store did.
	Caller bool
	// Call is the call that broke it: "SaveHardState(term 2 vote n1)".
	Call string
	// Detail says how.
	Detail string
}

func (v Violation) String() string {
	who := "store"
	if v.Caller {
		who = "caller"
	}
	return fmt.Sprintf("storagetest: guard: %s broke %s: %s: %s", who, v.Rule, v.Call, v.Detail)
}

// ReportTo returns a Guard callback that fails t with each violation; a
// *testing.T will do.
func ReportTo(t interface {
	Helper()
	Errorf(format string, args ...any)
}) func(Violation) {
	return func(v Violation) {
		t.Helper()
		t.Errorf("%v", v)
	}
}

// Guard wraps s and checks, on every call, the rules a correct caller and
// a correct store keep, passing each violation to report; the call itself
// goes through unchanged. The caller's rules: the term never decreases and
// a vote is cast once per term; entries are valid and appended or
// replicated contiguously; nothing deletes or replaces an applied entry or
// leaves a hole; applies are contiguous and within the log; compaction
// stays within the applied entries; deleteThrough is nil or the
// snapshot's index. The store's: GetLogEntries returns exactly the part of
// the half-open range that exists, with the pointer only first;
// GetInitialState agrees with what the calls wrote (hard state, last entry,
// last applied index: so an older snapshot that moved the state machine
// back shows); compaction snapshots at the last applied entry; the current
// snapshot is the one made or installed last; refusals the contract
// requires happen.
//
// The guard learns the store's state from the calls that pass through it
// (GetInitialState teaches it everything but where a compacted log starts,
// which a read from index 0 teaches), and checks a rule only while it knows
// what the rule needs: after an error or an outcome it cannot predict in O(1), it forgets,
// and relearns at the next GetInitialState. Each call costs O(1) beyond the
// entries it passes or returns; the guard never reads the log on its own.
// A guard knows one store object: wrap a store reopened after a restart in
// a new one.
func Guard[D, R any](s raft.Storage[D, R], report func(Violation)) raft.Storage[D, R] {
	return &guarded[D, R]{s: s, report: report}
}

// known is a value the guard knows, or not.
type known[T any] struct {
	v  T
	ok bool
}

func (k *known[T]) set(v T) { k.v, k.ok = v, true }
func (k *known[T]) forget() { k.ok = false }

// guarded is Guard's wrapper: the store, and what the guard knows of it.
type guarded[D, R any] struct {
	s      raft.Storage[D, R]
	report func(Violation)

	hs          known[raft.HardState]
	first       known[raft.Index] // the first index held: the pointer's, or 1
	lastIndex   known[raft.Index] // 0 for an empty log
	lastTerm    known[raft.Term]
	applied     known[raft.Index]
	appliedTerm known[raft.Term]
	snapID      known[string] // ID of the current snapshot; "" for none
}

var _ raft.Storage[int, int] = (*guarded[int, int])(nil)

func (g *guarded[D, R]) caller(rule, call, format string, args ...any) {
	g.report(Violation{Rule: rule, Caller: true, Call: call, Detail: fmt.Sprintf(format, args...)})
}

func (g *guarded[D, R]) store(rule, call, format string, args ...any) {
	g.report(Violation{Rule: rule, Call: call, Detail: fmt.Sprintf(format, args...)})
}

func (g *guarded[D, R]) forgetLog() {
	g.first.forget()
	g.lastIndex.forget()
	g.lastTerm.forget()
}

func (g *guarded[D, R]) forgetAll() {
	g.forgetLog()
	g.hs.forget()
	g.applied.forget()
	g.appliedTerm.forget()
	g.snapID.forget()
}

func (g *guarded[D, R]) GetMembershipConfig() (raft.Membership, error) {
	m, err := g.s.GetMembershipConfig()
	if err == nil {
		if verr := m.Validate(); verr != nil {
			g.store("membership-valid", "GetMembershipConfig()", "%v", verr)
		}
	}
	return m, err
}

func (g *guarded[D, R]) GetInitialState() (raft.InitialState, error) {
	st, err := g.s.GetInitialState()
	if err != nil {
		g.forgetAll()
		return st, err
	}
	const call = "GetInitialState()"
	if g.hs.ok && st.HardState != g.hs.v {
		g.store("initial-state", call, "hard state %v, saved %v", st.HardState, g.hs.v)
	}
	if g.lastIndex.ok && st.LastLogIndex != g.lastIndex.v {
		g.store("initial-state", call, "last index %d, the log written ends at %d", st.LastLogIndex, g.lastIndex.v)
	}
	if g.lastTerm.ok && st.LastLogTerm != g.lastTerm.v {
		g.store("initial-state", call, "last term %d, the entry written last has term %d", st.LastLogTerm, g.lastTerm.v)
	}
	if g.applied.ok && st.LastAppliedLog != g.applied.v {
		g.store("initial-state", call, "last applied %d, applied through %d", st.LastAppliedLog, g.applied.v)
	}
	if st.LastAppliedLog > st.LastLogIndex {
		g.store("initial-state", call, "the log ends at %d, before last applied %d, and no error", st.LastLogIndex, st.LastAppliedLog)
	}
	if err := st.Membership.Validate(); err != nil {
		g.store("membership-valid", call, "%v", err)
	}
	g.hs.set(st.HardState)
	g.lastIndex.set(st.LastLogIndex)
	g.lastTerm.set(st.LastLogTerm)
	if !g.applied.ok || g.applied.v != st.LastAppliedLog {
		g.appliedTerm.forget()
	}
	g.applied.set(st.LastAppliedLog)
	if st.LastAppliedLog == 0 {
		// Pointers and snapshots cover applied entries: there is none, so
		// the log (if any) starts at 1.
		g.first.set(1)
		g.snapID.set("")
	}
	return st, nil
}

func (g *guarded[D, R]) SaveHardState(hs raft.HardState) error {
	call := fmt.Sprintf("SaveHardState(%v)", hs)
	refusable := false
	if old := g.hs; old.ok {
		switch {
		case hs.CurrentTerm < old.v.CurrentTerm:
			g.caller("term-monotonic", call, "term goes back from %d", old.v.CurrentTerm)
			refusable = true
		case hs.CurrentTerm == old.v.CurrentTerm && old.v.VotedFor != raft.None && hs.VotedFor != old.v.VotedFor:
			g.caller("one-vote-per-term", call, "term %d's vote was %v", old.v.CurrentTerm, old.v.VotedFor)
			refusable = true
		}
	}
	err := g.s.SaveHardState(hs)
	switch {
	case err != nil:
		g.hs.forget()
	case refusable:
		g.store("hard-state-refusal", call, "accepted, but the contract refuses it (ErrInconsistent)")
		g.hs.forget()
	default:
		g.hs.set(hs)
	}
	return err
}

func (g *guarded[D, R]) GetCurrentSnapshot() (*raft.CurrentSnapshot, error) {
	cs, err := g.s.GetCurrentSnapshot()
	if err != nil {
		return cs, err
	}
	const call = "GetCurrentSnapshot()"
	id := ""
	if cs != nil {
		id = cs.ID
	}
	switch {
	case g.snapID.ok && id != g.snapID.v:
		g.store("current-snapshot", call, "snapshot %q, but the last one made or installed is %q", id, g.snapID.v)
	case cs == nil:
	case cs.Snapshot == nil || cs.ID == "":
		g.store("current-snapshot", call, "snapshot %d/%d with id %q and handle %v", cs.Term, cs.Index, cs.ID, cs.Snapshot)
	case g.applied.ok && cs.Index > g.applied.v:
		g.store("current-snapshot", call, "snapshot at %d, beyond last applied %d", cs.Index, g.applied.v)
	}
	g.snapID.set(id)
	return cs, err
}

func (g *guarded[D, R]) CreateSnapshot() (string, raft.SnapshotHandle, error) {
	id, h, err := g.s.CreateSnapshot()
	if err == nil && (id == "" || h == nil) {
		g.store("create-snapshot", "CreateSnapshot()", "id %q, handle %v", id, h)
	}
	return id, h, err
}
