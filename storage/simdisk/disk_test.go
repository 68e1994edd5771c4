package simdisk

import (
	"bytes"
	"encoding/json"
	"io"
	"io/fs"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftsim/raftsim/sim"
)

// fill returns n bytes of value b.
func fill(b byte, n int) []byte { return bytes.Repeat([]byte{b}, n) }

// read returns a whole file as a read shows it.
func read(t *testing.T, d Device, name string) []byte {
	t.Helper()
	b, err := readFile(d, name)
	require.NoError(t, err)
	return b
}

// durableFile makes a file of data that is durable, creation included.
func durableFile(t *testing.T, d *Disk, name string, data []byte) {
	t.Helper()
	require.NoError(t, d.Create(name))
	require.NoError(t, d.WriteAt(name, data, 0))
	require.NoError(t, d.Sync(name))
	require.NoError(t, d.SyncDir())
}

func TestDiskFiles(t *testing.T) {
	d := newTestDisk(t, 1, nil)
	require.NoError(t, d.Create("b"))
	require.NoError(t, d.Create("a"))
	require.NoError(t, d.WriteAt("a", []byte("hello"), 3))
	size, err := d.Size("a")
	require.NoError(t, err)
	assert.Equal(t, int64(8), size)

	p := make([]byte, 10)
	n, err := d.ReadAt("a", p, 0)
	assert.Equal(t, io.EOF, err, "a short read ends with io.EOF")
	assert.Equal(t, []byte("\x00\x00\x00hello"), p[:n], "a gap reads as zeros")
	_, err = d.ReadAt("a", p, 8)
	assert.Equal(t, io.EOF, err)

	require.NoError(t, d.Rename("a", "b"), "rename replaces")
	names, err := d.List()
	require.NoError(t, err)
	assert.Equal(t, []string{"b"}, names)
	require.NoError(t, d.Truncate("b", 4))
	assert.Equal(t, []byte("\x00\x00\x00h"), read(t, d, "b"))
	require.NoError(t, d.Create("b"), "create truncates")
	assert.Empty(t, read(t, d, "b"))
	require.NoError(t, d.Remove("b"))
	_, err = d.Size("b")
	assert.ErrorIs(t, err, fs.ErrNotExist)
	assert.EqualError(t, d.WriteAt("b", []byte("x"), 0), "disk: write b: file does not exist")
}

// Fault model, "The medium": Sync makes data durable, SyncDir the name.
func TestDiskSyncAndSyncDir(t *testing.T) {
	d := newTestDisk(t, 1, nil)
	require.NoError(t, d.Create("f"))
	require.NoError(t, d.WriteAt("f", []byte("data"), 0))
	require.NoError(t, d.Sync("f"))
	require.NoError(t, d.Crash(CrashLoseAll))
	_, err := d.Size("f")
	assert.ErrorIs(t, err, fs.ErrNotExist, "synced data, unsynced creation: the file is gone")

	durableFile(t, d, "f", []byte("old!"))
	require.NoError(t, d.WriteAt("f", []byte("new"), 0))
	require.NoError(t, d.Rename("f", "g"))
	assert.Equal(t, []byte("new!"), read(t, d, "g"), "reads see the cache")
	require.NoError(t, d.Crash(CrashLoseAll))
	assert.Equal(t, []byte("old!"), read(t, d, "f"), "neither the write nor the rename was synced")
}

// Fault model, "Time": operations are served in order, with latency, and
// DurableAt is when the last sync issued completes.
func TestDiskDurabilityHorizon(t *testing.T) {
	clock := &manualClock{now: 1000}
	d := newTestDisk(t, 1, clock)
	durableFile(t, d, "f", fill('a', 4))
	// Create 10, write 10, sync 100, syncdir 100: all issued at 1000.
	assert.Equal(t, sim.Time(1220), d.DurableAt())

	clock.now = 2000
	require.NoError(t, d.WriteAt("f", fill('b', 4), 0))
	require.NoError(t, d.Sync("f"))
	assert.Equal(t, sim.Time(2110), d.DurableAt(), "write 2000-2010, sync 2010-2110")

	clock.now = 2109
	require.NoError(t, d.Crash(CrashLoseAll))
	assert.Equal(t, fill('a', 4), read(t, d, "f"), "a crash before the horizon loses the write")
	assert.Equal(t, sim.Time(2109), d.DurableAt(), "a crash resets the horizon")

	require.NoError(t, d.WriteAt("f", fill('c', 4), 0))
	require.NoError(t, d.Sync("f"))
	clock.now = d.DurableAt()
	require.NoError(t, d.Crash(CrashLoseAll))
	assert.Equal(t, fill('c', 4), read(t, d, "f"), "at the horizon it is durable")
}

// Fault model, "Crashes": an operation not yet started when the power
// fails is dropped whatever the policy.
func TestDiskCrashDropsQueuedOperations(t *testing.T) {
	for seed := range uint64(20) {
		clock := &manualClock{}
		d := newTestDisk(t, seed, clock)
		durableFile(t, d, "f", fill('a', 1024))
		clock.now = d.DurableAt()
		require.NoError(t, d.WriteAt("f", fill('b', 512), 0))   // serves now .. now+10
		require.NoError(t, d.WriteAt("f", fill('c', 512), 512)) // queued: starts at now+10
		clock.now += 5
		require.NoError(t, d.Crash(CrashKeepSubset))
		assert.Equal(t, fill('a', 512), read(t, d, "f")[512:], "seed %d: the queued write survived", seed)
	}
}

// crashOutcome writes n unsynced 2-sector writes of distinct bytes to a
// durable file of zeros, crashes under policy, and returns for each write
// how many of its sectors reached the medium.
func crashOutcome(t *testing.T, seed uint64, policy CrashPolicy, n int) []int {
	d := newTestDisk(t, seed, nil)
	durableFile(t, d, "f", make([]byte, n*1024))
	for k := range n {
		require.NoError(t, d.WriteAt("f", fill(byte('A'+k), 1024), int64(k*1024)))
	}
	require.NoError(t, d.Crash(policy))
	got := read(t, d, "f")
	out := make([]int, n)
	for k := range n {
		for s := range 2 {
			if got[k*1024+s*512] == byte('A'+k) {
				require.Equal(t, fill(byte('A'+k), 512), got[k*1024+s*512:k*1024+s*512+512], "a sector is atomic")
				out[k]++
			}
		}
	}
	return out
}

func TestDiskCrashPolicies(t *testing.T) {
	const n, seeds = 4, 200
	isPrefix := func(o []int) bool {
		for k := 1; k < len(o); k++ {
			if o[k] > 0 && o[k-1] < 2 {
				return false
			}
		}
		return true
	}
	t.Run("lose-all", func(t *testing.T) {
		for seed := range uint64(seeds) {
			assert.Equal(t, make([]int, n), crashOutcome(t, seed, CrashLoseAll, n))
		}
	})
	t.Run("keep-subset", func(t *testing.T) {
		nonPrefix := 0
		for seed := range uint64(seeds) {
			o := crashOutcome(t, seed, CrashKeepSubset, n)
			for _, c := range o {
				require.Contains(t, []int{0, 2}, c, "a write survives whole or not at all")
			}
			if !isPrefix(o) {
				nonPrefix++
			}
		}
		assert.Positive(t, nonPrefix, "any subset, not only prefixes")
	})
	t.Run("keep-prefix", func(t *testing.T) {
		seen := map[int]bool{}
		for seed := range uint64(seeds) {
			o := crashOutcome(t, seed, CrashKeepPrefix, n)
			require.True(t, isPrefix(o), "%v", o)
			kept := 0
			for _, c := range o {
				require.Contains(t, []int{0, 2}, c)
				kept += c / 2
			}
			seen[kept] = true
		}
		assert.Len(t, seen, n+1, "every prefix length from 0 to all")
	})
	t.Run("tear", func(t *testing.T) {
		torn := 0
		for seed := range uint64(seeds) {
			o := crashOutcome(t, seed, CrashTear, n)
			require.True(t, isPrefix(o), "%v", o)
			require.Less(t, o[n-1], 2, "the crash strikes during a write: never all of them")
			for _, c := range o {
				if c == 1 {
					torn++
				}
			}
		}
		assert.Positive(t, torn, "writes torn at a sector boundary")
	})
}

func TestDiskCrashIsDeterministic(t *testing.T) {
	for _, p := range CrashPolicies() {
		assert.Equal(t, crashOutcome(t, 7, p, 6), crashOutcome(t, 7, p, 6), "%v", p)
	}
}

func TestDiskCutPower(t *testing.T) {
	d := newTestDisk(t, 1, nil)
	durableFile(t, d, "f", fill('a', 4))
	d.CutPowerAfter(1)
	require.NoError(t, d.WriteAt("f", fill('b', 4), 0))
	err := d.Sync("f")
	require.ErrorIs(t, err, ErrPowerCut)
	require.ErrorIs(t, d.Sync("f"), ErrPowerCut, "the power stays off")
	require.NoError(t, d.Crash(CrashLoseAll))
	assert.Equal(t, fill('a', 4), read(t, d, "f"), "the write never got its sync")
}

// withFaults sets faults on d, starting from none.
func withFaults(t *testing.T, d *Disk, set func(f *Faults)) {
	t.Helper()
	f := NoFaults()
	set(&f)
	require.NoError(t, d.SetFaults(f))
}

func TestDiskReadError(t *testing.T) {
	d := newTestDisk(t, 1, nil)
	durableFile(t, d, "f", fill('a', 600))
	withFaults(t, d, func(f *Faults) { f.ReadError = sim.Always })
	_, err := d.ReadAt("f", make([]byte, 4), 0)
	require.ErrorIs(t, err, ErrIO)
	assert.EqualError(t, err, "disk: read f at 0: injected: i/o error")
	require.NoError(t, d.SetFaults(NoFaults()))
	assert.Equal(t, fill('a', 600), read(t, d, "f"), "transient: nothing persists")
}

func TestDiskLatentSector(t *testing.T) {
	d := newTestDisk(t, 1, nil)
	durableFile(t, d, "f", fill('a', 1024))
	withFaults(t, d, func(f *Faults) { f.LatentSector = sim.Always })
	_, err := d.ReadAt("f", make([]byte, 10), 600) // sector 1 only
	require.ErrorIs(t, err, ErrIO)
	require.NoError(t, d.SetFaults(NoFaults()))
	_, err = d.ReadAt("f", make([]byte, 10), 1000)
	assert.EqualError(t, err, "disk: read f at 1000: sector 1 unreadable: i/o error", "persistent")
	_, err = d.ReadAt("f", make([]byte, 10), 0)
	assert.NoError(t, err, "sector 0 is fine")

	require.NoError(t, d.WriteAt("f", fill('b', 512), 512))
	assert.Equal(t, fill('b', 512), read(t, d, "f")[512:], "a rewrite repairs the sector")
	require.NoError(t, d.InjectLatentSector("f", 0))
	_, err = d.ReadAt("f", make([]byte, 1), 0)
	require.ErrorIs(t, err, ErrIO)
	d.Heal()
	assert.Equal(t, fill('a', 512), read(t, d, "f")[:512], "healed")
}

func TestDiskCorruption(t *testing.T) {
	d := newTestDisk(t, 1, nil)
	durableFile(t, d, "f", fill('a', 1024))
	withFaults(t, d, func(f *Faults) { f.Corruption = sim.Always })
	got := make([]byte, 1024)
	_, err := d.ReadAt("f", got, 0)
	require.NoError(t, err, "silent")
	require.Equal(t, 1, bitsDiffer(got, fill('a', 1024)), "one bit flipped")
	require.NoError(t, d.SetFaults(NoFaults()))
	assert.Equal(t, got, read(t, d, "f"), "persistent")
	assert.Equal(t, 1, d.Stats().FaultySectors)
	d.Heal()
	assert.Equal(t, fill('a', 1024), read(t, d, "f"), "healed: the pristine data was kept apart")
	assert.Zero(t, d.Stats().FaultySectors)
}

func bitsDiffer(a, b []byte) int {
	n := 0
	for k := range a {
		for x := a[k] ^ b[k]; x != 0; x &= x - 1 {
			n++
		}
	}
	return n
}

func TestDiskWriteError(t *testing.T) {
	d := newTestDisk(t, 1, nil)
	durableFile(t, d, "f", fill('a', 8))
	withFaults(t, d, func(f *Faults) { f.WriteError = sim.Always })
	err := d.WriteAt("f", fill('b', 8), 4)
	require.ErrorIs(t, err, ErrIO)
	assert.ErrorIs(t, d.Create("g"), ErrIO)
	require.NoError(t, d.SetFaults(NoFaults()))
	assert.Equal(t, fill('a', 8), read(t, d, "f"), "a failed write changes nothing")
}

func TestDiskLostWrite(t *testing.T) {
	d := newTestDisk(t, 1, nil)
	durableFile(t, d, "f", fill('a', 1024))
	withFaults(t, d, func(f *Faults) { f.LostWrite = sim.Always })
	require.NoError(t, d.WriteAt("f", fill('b', 700), 100), "reported done")
	require.NoError(t, d.Sync("f"))
	assert.Equal(t, fill('a', 1024), read(t, d, "f"), "reads show the old contents")
	require.NoError(t, d.Crash(CrashKeepPrefix))
	d.Heal()
	assert.Equal(t, fill('a', 1024), read(t, d, "f"), "the write never happened: healing does not bring it back")
	assert.Equal(t, uint64(1), d.Stats().LostWrites)
}

func TestDiskMisdirectedWrite(t *testing.T) {
	d := newTestDisk(t, 3, nil)
	durableFile(t, d, "f", fill('a', 4*512))
	withFaults(t, d, func(f *Faults) { f.MisdirectedWrite = sim.Always })
	require.NoError(t, d.WriteAt("f", fill('b', 512), 512), "reported done")
	got := read(t, d, "f")
	assert.Equal(t, fill('a', 512), got[512:1024], "the intended sector keeps its old contents")
	landed := 0
	for s := range 4 {
		if bytes.Equal(got[s*512:(s+1)*512], fill('b', 512)) {
			landed++
		}
	}
	assert.Equal(t, 1, landed, "the sector landed elsewhere in the file")
	assert.Equal(t, uint64(1), d.Stats().MisdirectedWrites)
	d.Heal()
	assert.Equal(t, fill('a', 4*512), read(t, d, "f"), "healing restores the clobbered sector; the write never happened")
}

// Fault model, "Sync error": the fsyncgate semantics.
func TestDiskSyncError(t *testing.T) {
	d := newTestDisk(t, 1, nil)
	durableFile(t, d, "f", fill('a', 8))
	require.NoError(t, d.WriteAt("f", fill('b', 8), 0))
	withFaults(t, d, func(f *Faults) { f.SyncError = sim.Always })
	require.ErrorIs(t, d.Sync("f"), ErrIO)
	require.NoError(t, d.SetFaults(NoFaults()))
	assert.Equal(t, fill('b', 8), read(t, d, "f"), "the cache still shows the write")
	require.NoError(t, d.Sync("f"), "a later sync reports success")
	require.NoError(t, d.Crash(CrashKeepPrefix))
	assert.Equal(t, fill('a', 8), read(t, d, "f"), "but the write never became durable")
}

func TestDiskFull(t *testing.T) {
	d := newTestDisk(t, 1, nil)
	durableFile(t, d, "f", fill('a', 600)) // two sectors
	withFaults(t, d, func(f *Faults) { f.Capacity = 2 * 512 })
	require.NoError(t, d.WriteAt("f", fill('b', 100), 700), "within the sectors it has")
	require.NoError(t, d.Create("g"))
	err := d.WriteAt("g", fill('c', 1), 0)
	require.ErrorIs(t, err, ErrNoSpace)
	assert.EqualError(t, err, "disk: write g at 0: capacity 1024 bytes: no space left on device")
	require.NoError(t, d.Truncate("f", 512))
	require.NoError(t, d.WriteAt("g", fill('c', 512), 0), "a truncation freed a sector")
	d.Heal()
	require.NoError(t, d.WriteAt("g", fill('c', 4096), 0), "healing lifts the limit")
}

func TestDiskIsDeterministic(t *testing.T) {
	run := func() (Stats, []byte) {
		d := newTestDisk(t, 42, nil)
		f := NoFaults()
		f.Corruption, f.LatentSector, f.LostWrite, f.MisdirectedWrite = sim.Percent(20), sim.Percent(10), sim.Percent(20), sim.Percent(20)
		require.NoError(t, d.SetFaults(f))
		require.NoError(t, d.Create("f"))
		for k := range 50 {
			_ = d.WriteAt("f", fill(byte(k), 300), int64(k*200))
			_, _ = d.ReadAt("f", make([]byte, 1000), int64(k*100))
		}
		require.NoError(t, d.Crash(CrashTear))
		d.Heal()
		return d.Stats(), read(t, d, "f")
	}
	s1, b1 := run()
	s2, b2 := run()
	assert.Equal(t, s1, s2)
	assert.Equal(t, b1, b2)
	assert.Positive(t, s1.Corruptions+s1.LostWrites+s1.MisdirectedWrites)
}

func TestConfigValidate(t *testing.T) {
	require.NoError(t, DefaultConfig().Validate())
	c := DefaultConfig()
	c.SectorSize = 1000
	assert.ErrorIs(t, c.Validate(), ErrConfig)
	c = DefaultConfig()
	c.Faults.LostWrite = sim.Ratio{}
	assert.EqualError(t, c.Validate(), "simdisk: faults: lost write: sim: ratio 0/0: denominator is zero (the zero Ratio is unset; write sim.Never for no chance): invalid ratio: invalid disk configuration")
	c = DefaultConfig()
	c.SyncLatency = sim.Dist{}
	assert.ErrorIs(t, c.Validate(), ErrConfig)
	_, err := NewDisk(c, sim.NewRand(1), nil)
	assert.ErrorIs(t, err, ErrConfig)
	assert.ErrorIs(t, CrashPolicy(0).Validate(), ErrConfig)
	assert.ErrorIs(t, newTestDisk(t, 1, nil).Crash(0), ErrConfig)
}

func TestCrashPolicyText(t *testing.T) {
	b, err := json.Marshal(CrashPolicies())
	require.NoError(t, err)
	assert.Equal(t, `["lose-all","keep-subset","keep-prefix","tear"]`, string(b))
	var back []CrashPolicy
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Equal(t, CrashPolicies(), back)
	// Every value round-trips, the unset one too; Validate refuses it.
	require.NoError(t, json.Unmarshal([]byte(`["unset"]`), &back))
	assert.ErrorIs(t, back[0].Validate(), ErrConfig)
	assert.Error(t, json.Unmarshal([]byte(`["melt"]`), &back))
}
