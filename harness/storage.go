package harness

import (
	"errors"
	"fmt"

	"github.com/raftsim/raftsim/faults"
	"github.com/raftsim/raftsim/raft"
	"github.com/raftsim/raftsim/sim"
	"github.com/raftsim/raftsim/storage/memstore"
	"github.com/raftsim/raftsim/storage/simdisk"
)

// StorageKind chooses what each node persists through.
type StorageKind uint8

const (
	// StorageMemory is the reference in-memory store: every write is
	// durable when it returns and a crash loses nothing written.
	StorageMemory StorageKind = iota
	// StorageDisk is the log store on a simulated disk: writes take
	// time, become durable at the disk's horizon, and a crash applies the
	// disk's crash policy to what is not durable yet.
	StorageDisk
)

func (k StorageKind) String() string {
	if k == StorageDisk {
		return "disk"
	}
	return "memory"
}

func (k StorageKind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

func (k *StorageKind) UnmarshalText(b []byte) error {
	switch string(b) {
	case "memory":
		*k = StorageMemory
	case "disk":
		*k = StorageDisk
	default:
		return fmt.Errorf("unknown storage %q (want memory or disk)", b)
	}
	return nil
}

// DiskConfig is every node's simulated disk.
type DiskConfig struct {
	// Device is the disk's latencies and its initial fault rates.
	Device simdisk.Config `json:"device"`
	// CrashPolicy is what a crash does to writes not yet durable, unless
	// a disk-faults step names another.
	CrashPolicy simdisk.CrashPolicy `json:"crashPolicy"`
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

// openStore gives the node its storage for a start: the memory store is
// created once and survives crashes as it is; the disk store is opened
// anew at every start, recovering from the disk into a fresh state
// machine, as a real process would.
func (n *node) openStore() error {
	if n.w.cfg.Storage == StorageMemory {
		if n.store == nil {
			n.setKV()
			n.store = &watchedStore{inner: memstore.New[Command, Response](n.id, n.kv), n: n}
		}
		return nil
	}
	if n.disk == nil {
		d, err := simdisk.NewDisk(n.w.cfg.Disk.Device, n.w.seed.Stream(fmt.Sprintf("disk/%d", n.id)), n.w.kernel)
		if err != nil {
			return err
		}
		n.disk = d
		n.crashPolicy = n.w.cfg.Disk.CrashPolicy
	}
	n.setKV()
	s, err := simdisk.Open(n.disk, n.id, n.kv, CommandCodec{}, simdisk.Options{})
	if err != nil {
		return err
	}
	n.store = &watchedStore{inner: s, n: n}
	return nil
}

// setKV gives the node a fresh state machine.
func (n *node) setKV() {
	n.kv = NewKV()
	n.kv.onApply = func(index raft.Index, c Command, r Response) { n.w.recordApply(n, index, c, r) }
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
	switch r.CrashPolicy {
	case faults.LoseUnsynced:
		n.crashPolicy = simdisk.CrashLoseAll
	case faults.KeepUnsynced:
		n.crashPolicy = simdisk.CrashKeepSubset
	case faults.TearUnsynced:
		n.crashPolicy = simdisk.CrashTear
	}
	return ""
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
	if !n.faultyDisk() {
		n.w.fail(Failure{Class: ClassStorage, Check: what, Message: fmt.Sprintf("%v: %s: %v", n.id, what, err)})
		return
	}
	n.w.stats.StorageStops++
	if errors.Is(err, raft.ErrCorrupt) {
		n.w.stats.CorruptionsDetected++
	}
	if n.w.tracing() {
		n.w.emit(TraceEvent{Kind: TraceCrash, Node: n.id, Text: fmt.Sprintf("stopped on a storage error (%s): %v", what, err)})
	}
	n.crash()
}
