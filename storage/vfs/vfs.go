package vfs

import (
	"fmt"
	"strings"
)

// FS is a flat directory of files with explicit durability. Names are
// plain file names: no separators, not "." or "..". A missing name is an
// error wrapping fs.ErrNotExist. An FS and its files are used from one
// goroutine.
type FS interface {
	// SectorSize is the unit of atomic writes, in bytes: after a crash,
	// each aligned sector holds its old or its new contents, never a mix.
	SectorSize() int
	// Create makes an empty file, truncating it if it exists, and opens
	// it. The new name is durable after SyncDir.
	Create(name string) (File, error)
	// Open opens an existing file for reading and writing.
	Open(name string) (File, error)
	// Rename renames from to to, replacing to if it exists; durable after
	// SyncDir. Open files of either name must be reopened.
	Rename(from, to string) error
	// Remove deletes a file; durable after SyncDir.
	Remove(name string) error
	// List returns every file name, sorted.
	List() ([]string, error)
	// SyncDir makes every create, rename and remove so far durable.
	SyncDir() error
}

// File is an open file. Writes are visible to reads at once and durable
// after Sync.
type File interface {
	// ReadAt reads len(p) bytes at off, as io.ReaderAt: fewer only at the
	// end of the file, with io.EOF.
	ReadAt(p []byte, off int64) (int, error)
	// WriteAt writes p at off, extending the file with zeros if needed.
	WriteAt(p []byte, off int64) (int, error)
	// Truncate sets the file's size; durable after Sync.
	Truncate(size int64) error
	// Size returns the file's size.
	Size() (int64, error)
	// Sync makes the file's data and size durable.
	Sync() error
	// Close releases the file. It does not sync.
	Close() error
}

// CheckName reports a name the interface does not allow.
func CheckName(name string) error {
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, `/\`) {
		return fmt.Errorf("vfs: bad file name %q: want a plain name without separators", name)
	}
	return nil
}
