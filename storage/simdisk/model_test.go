package simdisk

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/raftsim/raftsim/raft"
	"github.com/raftsim/raftsim/storage/memstore"
)

// TestModel drives memstore (the model) and this store on the simulated
// disk with the same random calls, valid and not, restarting this store
// now and then. After every call both must answer alike (the same error,
// but for the package prefix) and show the same state; after a restart,
// this store may have an older last applied index (see the package doc),
// and is brought level by applying the entries again, as the core would.
func TestModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		m := newModelRun(t)
		t.Repeat(map[string]func(*rapid.T){
			"append":          m.append,
			"replicate":       m.replicate,
			"delete":          m.delete,
			"apply":           m.apply,
			"compact":         m.compact,
			"install":         m.install,
			"save hard state": m.saveHardState,
			"restart":         m.restart,
			"":                m.check,
		})
	})
}

type modelRun struct {
	model    *memstore.Store[string, int]
	modelSM  *listSM
	subject  *rig
	commands int
}

func newModelRun(t *rapid.T) *modelRun {
	sm := &listSM{}
	m := &modelRun{model: memstore.New[string, int](1, sm), modelSM: sm}
	m.subject = newRig(t, "sim")
	return m
}

// both runs one call on the model and the subject, and checks that they
// answer alike.
func (m *modelRun) both(t *rapid.T, what string, call func(s raft.Storage[string, int]) error) {
	want := call(m.model)
	got := call(m.subject.s)
	if want == nil {
		require.NoError(t, got, "%s: the model accepted it", what)
		return
	}
	require.Error(t, got, "%s: the model refused it: %v", what, want)
	require.Equal(t, strings.TrimPrefix(want.Error(), "memstore: "), strings.TrimPrefix(got.Error(), "simdisk: "), what)
}

func (m *modelRun) lastEntry() (raft.Index, raft.Term) {
	st, _ := m.model.GetInitialState()
	return st.LastLogIndex, st.LastLogTerm
}

func (m *modelRun) termAt(i raft.Index) (raft.Term, bool) {
	es, _ := m.model.GetLogEntries(i, i+1)
	if len(es) == 0 {
		return 0, false
	}
	return es[0].Term, true
}

func (m *modelRun) entry(t *rapid.T, term raft.Term, index raft.Index) raft.Entry[string] {
	switch rapid.IntRange(0, 5).Draw(t, "kind") {
	case 0:
		return blank(term, index)
	case 1:
		return config(term, index, raft.NodeID(rapid.IntRange(1, 5).Draw(t, "member")), 1)
	default:
		m.commands++
		return normal(term, index, fmt.Sprint("c", m.commands, strings.Repeat("x", rapid.IntRange(0, 700).Draw(t, "pad"))))
	}
}

func (m *modelRun) append(t *rapid.T) {
	last, lastTerm := m.lastEntry()
	index := last + 1
	if rapid.IntRange(0, 9).Draw(t, "off") == 0 {
		index = raft.Index(rapid.Uint64Range(0, uint64(last)+3).Draw(t, "index"))
	}
	term := addTerm(lastTerm, rapid.IntRange(-1, 2).Draw(t, "dterm"))
	e := m.entry(t, term, index)
	m.both(t, fmt.Sprint("append ", e), func(s raft.Storage[string, int]) error { return s.AppendEntryToLog(&e) })
}

func (m *modelRun) replicate(t *rapid.T) {
	last, _ := m.lastEntry()
	start := raft.Index(rapid.Uint64Range(1, uint64(last)+2).Draw(t, "start"))
	term, ok := m.termAt(start - 1)
	if !ok {
		term = 1
	}
	term += raft.Term(rapid.IntRange(0, 2).Draw(t, "dterm"))
	var batch []raft.Entry[string]
	for k := range rapid.IntRange(0, 5).Draw(t, "len") {
		term += raft.Term(rapid.IntRange(0, 1).Draw(t, "step"))
		batch = append(batch, m.entry(t, term, start+raft.Index(k)))
	}
	m.both(t, fmt.Sprint("replicate ", batch), func(s raft.Storage[string, int]) error { return s.ReplicateToLog(batch) })
}

func (m *modelRun) delete(t *rapid.T) {
	last, _ := m.lastEntry()
	start := raft.Index(rapid.Uint64Range(0, uint64(last)+2).Draw(t, "start"))
	var stop *raft.Index
	if rapid.Bool().Draw(t, "bounded") {
		stop = idx(raft.Index(rapid.Uint64Range(0, uint64(last)+3).Draw(t, "stop")))
	}
	m.both(t, fmt.Sprint("delete from ", start), func(s raft.Storage[string, int]) error { return s.DeleteLogsFrom(start, stop) })
}

func (m *modelRun) apply(t *rapid.T) {
	st, _ := m.model.GetInitialState()
	next := st.LastAppliedLog + 1
	if rapid.IntRange(0, 9).Draw(t, "off") == 0 {
		next = raft.Index(rapid.Uint64Range(0, uint64(st.LastLogIndex)+1).Draw(t, "index"))
	}
	es, err := m.model.GetLogEntries(next, next+raft.Index(rapid.IntRange(1, 4).Draw(t, "n")))
	require.NoError(t, err)
	if len(es) == 0 {
		t.Skip("nothing to apply")
	}
	m.both(t, fmt.Sprint("apply ", es), func(s raft.Storage[string, int]) error { return s.ReplicateToStateMachine(es) })
}

func (m *modelRun) compact(t *rapid.T) {
	st, _ := m.model.GetInitialState()
	through := raft.Index(rapid.Uint64Range(0, uint64(st.LastAppliedLog)+1).Draw(t, "through"))
	m.both(t, fmt.Sprint("compact through ", through), func(s raft.Storage[string, int]) error {
		_, err := s.DoLogCompaction(through)
		return err
	})
}

func (m *modelRun) install(t *rapid.T) {
	last, lastTerm := m.lastEntry()
	index := raft.Index(rapid.Uint64Range(1, uint64(last)+3).Draw(t, "index"))
	term := raft.Term(rapid.Uint64Range(1, uint64(lastTerm)+2).Draw(t, "term"))
	if held, ok := m.termAt(index); ok && rapid.Bool().Draw(t, "matching") {
		term = held
	}
	var deleteThrough *raft.Index
	if rapid.IntRange(0, 2).Draw(t, "delete through") > 0 {
		deleteThrough = &index
	}
	donor := &listSM{Items: []string{fmt.Sprint("snap", index)}, Indices: []raft.Index{index}}
	state, err := donor.Snapshot()
	require.NoError(t, err)
	meta := raft.SnapshotMeta{Index: index, Term: term, Membership: raft.NewMembership(1, raft.NodeID(rapid.IntRange(1, 5).Draw(t, "member")))}
	data := raft.EncodeSnapshot(meta, state)
	m.both(t, fmt.Sprint("install ", meta), func(s raft.Storage[string, int]) error {
		id, h, err := s.CreateSnapshot()
		if err != nil {
			return err
		}
		if _, err := h.Write(data); err != nil {
			return err
		}
		return s.FinalizeSnapshotInstallation(index, term, deleteThrough, id, h)
	})
}

func (m *modelRun) saveHardState(t *rapid.T) {
	st, _ := m.model.GetInitialState()
	hs := raft.HardState{
		CurrentTerm: addTerm(st.HardState.CurrentTerm, rapid.IntRange(-1, 1).Draw(t, "dterm")),
		VotedFor:    raft.NodeID(rapid.IntRange(0, 3).Draw(t, "vote")),
	}
	m.both(t, fmt.Sprint("save ", hs), func(s raft.Storage[string, int]) error { return s.SaveHardState(hs) })
}

// restart reopens the subject, checks it kept everything durable, and
// applies again what it had applied before, as the core would.
func (m *modelRun) restart(t *rapid.T) {
	m.subject.requireSurvivesRestart()
	st, _ := m.model.GetInitialState()
	m.subject.mustApply(st.LastAppliedLog)
}

func (m *modelRun) check(t *rapid.T) {
	want := normalizeIDs(observe(t, m.model, m.modelSM))
	got := normalizeIDs(m.subject.view())
	require.Equal(t, want, got)
}

// normalizeIDs blanks snapshot IDs, after checking that the pointer names
// the live snapshot: the two stores number their IDs differently (both
// uniquely).
func normalizeIDs(v view) view {
	if len(v.Log) > 0 && v.Log[0].Kind == raft.EntrySnapshotPointer {
		if v.Snapshot == nil || v.Log[0].SnapshotID != v.Snapshot.ID {
			panic(fmt.Sprintf("the pointer names %q, the live snapshot is %v", v.Log[0].SnapshotID, v.Snapshot))
		}
		v.Log[0].SnapshotID = ""
	}
	if v.Snapshot != nil {
		v.Snapshot.ID = ""
	}
	return v
}

// addTerm returns t+d, never below 0.
func addTerm(t raft.Term, d int) raft.Term {
	if d < 0 && raft.Term(-d) > t {
		return 0
	}
	return raft.Term(int64(t) + int64(d))
}
