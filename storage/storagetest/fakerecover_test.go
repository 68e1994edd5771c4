package storagetest

import (
	"errors"
	"slices"

	"github.com/raftsim/raftsim/raft"
)

// recovered is a fake store rebuilt from the records a crash left: read
// only (the crash driver only reads it), and holding exactly what the
// records say, holes included, so that a broken write order shows.
type recovered struct {
	dev     *device
	id      raft.NodeID
	hs      raft.HardState
	log     []raft.Entry[Cmd] // ascending indices, not necessarily contiguous
	applied raft.Index
	sm      raft.StateMachine[Cmd, Resp]
	snap    *raft.CurrentSnapshot // Snapshot nil; data holds the bytes
	data    []byte
}

var errReadOnly = errors.New("fake: a recovered store is read-only")

// recoverFrom replays the device's synced records. A torn record ends the
// replay, as a checksummed log's recovery ends at the first bad record;
// with fakeTornNotTruncated it is replayed damaged instead.
func recoverFrom(d *device, sm raft.StateMachine[Cmd, Resp], bug fakeBug) *recovered {
	r := &recovered{dev: d, sm: sm}
	behind := -1 // the record whose command the machine misses (fakeMachineBehind)
	for k, rec := range d.synced {
		if bug == fakeMachineBehind && rec.kind == recApply && rec.entry.Kind == raft.EntryNormal {
			behind = k
		}
	}
	for k, rec := range d.synced {
		if rec.seq != k {
			break // a gap: what follows was written after a write that was lost
		}
		if rec.torn {
			if bug != fakeTornNotTruncated {
				break
			}
			rec = damaged(rec)
		}
		if k == behind {
			r.applied = rec.entry.Index
			continue
		}
		r.replay(&rec)
	}
	return r
}

// damaged is what a torn record reads as when nothing checks it: an entry
// whose command lost its tail, a hard state whose vote did not make it.
func damaged(rec record) record {
	switch rec.kind {
	case recEntry:
		rec.entry = raft.Entry[Cmd]{Term: rec.entry.Term, Index: rec.entry.Index, Kind: raft.EntryNormal, Data: Cmd{Key: "torn"}}
	case recHardState:
		rec.hs.VotedFor = raft.None
	default:
		rec.kind = recID
		rec.id = 0
	}
	return rec
}

func (r *recovered) replay(rec *record) {
	switch rec.kind {
	case recID:
		if rec.id != raft.None {
			r.id = rec.id
		}
	case recHardState:
		r.hs = rec.hs
	case recTerm:
		r.hs.CurrentTerm = rec.hs.CurrentTerm
	case recVote:
		r.hs.VotedFor = rec.hs.VotedFor
	case recEntry:
		r.place(rec.entry)
	case recTruncate:
		r.log = slices.DeleteFunc(r.log, func(e raft.Entry[Cmd]) bool { return e.Index >= rec.index })
	case recApply:
		if rec.entry.Kind == raft.EntryNormal {
			r.sm.Apply(rec.entry.Index, rec.entry.Data)
		}
		r.applied = rec.entry.Index
	case recPointer:
		r.pointer(rec.entry, true)
	case recSnapshot:
		r.snapshot(rec.snap, rec.snapID)
	case recCompact:
		r.pointer(rec.entry, true)
		r.snapshot(rec.snap, rec.snapID)
	case recInstall:
		r.install(rec)
	}
}

// place writes e at its index, as replication does: an entry of the same
// term is already there; one of another term goes with all after it.
func (r *recovered) place(e raft.Entry[Cmd]) {
	if len(r.log) > 0 && r.log[0].Kind == raft.EntrySnapshotPointer && e.Index <= r.log[0].Index {
		return
	}
	k, found := slices.BinarySearchFunc(r.log, e.Index, func(x raft.Entry[Cmd], i raft.Index) int { return int(x.Index) - int(i) })
	switch {
	case !found:
		r.log = slices.Insert(r.log, k, e)
	case r.log[k].Term != e.Term:
		r.log = append(r.log[:k], e)
	}
}

// pointer puts ptr first, dropping what is before it (and, without keep,
// after it too).
func (r *recovered) pointer(ptr raft.Entry[Cmd], keep bool) {
	var after []raft.Entry[Cmd]
	if keep {
		for _, e := range r.log {
			if e.Index > ptr.Index {
				after = append(after, e)
			}
		}
	}
	r.log = append([]raft.Entry[Cmd]{ptr}, after...)
}

func (r *recovered) snapshot(data []byte, id string) {
	meta, _, err := raft.DecodeSnapshot(data)
	if err != nil {
		panic(err) // the fake writes only what memstore made
	}
	r.snap = &raft.CurrentSnapshot{Term: meta.Term, Index: meta.Index, Membership: meta.Membership, ID: id}
	r.data = data
}

func (r *recovered) install(rec *record) {
	meta, state, err := raft.DecodeSnapshot(rec.snap)
	if err != nil {
		panic(err)
	}
	if err := r.sm.Restore(slices.Clone(state)); err != nil {
		panic(err)
	}
	r.applied = rec.index
	r.pointer(raft.NewSnapshotPointer[Cmd](rec.index, rec.term, rec.snapID, meta.Membership), rec.keep)
	r.snapshot(rec.snap, rec.snapID)
}

func (r *recovered) GetMembershipConfig() (raft.Membership, error) {
	return scanMembership(r.log, r.id), nil
}

func (r *recovered) GetInitialState() (raft.InitialState, error) {
	st := raft.InitialState{LastAppliedLog: r.applied, HardState: r.hs, Membership: scanMembership(r.log, r.id)}
	if n := len(r.log); n > 0 {
		st.LastLogIndex, st.LastLogTerm = r.log[n-1].Index, r.log[n-1].Term
	}
	return st, nil
}

func (r *recovered) GetLogEntries(start, stop raft.Index) ([]raft.Entry[Cmd], error) {
	var out []raft.Entry[Cmd]
	for _, e := range r.log {
		if e.Index >= start && e.Index < stop {
			out = append(out, e)
		}
	}
	return out, nil
}

func (r *recovered) GetCurrentSnapshot() (*raft.CurrentSnapshot, error) {
	if r.snap == nil {
		return nil, nil
	}
	cs := *r.snap
	cs.Snapshot = &handle{data: r.data}
	return &cs, nil
}

func (r *recovered) SaveHardState(raft.HardState) error              { return errReadOnly }
func (r *recovered) DeleteLogsFrom(raft.Index, *raft.Index) error    { return errReadOnly }
func (r *recovered) AppendEntryToLog(*raft.Entry[Cmd]) error         { return errReadOnly }
func (r *recovered) ReplicateToLog([]raft.Entry[Cmd]) error          { return errReadOnly }
func (r *recovered) ReplicateToStateMachine([]raft.Entry[Cmd]) error { return errReadOnly }
func (r *recovered) CreateSnapshot() (string, raft.SnapshotHandle, error) {
	return "", nil, errReadOnly
}

func (r *recovered) ApplyEntryToStateMachine(*raft.Entry[Cmd]) (Resp, error) {
	return Resp{}, errReadOnly
}

func (r *recovered) DoLogCompaction(raft.Index) (raft.CurrentSnapshot, error) {
	return raft.CurrentSnapshot{}, errReadOnly
}

func (r *recovered) FinalizeSnapshotInstallation(raft.Index, raft.Term, *raft.Index, string, raft.SnapshotHandle) error {
	return errReadOnly
}
