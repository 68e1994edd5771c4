package raftwal

import (
	"fmt"
	"io"
	"io/fs"
	"slices"
	"sync"

	"github.com/hashicorp/raft-wal/types"

	"github.com/raftsim/raftsim/storage/vfs"
)

// VFS adapts a vfs.FS to raft-wal's types.VFS, with the durability that
// raft-wal's own OS implementation (raft-wal/fs) gives: Create is
// exclusive, the first Sync of a created file also syncs the directory,
// Delete syncs the directory. raft-wal passes a directory name with every
// call; a vfs.FS is one directory, so the name must be dir.
func VFS(fsys vfs.FS, dir string) types.VFS {
	return &walVFS{fs: fsys, dir: dir}
}

type walVFS struct {
	mu  sync.Mutex // raft-wal calls from its rotation goroutine too
	fs  vfs.FS
	dir string
}

func (v *walVFS) check(dir string) error {
	if dir != v.dir {
		return fmt.Errorf("raftwal: vfs: directory %q: this file system is %q", dir, v.dir)
	}
	return nil
}

func (v *walVFS) ListDir(dir string) ([]string, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if err := v.check(dir); err != nil {
		return nil, err
	}
	names, err := v.fs.List()
	slices.Sort(names)
	return names, err
}

// Create makes a new file; it fails if one exists. The size hint is not
// used: preallocation is a best effort in raft-wal's contract, and the
// simulated disk would hold every preallocated byte in memory.
func (v *walVFS) Create(dir, name string, _ uint64) (types.WritableFile, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if err := v.check(dir); err != nil {
		return nil, err
	}
	if f, err := v.fs.Open(name); err == nil {
		f.Close()
		return nil, fmt.Errorf("raftwal: vfs: create %s: %w", name, fs.ErrExist)
	}
	f, err := v.fs.Create(name)
	if err != nil {
		return nil, err
	}
	return &walFile{v: v, f: f, fresh: true}, nil
}

func (v *walVFS) Delete(dir, name string) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if err := v.check(dir); err != nil {
		return err
	}
	if err := v.fs.Remove(name); err != nil {
		return err
	}
	return v.fs.SyncDir()
}

func (v *walVFS) OpenReader(dir, name string) (types.ReadableFile, error) {
	return v.OpenWriter(dir, name)
}

func (v *walVFS) OpenWriter(dir, name string) (types.WritableFile, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if err := v.check(dir); err != nil {
		return nil, err
	}
	f, err := v.fs.Open(name)
	if err != nil {
		return nil, err
	}
	return &walFile{v: v, f: f}, nil
}

// walFile is an open file; fresh until its first Sync, which then syncs
// the directory too (the new name becomes durable with the data).
type walFile struct {
	v     *walVFS
	f     vfs.File
	fresh bool
}

func (w *walFile) ReadAt(p []byte, off int64) (int, error) {
	w.v.mu.Lock()
	defer w.v.mu.Unlock()
	n, err := w.f.ReadAt(p, off)
	if err == nil && n < len(p) {
		err = io.EOF
	}
	return n, err
}

func (w *walFile) WriteAt(p []byte, off int64) (int, error) {
	w.v.mu.Lock()
	defer w.v.mu.Unlock()
	return w.f.WriteAt(p, off)
}

func (w *walFile) Sync() error {
	w.v.mu.Lock()
	defer w.v.mu.Unlock()
	if err := w.f.Sync(); err != nil {
		return err
	}
	if w.fresh {
		if err := w.v.fs.SyncDir(); err != nil {
			return err
		}
		w.fresh = false
	}
	return nil
}

func (w *walFile) Close() error {
	w.v.mu.Lock()
	defer w.v.mu.Unlock()
	return w.f.Close()
}
