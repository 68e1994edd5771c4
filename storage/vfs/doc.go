// Package vfs is the small file-system interface a store is written
// against, so that the same store runs on real files in production and on
// the simulated device (storage/simdisk) in the storage kit and the
// cluster, where crashes tear its unsynced writes and faults rot its
// sectors.
//
// The interface is what a log-structured store needs and nothing more:
// files in one flat directory, created and opened by name, read and
// written at offsets, truncated, synced; renames, removes and listings of
// the directory, made durable by SyncDir. Its durability rules are POSIX's,
// stated on each method: nothing written is durable until Sync, nothing
// done to the directory until SyncDir. A store that relies on anything
// else is wrong on some real file system, and the simulated device shows
// it.
//
// Implementations: OS, a real directory (fsync of files and of the
// directory); simdisk.Disk.FS, the simulated device.
//
// # Determinism
//
// The package holds no state of its own. OS does real I/O and is the one
// place where wall time and the host's scheduler reach a store; the
// simulated implementation is deterministic.
//
// # Usage
//
//	fsys, err := vfs.OS("/var/lib/node1")   // or disk.FS() in a test
//	f, err := fsys.Create("wal-0001")
//	_, err = f.WriteAt(rec, 0)
//	err = f.Sync()                           // the data is durable
//	err = fsys.SyncDir()                     // and so is the file's name
package vfs
