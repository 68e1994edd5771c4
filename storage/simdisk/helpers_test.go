package simdisk

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/raftsim/raftsim/internal/listsm"
	"github.com/raftsim/raftsim/raft"
	"github.com/raftsim/raftsim/sim"
	"github.com/raftsim/raftsim/storage/memstore"
)

// listSM is the tests' state machine (internal/listsm).
type listSM = listsm.SM

// through returns m's state after applying only indices <= i.
func through(m listSM, i raft.Index) listSM {
	var out listSM
	for k, idx := range m.Indices {
		if idx <= i {
			out.Items = append(out.Items, m.Items[k])
			out.Indices = append(out.Indices, idx)
		}
	}
	return out
}

var errTest = errors.New("test failure")

// stringCodec encodes a string command as its bytes.
type stringCodec struct{}

func (stringCodec) AppendEncode(dst []byte, d string) []byte { return append(dst, d...) }
func (stringCodec) Decode(src []byte) (string, error)        { return string(src), nil }

// Entry builders, term first as in "3/7".

func normal(term raft.Term, index raft.Index, data string) raft.Entry[string] {
	return raft.Entry[string]{Term: term, Index: index, Kind: raft.EntryNormal, Data: data}
}

func blank(term raft.Term, index raft.Index) raft.Entry[string] {
	return raft.Entry[string]{Term: term, Index: index, Kind: raft.EntryBlank}
}

func config(term raft.Term, index raft.Index, members ...raft.NodeID) raft.Entry[string] {
	m := raft.NewMembership(members...)
	return raft.Entry[string]{Term: term, Index: index, Kind: raft.EntryConfigChange, Membership: &m}
}

func idx(i raft.Index) *raft.Index { return &i }

func idxOf(i int) raft.Index { return raft.Index(i) }

// testConfig is a disk with fixed latencies (so times are easy to
// reason about) and 512-byte sectors (so that records span sectors and
// segments fill up in small tests).
func testConfig() Config {
	c := DefaultConfig()
	c.SectorSize = 512
	c.ReadLatency = sim.FixedDist(10)
	c.WriteLatency = sim.FixedDist(10)
	c.SyncLatency = sim.FixedDist(100)
	return c
}

func newTestDisk(t tb, seed uint64, clock Clock) *Disk {
	t.Helper()
	d, err := NewDisk(testConfig(), sim.NewRand(seed), clock)
	require.NoError(t, err)
	return d
}

// manualClock is a clock the test moves.
type manualClock struct{ now sim.Time }

func (c *manualClock) Now() sim.Time { return c.now }

// smallSegments makes the log rotate every few appends.
var smallSegments = Options{SegmentSize: 1500}

// tb is what the helpers need of a test: *testing.T and *rapid.T have it.
type tb interface {
	Helper()
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
	FailNow()
	Logf(format string, args ...any)
}

// rig is one store under test, on one kind of medium, with its machine.
type rig struct {
	t    tb
	kind string // "memstore", "sim" or "os"
	s    raft.Storage[string, int]
	sm   *listSM
	dev  Device
	disk *Disk // the simulated disk, for kind "sim"
	opts Options
}

// rigKinds are the media every contract case runs on.
var rigKinds = []string{"memstore", "sim", "os"}

func newRig(t tb, kind string) *rig {
	t.Helper()
	r := &rig{t: t, kind: kind, sm: &listSM{}, opts: smallSegments}
	switch kind {
	case "memstore":
		r.s = memstore.New[string, int](1, r.sm)
		return r
	case "sim":
		r.disk = newTestDisk(t, 1, nil)
		r.dev = r.disk
	case "os":
		tt := t.(testing.TB)
		dev, err := NewOSDevice(tt.TempDir())
		require.NoError(t, err)
		tt.Cleanup(func() { _ = dev.Close() })
		r.dev = dev
	}
	s, err := Open[string, int](r.dev, 1, r.sm, stringCodec{}, r.opts)
	require.NoError(t, err)
	r.s = s
	return r
}

// newSimRig is a store on a simulated disk whose stream is seed's.
func newSimRig(t tb, seed uint64) *rig {
	r := &rig{t: t, kind: "sim", opts: smallSegments, disk: newTestDisk(t, seed, nil)}
	r.dev = r.disk
	r.reopen()
	return r
}

// store returns the simdisk store under test.
func (r *rig) store() *Store[string, int] { return r.s.(*Store[string, int]) }

// reopen opens the store again on its medium with a fresh machine, as a
// restarted process would; memstore has no medium and is left alone.
func (r *rig) reopen() {
	r.t.Helper()
	if r.kind == "memstore" {
		return
	}
	r.sm = &listSM{}
	s, err := Open[string, int](r.dev, 1, r.sm, stringCodec{}, r.opts)
	require.NoError(r.t, err, "reopen")
	r.s = s
}

// msg turns "n1: ..." into the error message of the store under test.
func (r *rig) msg(rest string) string {
	if r.kind == "memstore" {
		return "memstore: " + rest
	}
	return "simdisk: " + rest
}

func (r *rig) mustAppend(entries ...raft.Entry[string]) {
	r.t.Helper()
	for k := range entries {
		require.NoError(r.t, r.s.AppendEntryToLog(&entries[k]))
	}
}

func (r *rig) lastApplied() raft.Index {
	r.t.Helper()
	st, err := r.s.GetInitialState()
	require.NoError(r.t, err)
	return st.LastAppliedLog
}

// mustApply applies the log through index i.
func (r *rig) mustApply(i raft.Index) {
	r.t.Helper()
	es, err := r.s.GetLogEntries(r.lastApplied()+1, i+1)
	require.NoError(r.t, err)
	require.NoError(r.t, r.s.ReplicateToStateMachine(es))
	require.Equal(r.t, i, r.lastApplied())
}

// logIDs returns "term/index" of every entry, pointers marked with "p".
func (r *rig) logIDs() []string {
	r.t.Helper()
	es, err := r.s.GetLogEntries(0, ^raft.Index(0))
	require.NoError(r.t, err)
	out := make([]string, len(es))
	for k := range es {
		out[k] = es[k].ID().String()
		if es[k].Kind == raft.EntrySnapshotPointer {
			out[k] += "p"
		}
	}
	return out
}

// view is everything a store shows through its API, to compare a store
// before and after a call, or across a restart.
type view struct {
	State    raft.InitialState
	Log      []raft.Entry[string]
	Snapshot *snapView
	SM       listSM
}

type snapView struct {
	Term  raft.Term
	Index raft.Index
	ID    string
	Data  []byte
}

func observe(t tb, s raft.Storage[string, int], sm *listSM) view {
	t.Helper()
	v, err := tryObserve(s, sm)
	require.NoError(t, err)
	return v
}

// tryObserve is observe returning the first error.
func tryObserve(s raft.Storage[string, int], sm *listSM) (view, error) {
	st, err := s.GetInitialState()
	if err != nil {
		return view{}, err
	}
	es, err := s.GetLogEntries(0, ^raft.Index(0))
	if err != nil {
		return view{}, err
	}
	v := view{State: st, Log: es, SM: sm.Clone()}
	cur, err := s.GetCurrentSnapshot()
	if err != nil {
		return view{}, err
	}
	if cur != nil {
		data, err := io.ReadAll(cur.Snapshot)
		if err != nil {
			return view{}, err
		}
		v.Snapshot = &snapView{Term: cur.Term, Index: cur.Index, ID: cur.ID, Data: data}
	}
	return v, nil
}

func (r *rig) view() view { r.t.Helper(); return observe(r.t, r.s, r.sm) }

// requireSurvivesRestart reopens the store and checks that it shows what
// it showed before, except that the last applied index may fall back (not
// below the snapshot), with the machine holding exactly the effects
// through it.
func (r *rig) requireSurvivesRestart() {
	r.t.Helper()
	before := r.view()
	r.reopen()
	after := r.view()
	requireSameDurable(r.t, before, after)
}

// requireSameDurable checks that after shows the durable part of before.
func requireSameDurable(t tb, before, after view) {
	t.Helper()
	applied := after.State.LastAppliedLog
	require.LessOrEqual(t, applied, before.State.LastAppliedLog, "last applied runs ahead after a restart")
	if before.Snapshot != nil {
		require.GreaterOrEqual(t, applied, before.Snapshot.Index, "last applied falls behind the snapshot")
	}
	require.Equal(t, through(before.SM, applied), after.SM, "the machine does not hold exactly the effects through %d", applied)
	after.State.LastAppliedLog = before.State.LastAppliedLog
	require.Equal(t, before.State, after.State)
	require.Equal(t, before.Log, after.Log)
	require.Equal(t, before.Snapshot, after.Snapshot)
}

// hasPrefix reports whether err's message starts with prefix.
func hasPrefix(err error, prefix string) bool {
	return err != nil && strings.HasPrefix(err.Error(), prefix)
}
