package storagetest

import (
	"testing"

	"github.com/raftsim/raftsim/raft"
	"github.com/raftsim/raftsim/storage/simdisk"
	"github.com/raftsim/raftsim/storage/vfs"
)

// The kit run on the project's own disk store, written once against the
// file interface: on simulated disks (crash consistency and device faults
// included) and on real files.

// openDiskStore opens the simdisk store on a file system, with small
// segments so that the workloads rotate and remove them.
func openDiskStore(segment int64) OpenFS[Cmd, Resp] {
	return func(fsys vfs.FS, id raft.NodeID, sm raft.StateMachine[Cmd, Resp]) (raft.Storage[Cmd, Resp], error) {
		return simdisk.Open(simdisk.OnFS(fsys), id, sm, Codec{}, simdisk.Options{SegmentSize: segment})
	}
}

// diskStoreTolerates is what the simdisk store claims (see its fault
// model): it repairs lost and misdirected writes by reading back, and
// detects the rest.
var diskStoreTolerates = Tolerates{
	FaultReadError: Detects, FaultLatentSector: Detects, FaultBitRot: Detects,
	FaultWriteError: Detects, FaultSyncError: Detects, FaultNoSpace: Detects,
	FaultLostWrite: Repairs, FaultMisdirectedWrite: Repairs,
}

// TestSimDiskStore runs the whole kit, crash consistency and faults
// included, on the store over simulated disks with 4096-byte sectors and
// 4096-byte segments.
func TestSimDiskStore(t *testing.T) {
	Run(t, OnDisk(openDiskStore(4096), DiskOptions{}), WithTolerates(diskStoreTolerates))
}

// TestSimDiskStoreSmallSectors runs the deep crash workloads on 512-byte
// sectors and 2048-byte segments: records span sectors, tear inside, and
// segments rotate and go every few calls.
func TestSimDiskStoreSmallSectors(t *testing.T) {
	RunCrashDeep(t, OnDisk(openDiskStore(2048), DiskOptions{SectorSize: 512}))
}

// TestOSFileStore runs the same store on real files (real fsync of files
// and directories): the cases and the model test; the crash and fault
// checks are skipped, with the message saying they ran on simulated disks.
func TestOSFileStore(t *testing.T) {
	Run(t, OnOS(openDiskStore(4096)))
}
