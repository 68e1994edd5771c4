package storagetest

import (
	"fmt"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/raftsim/raftsim/raft"
)

// collector keeps the violations a guard reports.
type collector struct{ vs []Violation }

func (c *collector) add(v Violation) { c.vs = append(c.vs, v) }

func (c *collector) has(rule string, caller bool) bool {
	return slices.ContainsFunc(c.vs, func(v Violation) bool { return v.Rule == rule && v.Caller == caller })
}

// guardedFactory wraps every store f makes in a guard reporting to c.
type guardedFactory struct {
	f Factory
	c *collector
}

func (g guardedFactory) New(t TB, id raft.NodeID, sm raft.StateMachine[Cmd, Resp]) Store {
	return Guard(g.f.New(t, id, sm), g.c.add)
}

func (g guardedFactory) Reopen(t TB, old Store, sm raft.StateMachine[Cmd, Resp]) Store {
	s := g.f.Reopen(t, old.(*guarded[Cmd, Resp]).s, sm)
	if s == nil {
		return nil
	}
	return Guard(s, g.c.add)
}

// deliberate names the cases that break a caller rule on purpose, to see
// the store refuse.
var deliberate = []string{
	"initial-log-behind-applied", "initial-conflict-at-applied",
	"hardstate-term-back-refused", "hardstate-vote-change-refused",
	"delete-middle-refused", "delete-applied-refused",
}

// TestGuardQuietOnCorrectStores: under every case, a guard on a correct
// store reports nothing of the store, and of the caller only what the
// deliberate cases do.
func TestGuardQuietOnCorrectStores(t *testing.T) {
	for name, f := range map[string]Factory{"memstore": memFactory, "journal": journal{}} {
		for _, c := range Cases() {
			col := &collector{}
			failure := runRecorded(func(tb TB) { c.Run(tb, guardedFactory{f: f, c: col}) })
			require.Empty(t, failure, "%s: case %s under a guard", name, c.Name)
			for _, v := range col.vs {
				if !v.Caller || !slices.Contains(deliberate, c.Name) {
					t.Errorf("%s: case %s: %v", name, c.Name, v)
				}
			}
		}
	}
}

// guardRule is one scripted call sequence and the rule it must break.
type guardRule struct {
	rule   string
	caller bool
	f      Factory
	script func(s Store)
}

func guardRules() []guardRule {
	mem := memFactory
	m := func(name string) Factory { return mutantNamed(name) }
	return []guardRule{
		{"term-monotonic", true, mem, func(s Store) { save(s, 5, 1); save(s, 4, 1) }},
		{"one-vote-per-term", true, mem, func(s Store) { save(s, 5, 1); save(s, 5, 2) }},
		{"entry-valid", true, mem, func(s Store) {
			e := raft.NewSnapshotPointer[Cmd](1, 1, "x", raft.NewMembership(1))
			_ = s.AppendEntryToLog(&e)
		}},
		{"append-contiguous", true, mem, func(s Store) { appendAll(s, run(1, 1)...); appendAll(s, run(3, 1)...) }},
		{"append-contiguous", true, mem, func(s Store) { appendAll(s, run(1, 2)...); appendAll(s, run(2, 1)...) }},
		{"replicate-contiguous", true, mem, func(s Store) { _ = s.ReplicateToLog(append(run(1, 1), run(3, 1)...)) }},
		{"replicate-contiguous", true, mem, func(s Store) { appendAll(s, run(1, 1)...); _ = s.ReplicateToLog(run(3, 1)) }},
		{"replicate-applied", true, mem, func(s Store) { appendAll(s, run(1, 1, 1, 1)...); applyAll(s, 2); _ = s.ReplicateToLog(run(2, 2)) }},
		{"delete-suffix", true, mem, func(s Store) { appendAll(s, run(1, 1, 1, 1)...); read(s); _ = s.DeleteLogsFrom(2, ptr(3)) }},
		{"delete-applied", true, mem, func(s Store) { appendAll(s, run(1, 1, 1, 1)...); applyAll(s, 2); read(s); _ = s.DeleteLogsFrom(2, nil) }},
		{"apply-contiguous", true, mem, func(s Store) { appendAll(s, run(1, 1, 1)...); e := run(2, 1)[0]; _, _ = s.ApplyEntryToStateMachine(&e) }},
		{"apply-in-log", true, mem, func(s Store) { e := run(1, 1)[0]; _, _ = s.ApplyEntryToStateMachine(&e) }},
		{"compact-range", true, mem, func(s Store) { appendAll(s, run(1, 1, 1)...); applyAll(s, 1); _, _ = s.DoLogCompaction(2) }},
		{"install-delete-through", true, mem, func(s Store) { installAt(s, 3, ptr(2)) }},
		{"entries-range", false, m("inclusive-stop"), func(s Store) { appendAll(s, run(1, 1, 1, 1)...); _, _ = s.GetLogEntries(2, 3) }},
		{"entries-range", false, m("compaction-leaves-entries"), func(s Store) { compacted(s); _, _ = s.GetLogEntries(0, 10) }},
		{"entries-range", false, m("pointer-hidden"), func(s Store) { compacted(s); _, _ = s.GetLogEntries(0, 10) }},
		{"hard-state-refusal", false, m("vote-change-accepted"), func(s Store) { save(s, 5, 1); save(s, 5, 2) }},
		{"delete-refusal", false, m("delete-ignores-stop"), func(s Store) { appendAll(s, run(1, 1, 1, 1)...); read(s); _ = s.DeleteLogsFrom(2, ptr(3)) }},
		{"initial-state", false, m("older-snapshot-moves-back"), func(s Store) { appendAll(s, run(1, 1, 1, 1)...); applyAll(s, 3); installAt(s, 2, nil) }},
		{"entries-range", false, m("replicate-keeps-stale-tail"), func(s Store) {
			appendAll(s, run(1, 1, 1, 1)...)
			_ = s.ReplicateToLog(run(2, 2))
			_, _ = s.GetInitialState()
			read(s)
		}},
		{"compaction-snapshot", false, m("compaction-snapshot-at-through"), func(s Store) { appendAll(s, run(1, 1, 1, 1)...); applyAll(s, 3); _, _ = s.DoLogCompaction(2) }},
		{"current-snapshot", false, m("old-snapshot-kept"), func(s Store) { compacted(s); installAt(s, 6, nil); _, _ = s.GetCurrentSnapshot() }},
	}
}

// TestGuardRules: each rule fires on the call sequence that breaks it.
func TestGuardRules(t *testing.T) {
	for _, r := range guardRules() {
		col := &collector{}
		failure := runRecorded(func(tb TB) {
			s := Guard(r.f.New(tb, 1, NewSM()), col.add)
			_, _ = s.GetInitialState()
			r.script(s)
			_, _ = s.GetInitialState()
		})
		require.Empty(t, failure)
		require.True(t, col.has(r.rule, r.caller), "rule %s (caller %v) did not fire; reported: %v", r.rule, r.caller, col.vs)
	}
}

func TestGuardViolationString(t *testing.T) {
	v := Violation{Rule: "term-monotonic", Caller: true, Call: "SaveHardState(term 4 vote n1)", Detail: "term goes back from 5"}
	require.Equal(t, "storagetest: guard: caller broke term-monotonic: SaveHardState(term 4 vote n1): term goes back from 5", v.String())
	var got []string
	ReportTo(&fakeT{errorf: func(format string, args ...any) { got = append(got, fmt.Sprintf(format, args...)) }})(v)
	require.Equal(t, []string{v.String()}, got)
}

type fakeT struct{ errorf func(string, ...any) }

func (f *fakeT) Helper()                           {}
func (f *fakeT) Errorf(format string, args ...any) { f.errorf(format, args...) }

func mutantNamed(name string) Factory {
	for _, m := range mutants() {
		if m.name == name {
			return m.f
		}
	}
	panic("no mutant " + name)
}

// Script helpers: they ignore errors, since a script may break rules.

func save(s Store, term raft.Term, vote raft.NodeID) {
	_ = s.SaveHardState(raft.HardState{CurrentTerm: term, VotedFor: vote})
}

func appendAll(s Store, es ...raft.Entry[Cmd]) {
	for k := range es {
		_ = s.AppendEntryToLog(&es[k])
	}
}

func applyAll(s Store, through raft.Index) {
	es, _ := s.GetLogEntries(1, through+1)
	_ = s.ReplicateToStateMachine(es)
}

func read(s Store) { _, _ = s.GetLogEntries(0, 100) }

// compacted leaves 1/3p 1/4 with 4 applied.
func compacted(s Store) {
	appendAll(s, run(1, 1, 1, 1, 1)...)
	applyAll(s, 4)
	read(s)
	_, _ = s.DoLogCompaction(3)
}

func installAt(s Store, index raft.Index, deleteThrough *raft.Index) {
	snap, _ := snapshotOf(index, 1, raft.NewMembership(1), "s")
	id, h, _ := s.CreateSnapshot()
	_, _ = h.Write(snap)
	_ = h.Close()
	_ = s.FinalizeSnapshotInstallation(index, 1, deleteThrough, id, h)
}
