package storagetest

import (
	"errors"
	"fmt"
	"io"

	"github.com/stretchr/testify/require"

	"github.com/raftsim/raftsim/raft"
)

// node is one store under test and the machine it applies to: the rig the
// conformance cases drive. Its helpers fail the case on any error.
type node struct {
	t  TB
	f  Factory
	id raft.NodeID
	s  Store
	sm *SM
}

// open returns a pristine store of node id.
func open(t TB, f Factory, id raft.NodeID) *node {
	t.Helper()
	sm := NewSM()
	s := f.New(t, id, sm)
	if s == nil {
		t.Fatalf("storagetest: factory New(%v) returned nil", id)
	}
	return &node{t: t, f: f, id: id, s: s, sm: sm}
}

// reopen restarts the store on its medium with a fresh machine (or keeps
// it, when the factory cannot reopen), and applies again what the restart
// took back of the last applied index, as the core would (see catchUp).
func (n *node) reopen() {
	n.t.Helper()
	applied := n.initial().LastAppliedLog
	sm := NewSM()
	if s := n.f.Reopen(n.t, n.s, sm); s != nil {
		n.s, n.sm = s, sm
	}
	recovered, err := catchUp(n.s, applied)
	require.NoError(n.t, err, "after a restart")
	if recovered != applied {
		n.t.Logf("the restart recovered last applied %d of %d; applied the rest again", recovered, applied)
	}
}

func (n *node) initial() raft.InitialState {
	n.t.Helper()
	st, err := n.s.GetInitialState()
	require.NoError(n.t, err, "GetInitialState")
	return st
}

func (n *node) membership() raft.Membership {
	n.t.Helper()
	m, err := n.s.GetMembershipConfig()
	require.NoError(n.t, err, "GetMembershipConfig")
	return m
}

func (n *node) save(term raft.Term, vote raft.NodeID) {
	n.t.Helper()
	require.NoError(n.t, n.s.SaveHardState(raft.HardState{CurrentTerm: term, VotedFor: vote}), "SaveHardState")
}

// append appends entries as a leader does, one call each.
func (n *node) append(es ...raft.Entry[Cmd]) {
	n.t.Helper()
	for k := range es {
		require.NoError(n.t, n.s.AppendEntryToLog(&es[k]), "AppendEntryToLog %v", es[k])
	}
}

func (n *node) replicate(es ...raft.Entry[Cmd]) {
	n.t.Helper()
	require.NoError(n.t, n.s.ReplicateToLog(es), "ReplicateToLog %v", es)
}

func (n *node) entries(start, stop raft.Index) []raft.Entry[Cmd] {
	n.t.Helper()
	es, err := n.s.GetLogEntries(start, stop)
	require.NoError(n.t, err, "GetLogEntries(%d, %d)", start, stop)
	return es
}

// log returns every entry the store holds, and a few indices beyond the
// last it reports, so that entries it keeps by mistake show too.
func (n *node) log() []raft.Entry[Cmd] {
	n.t.Helper()
	return n.entries(0, n.initial().LastLogIndex+8)
}

// requireLog checks the log's entry IDs: "term/index", with "p" after a
// snapshot pointer's.
func (n *node) requireLog(want ...string) {
	n.t.Helper()
	require.Equal(n.t, want, entryIDs(n.log()), "the log")
}

// applyThrough applies the log through index i, one entry per call, and
// checks each response against a reference machine that applied the same.
func (n *node) applyThrough(i raft.Index) {
	n.t.Helper()
	st := n.initial()
	for _, e := range n.entries(st.LastAppliedLog+1, i+1) {
		want := n.expectResp(&e)
		got, err := n.s.ApplyEntryToStateMachine(&e)
		require.NoError(n.t, err, "ApplyEntryToStateMachine %v", e)
		require.Equal(n.t, want, got, "response to %v", e)
	}
	require.Equal(n.t, i, n.initial().LastAppliedLog, "last applied")
}

// expectResp is the response applying e must give: what a copy of the
// node's machine answers.
func (n *node) expectResp(e *raft.Entry[Cmd]) Resp {
	n.t.Helper()
	if e.Kind != raft.EntryNormal {
		return Resp{}
	}
	ref := cloneSM(n.t, n.sm)
	return ref.Apply(e.Index, e.Data)
}

// install streams snap into a handle from CreateSnapshot, in chunks, and
// finalizes it. It returns the snapshot's ID and Finalize's error.
func (n *node) install(snap []byte, deleteThrough *raft.Index) (string, error) {
	n.t.Helper()
	meta, _, err := raft.DecodeSnapshot(snap)
	require.NoError(n.t, err, "the kit's snapshot bytes")
	id, h := n.create()
	writeChunks(n.t, h, snap, 3)
	require.NoError(n.t, h.Close(), "close snapshot handle %s", id)
	return id, n.s.FinalizeSnapshotInstallation(meta.Index, meta.Term, deleteThrough, id, h)
}

func (n *node) create() (string, raft.SnapshotHandle) {
	n.t.Helper()
	id, h, err := n.s.CreateSnapshot()
	require.NoError(n.t, err, "CreateSnapshot")
	require.NotEmpty(n.t, id, "CreateSnapshot: snapshot id")
	require.NotNil(n.t, h, "CreateSnapshot: handle")
	return id, h
}

func (n *node) compact(through raft.Index) raft.CurrentSnapshot {
	n.t.Helper()
	cs, err := n.s.DoLogCompaction(through)
	require.NoError(n.t, err, "DoLogCompaction(%d)", through)
	return cs
}

// current returns the current snapshot's metadata and bytes, or nils.
func (n *node) current() (*raft.CurrentSnapshot, []byte) {
	n.t.Helper()
	cs, err := n.s.GetCurrentSnapshot()
	require.NoError(n.t, err, "GetCurrentSnapshot")
	if cs == nil {
		return nil, nil
	}
	require.NotNil(n.t, cs.Snapshot, "GetCurrentSnapshot: handle")
	b, err := io.ReadAll(cs.Snapshot)
	require.NoError(n.t, err, "read the current snapshot")
	return cs, b
}

// catchUp brings a restarted store back to last applied index applied, as
// the core does: a store may persist its last applied index lazily
// (simdisk writes it with the next log write), so a restart may recover an
// older one, with a state machine rebuilt to match, and the core applies
// the entries after it again. It returns the index the store recovered.
// Recovering a later index, or one the log can no longer catch up from
// (behind the snapshot), is an error; a machine out of step with the
// index shows when the caller compares it afterwards.
func catchUp(s Store, applied raft.Index) (raft.Index, error) {
	st, err := s.GetInitialState()
	if err != nil {
		return 0, fmt.Errorf("GetInitialState: %w", err)
	}
	got := st.LastAppliedLog
	switch {
	case got > applied:
		return got, fmt.Errorf("recovered last applied %d, beyond the %d applied before", got, applied)
	case got == applied:
		return got, nil
	}
	es, err := s.GetLogEntries(got+1, applied+1)
	if err != nil {
		return got, fmt.Errorf("GetLogEntries(%d, %d): %w", got+1, applied+1, err)
	}
	if len(es) != int(applied-got) || es[0].Kind == raft.EntrySnapshotPointer {
		return got, fmt.Errorf("recovered last applied %d of %d, but the log cannot catch up from there: it holds %v", got, applied, entryIDs(es))
	}
	if err := s.ReplicateToStateMachine(es); err != nil {
		return got, fmt.Errorf("apply %d..%d again: %w", got+1, applied, err)
	}
	return got, nil
}

// check reads everything back and fails on a store that contradicts
// itself (see observe).
func (n *node) check() state {
	n.t.Helper()
	st, err := observe(n.s, n.sm, n.id)
	require.NoError(n.t, err)
	return st
}

// requireRefused checks that err is a refusal (wrapping
// raft.ErrInconsistent) and that the store did not change.
func (n *node) requireRefused(err error, before state, what string) {
	n.t.Helper()
	require.Error(n.t, err, "%s must be refused", what)
	require.True(n.t, errors.Is(err, raft.ErrInconsistent), "%s: error %q does not wrap raft.ErrInconsistent", what, err)
	require.Equal(n.t, before.String(), n.check().String(), "%s was refused but changed the store", what)
}

// writeChunks writes b to h in up to n chunks, as a leader streams it.
func writeChunks(t TB, h raft.SnapshotHandle, b []byte, n int) {
	t.Helper()
	size := max(1, (len(b)+n-1)/n)
	for off := 0; off < len(b); off += size {
		k, err := h.Write(b[off:min(off+size, len(b))])
		require.NoError(t, err, "write snapshot chunk at %d", off)
		require.Equal(t, min(size, len(b)-off), k, "write snapshot chunk at %d", off)
	}
}

func cloneSM(t TB, m *SM) *SM {
	t.Helper()
	b, err := m.Snapshot()
	require.NoError(t, err)
	c := NewSM()
	require.NoError(t, c.Restore(b))
	return c
}

// Entry builders, term first as in "3/7".

func normal(term raft.Term, index raft.Index, key, value string) raft.Entry[Cmd] {
	return raft.Entry[Cmd]{Term: term, Index: index, Kind: raft.EntryNormal, Data: Cmd{Key: key, Value: value}}
}

func blank(term raft.Term, index raft.Index) raft.Entry[Cmd] {
	return raft.Entry[Cmd]{Term: term, Index: index, Kind: raft.EntryBlank}
}

func config(term raft.Term, index raft.Index, members ...raft.NodeID) raft.Entry[Cmd] {
	m := raft.NewMembership(members...)
	return raft.Entry[Cmd]{Term: term, Index: index, Kind: raft.EntryConfigChange, Membership: &m}
}

func joint(term raft.Term, index raft.Index, from, to []raft.NodeID) raft.Entry[Cmd] {
	m := raft.NewMembership(from...)
	m.MembersAfterConsensus = raft.NewMembership(to...).Members
	return raft.Entry[Cmd]{Term: term, Index: index, Kind: raft.EntryConfigChange, Membership: &m}
}

// run returns normal entries from index start on, one per term given; the
// command of the entry at index i appends "v<i>" (or "v<i>t<term>" after a
// term change, so conflicting entries differ in data too) to "k".
func run(start raft.Index, terms ...raft.Term) []raft.Entry[Cmd] {
	es := make([]raft.Entry[Cmd], len(terms))
	for k, term := range terms {
		i := start + raft.Index(k)
		es[k] = normal(term, i, "k", fmt.Sprintf("v%dt%d", i, term))
	}
	return es
}

// snapshotOf returns snapshot bytes covering index/term with membership m,
// whose state is a machine that applied one command per index through
// index, and that machine.
func snapshotOf(index raft.Index, term raft.Term, m raft.Membership, key string) ([]byte, *SM) {
	sm := NewSM()
	for i := raft.Index(1); i <= index; i++ {
		sm.Apply(i, Cmd{Key: key, Value: fmt.Sprint("s", i)})
	}
	state, err := sm.Snapshot()
	if err != nil {
		panic(err) // SM.Snapshot never fails
	}
	return raft.EncodeSnapshot(raft.SnapshotMeta{Index: index, Term: term, Membership: m}, state), sm
}

// entryIDs renders entries as "term/index", with "p" after a pointer's.
func entryIDs(es []raft.Entry[Cmd]) []string {
	if len(es) == 0 {
		return nil
	}
	out := make([]string, len(es))
	for k := range es {
		out[k] = es[k].ID().String()
		if es[k].Kind == raft.EntrySnapshotPointer {
			out[k] += "p"
		}
	}
	return out
}

func ptr(i raft.Index) *raft.Index { return &i }
