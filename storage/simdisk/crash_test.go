package simdisk

import (
	"errors"
	"fmt"
	"reflect"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/raftsim/raftsim/raft"
	"github.com/raftsim/raftsim/sim"
	"github.com/raftsim/raftsim/storage/memstore"
)

// TestCrashConsistency checks, for each crash policy, that a crash loses
// nothing a store method returned before DurableAt, and leaves every
// method atomic (a log write may keep a prefix of its entries). Random
// valid calls run on the store on a simulated disk with a clock; now and
// then the power is cut in the middle of a method (CutPowerAfter) or the
// disk crashes at a random time before the horizon. The store is reopened
// and must show one of the states the calls allow: all calls durable
// before the crash; or, for the one call the crash caught, that call too,
// or part of its batch. The last applied index may fall back (see the
// package doc). Then the run goes on from the state found.
func TestCrashConsistency(t *testing.T) {
	const seeds, steps = 50, 100
	for _, policy := range CrashPolicies() {
		t.Run(policy.String(), func(t *testing.T) {
			crashes := 0
			for seed := range uint64(seeds) {
				crashes += runCrashes(t, runConfig{policy: policy}, seed, steps).crashes
			}
			require.Greater(t, crashes, seeds*steps/10, "the test crashed too rarely to mean much")
		})
	}
}

// TestFaultsNeverLoseOrLie runs the crash consistency test with every
// in-model fault on (see the fault model), at rates far above any real
// disk's, and a crash policy drawn per crash. A call that fails with a
// device error or detected corruption stops the node: the disk crashes
// and the store reopens, with the faults still on; a restart that keeps
// failing (a latent sector, a corruption of synced data) is let through
// by healing the disk, as the liveness phase does. Every state a reopened
// store shows must be one the calls allow, and every entry a store
// returns must be the one written: the state machines of store and model
// must agree after every call.
func TestFaultsNeverLoseOrLie(t *testing.T) {
	f := NoFaults()
	f.ReadError, f.LatentSector, f.Corruption = sim.Percent(1), sim.Percent(1), sim.Percent(1)
	f.WriteError, f.LostWrite, f.MisdirectedWrite = sim.Percent(1), sim.Percent(5), sim.Percent(5)
	f.SyncError = sim.Percent(1)
	f.Capacity = 32 << 10
	var total runStats
	for seed := range uint64(200) {
		st := runCrashes(t, runConfig{faults: &f}, seed, 100)
		total.crashes += st.crashes
		total.heals += st.heals
	}
	require.Positive(t, total.heals, "no restart ever needed healing: the faults were too gentle")
	t.Logf("%d crashes, %d heals", total.crashes, total.heals)
}

// runConfig says how a run crashes: with one policy, or (0) one drawn per
// crash; and with which faults on, if any.
type runConfig struct {
	policy CrashPolicy
	faults *Faults
}

type runStats struct{ crashes, heals int }

// call is one storage call of a run, kept as data so that it can be
// replayed on memstore to build the states a crash may leave.
type call struct {
	name  string
	run   func(s raft.Storage[string, int]) error
	batch []raft.Entry[string] // a log write's entries
	// wrote is set when the call wrote to the device; horizon is then the
	// disk's DurableAt after it (the failed call's is unknown: never).
	wrote   bool
	horizon sim.Time
}

type crashRun struct {
	t       *testing.T
	cfg     runConfig
	stats   runStats
	rand    *sim.Rand
	clock   *manualClock
	disk    *Disk
	store   *Store[string, int]
	sm      *listSM
	model   *memstore.Store[string, int]
	modelSM *listSM
	history []call // since the start, as the model holds them
	n       int
}

func runCrashes(t *testing.T, cfg runConfig, seed uint64, steps int) runStats {
	return runCrashesWith(t, cfg, seed, steps, nil)
}

// runCrashesWith is runCrashes, showing the disk to seeDisk.
func runCrashesWith(t *testing.T, cfg runConfig, seed uint64, steps int, seeDisk func(*Disk)) runStats {
	r := &crashRun{t: t, cfg: cfg, rand: sim.NewRand(seed), clock: &manualClock{}}
	r.disk = newTestDisk(t, seed, r.clock)
	if seeDisk != nil {
		seeDisk(r.disk)
	}
	r.open()
	r.setFaults()
	r.model, r.modelSM = r.replay(nil)
	for step := range steps {
		c := r.next()
		if r.rand.Chance(sim.OneIn(6)) {
			r.disk.CutPowerAfter(int64(r.rand.Uint64n(12)))
		}
		before := r.disk.Ops()
		err := c.run(r.store)
		c.wrote = r.disk.Ops() != before
		switch {
		case errors.Is(err, raft.ErrInconsistent):
			r.disk.CutPowerAfter(-1)
			continue // the generator asked too much; the call changed nothing
		case deviceFailure(err) && (cfg.faults != nil || errors.Is(err, ErrPowerCut)):
			c.wrote, c.horizon = true, sim.Time(1<<62)
			r.history = append(r.history, c)
			r.crash(fmt.Sprintf("seed %d step %d: %s failed: %v", seed, step, c.name, err))
			continue
		}
		require.NoError(t, err, "seed %d step %d: %s", seed, step, c.name)
		require.NoError(t, c.run(r.model), "seed %d step %d: the model refuses %s", seed, step, c.name)
		require.Equal(t, r.modelSM.Clone(), r.sm.Clone(), "seed %d step %d: %s: the machines differ", seed, step, c.name)
		c.horizon = r.disk.DurableAt()
		r.history = append(r.history, c)
		r.disk.CutPowerAfter(-1)
		if r.rand.Chance(sim.OneIn(2)) {
			r.clock.now = max(r.clock.now, r.disk.DurableAt()) // the caller waited
		}
		if r.rand.Chance(sim.OneIn(8)) {
			r.clock.now += sim.Time(r.rand.Uint64n(uint64(max(1, r.disk.DurableAt()-r.clock.now+1))))
			r.crash(fmt.Sprintf("seed %d step %d: crash at %v after %s", seed, step, r.clock.now, c.name))
		}
	}
	return r.stats
}

// deviceFailure reports the errors that stop a node for its disk's sake.
func deviceFailure(err error) bool {
	for _, target := range []error{ErrPowerCut, ErrIO, ErrNoSpace, raft.ErrCorrupt} {
		if errors.Is(err, target) {
			return true
		}
	}
	return false
}

func (r *crashRun) setFaults() {
	if r.cfg.faults != nil {
		require.NoError(r.t, r.disk.SetFaults(*r.cfg.faults))
	}
}

func (r *crashRun) policy() CrashPolicy {
	if r.cfg.policy != 0 {
		return r.cfg.policy
	}
	all := CrashPolicies()
	return all[r.rand.Uint64n(uint64(len(all)))]
}

func (r *crashRun) open() {
	require.NoError(r.t, r.tryOpen())
}

func (r *crashRun) tryOpen() error {
	r.sm = &listSM{}
	s, err := Open[string, int](r.disk, 1, r.sm, stringCodec{}, smallSegments)
	r.store = s
	return err
}

// replay runs calls on a fresh memstore, skipping the ones a crash undid.
func (r *crashRun) replay(calls []call) (*memstore.Store[string, int], *listSM) {
	sm := &listSM{}
	s := memstore.New[string, int](1, sm)
	for _, c := range calls {
		require.NoError(r.t, c.run(s), "replaying %s", c.name)
	}
	return s, sm
}

// crash crashes the disk now and restarts the store (with the faults on;
// healing the disk when a restart fails), then checks what it shows
// against the states the history allows.
func (r *crashRun) crash(what string) {
	r.stats.crashes++
	k := len(r.history)
	for i, c := range r.history {
		if c.wrote && c.horizon > r.clock.now {
			k = i
			break
		}
	}
	for attempt := 0; ; attempt++ {
		require.Less(r.t, attempt, 3, "%s: the store does not restart, even on a healed disk", what)
		require.NoError(r.t, r.disk.Crash(r.policy()))
		if attempt > 0 {
			r.disk.Heal()
			r.stats.heals++
		}
		if err := r.tryOpen(); err != nil {
			require.True(r.t, r.cfg.faults != nil && deviceFailure(err), "%s: open: %v", what, err)
			continue
		}
		require.NoError(r.t, r.disk.SetFaults(NoFaults()))
		got, err := r.tryView()
		if err != nil {
			require.True(r.t, r.cfg.faults != nil && deviceFailure(err), "%s: reading the reopened store: %v", what, err)
			continue
		}
		r.match(what, k, got)
		r.setFaults()
		return
	}
}

// tryView observes the store, returning a device failure instead of
// failing the test.
func (r *crashRun) tryView() (view, error) {
	v, err := tryObserve(r.store, r.sm)
	return normalizeIDs(v), err
}

// match finds the state the store shows among those history allows when
// history[k] is the first call not durable, and goes on from it.
func (r *crashRun) match(what string, k int, got view) {
	var tried []string
	for _, cand := range r.candidates(k) {
		model, sm := r.replay(cand)
		want := normalizeIDs(observe(r.t, model, sm))
		if why := durableDiff(want, got); why != "" {
			tried = append(tried, why)
			continue
		}
		// What the crash left is durable now, whatever the horizons said.
		r.history = make([]call, len(cand))
		for k, c := range cand {
			c.horizon = 0
			r.history[k] = c
		}
		r.model, r.modelSM = model, sm
		r.catchUp()
		return
	}
	r.t.Fatalf("%s: the store shows a state no call sequence allows:\n%#v\nmismatches: %q", what, got, tried)
}

// candidates are the call sequences a crash may leave when history[k] is
// the first call not durable: without it, with it, and with part of its
// batch.
func (r *crashRun) candidates(k int) [][]call {
	if k == len(r.history) {
		return [][]call{r.history}
	}
	out := [][]call{r.history[:k:k], r.history[: k+1 : k+1]}
	c := r.history[k]
	for m := 1; m < len(c.batch); m++ {
		part := c.batch[:m]
		out = append(out, append(r.history[:k:k], call{name: fmt.Sprint("part of ", c.name), run: func(s raft.Storage[string, int]) error {
			return s.ReplicateToLog(part)
		}}))
	}
	return out
}

// catchUp applies on the store what the model applied, as the core would.
func (r *crashRun) catchUp() {
	st, err := r.model.GetInitialState()
	require.NoError(r.t, err)
	mine, err := r.store.GetInitialState()
	require.NoError(r.t, err)
	es, err := r.store.GetLogEntries(mine.LastAppliedLog+1, st.LastAppliedLog+1)
	require.NoError(r.t, err)
	require.NoError(r.t, r.store.ReplicateToStateMachine(es))
}

func (s *Store[D, R]) viewOf(t tb, sm *listSM) view {
	return observe(t, any(s).(raft.Storage[string, int]), sm)
}

// durableDiff says how got differs from want in what must survive a
// crash, or "" when it does not.
func durableDiff(want, got view) string {
	applied := got.State.LastAppliedLog
	switch {
	case applied > want.State.LastAppliedLog:
		return fmt.Sprintf("applied %d beyond %d", applied, want.State.LastAppliedLog)
	case want.Snapshot != nil && applied < want.Snapshot.Index:
		return fmt.Sprintf("applied %d behind the snapshot %d", applied, want.Snapshot.Index)
	case !reflect.DeepEqual(through(want.SM, applied), got.SM):
		return fmt.Sprintf("machine %v, want %v", got.SM, through(want.SM, applied))
	}
	got.State.LastAppliedLog = want.State.LastAppliedLog
	switch {
	case !reflect.DeepEqual(want.State, got.State):
		return fmt.Sprintf("state %+v, want %+v", got.State, want.State)
	case !reflect.DeepEqual(want.Log, got.Log):
		return fmt.Sprintf("log %v, want %v", got.Log, want.Log)
	case !reflect.DeepEqual(want.Snapshot, got.Snapshot):
		return fmt.Sprintf("snapshot %+v, want %+v", got.Snapshot, want.Snapshot)
	}
	return ""
}

// next draws a call that is valid for the model's state.
func (r *crashRun) next() call {
	st, err := r.model.GetInitialState()
	require.NoError(r.t, err)
	switch r.rand.Uint64n(10) {
	case 0, 1, 2:
		return r.appendCall(st)
	case 3, 4:
		return r.replicateCall(st)
	case 5:
		return r.deleteCall(st)
	case 6, 7:
		return r.applyCall(st)
	case 8:
		return r.snapshotCall(st)
	}
	return r.hardStateCall(st)
}

func (r *crashRun) entry(term raft.Term, index raft.Index) raft.Entry[string] {
	r.n++
	switch r.rand.Uint64n(8) {
	case 0:
		return blank(term, index)
	case 1:
		return config(term, index, 1, raft.NodeID(1+r.rand.Uint64n(4)))
	}
	return normal(term, index, fmt.Sprintf("c%d-%0*d", r.n, r.rand.Uint64n(600), 0))
}

func (r *crashRun) appendCall(st raft.InitialState) call {
	e := r.entry(max(1, st.LastLogTerm)+raft.Term(r.rand.Uint64n(2)), st.LastLogIndex+1)
	return call{name: fmt.Sprint("append ", e.ID()), batch: []raft.Entry[string]{e},
		run: func(s raft.Storage[string, int]) error { return s.AppendEntryToLog(&e) }}
}

// replicateCall writes a batch that starts after the last applied entry,
// conflicting with the log's tail now and then.
func (r *crashRun) replicateCall(st raft.InitialState) call {
	start := st.LastAppliedLog + 1 + raft.Index(r.rand.Uint64n(uint64(st.LastLogIndex-st.LastAppliedLog)+1))
	term := max(st.LastLogTerm, 1) + raft.Term(r.rand.Uint64n(2))
	batch := make([]raft.Entry[string], 1+r.rand.Uint64n(4))
	for k := range batch {
		batch[k] = r.entry(term, start+raft.Index(k))
	}
	return call{name: fmt.Sprintf("replicate %d..%d t%d", start, start+raft.Index(len(batch))-1, term), batch: batch,
		run: func(s raft.Storage[string, int]) error { return s.ReplicateToLog(batch) }}
}

func (r *crashRun) deleteCall(st raft.InitialState) call {
	from := st.LastAppliedLog + 1 + raft.Index(r.rand.Uint64n(uint64(st.LastLogIndex-st.LastAppliedLog)+1))
	return call{name: fmt.Sprint("delete from ", from), run: func(s raft.Storage[string, int]) error { return s.DeleteLogsFrom(from, nil) }}
}

func (r *crashRun) applyCall(st raft.InitialState) call {
	through := min(st.LastLogIndex, st.LastAppliedLog+1+raft.Index(r.rand.Uint64n(3)))
	return call{name: fmt.Sprint("apply through ", through), run: func(s raft.Storage[string, int]) error {
		es, err := s.GetLogEntries(st.LastAppliedLog+1, through+1)
		if err != nil {
			return err
		}
		return s.ReplicateToStateMachine(es)
	}}
}

// snapshotCall compacts, or installs a snapshot from a leader.
func (r *crashRun) snapshotCall(st raft.InitialState) call {
	if st.LastAppliedLog > 0 && r.rand.Chance(sim.Percent(60)) {
		through := 1 + raft.Index(r.rand.Uint64n(uint64(st.LastAppliedLog)))
		return call{name: fmt.Sprint("compact through ", through), run: func(s raft.Storage[string, int]) error {
			_, err := s.DoLogCompaction(through)
			return err
		}}
	}
	index := st.LastAppliedLog + 1 + raft.Index(r.rand.Uint64n(uint64(st.LastLogIndex-st.LastAppliedLog)+2))
	term := max(st.LastLogTerm, 1)
	var keep *raft.Index
	if r.rand.Chance(sim.Percent(50)) {
		keep = idx(index)
	}
	donor := &listSM{Items: []string{fmt.Sprint("snap", index)}, Indices: []raft.Index{index}}
	state, _ := donor.Snapshot()
	data := raft.EncodeSnapshot(raft.SnapshotMeta{Index: index, Term: term, Membership: raft.NewMembership(1, 2)}, state)
	return call{name: fmt.Sprintf("install %d/%d", term, index), run: func(s raft.Storage[string, int]) error {
		id, h, err := s.CreateSnapshot()
		if err != nil {
			return err
		}
		if _, err := h.Write(data); err != nil {
			return err
		}
		return s.FinalizeSnapshotInstallation(index, term, keep, id, h)
	}}
}

func (r *crashRun) hardStateCall(st raft.InitialState) call {
	hs := st.HardState
	if hs.VotedFor == raft.None && r.rand.Chance(sim.Percent(50)) {
		hs.VotedFor = raft.NodeID(1 + r.rand.Uint64n(3))
	} else {
		hs = raft.HardState{CurrentTerm: hs.CurrentTerm + 1, VotedFor: raft.NodeID(r.rand.Uint64n(3))}
	}
	return call{name: fmt.Sprint("save ", hs), run: func(s raft.Storage[string, int]) error { return s.SaveHardState(hs) }}
}
