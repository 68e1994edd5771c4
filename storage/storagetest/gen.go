package storagetest

import (
	"fmt"
	"strings"

	"pgregory.net/rapid"

	"github.com/raftsim/raftsim/raft"
	"github.com/raftsim/raftsim/storage/memstore"
)

// model is the reference the random tests compare a store with: memstore,
// which follows the contract exactly, and its machine.
type model struct {
	id raft.NodeID
	s  *memstore.Store[Cmd, Resp]
	sm *SM
	// cmds counts the commands drawn, so each has a distinct value.
	cmds int
	// big pads the commands drawn to sizes that span sectors.
	big bool
}

func newModel(id raft.NodeID) *model {
	sm := NewSM()
	return &model{id: id, s: memstore.New[Cmd, Resp](id, sm), sm: sm}
}

// state observes the model; the reference store never contradicts itself.
func (m *model) state() state {
	st, err := observe(m.s, m.sm, m.id)
	if err != nil {
		panic(fmt.Sprintf("storagetest: the model contradicts itself: %v", err))
	}
	return st
}

// view is what the generators need to know of the model.
type view struct {
	raft.InitialState
	log   []raft.Entry[Cmd]
	first raft.Index // the first index held; 1 for an empty log
}

func (m *model) view() view {
	st := m.state()
	v := view{InitialState: st.Initial, log: st.Log, first: 1}
	if len(v.log) > 0 {
		v.first = v.log[0].Index
	}
	return v
}

// at returns the entry held at index i, or nil.
func (v *view) at(i raft.Index) *raft.Entry[Cmd] {
	if i < v.first || i > v.LastLogIndex {
		return nil
	}
	return &v.log[i-v.first]
}

func (m *model) command(t *rapid.T) Cmd {
	m.cmds++
	key := rapid.SampledFrom([]string{"a", "b", "c"}).Draw(t, "key")
	v := fmt.Sprint("v", m.cmds)
	if m.big {
		// Large records span sectors (and segments, when they are small),
		// so a crash tears them in the middle.
		v += strings.Repeat("x", rapid.SampledFrom(bigSizes).Draw(t, "size"))
	}
	return Cmd{Key: key, Value: v}
}

// bigSizes are the padding of the deep workloads' commands: small, about
// a 512-byte sector, a few of them, beyond a 4096-byte one.
var bigSizes = []int{0, 10, 200, 500, 1400, 3000, 5000}

// entry draws an entry of a kind the caller writes.
func (m *model) entry(t *rapid.T, term raft.Term, index raft.Index) raft.Entry[Cmd] {
	switch rapid.IntRange(0, 5).Draw(t, "kind") {
	case 0:
		return blank(term, index)
	case 1:
		members := rapid.SliceOfNDistinct(rapid.Uint64Range(1, 5), 1, 3, rapid.ID).Draw(t, "members")
		return config(term, index, toIDs(members)...)
	}
	return raft.Entry[Cmd]{Term: term, Index: index, Kind: raft.EntryNormal, Data: m.command(t)}
}

func toIDs(ids []uint64) []raft.NodeID {
	out := make([]raft.NodeID, len(ids))
	for k, id := range ids {
		out[k] = raft.NodeID(id)
	}
	return out
}

// drawSave draws a hard state: a valid one, or with refusable set a term
// that goes back or a changed vote.
var voteIDs = []raft.NodeID{0, 1, 2, 3, 1 << 40}

func (m *model) drawSave(t *rapid.T, refusable bool) op {
	hs := m.view().HardState
	if refusable && hs.CurrentTerm > 1 && rapid.Bool().Draw(t, "term back") {
		return op{kind: opSave, refusable: true, hs: raft.HardState{CurrentTerm: hs.CurrentTerm - 1, VotedFor: hs.VotedFor}}
	}
	if refusable && hs.VotedFor != raft.None {
		vote := raft.NodeID(rapid.Uint64Range(0, 3).Filter(func(v uint64) bool { return raft.NodeID(v) != hs.VotedFor }).Draw(t, "other vote"))
		return op{kind: opSave, refusable: true, hs: raft.HardState{CurrentTerm: hs.CurrentTerm, VotedFor: vote}}
	}
	next := raft.HardState{CurrentTerm: hs.CurrentTerm + raft.Term(rapid.IntRange(0, 2).Draw(t, "dterm"))}
	// Node IDs are any uint64 (etcd draws them at random): a large one
	// makes the hard state's encoding change length.
	next.VotedFor = rapid.SampledFrom(voteIDs).Draw(t, "vote")
	if next.CurrentTerm == hs.CurrentTerm && hs.VotedFor != raft.None {
		next.VotedFor = hs.VotedFor
	}
	return op{kind: opSave, hs: next}
}

func (m *model) drawAppend(t *rapid.T) op {
	v := m.view()
	term := max(v.LastLogTerm, 1) + raft.Term(rapid.IntRange(0, 1).Draw(t, "dterm"))
	return op{kind: opAppend, entries: []raft.Entry[Cmd]{m.entry(t, term, v.LastLogIndex+1)}}
}

// drawReplicate draws a batch a follower receives: a copy of entries the
// log holds from start, then new entries from a point after the last
// applied index on, which conflict with what the log holds there. Half the
// time the caller deletes the conflicting suffix first, as the core does;
// otherwise the store must drop it itself.
func (m *model) drawReplicate(t *rapid.T) []op {
	v := m.view()
	from := max(v.LastAppliedLog+1, v.first)
	start := raft.Index(rapid.Uint64Range(uint64(max(v.first, 1)), uint64(v.LastLogIndex+1)).Draw(t, "start"))
	conflict := raft.Index(rapid.Uint64Range(uint64(max(start, from)), uint64(max(start, from, v.LastLogIndex+1))).Draw(t, "conflict"))
	var batch []raft.Entry[Cmd]
	for i := start; i < conflict && i <= v.LastLogIndex; i++ {
		e := *v.at(i)
		if e.Kind == raft.EntrySnapshotPointer {
			e = blank(e.Term, e.Index)
		}
		batch = append(batch, e)
	}
	term := max(v.LastLogTerm, 1)
	if held := v.at(conflict); held != nil {
		term = max(term, held.Term+1)
	}
	for k := range rapid.IntRange(0, 3).Draw(t, "new entries") {
		term += raft.Term(rapid.IntRange(0, 1).Draw(t, "dterm"))
		batch = append(batch, m.entry(t, term, conflict+raft.Index(k)))
	}
	rep := op{kind: opReplicate, entries: batch}
	if conflict <= v.LastLogIndex && len(batch) > int(conflict-start) && rapid.Bool().Draw(t, "truncate first") {
		return []op{{kind: opDelete, start: conflict}, rep}
	}
	return []op{rep}
}

// drawDelete draws a deletion: a suffix after the last applied index, a
// no-op range, or with refusable a middle or applied range.
func (m *model) drawDelete(t *rapid.T, refusable bool) op {
	v := m.view()
	last := v.LastLogIndex
	if refusable && last > v.first && rapid.Bool().Draw(t, "refused") {
		start := raft.Index(rapid.Uint64Range(0, uint64(last-1)).Draw(t, "start"))
		stop := raft.Index(rapid.Uint64Range(uint64(max(start, v.first)+1), uint64(last)).Draw(t, "stop"))
		if start <= v.LastAppliedLog && rapid.Bool().Draw(t, "to the end") {
			return op{kind: opDelete, refusable: true, start: start}
		}
		return op{kind: opDelete, refusable: true, start: start, stop: &stop}
	}
	start := raft.Index(rapid.Uint64Range(uint64(v.LastAppliedLog+1), uint64(last+2)).Draw(t, "start"))
	switch rapid.IntRange(0, 3).Draw(t, "stop kind") {
	case 0:
		return op{kind: opDelete, start: start}
	case 1:
		stop := last + 1 + raft.Index(rapid.IntRange(0, 2).Draw(t, "past end"))
		return op{kind: opDelete, start: start, stop: &stop}
	case 2:
		stop := raft.Index(rapid.Uint64Range(0, uint64(start)).Draw(t, "stop"))
		return op{kind: opDelete, start: start, stop: &stop}
	}
	stop := raft.Index(rapid.Uint64Range(0, uint64(v.first)).Draw(t, "stop")) // before the log
	return op{kind: opDelete, start: 0, stop: &stop}
}

// drawApply draws the next 1..3 entries to apply, if the log holds any.
func (m *model) drawApply(t *rapid.T) (op, bool) {
	v := m.view()
	next := v.LastAppliedLog + 1
	if next > v.LastLogIndex {
		return op{}, false
	}
	n := min(raft.Index(rapid.IntRange(1, 3).Draw(t, "n")), v.LastLogIndex-next+1)
	es := cloneEntries(v.log[next-v.first : next-v.first+n])
	if n == 1 && rapid.Bool().Draw(t, "single") {
		return op{kind: opApply, entries: es}, true
	}
	return op{kind: opApplyBatch, entries: es}, true
}

// drawCompact draws a compaction through an index at or after the pointer
// and at or before the last applied one.
func (m *model) drawCompact(t *rapid.T) (op, bool) {
	v := m.view()
	if v.LastAppliedLog == 0 {
		return op{}, false
	}
	through := rapid.Uint64Range(uint64(v.first), uint64(v.LastAppliedLog)).Draw(t, "through")
	return op{kind: opCompact, through: raft.Index(through)}, true
}

// drawInstall draws a snapshot streamed in from a leader: below, at or
// beyond the last applied index, matching the log's term at its index or
// not, with or without deleteThrough.
func (m *model) drawInstall(t *rapid.T) op {
	v := m.view()
	index := raft.Index(rapid.Uint64Range(1, uint64(v.LastLogIndex+3)).Draw(t, "index"))
	term := raft.Term(rapid.Uint64Range(1, uint64(max(v.LastLogTerm, 1)+1)).Draw(t, "term"))
	if held := v.at(index); held != nil && rapid.Bool().Draw(t, "matching term") {
		term = held.Term
	}
	donor := NewSM()
	for i := range rapid.IntRange(0, 3).Draw(t, "donor commands") {
		donor.Apply(raft.Index(i+1), m.command(t))
	}
	state, _ := donor.Snapshot()
	members := rapid.SliceOfNDistinct(rapid.Uint64Range(1, 5), 1, 3, rapid.ID).Draw(t, "members")
	meta := raft.SnapshotMeta{Index: index, Term: term, Membership: raft.NewMembership(toIDs(members)...)}
	o := op{kind: opInstall, snap: raft.EncodeSnapshot(meta, state), index: index, term: term}
	if rapid.Bool().Draw(t, "delete through") {
		o.deleteThrough = &index
	}
	o.chunks = rapid.IntRange(1, 3).Draw(t, "chunks")
	return o
}

// drawOps draws one action's ops of the given kind; none when the kind
// has nothing to do in this state.
func (m *model) drawOps(t *rapid.T, kind opKind, refusable bool) []op {
	switch kind {
	case opSave:
		return []op{m.drawSave(t, refusable)}
	case opAppend:
		return []op{m.drawAppend(t)}
	case opReplicate:
		return m.drawReplicate(t)
	case opDelete:
		return []op{m.drawDelete(t, refusable)}
	case opApply, opApplyBatch:
		if o, ok := m.drawApply(t); ok {
			return []op{o}
		}
	case opCompact:
		if o, ok := m.drawCompact(t); ok {
			return []op{o}
		}
	case opInstall:
		return []op{m.drawInstall(t)}
	}
	return nil
}
