package raftwal

import (
	"testing"

	"github.com/raftsim/raftsim/raft"
	"github.com/raftsim/raftsim/storage/storagetest"
	"github.com/raftsim/raftsim/storage/vfs"
)

// segmentSize is large enough that no workload rotates a segment: raft-wal
// rotates on a goroutine of its own, which the single-threaded simulated
// disk and per-call crash points cannot follow (see doc.go).
const segmentSize = 4 << 20

func open(fsys vfs.FS, id raft.NodeID, sm raft.StateMachine[storagetest.Cmd, storagetest.Resp]) (raft.Storage[storagetest.Cmd, storagetest.Resp], error) {
	return Open(fsys, id, sm, storagetest.Codec{}, Options{SegmentSize: segmentSize, FixedTimes: true})
}

// tolerates is what this store claims: it detects I/O errors, failed
// syncs and a full disk. It cannot claim bit rot: its own entry checksums
// catch a flipped bit on a read, but raft-wal's tail recovery takes a
// corrupt last batch for a torn write and drops it, acknowledged entries
// included, without an error. Nor lost and misdirected writes, which
// raft-wal assumes away (it reads nothing back). The kit runs those and
// logs what it found (README.md).
var tolerates = storagetest.Tolerates{
	storagetest.FaultBitRot:           storagetest.Ignores,
	storagetest.FaultLostWrite:        storagetest.Ignores,
	storagetest.FaultMisdirectedWrite: storagetest.Ignores,
	// Failed syncs: in most runs the store fails stop, but in about one
	// CI run of four workload 10 came back from a restart without an
	// acknowledged entry (README.md, finding 5). The same seed's verdict
	// varies between runs, so the cause lies outside the kit's seeds,
	// presumably in raft-wal itself (it deletes truncated segments in the
	// order of a Go map, wal.go truncateTailLocked; not confirmed). It
	// cannot be claimed until that is understood; the kit still runs it
	// and logs the counts.
	storagetest.FaultSyncError: storagetest.Ignores,
}

// TestKitOnSimulatedDisks runs the whole kit: cases, model, crash at every
// persistence point, deep crash workloads, device faults.
func TestKitOnSimulatedDisks(t *testing.T) {
	storagetest.Run(t, storagetest.OnDisk(open, storagetest.DiskOptions{}), storagetest.WithTolerates(tolerates))
}

// TestKitSmallSectors runs the deep crash workloads on 512-byte sectors.
func TestKitSmallSectors(t *testing.T) {
	storagetest.RunCrashDeep(t, storagetest.OnDisk(open, storagetest.DiskOptions{SectorSize: 512}))
}

// TestKitOnRealFiles runs the same store on real files.
func TestKitOnRealFiles(t *testing.T) {
	storagetest.Run(t, storagetest.OnOS(open))
}
