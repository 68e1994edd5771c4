package simdisk

import (
	"errors"

	"github.com/raftsim/raftsim/sim"
)

// Device is the storage medium the Store is written against: files in one
// flat namespace, with explicit durability. Disk simulates one; OSDevice is
// a real directory.
//
// Names are plain file names (no separators). Nothing is durable until
// synced: file data and size by Sync, the namespace (Create, Rename,
// Remove) by SyncDir. A missing name is an error wrapping fs.ErrNotExist.
// A Device is used from one goroutine.
type Device interface {
	// SectorSize is the unit of atomic writes, in bytes. It never changes.
	SectorSize() int
	// Create makes an empty file, truncating it if it exists.
	Create(name string) error
	// ReadAt reads len(p) bytes at off, as io.ReaderAt: fewer only at the
	// end of the file, with io.EOF.
	ReadAt(name string, p []byte, off int64) (int, error)
	// WriteAt writes p at off, extending the file (with zeros) if needed.
	WriteAt(name string, p []byte, off int64) error
	// Truncate sets the file's size.
	Truncate(name string, size int64) error
	// Size returns the file's size.
	Size(name string) (int64, error)
	// Sync makes the file's data and size durable.
	Sync(name string) error
	// Rename renames from to to, replacing to if it exists.
	Rename(from, to string) error
	// Remove deletes the file.
	Remove(name string) error
	// List returns every file name, sorted.
	List() ([]string, error)
	// SyncDir makes creates, renames and removes durable.
	SyncDir() error
}

// Clock tells a Disk the current virtual time. The harness passes its
// kernel's clock; a Disk without one runs on its own timeline.
type Clock interface {
	Now() sim.Time
}

var (
	// ErrIO is wrapped by injected I/O failures: read, write and sync
	// errors and unreadable (latent) sectors, as EIO.
	ErrIO = errors.New("i/o error")
	// ErrNoSpace is wrapped by writes refused by a full disk, as ENOSPC.
	ErrNoSpace = errors.New("no space left on device")
	// ErrPowerCut is wrapped by every operation after the power was cut
	// (CutPowerAfter), until Crash.
	ErrPowerCut = errors.New("power cut")
)
