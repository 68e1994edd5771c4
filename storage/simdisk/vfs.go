package simdisk

import (
	"fmt"
	"io/fs"
	"maps"
	"slices"

	"github.com/raftsim/raftsim/storage/vfs"
)

// FS returns the disk as a vfs.FS, for a store written against the file
// interface: every call goes through the disk's cache, crash policies,
// power cuts and faults, exactly as a Device call does. A File names the
// file it was opened on; after that name is renamed or removed, its calls
// fail (reopen it), where a POSIX handle would follow the file.
func (d *Disk) FS() vfs.FS { return diskFS{d} }

type diskFS struct{ d *Disk }

func (s diskFS) SectorSize() int { return s.d.SectorSize() }

func (s diskFS) Create(name string) (vfs.File, error) {
	if err := vfs.CheckName(name); err != nil {
		return nil, err
	}
	if err := s.d.Create(name); err != nil {
		return nil, err
	}
	return &diskFile{d: s.d, name: name, f: s.d.names[name]}, nil
}

func (s diskFS) Open(name string) (vfs.File, error) {
	if err := s.d.enter("open", name); err != nil {
		return nil, err
	}
	f, err := s.d.lookup("open", name)
	if err != nil {
		return nil, err
	}
	return &diskFile{d: s.d, name: name, f: f}, nil
}

func (s diskFS) Rename(from, to string) error { return s.d.Rename(from, to) }
func (s diskFS) Remove(name string) error     { return s.d.Remove(name) }
func (s diskFS) List() ([]string, error)      { return s.d.List() }
func (s diskFS) SyncDir() error               { return s.d.SyncDir() }

// diskFile is an open file of a Disk: its name, and the file the name
// held when it was opened.
type diskFile struct {
	d      *Disk
	name   string
	f      *inode
	closed bool
}

// check fails a call on a closed file or on a name that no longer holds
// the file opened.
func (f *diskFile) check(op string) error {
	if f.closed {
		return fmt.Errorf("disk: %s %s: file closed: %w", op, f.name, fs.ErrClosed)
	}
	if f.d.names[f.name] != f.f {
		return fmt.Errorf("disk: %s %s: renamed or removed since it was opened: %w", op, f.name, fs.ErrNotExist)
	}
	return nil
}

func (f *diskFile) ReadAt(p []byte, off int64) (int, error) {
	if err := f.check("read"); err != nil {
		return 0, err
	}
	return f.d.ReadAt(f.name, p, off)
}

func (f *diskFile) WriteAt(p []byte, off int64) (int, error) {
	if err := f.check("write"); err != nil {
		return 0, err
	}
	if err := f.d.WriteAt(f.name, p, off); err != nil {
		return 0, err
	}
	return len(p), nil
}

func (f *diskFile) Truncate(size int64) error {
	if err := f.check("truncate"); err != nil {
		return err
	}
	return f.d.Truncate(f.name, size)
}

func (f *diskFile) Size() (int64, error) {
	if err := f.check("size"); err != nil {
		return 0, err
	}
	return f.d.Size(f.name)
}

func (f *diskFile) Sync() error {
	if err := f.check("sync"); err != nil {
		return err
	}
	return f.d.Sync(f.name)
}

func (f *diskFile) Close() error {
	f.closed = true
	return nil
}

// OnFS returns a Device over a vfs.FS, so that the Store runs on any
// file system written to that interface (vfs.OS for real files). Open
// files are kept in a table, opened on first use; Close releases them.
func OnFS(fsys vfs.FS) *FSDevice {
	return &FSDevice{fs: fsys, files: map[string]vfs.File{}}
}

// FSDevice is a Device over a vfs.FS (see OnFS).
type FSDevice struct {
	fs    vfs.FS
	files map[string]vfs.File
}

var _ Device = (*FSDevice)(nil)

// FS returns the file system the device is on.
func (d *FSDevice) FS() vfs.FS { return d.fs }

func (d *FSDevice) SectorSize() int { return d.fs.SectorSize() }

// file returns the open file named name, opening it if needed.
func (d *FSDevice) file(name string) (vfs.File, error) {
	if f := d.files[name]; f != nil {
		return f, nil
	}
	f, err := d.fs.Open(name)
	if err != nil {
		return nil, err
	}
	d.files[name] = f
	return f, nil
}

// forget closes the table's handle of name, if any.
func (d *FSDevice) forget(name string) {
	if f := d.files[name]; f != nil {
		_ = f.Close()
		delete(d.files, name)
	}
}

func (d *FSDevice) Create(name string) error {
	d.forget(name)
	f, err := d.fs.Create(name)
	if err != nil {
		return err
	}
	d.files[name] = f
	return nil
}

func (d *FSDevice) ReadAt(name string, p []byte, off int64) (int, error) {
	f, err := d.file(name)
	if err != nil {
		return 0, err
	}
	return f.ReadAt(p, off)
}

func (d *FSDevice) WriteAt(name string, p []byte, off int64) error {
	f, err := d.file(name)
	if err != nil {
		return err
	}
	_, err = f.WriteAt(p, off)
	return err
}

func (d *FSDevice) Truncate(name string, size int64) error {
	f, err := d.file(name)
	if err != nil {
		return err
	}
	return f.Truncate(size)
}

func (d *FSDevice) Size(name string) (int64, error) {
	f, err := d.file(name)
	if err != nil {
		return 0, err
	}
	return f.Size()
}

func (d *FSDevice) Sync(name string) error {
	f, err := d.file(name)
	if err != nil {
		return err
	}
	return f.Sync()
}

func (d *FSDevice) Rename(from, to string) error {
	d.forget(from)
	d.forget(to)
	return d.fs.Rename(from, to)
}

func (d *FSDevice) Remove(name string) error {
	d.forget(name)
	return d.fs.Remove(name)
}

func (d *FSDevice) List() ([]string, error) { return d.fs.List() }
func (d *FSDevice) SyncDir() error          { return d.fs.SyncDir() }

// Close closes every open file. The device can be used again afterwards;
// files are reopened as needed.
func (d *FSDevice) Close() error {
	var first error
	for _, name := range slices.Sorted(maps.Keys(d.files)) {
		if err := d.files[name].Close(); err != nil && first == nil {
			first = fmt.Errorf("close %s: %w", name, err)
		}
		delete(d.files, name)
	}
	return first
}
