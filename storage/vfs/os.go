package vfs

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
)

// osFS is FS on a real directory.
type osFS struct{ dir string }

// OS returns the directory dir (created if needed) as an FS: real files,
// fsync of files, fsync of the directory for SyncDir, 4096-byte sectors.
// It injects no faults. Errors name the operation and wrap the os error.
func OS(dir string) (FS, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("vfs: %s: %w", dir, err)
	}
	return osFS{dir: dir}, nil
}

// Dir returns the directory of an FS made by OS, and "" for any other.
func Dir(fsys FS) string {
	if o, ok := fsys.(osFS); ok {
		return o.dir
	}
	return ""
}

func (o osFS) SectorSize() int { return 4096 }

func (o osFS) path(name string) (string, error) {
	if err := CheckName(name); err != nil {
		return "", err
	}
	return filepath.Join(o.dir, name), nil
}

func (o osFS) open(op, name string, flag int) (File, error) {
	p, err := o.path(name)
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(p, os.O_RDWR|flag, 0o644)
	if err != nil {
		return nil, fmt.Errorf("vfs: %s %s: %w", op, name, err)
	}
	return osFile{f: f, name: name}, nil
}

func (o osFS) Create(name string) (File, error) {
	return o.open("create", name, os.O_CREATE|os.O_TRUNC)
}

func (o osFS) Open(name string) (File, error) { return o.open("open", name, 0) }

func (o osFS) Rename(from, to string) error {
	pf, err := o.path(from)
	if err != nil {
		return err
	}
	pt, err := o.path(to)
	if err != nil {
		return err
	}
	return wrap("rename", from, os.Rename(pf, pt))
}

func (o osFS) Remove(name string) error {
	p, err := o.path(name)
	if err != nil {
		return err
	}
	return wrap("remove", name, os.Remove(p))
}

// List returns the directory's regular files, sorted.
func (o osFS) List() ([]string, error) {
	entries, err := os.ReadDir(o.dir)
	if err != nil {
		return nil, fmt.Errorf("vfs: list %s: %w", o.dir, err)
	}
	var out []string
	for _, e := range entries {
		if e.Type().IsRegular() {
			out = append(out, e.Name())
		}
	}
	slices.Sort(out)
	return out, nil
}

// SyncDir fsyncs the directory itself, which is what makes a create,
// rename or remove durable on Linux.
func (o osFS) SyncDir() error {
	d, err := os.Open(o.dir)
	if err != nil {
		return fmt.Errorf("vfs: syncdir %s: %w", o.dir, err)
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("vfs: syncdir %s: %w", o.dir, err)
	}
	return nil
}

type osFile struct {
	f    *os.File
	name string
}

func (f osFile) ReadAt(p []byte, off int64) (int, error) {
	n, err := f.f.ReadAt(p, off)
	return n, wrap("read", f.name, err)
}

func (f osFile) WriteAt(p []byte, off int64) (int, error) {
	n, err := f.f.WriteAt(p, off)
	return n, wrap("write", f.name, err)
}

func (f osFile) Truncate(size int64) error { return wrap("truncate", f.name, f.f.Truncate(size)) }

func (f osFile) Size() (int64, error) {
	st, err := f.f.Stat()
	if err != nil {
		return 0, wrap("size", f.name, err)
	}
	return st.Size(), nil
}

func (f osFile) Sync() error  { return wrap("sync", f.name, f.f.Sync()) }
func (f osFile) Close() error { return wrap("close", f.name, f.f.Close()) }

// wrap names the operation and file in a non-nil error other than io.EOF.
func wrap(op, name string, err error) error {
	if err == nil || err == io.EOF {
		return err
	}
	return fmt.Errorf("vfs: %s %s: %w", op, name, err)
}
