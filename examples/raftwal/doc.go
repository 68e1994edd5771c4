// Package raftwal is a raft.Storage built as a Go user would build one from
// hashicorp/raft-wal (v0.4.0): raft-wal holds the log (its segment files)
// and the hard state (its stable store), a snapshot file holds the live
// snapshot, and everything runs on the file interface storage/vfs through
// raft-wal's own VFS interface (VFS adapts one to the other). The same
// Open runs on real files (vfs.OS) and, in its tests, on raftsim's
// simulated disks, where the storage kit crashes it at every persistence
// point and injects every device fault. README.md reports what the kit
// found.
//
// Files in the store's directory:
//
//	*.wal        raft-wal's log segments
//	meta, meta.tmp  raft-wal's metadata (segment list) and stable store,
//	             one JSON document with a CRC-32C, replaced atomically
//	snap-N       the live snapshot, in raft.EncodeSnapshot's format
//
// raft-wal rotates segments on a goroutine of its own. The simulated disk
// is single-threaded and the kit's crash points are counted per call, so
// the tests use segments large enough never to rotate within a workload
// (the rotation paths are therefore not crash-tested; see README.md). The
// VFS adapter serializes calls with a mutex, so rotation is safe on real
// files.
package raftwal
