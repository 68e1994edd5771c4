package memstore

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/raftsim/raftsim/raft"
)

// TestPropertyLogShape drives a store with random calls, valid and not, and
// checks after each one that the log read back through the API is
// contiguous (GetLogEntries(first, last+1) holds exactly first..last), starts
// at 1 or with a pointer, has non-decreasing terms, never ends before the
// last applied index, and agrees with GetMembershipConfig; and that every
// call that fails changes nothing.
func TestPropertyLogShape(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		sm := &listSM{}
		s := New[string, int](1, sm)
		p := &propStore{s: s, sm: sm}
		t.Repeat(map[string]func(*rapid.T){
			"append":          p.append,
			"replicate":       p.replicate,
			"delete":          p.delete,
			"apply":           p.apply,
			"compact":         p.compact,
			"install":         p.install,
			"save hard state": p.saveHardState,
			"":                p.check,
		})
	})
}

type propStore struct {
	s  *Store[string, int]
	sm *listSM
	n  int // commands made, to give each a distinct payload
}

// entry draws a random entry of a kind other than snapshot pointer.
func (p *propStore) entry(t *rapid.T, term raft.Term, index raft.Index) raft.Entry[string] {
	switch rapid.IntRange(0, 5).Draw(t, "kind") {
	case 0:
		return blank(term, index)
	case 1:
		return config(term, index, raft.NodeID(rapid.IntRange(1, 5).Draw(t, "member")), 1)
	default:
		p.n++
		return normal(term, index, fmt.Sprint("c", p.n))
	}
}

// run calls f and, when it fails, checks that the store did not change.
func (p *propStore) run(t *rapid.T, what string, f func() error) error {
	before := dumpStore(p.s, p.sm)
	err := f()
	if err != nil {
		t.Logf("%s: %v", what, err)
		require.Equal(t, before, dumpStore(p.s, p.sm), "%s failed and changed the store: %v", what, err)
	}
	return err
}

func (p *propStore) append(t *rapid.T) {
	last := p.s.lastIndex()
	index := last + 1
	if rapid.IntRange(0, 9).Draw(t, "off") == 0 {
		index = raft.Index(rapid.Uint64Range(0, uint64(last)+3).Draw(t, "index"))
	}
	term := addTerm(p.s.lastTerm(), rapid.IntRange(-1, 2).Draw(t, "dterm"))
	e := p.entry(t, term, index)
	_ = p.run(t, fmt.Sprint("append ", e), func() error { return p.s.AppendEntryToLog(&e) })
}

func (p *propStore) replicate(t *rapid.T) {
	last := p.s.lastIndex()
	start := raft.Index(rapid.Uint64Range(1, uint64(last)+2).Draw(t, "start"))
	term := raft.Term(1)
	if prev := p.s.entry(start - 1); prev != nil {
		term = prev.Term
	}
	term += raft.Term(rapid.IntRange(0, 2).Draw(t, "dterm"))
	var batch []raft.Entry[string]
	for k := range rapid.IntRange(0, 4).Draw(t, "len") {
		term += raft.Term(rapid.IntRange(0, 1).Draw(t, "step"))
		batch = append(batch, p.entry(t, term, start+raft.Index(k)))
	}
	if err := p.run(t, fmt.Sprint("replicate ", batch), func() error { return p.s.ReplicateToLog(batch) }); err != nil {
		return
	}
	for _, e := range batch {
		if e.Index < p.s.firstIndex() {
			continue // covered by the snapshot
		}
		held := p.s.entry(e.Index)
		require.NotNil(t, held, "replicated %v is missing", e.ID())
		require.Equal(t, e.Term, held.Term, "replicated %v, log holds %v", e.ID(), held.ID())
	}
}

func (p *propStore) delete(t *rapid.T) {
	last := p.s.lastIndex()
	start := raft.Index(rapid.Uint64Range(0, uint64(last)+2).Draw(t, "start"))
	var stop *raft.Index
	if rapid.Bool().Draw(t, "bounded") {
		v := raft.Index(rapid.Uint64Range(0, uint64(last)+3).Draw(t, "stop"))
		stop = &v
	}
	_ = p.run(t, fmt.Sprint("delete from ", start), func() error { return p.s.DeleteLogsFrom(start, stop) })
}

func (p *propStore) apply(t *rapid.T) {
	next := p.s.lastApplied + 1
	if rapid.IntRange(0, 9).Draw(t, "off") == 0 {
		next = raft.Index(rapid.Uint64Range(0, uint64(p.s.lastIndex())+1).Draw(t, "index"))
	}
	es, err := p.s.GetLogEntries(next, next+raft.Index(rapid.IntRange(1, 3).Draw(t, "n")))
	require.NoError(t, err)
	if len(es) == 0 {
		t.Skip("nothing to apply")
	}
	if len(es) == 1 {
		_ = p.run(t, fmt.Sprint("apply ", es[0]), func() error {
			_, err := p.s.ApplyEntryToStateMachine(&es[0])
			return err
		})
		return
	}
	_ = p.run(t, fmt.Sprint("apply batch ", es), func() error { return p.s.ReplicateToStateMachine(es) })
}

func (p *propStore) compact(t *rapid.T) {
	through := raft.Index(rapid.Uint64Range(0, uint64(p.s.lastApplied)+1).Draw(t, "through"))
	_ = p.run(t, fmt.Sprint("compact through ", through), func() error {
		_, err := p.s.DoLogCompaction(through)
		return err
	})
}

func (p *propStore) install(t *rapid.T) {
	index := raft.Index(rapid.Uint64Range(1, uint64(p.s.lastIndex())+3).Draw(t, "index"))
	term := raft.Term(rapid.Uint64Range(1, uint64(p.s.lastTerm())+2).Draw(t, "term"))
	if held := p.s.entry(index); held != nil && rapid.Bool().Draw(t, "matching") {
		term = held.Term
	}
	var deleteThrough *raft.Index
	switch rapid.IntRange(0, 3).Draw(t, "delete through") {
	case 0:
	case 1, 2:
		deleteThrough = &index
	default:
		v := raft.Index(rapid.Uint64Range(0, uint64(index)+2).Draw(t, "other"))
		deleteThrough = &v
	}
	donor := &listSM{Items: []string{fmt.Sprint("snap", index)}, Indices: []raft.Index{index}}
	state, err := donor.Snapshot()
	require.NoError(t, err)
	meta := raft.SnapshotMeta{Index: index, Term: term, Membership: raft.NewMembership(1, raft.NodeID(rapid.IntRange(1, 5).Draw(t, "member")))}
	id, h, err := p.s.CreateSnapshot()
	require.NoError(t, err)
	_, err = h.Write(raft.EncodeSnapshot(meta, state))
	require.NoError(t, err)
	require.NoError(t, h.Close())
	applied := p.s.lastApplied
	_ = p.run(t, fmt.Sprint("install ", meta), func() error {
		return p.s.FinalizeSnapshotInstallation(index, term, deleteThrough, id, h)
	})
	assert.GreaterOrEqual(t, p.s.lastApplied, applied, "an install never moves the state machine back")
}

func (p *propStore) saveHardState(t *rapid.T) {
	hs := raft.HardState{
		CurrentTerm: addTerm(p.s.hardState.CurrentTerm, rapid.IntRange(-1, 1).Draw(t, "dterm")),
		VotedFor:    raft.NodeID(rapid.IntRange(0, 3).Draw(t, "vote")),
	}
	_ = p.run(t, fmt.Sprint("save ", hs), func() error { return p.s.SaveHardState(hs) })
}

func (p *propStore) check(t *rapid.T) {
	st, err := p.s.GetInitialState()
	require.NoError(t, err)
	es, err := p.s.GetLogEntries(0, st.LastLogIndex+1)
	require.NoError(t, err)

	if len(es) == 0 {
		require.Zero(t, st.LastLogIndex)
		require.Zero(t, st.LastAppliedLog)
		require.True(t, st.Membership.Equal(raft.NewInitialMembership(1)))
		return
	}
	first := es[0].Index
	require.True(t, first == 1 || es[0].Kind == raft.EntrySnapshotPointer, "log starts at %d without a pointer", first)
	for k := range es {
		require.Equal(t, first+raft.Index(k), es[k].Index, "log not contiguous: %v", es)
		require.NoError(t, es[k].Validate())
		if k > 0 {
			require.NotEqual(t, raft.EntrySnapshotPointer, es[k].Kind, "pointer inside the log: %v", es)
			require.GreaterOrEqual(t, es[k].Term, es[k-1].Term, "terms go back: %v", es)
		}
	}
	require.Equal(t, st.LastLogIndex, es[len(es)-1].Index)
	require.Equal(t, st.LastLogTerm, es[len(es)-1].Term)
	require.GreaterOrEqual(t, st.LastLogIndex, st.LastAppliedLog, "log ends before last applied")
	require.LessOrEqual(t, first, max(st.LastAppliedLog, 1), "pointer beyond last applied")

	// Membership: an independent reverse scan over what the API returned.
	want := raft.NewInitialMembership(1)
	for k := len(es) - 1; k >= 0; k-- {
		if es[k].Membership != nil {
			want = *es[k].Membership
			break
		}
	}
	require.True(t, want.Equal(st.Membership), "membership %v, scan finds %v", st.Membership, want)

	if cur, _ := p.s.GetCurrentSnapshot(); cur != nil {
		require.LessOrEqual(t, cur.Index, st.LastAppliedLog)
		if es[0].Kind == raft.EntrySnapshotPointer {
			require.Equal(t, cur.ID, es[0].SnapshotID, "the pointer names the live snapshot")
			require.LessOrEqual(t, first, cur.Index, "purged <= snapshot")
		}
	}
}

// addTerm returns t+d, but never below 0.
func addTerm(t raft.Term, d int) raft.Term {
	if d < 0 && raft.Term(-d) > t {
		return 0
	}
	return raft.Term(int64(t) + int64(d))
}
