package simdisk

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftsim/raftsim/raft"
	"github.com/raftsim/raftsim/sim"
)

// One test per fault kind of the fault model: what the fault does to the
// store, and what the store does about it (an error, a detection, or
// survival). Each runs on the simulated disk with 512-byte sectors.

// faultRig is a store on a simulated disk holding entries 1..5, with 1..3
// applied.
func faultRig(t *testing.T) *rig {
	r := newRig(t, "sim")
	r.mustAppend(blank(1, 1), normal(1, 2, "two"), normal(1, 3, "three"), normal(2, 4, "four"), normal(2, 5, "five"))
	r.mustApply(3)
	return r
}

// where returns the file and byte offset of the record of entry i.
func (r *rig) where(i raft.Index) (string, int64) {
	s := r.store()
	sl := s.slotAt(i)
	w := s.wal
	return segName(sl.seg), sl.off/w.payload*w.sector + sectorHeader + sl.off%w.payload
}

// crashAndOpen crashes the disk and opens the store again, returning the
// error of Open.
func (r *rig) crashAndOpen(p CrashPolicy) error {
	r.t.Helper()
	require.NoError(r.t, r.disk.Crash(p))
	r.sm = &listSM{}
	s, err := Open[string, int](r.dev, 1, r.sm, stringCodec{}, r.opts)
	if err == nil {
		r.s = s
	}
	return err
}

func (r *rig) setFaults(set func(f *Faults)) {
	f := NoFaults()
	set(&f)
	require.NoError(r.t, r.disk.SetFaults(f))
}

// requireEntries checks that the log holds 1..n as faultRig wrote them.
func (r *rig) requireEntries(n raft.Index) {
	r.t.Helper()
	es, err := r.s.GetLogEntries(1, 100)
	require.NoError(r.t, err)
	require.Len(r.t, es, int(n))
	for k, e := range es {
		require.Equal(r.t, raft.Index(k+1), e.Index)
	}
	if n >= 2 {
		require.Equal(r.t, "two", es[1].Data)
	}
}

func TestFaultReadError(t *testing.T) {
	r := faultRig(t)
	r.setFaults(func(f *Faults) { f.ReadError = sim.Always })
	_, err := r.s.GetLogEntries(2, 3)
	require.ErrorIs(t, err, ErrIO, "detected: an error, the node stops")
	assert.EqualError(t, err, "simdisk: n1: get entries 2..2: wal segment 1: disk: read wal-0000000000000001 at 0: injected: i/o error")
	require.ErrorIs(t, r.crashAndOpen(CrashLoseAll), ErrIO, "a restart meets the same fault")

	r.setFaults(func(f *Faults) {})
	require.NoError(t, r.crashAndOpen(CrashLoseAll), "transient: the next restart succeeds")
	r.requireEntries(5)
}

func TestFaultLatentSector(t *testing.T) {
	r := faultRig(t)
	name, off := r.where(2)
	require.NoError(t, r.disk.InjectLatentSector(name, off))
	_, err := r.s.GetLogEntries(1, 6)
	require.ErrorIs(t, err, ErrIO, "detected")
	assert.Contains(t, err.Error(), "sector 0 unreadable")
	require.ErrorIs(t, r.crashAndOpen(CrashLoseAll), ErrIO, "persistent: the node cannot restart")

	r.disk.Heal()
	require.NoError(t, r.crashAndOpen(CrashLoseAll), "healed for the liveness phase")
	r.requireEntries(5)
}

func TestFaultBitCorruption(t *testing.T) {
	for _, tt := range []struct {
		name   string
		target func(r *rig) (string, int64)
		msg    string // in the error of Open
	}{
		{"log record", func(r *rig) (string, int64) { return r.where(3) }, "wal segment 1 sector 0: checksum mismatch"},
		{"last log record", func(r *rig) (string, int64) { name, off := r.where(5); return name, off + 8 }, "checksum mismatch"},
		{"hard state", func(r *rig) (string, int64) { return fileHardState, 5 }, "open: hard state: checksum mismatch"},
		{"node file", func(r *rig) (string, int64) { return fileNode, 4 }, "open: node file: checksum mismatch"},
		{"snapshot", func(r *rig) (string, int64) { return snapName(r.store().snapshot.file), 20 }, "raft: decode snapshot: checksum"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := faultRig(t)
			require.NoError(t, r.s.SaveHardState(raft.HardState{CurrentTerm: 2, VotedFor: 1}))
			_, err := r.s.DoLogCompaction(2)
			require.NoError(t, err)
			want := r.view()
			name, off := tt.target(r)
			require.NoError(t, r.disk.InjectBitFlip(name, off, 3))

			err = r.crashAndOpen(CrashLoseAll)
			require.ErrorIs(t, err, raft.ErrCorrupt, "detected, never taken for a torn tail or returned as data")
			assert.Contains(t, err.Error(), tt.msg)

			r.disk.Heal()
			require.NoError(t, r.crashAndOpen(CrashLoseAll))
			requireSameDurable(t, want, r.view())
		})
	}
}

// A corrupted entry in a running store is reported when read, and a
// corrupted snapshot is never streamed by a leader.
func TestFaultBitCorruptionWhileRunning(t *testing.T) {
	r := faultRig(t)
	for i := raft.Index(6); i <= 9; i++ {
		r.mustAppend(normal(2, i, string(fill(byte('0'+i), 600))))
	}
	name, off := r.where(8)
	require.NoError(t, r.disk.InjectBitFlip(name, off, 0))
	_, err := r.s.GetLogEntries(8, 9)
	require.ErrorIs(t, err, raft.ErrCorrupt)
	assert.Regexp(t, `^simdisk: n1: get entries 8\.\.8: wal segment 1 sector \d: checksum mismatch \(\w+, want \w+\): storage corrupt$`, err.Error())
	es, err := r.s.GetLogEntries(1, 6)
	require.NoError(t, err, "the other sectors read fine (a read does not poison the store)")
	assert.Len(t, es, 5)

	_, err = r.s.DoLogCompaction(3)
	require.NoError(t, err)
	require.NoError(t, r.disk.InjectBitFlip(snapName(r.store().snapshot.file), 10, 1))
	_, err = r.s.GetCurrentSnapshot()
	require.ErrorIs(t, err, raft.ErrCorrupt, "a leader never streams a corrupt snapshot")
}

// Corruption found by reads at the configured rate: whatever is read is
// either exact or an error; never other data.
func TestFaultCorruptionRate(t *testing.T) {
	detected := 0
	for seed := range uint64(40) {
		r := newSimRig(t, seed)
		for i := raft.Index(1); i <= 20; i++ {
			r.mustAppend(normal(1, i, fmt.Sprint("e", i)))
		}
		r.setFaults(func(f *Faults) { f.Corruption = sim.Percent(20) })
		for i := raft.Index(1); i <= 20; i++ {
			es, err := r.s.GetLogEntries(i, i+1)
			if err != nil {
				require.ErrorIs(t, err, raft.ErrCorrupt)
				detected++
				continue
			}
			require.Equal(t, fmt.Sprint("e", i), es[0].Data)
		}
	}
	assert.Positive(t, detected)
}

func TestFaultWriteError(t *testing.T) {
	r := faultRig(t)
	r.setFaults(func(f *Faults) { f.WriteError = sim.Always })
	e := normal(2, 6, "six")
	err := r.s.AppendEntryToLog(&e)
	require.ErrorIs(t, err, ErrIO, "detected")
	assert.EqualError(t, err, "simdisk: n1: append 6: disk: write wal-0000000000000001 at 0: injected: i/o error")
	_, err2 := r.s.GetInitialState()
	require.Equal(t, err, err2, "the store is poisoned: what the device holds is unknown")

	r.setFaults(func(f *Faults) {})
	require.NoError(t, r.crashAndOpen(CrashKeepSubset))
	r.requireEntries(5)
}

// A lost write is survived: the store reads every write back, and writes
// again what did not land.
func TestFaultLostWrite(t *testing.T) {
	r := faultRig(t)
	r.setFaults(func(f *Faults) { f.LostWrite = sim.Percent(10) })
	for i := raft.Index(6); i <= 40; i++ {
		r.mustAppend(normal(2, i, fmt.Sprint("e", i)))
	}
	require.NoError(t, r.s.SaveHardState(raft.HardState{CurrentTerm: 3, VotedFor: 2}))
	assert.Positive(t, r.disk.Stats().LostWrites, "writes were lost")
	r.setFaults(func(f *Faults) {})
	require.NoError(t, r.crashAndOpen(CrashLoseAll), "everything acknowledged is durable")
	r.requireEntries(40)
	st, err := r.s.GetInitialState()
	require.NoError(t, err)
	assert.Equal(t, raft.HardState{CurrentTerm: 3, VotedFor: 2}, st.HardState)

	r.setFaults(func(f *Faults) { f.LostWrite = sim.Always })
	e := normal(2, 41, "x")
	err = r.s.AppendEntryToLog(&e)
	require.ErrorIs(t, err, raft.ErrCorrupt, "a disk that never writes is detected")
	assert.Contains(t, err.Error(), "written 4 times, never read back as written (last: read back differs)")
}

// A misdirected write is survived where it was meant to go (read back,
// written again), and detected where it landed: the sector names its own
// place, so a sector from elsewhere is never taken for data.
func TestFaultMisdirectedWrite(t *testing.T) {
	misplaced := 0
	for seed := range uint64(20) {
		r := newSimRig(t, seed)
		r.setFaults(func(f *Faults) { f.MisdirectedWrite = sim.Percent(30) })
		last := raft.Index(0)
		for i := raft.Index(1); i <= 30; i++ {
			e := normal(1, i, fmt.Sprint("e", i, "-", string(fill('x', 100))))
			if err := r.s.AppendEntryToLog(&e); err != nil {
				require.ErrorIs(t, err, raft.ErrCorrupt)
				break
			}
			last = i
		}
		r.setFaults(func(f *Faults) {})
		if err := r.crashAndOpen(CrashLoseAll); err != nil {
			require.ErrorIs(t, err, raft.ErrCorrupt, "seed %d", seed)
			assert.Contains(t, err.Error(), "misplaced")
			misplaced++
			r.disk.Heal()
			require.NoError(t, r.crashAndOpen(CrashLoseAll))
		}
		es, err := r.s.GetLogEntries(1, last+1)
		require.NoError(t, err)
		require.Len(t, es, int(last), "seed %d: nothing acknowledged is lost", seed)
		for k, e := range es {
			require.Equal(t, fmt.Sprint("e", k+1, "-", string(fill('x', 100))), e.Data)
		}
	}
	assert.Positive(t, misplaced, "some misdirected sectors were found where they landed")
}

// A failed sync is fatal and never retried: after fsyncgate, a second
// sync would report success without making the data durable.
func TestFaultSyncError(t *testing.T) {
	r := faultRig(t)
	r.setFaults(func(f *Faults) { f.SyncError = sim.Always })
	syncs := r.disk.Stats().Syncs
	e := normal(2, 6, "six")
	err := r.s.AppendEntryToLog(&e)
	require.ErrorIs(t, err, ErrIO)
	assert.EqualError(t, err, "simdisk: n1: append 6: disk: sync wal-0000000000000001: injected: i/o error")
	assert.Equal(t, syncs+1, r.disk.Stats().Syncs, "the store did not sync again")
	require.ErrorIs(t, r.s.AppendEntryToLog(&e), ErrIO, "poisoned")

	r.setFaults(func(f *Faults) {})
	require.NoError(t, r.crashAndOpen(CrashKeepPrefix))
	r.requireEntries(5)
}

func TestFaultFullDisk(t *testing.T) {
	r := faultRig(t)
	r.setFaults(func(f *Faults) { f.Capacity = 8 << 10 })
	var err error
	last := raft.Index(5)
	for i := raft.Index(6); i < 100 && err == nil; i++ {
		e := normal(2, i, string(fill('x', 300)))
		if err = r.s.AppendEntryToLog(&e); err == nil {
			last = i
		}
	}
	require.ErrorIs(t, err, ErrNoSpace, "detected")
	assert.Contains(t, err.Error(), "no space left on device")
	require.NoError(t, r.crashAndOpen(CrashKeepSubset), "recovery needs no space")
	es, err := r.s.GetLogEntries(1, 200)
	require.NoError(t, err)
	assert.Len(t, es, int(last), "everything acknowledged is there")

	r.disk.Heal()
	e := normal(2, last+1, "more")
	require.NoError(t, r.s.AppendEntryToLog(&e), "healing frees the disk")
}

// A write torn by a crash at a sector boundary is cut off at recovery;
// the entries before it are intact.
func TestFaultTornWrite(t *testing.T) {
	torn := 0
	for seed := range uint64(40) {
		r := newSimRig(t, seed)
		r.mustAppend(blank(1, 1), normal(1, 2, "two"))
		batch := []raft.Entry[string]{normal(1, 3, string(fill('a', 700))), normal(1, 4, string(fill('b', 700))), normal(1, 5, "c")}
		r.disk.CutPowerAfter(1) // the write goes through, its sync does not
		require.ErrorIs(t, r.s.ReplicateToLog(batch), ErrPowerCut)
		require.NoError(t, r.crashAndOpen(CrashTear))
		es, err := r.s.GetLogEntries(1, 10)
		require.NoError(t, err)
		require.GreaterOrEqual(t, len(es), 2, "seed %d: acknowledged entries lost", seed)
		for k := 2; k < len(es); k++ {
			require.Equal(t, batch[k-2], es[k], "seed %d: a prefix of the batch", seed)
		}
		if len(es) < 5 {
			torn++
		}
		r.mustAppend(normal(2, raft.Index(len(es)+1), "after"))
		r.requireSurvivesRestart()
	}
	assert.Positive(t, torn)
}

// Heal is the liveness phase's one call: after it, a store that could not
// start starts, with its data.
func TestFaultHeal(t *testing.T) {
	r := faultRig(t)
	want := r.view()
	name, off := r.where(3)
	require.NoError(t, r.s.SaveHardState(raft.HardState{CurrentTerm: 2}))
	want = r.view()
	require.NoError(t, r.disk.InjectBitFlip(name, off, 2))
	require.NoError(t, r.disk.InjectLatentSector(fileNode, 0))
	require.NoError(t, r.disk.InjectBitFlip(fileHardState, 0, 0))
	r.setFaults(func(f *Faults) { f.ReadError = sim.Always; f.Capacity = 1 })
	require.Error(t, r.crashAndOpen(CrashLoseAll))

	r.disk.Heal()
	require.NoError(t, r.crashAndOpen(CrashLoseAll))
	requireSameDurable(t, want, r.view())
	assert.Zero(t, r.disk.Stats().FaultySectors)
	assert.Equal(t, NoFaults(), r.disk.Faults())
}

// The whole stack is deterministic: one seed, one outcome.
func TestStoreIsDeterministic(t *testing.T) {
	f := NoFaults()
	f.LostWrite, f.MisdirectedWrite, f.Corruption = sim.Percent(10), sim.Percent(10), sim.Percent(2)
	run := func() (runStats, Stats) {
		var disk *Disk
		st := runCrashesWith(t, runConfig{faults: &f}, 5, 60, func(d *Disk) { disk = d })
		return st, disk.Stats()
	}
	a, sa := run()
	b, sb := run()
	assert.Equal(t, a, b)
	assert.Equal(t, sa, sb)
}
