package harness

import (
	"errors"
	"fmt"
	"time"

	"github.com/raftsim/raftsim/faults"
	"github.com/raftsim/raftsim/raft"
	"github.com/raftsim/raftsim/sim"
	"github.com/raftsim/raftsim/storage/simdisk"
	"github.com/raftsim/raftsim/storage/vfs"
)

// DiskConfig is every node's simulated disk.
type DiskConfig struct {
	// Device is the disk's latencies and its initial fault rates.
	Device simdisk.Config `json:"device"`
	// CrashPolicy is what a crash does to writes not yet durable, unless
	// a disk-faults step names another.
	CrashPolicy simdisk.CrashPolicy `json:"crashPolicy"`
	// PowerCut makes crash steps cut the node's power at a persistence
	// point: in the middle of one of its next few storage calls (the
	// count drawn from the fault stream), or at once if it makes none
	// within powerCutWait.
	PowerCut bool `json:"powerCut,omitempty"`
	// SkipSync is a deliberately broken store for tests: its syncs never
	// reach the disk, so it acknowledges writes a crash then loses. The
	// harness must catch it.
	SkipSync bool `json:"skipSync,omitempty"`
}

// powerCutWait bounds how long an armed power cut waits for the node's
// next storage call before the crash happens anyway.
const powerCutWait = 50 * time.Millisecond

// lyingDevice is a device whose syncs do nothing: the SkipSync bug.
type lyingDevice struct{ simdisk.Device }

func (lyingDevice) Sync(string) error { return nil }
func (lyingDevice) SyncDir() error    { return nil }

// lyingFS is the SkipSync bug on the file interface: syncs of files and
// of the directory do nothing.
type lyingFS struct{ vfs.FS }

func (lyingFS) SyncDir() error { return nil }

func (l lyingFS) Create(name string) (vfs.File, error) { return lyingFile(l.FS.Create(name)) }
func (l lyingFS) Open(name string) (vfs.File, error)   { return lyingFile(l.FS.Open(name)) }

func lyingFile(f vfs.File, err error) (vfs.File, error) {
	if err != nil {
		return nil, err
	}
	return lyingSync{f}, nil
}

type lyingSync struct{ vfs.File }

func (lyingSync) Sync() error { return nil }

// cutPower arms a power cut on the node's disk (PowerCut crashes) and
// reports whether it did.
func (n *node) cutPower() bool {
	if n.disk == nil || !n.w.cfg.Disk.PowerCut {
		return false
	}
	n.disk.CutPowerAfter(int64(n.w.faultRand.Intn(8)))
	n.w.kernel.After(powerCutWait, event{kind: evPowerCut, target: int32(n.idx), token: n.incarnation})
	return true
}

// powerCutDue crashes a node whose armed power cut found no storage call
// to interrupt.
func (n *node) powerCutDue(token uint32) {
	if token == n.incarnation && n.up && n.w.chaos {
		n.crash()
	}
}

// DefaultDisk is an SSD-like disk with no faults: 10-100µs operations,
// 0.2-1ms syncs with a rare 5-20ms tail, and a crash keeps a random
// prefix of what was not yet durable.
func DefaultDisk() DiskConfig {
	return DiskConfig{Device: simdisk.DefaultConfig(), CrashPolicy: simdisk.CrashKeepPrefix}
}

// durMark says that the writes before a watch write mark are durable once
// the node's disk reaches at.
type durMark struct {
	mark uint64
	at   sim.Time
}

// openStore gives the node its storage for a start, from the config's
// store (stores.go). A store on the device is opened anew at every start,
// recovering from the disk into a fresh state machine, as a real process
// would; a store whose medium is its own memory is created once and
// survives crashes as it is.
func (n *node) openStore() error {
	st, err := LookupStore(string(n.w.cfg.Storage))
	if err != nil {
		return err // the config was validated: the registry changed under the run
	}
	env := StoreEnv{ID: n.id, Codec: CommandCodec{}}
	if st.Device {
		env.Device, env.FS = n.disk, n.disk.FS()
		if n.w.cfg.Disk.SkipSync {
			env.Device, env.FS = lyingDevice{n.disk}, lyingFS{env.FS}
		}
	} else if n.store != nil {
		return nil
	}
	n.setKV()
	env.StateMachine = n.kv
	s, err := st.Open(env)
	if err != nil {
		return err
	}
	if s == nil {
		return fmt.Errorf("harness: store %s opened no store for %v", st.Name, n.id)
	}
	n.store = &watchedStore{inner: s, n: n}
	return nil
}

// setKV gives the node a fresh state machine.
func (n *node) setKV() {
	n.kv = NewKV()
	n.kv.OnApply(func(index raft.Index, c Command, r Response) { n.w.recordApply(n, index, c, r) })
}

// durableAt is when everything the node's storage returned so far is
// durable: now for the memory store, the disk's horizon otherwise.
func (n *node) durableAt() sim.Time {
	now := n.w.kernel.Now()
	if n.disk == nil {
		return now
	}
	return max(now, n.disk.DurableAt())
}

// wrote records, after a write the store accepted, when the writes so far
// will be durable.
func (n *node) wrote() {
	if n.disk == nil {
		return
	}
	n.durQ = append(n.durQ, durMark{mark: n.w.safety.watch.WriteMark(n.id), at: n.disk.DurableAt()})
}

// syncUpTo tells the invariant watch which writes are durable by now. It
// runs before every check that depends on durability: a message leaving,
// a crash.
func (n *node) syncUpTo(now sim.Time) {
	k := 0
	for k < len(n.durQ) && n.durQ[k].at <= now {
		k++
	}
	if k == 0 {
		return
	}
	n.w.report(n.w.safety.watch.SyncedThrough(n.id, n.durQ[k-1].mark))
	n.durQ = append(n.durQ[:0], n.durQ[k:]...)
}

// crashStorage applies a crash to the storage: the disk loses or tears
// what was not durable yet, per the crash policy.
func (n *node) crashStorage() {
	n.durQ = n.durQ[:0]
	if n.disk == nil {
		return
	}
	if err := n.disk.Crash(n.crashPolicy); err != nil {
		panic(fmt.Sprintf("harness: %v: disk crash: %v", n.id, err))
	}
}

// faultyDisk reports whether storage errors on this node are expected:
// its disk has, or had, faults switched on.
func (n *node) faultyDisk() bool { return n.diskFaults }

// setDiskFaults applies a disk-faults plan step.
func (n *node) setDiskFaults(r faults.DiskRates) string {
	if n.disk == nil {
		return "memory storage has no disk"
	}
	if st, err := LookupStore(string(n.w.cfg.Storage)); err == nil {
		r = st.withoutIgnored(r)
	}
	f := simdisk.Faults{
		ReadError: r.ReadError, LatentSector: r.LatentSector, Corruption: r.Corrupt,
		WriteError: r.WriteError, LostWrite: r.LostWrite, MisdirectedWrite: r.MisdirectedWrite, SyncError: r.SyncFail,
	}
	for _, p := range []*sim.Ratio{&f.ReadError, &f.LatentSector, &f.Corruption, &f.WriteError, &f.LostWrite, &f.MisdirectedWrite, &f.SyncError} {
		if p.Den == 0 {
			*p = sim.Never // left out means off
		}
	}
	if err := n.disk.SetFaults(f); err != nil {
		panic(fmt.Sprintf("harness: %v: disk faults %v: %v", n.id, r, err))
	}
	n.diskFaults = n.diskFaults || r != (faults.DiskRates{CrashPolicy: r.CrashPolicy})
	n.crashPolicy = DiskCrashPolicy(r.CrashPolicy, n.crashPolicy)
	return ""
}

// DiskCrashPolicy is the disk's crash policy of the name p has, and def
// for faults.CrashDefault: the plan's policies and the disk's are one set
// of names (a test keeps them so).
func DiskCrashPolicy(p faults.CrashPolicy, def simdisk.CrashPolicy) simdisk.CrashPolicy {
	if p == faults.CrashDefault {
		return def
	}
	var d simdisk.CrashPolicy
	if err := d.UnmarshalText([]byte(p.String())); err != nil || d.Validate() != nil {
		panic(fmt.Sprintf("harness: crash policy %v has no disk policy of its name", p)) // the plan was validated
	}
	return d
}

// setDiskLatency makes every operation of the node's disk take lat, or
// (with a zero Dist) the configured latencies again.
func (n *node) setDiskLatency(lat sim.Dist) string {
	if n.disk == nil {
		return "memory storage has no disk"
	}
	c := n.w.cfg.Disk.Device
	read, write, sync := c.ReadLatency, c.WriteLatency, c.SyncLatency
	if lat.Kind != 0 {
		read, write, sync = lat, lat, lat
	}
	if err := n.disk.SetLatency(read, write, sync); err != nil {
		panic(fmt.Sprintf("harness: %v: disk latency %v: %v", n.id, lat, err))
	}
	return ""
}

// healDisk switches the disk's faults off and restores its latency; the
// damage already done stays (the liveness phase heals only undamaged
// nodes).
func (n *node) healDisk() {
	if n.disk == nil {
		return
	}
	n.disk.CutPowerAfter(-1) // an armed power cut is a chaos-phase fault
	if err := n.disk.SetFaults(simdisk.NoFaults()); err != nil {
		panic(fmt.Sprintf("harness: %v: disk heal: %v", n.id, err))
	}
	n.setDiskLatency(sim.Dist{})
}

// storageStopped handles a node that stopped on a storage error. On a disk
// with faults switched on, that is the store doing its job (fail-stop on
// an I/O error or detected corruption): the node goes down like a crash,
// and a later restart or the liveness phase may bring it back. Anywhere
// else it is a bug, and the run's failure.
func (n *node) storageStopped(err error, what string) {
	if errors.Is(err, simdisk.ErrPowerCut) {
		// The power cut a crash step armed: this is the crash. What the
		// node committed in the step it stopped in was never observed.
		if n.raft != nil {
			st := n.raft.Status()
			n.w.report(n.w.safety.watch.CommitReached(n.id, st.Term, st.Commit))
		}
		n.crash()
		return
	}
	if !n.faultyDisk() {
		n.w.fail(Failure{Class: ClassStorage, Check: what, Message: fmt.Sprintf("%v: %s: %v", n.id, what, err)})
		return
	}
	n.w.stats.StorageStops++
	n.w.hit(ProbeStorageFailStop)
	if errors.Is(err, raft.ErrCorrupt) {
		n.w.stats.CorruptionsDetected++
	}
	if n.w.tracing() {
		n.w.emit(TraceEvent{Kind: TraceCrash, Node: n.id, Text: fmt.Sprintf("stopped on a storage error (%s): %v", what, err)})
	}
	n.crash()
}
