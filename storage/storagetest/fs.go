package storagetest

import (
	"fmt"
	"os"

	"github.com/raftsim/raftsim/raft"
	"github.com/raftsim/raftsim/sim"
	"github.com/raftsim/raftsim/storage/simdisk"
	"github.com/raftsim/raftsim/storage/vfs"
)

// OpenFS opens a store of node id on a file system, as the store's own
// code does in production (on vfs.OS), applying committed commands to sm.
// The file system is pristine on a first open; on a later one, it holds
// what the previous store left, after a crash or a clean stop.
type OpenFS[D, R any] func(fsys vfs.FS, id raft.NodeID, sm raft.StateMachine[D, R]) (raft.Storage[D, R], error)

// DiskOptions shape the simulated disk OnDisk gives each store. The zero
// value is simdisk.DefaultConfig with 4096-byte sectors.
type DiskOptions struct {
	// SectorSize is the disk's atomic unit: 512 makes records span
	// sectors and tear at more places. 4096 when 0.
	SectorSize int
	// Seed is the first disk's random stream; each later disk takes the
	// next.
	Seed uint64
}

// OnDisk returns a Factory of stores opened by open on fresh simulated
// disks (simdisk.Disk.FS). Its stores are Crashable and Faultable: the kit
// cuts their power at every persistence point, under every crash policy,
// and injects every device fault. A reopen crashes the disk (under the
// armed policy, or losing everything unsynced) and opens the store again
// on what survived, as a process restarted after a power failure would.
func OnDisk[D, R any](open OpenFS[D, R], opts DiskOptions) FactoryOf[D, R] {
	return &diskFactory[D, R]{open: open, opts: opts, seed: opts.Seed}
}

type diskFactory[D, R any] struct {
	open OpenFS[D, R]
	opts DiskOptions
	seed uint64
}

// DiskStore is a store OnDisk made, with its disk. The kit finds the disk
// through it; a user's factory may wrap its own store on a *simdisk.Disk
// in one (NewDiskStore) to get the crash and fault checks.
type DiskStore[D, R any] struct {
	raft.Storage[D, R]
	disk  *simdisk.Disk
	id    raft.NodeID
	armed bool
	at    int
	crash Crash
}

// NewDiskStore wraps s, a store of node id on disk, as Crashable and
// Faultable.
func NewDiskStore[D, R any](s raft.Storage[D, R], disk *simdisk.Disk, id raft.NodeID) *DiskStore[D, R] {
	return &DiskStore[D, R]{Storage: s, disk: disk, id: id}
}

// Disk returns the store's simulated disk.
func (s *DiskStore[D, R]) Disk() *simdisk.Disk { return s.disk }

func (s *DiskStore[D, R]) PersistencePoints() int { return int(s.disk.Ops()) }

func (s *DiskStore[D, R]) CrashAt(n int, c Crash) {
	s.armed, s.at, s.crash = true, n, c
	s.disk.CutPowerAfter(int64(max(n-int(s.disk.Ops()), 0)))
}

func (s *DiskStore[D, R]) Crashed() bool { return s.armed && int(s.disk.Ops()) >= s.at }

// PowerOff crashes the disk: under the armed policy, or losing everything
// unsynced.
func (s *DiskStore[D, R]) PowerOff() error {
	policy := simdisk.CrashLoseAll
	if s.armed {
		policy = s.crash.Policy
	}
	return s.disk.Crash(policy)
}

func (f *diskFactory[D, R]) New(t TB, id raft.NodeID, sm raft.StateMachine[D, R]) raft.Storage[D, R] {
	t.Helper()
	f.seed++
	cfg := simdisk.DefaultConfig()
	if f.opts.SectorSize != 0 {
		cfg.SectorSize = f.opts.SectorSize
	}
	d, err := simdisk.NewDisk(cfg, sim.NewRand(f.seed), nil)
	if err != nil {
		t.Fatalf("storagetest: new simulated disk: %v", err)
	}
	return f.openOn(t, d, id, sm)
}

func (f *diskFactory[D, R]) openOn(t TB, d *simdisk.Disk, id raft.NodeID, sm raft.StateMachine[D, R]) raft.Storage[D, R] {
	t.Helper()
	s, err := f.open(d.FS(), id, sm)
	if err != nil {
		t.Fatalf("storagetest: open the store on a simulated disk: %v", err)
	}
	return NewDiskStore(s, d, id)
}

func (f *diskFactory[D, R]) Reopen(t TB, old raft.Storage[D, R], sm raft.StateMachine[D, R]) raft.Storage[D, R] {
	t.Helper()
	o := old.(*DiskStore[D, R])
	if err := o.PowerOff(); err != nil {
		t.Fatalf("storagetest: crash the simulated disk: %v", err)
	}
	return f.openOn(t, o.disk, o.id, sm)
}

// OnOS returns a Factory of stores opened by open on real files, each in
// a fresh temporary directory (removed at the test's end); a reopen opens
// the store again on the same directory, as after a clean restart. Real
// files cannot be crashed by a test: the kit runs the cases and the model
// test on them, and skips the crash and fault checks with a message
// saying so. Run the same open function through OnDisk for those.
func OnOS[D, R any](open OpenFS[D, R]) FactoryOf[D, R] { return osFactory[D, R]{open: open} }

type osFactory[D, R any] struct{ open OpenFS[D, R] }

// osStore is a store on a real directory.
type osStore[D, R any] struct {
	raft.Storage[D, R]
	dir string
	id  raft.NodeID
}

func (s *osStore[D, R]) realFiles() string { return s.dir }

func (f osFactory[D, R]) openIn(t TB, dir string, id raft.NodeID, sm raft.StateMachine[D, R]) raft.Storage[D, R] {
	t.Helper()
	fsys, err := vfs.OS(dir)
	if err != nil {
		t.Fatalf("storagetest: %v", err)
	}
	s, err := f.open(fsys, id, sm)
	if err != nil {
		t.Fatalf("storagetest: open the store in %s: %v", dir, err)
	}
	return &osStore[D, R]{Storage: s, dir: dir, id: id}
}

func (f osFactory[D, R]) New(t TB, id raft.NodeID, sm raft.StateMachine[D, R]) raft.Storage[D, R] {
	t.Helper()
	dir, err := os.MkdirTemp("", "storagetest-")
	if err != nil {
		t.Fatalf("storagetest: temp dir: %v", err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return f.openIn(t, dir, id, sm)
}

func (f osFactory[D, R]) Reopen(t TB, old raft.Storage[D, R], sm raft.StateMachine[D, R]) raft.Storage[D, R] {
	t.Helper()
	o := old.(*osStore[D, R])
	if c, ok := o.Storage.(interface{ Close() error }); ok {
		if err := c.Close(); err != nil {
			t.Fatalf("storagetest: close the store in %s: %v", o.dir, err)
		}
	}
	return f.openIn(t, o.dir, o.id, sm)
}

// notCrashable says why the kit skips crash checks for a store, and how to
// get them.
func notCrashable(s any) string {
	if _, ok := s.(interface{ realFiles() string }); ok {
		return "the store runs on real files (OnOS), which a test cannot crash: its crash consistency is " +
			"tested by running the same open function on simulated disks, storagetest.OnDisk(open, opts), " +
			"where the kit cuts the power at every persistence point"
	}
	return fmt.Sprintf("the store (%T) does not implement storagetest.Crashable: write it against the file "+
		"interface storage/vfs and test it with storagetest.OnDisk(open, opts), or wrap a store on a "+
		"*simdisk.Disk with storagetest.NewDiskStore(store, disk, id)", s)
}
