package storagetest

import (
	"os"
	"testing"

	"github.com/raftsim/raftsim/raft"
	"github.com/raftsim/raftsim/sim"
	"github.com/raftsim/raftsim/storage/simdisk"
)

// The kit run on the project's own disk store: on the simulated disk (with
// the crash-consistency driver: the disk's power can be cut at any
// persistence point) and on real files through the OS-backed device.

// diskStore is the simdisk store with its simulated disk's power switch.
type diskStore struct {
	*simdisk.Store[Cmd, Resp]
	disk   *simdisk.Disk
	id     raft.NodeID
	armed  bool
	at     int
	policy Crash
}

func (s *diskStore) PersistencePoints() int { return int(s.disk.Ops()) }

func (s *diskStore) CrashAt(n int, policy Crash) {
	s.armed, s.at, s.policy = true, n, policy
	s.disk.CutPowerAfter(int64(max(n-int(s.disk.Ops()), 0)))
}

func (s *diskStore) Crashed() bool { return s.armed && int(s.disk.Ops()) >= s.at }

// simDiskFactory makes stores on fresh simulated disks; a reopen crashes
// the disk (under the armed policy, or losing everything unsynced) and
// recovers from it.
type simDiskFactory struct{ seed uint64 }

func (f *simDiskFactory) open(t TB, d *simdisk.Disk, id raft.NodeID, sm raft.StateMachine[Cmd, Resp]) Store {
	st, err := simdisk.Open(d, id, sm, Codec{}, simdisk.Options{SegmentSize: 4096})
	if err != nil {
		t.Fatalf("simdisk: open: %v", err)
	}
	return &diskStore{Store: st, disk: d, id: id}
}

func (f *simDiskFactory) New(t TB, id raft.NodeID, sm raft.StateMachine[Cmd, Resp]) Store {
	f.seed++
	d, err := simdisk.NewDisk(simdisk.DefaultConfig(), sim.NewRand(f.seed), nil)
	if err != nil {
		t.Fatalf("simdisk: new disk: %v", err)
	}
	return f.open(t, d, id, sm)
}

func (f *simDiskFactory) Reopen(t TB, old Store, sm raft.StateMachine[Cmd, Resp]) Store {
	o := old.(*diskStore)
	policy := simdisk.CrashLoseAll
	if o.armed {
		policy = o.policy.Policy
	}
	if err := o.disk.Crash(policy); err != nil {
		t.Fatalf("simdisk: crash: %v", err)
	}
	return f.open(t, o.disk, o.id, sm)
}

// TestSimDiskStore runs the whole kit, crash consistency included, on the
// store over a simulated disk.
func TestSimDiskStore(t *testing.T) {
	Run(t, &simDiskFactory{})
}

// osStore is the simdisk store on real files.
type osStore struct {
	*simdisk.Store[Cmd, Resp]
	dev *simdisk.OSDevice
	id  raft.NodeID
}

// osFactory makes stores in fresh temporary directories; a reopen closes
// the files and recovers from what is on disk.
type osFactory struct{}

func (osFactory) open(t TB, dir string, id raft.NodeID, sm raft.StateMachine[Cmd, Resp]) Store {
	dev, err := simdisk.NewOSDevice(dir)
	if err != nil {
		t.Fatalf("os device: %v", err)
	}
	t.Cleanup(func() { dev.Close() })
	st, err := simdisk.Open[Cmd, Resp](dev, id, sm, Codec{}, simdisk.Options{SegmentSize: 4096})
	if err != nil {
		t.Fatalf("simdisk: open %s: %v", dir, err)
	}
	return &osStore{Store: st, dev: dev, id: id}
}

func (f osFactory) New(t TB, id raft.NodeID, sm raft.StateMachine[Cmd, Resp]) Store {
	dir, err := os.MkdirTemp("", "storagetest-")
	if err != nil {
		t.Fatalf("temp dir: %v", err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return f.open(t, dir, id, sm)
}

func (f osFactory) Reopen(t TB, old Store, sm raft.StateMachine[Cmd, Resp]) Store {
	o := old.(*osStore)
	if err := o.dev.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	return f.open(t, o.dev.Dir(), o.id, sm)
}

// TestOSFileStore runs the conformance cases and the model-based test on
// the same store over real files (real fsync of files and directories).
func TestOSFileStore(t *testing.T) {
	RunCases(t, osFactory{})
	RunModel(t, osFactory{})
}
