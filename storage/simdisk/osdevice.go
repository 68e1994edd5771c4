package simdisk

import (
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// OSDevice is a Device over a real directory: real files, fsync of files,
// and fsync of the directory after creates, renames and removes (SyncDir).
// It injects no faults and draws no randomness. Errors name the operation
// and wrap the os error (errors.Is(err, fs.ErrNotExist) works).
//
// Open files are kept in a table; Close releases them. An OSDevice is used
// from one goroutine.
type OSDevice struct {
	dir    string
	sector int
	files  map[string]*os.File
}

var _ Device = (*OSDevice)(nil)

// NewOSDevice opens (creating it if needed) the directory dir as a device
// with 4096-byte sectors.
func NewOSDevice(dir string) (*OSDevice, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("os device %s: %w", dir, err)
	}
	return &OSDevice{dir: dir, sector: 4096, files: map[string]*os.File{}}, nil
}

// Dir is the device's directory.
func (d *OSDevice) Dir() string { return d.dir }

// SectorSize is 4096, the atomic write unit the store assumes.
func (d *OSDevice) SectorSize() int { return d.sector }

func (d *OSDevice) path(name string) (string, error) {
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, `/\`) {
		return "", fmt.Errorf("os device %s: bad file name %q", d.dir, name)
	}
	return filepath.Join(d.dir, name), nil
}

// open returns the open file named name, opening it if needed.
func (d *OSDevice) open(op, name string, flag int) (*os.File, error) {
	if f := d.files[name]; f != nil && flag&os.O_TRUNC == 0 {
		return f, nil
	}
	p, err := d.path(name)
	if err != nil {
		return nil, err
	}
	d.forget(name)
	f, err := os.OpenFile(p, os.O_RDWR|flag, 0o644)
	if err != nil {
		return nil, fmt.Errorf("os device: %s %s: %w", op, name, err)
	}
	d.files[name] = f
	return f, nil
}

// forget closes the table's handle of name, if any.
func (d *OSDevice) forget(name string) {
	if f := d.files[name]; f != nil {
		_ = f.Close()
		delete(d.files, name)
	}
}

// Create makes an empty file, truncating an existing one.
func (d *OSDevice) Create(name string) error {
	_, err := d.open("create", name, os.O_CREATE|os.O_TRUNC)
	return err
}

// ReadAt reads at off, as io.ReaderAt.
func (d *OSDevice) ReadAt(name string, p []byte, off int64) (int, error) {
	f, err := d.open("read", name, 0)
	if err != nil {
		return 0, err
	}
	n, err := f.ReadAt(p, off)
	return n, d.wrap("read", name, err)
}

// WriteAt writes p at off.
func (d *OSDevice) WriteAt(name string, p []byte, off int64) error {
	f, err := d.open("write", name, 0)
	if err != nil {
		return err
	}
	_, err = f.WriteAt(p, off)
	return d.wrap("write", name, err)
}

// Truncate sets a file's size.
func (d *OSDevice) Truncate(name string, size int64) error {
	f, err := d.open("truncate", name, 0)
	if err != nil {
		return err
	}
	return d.wrap("truncate", name, f.Truncate(size))
}

// Size returns a file's size.
func (d *OSDevice) Size(name string) (int64, error) {
	f, err := d.open("size", name, 0)
	if err != nil {
		return 0, err
	}
	st, err := f.Stat()
	if err != nil {
		return 0, d.wrap("size", name, err)
	}
	return st.Size(), nil
}

// Sync fsyncs a file.
func (d *OSDevice) Sync(name string) error {
	f, err := d.open("sync", name, 0)
	if err != nil {
		return err
	}
	return d.wrap("sync", name, f.Sync())
}

// Rename renames a file, replacing to.
func (d *OSDevice) Rename(from, to string) error {
	pf, err := d.path(from)
	if err != nil {
		return err
	}
	pt, err := d.path(to)
	if err != nil {
		return err
	}
	d.forget(from)
	d.forget(to)
	return d.wrap("rename", from, os.Rename(pf, pt))
}

// Remove deletes a file.
func (d *OSDevice) Remove(name string) error {
	p, err := d.path(name)
	if err != nil {
		return err
	}
	d.forget(name)
	return d.wrap("remove", name, os.Remove(p))
}

// List returns the names of the directory's regular files, sorted.
func (d *OSDevice) List() ([]string, error) {
	entries, err := os.ReadDir(d.dir)
	if err != nil {
		return nil, fmt.Errorf("os device: list %s: %w", d.dir, err)
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

// SyncDir fsyncs the directory, making creates, renames and removes
// durable.
func (d *OSDevice) SyncDir() error {
	f, err := os.Open(d.dir)
	if err != nil {
		return fmt.Errorf("os device: syncdir %s: %w", d.dir, err)
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("os device: syncdir %s: %w", d.dir, err)
	}
	return nil
}

// Close closes every open file. The device can be used again afterwards;
// files are reopened as needed.
func (d *OSDevice) Close() error {
	var first error
	for _, name := range slices.Sorted(maps.Keys(d.files)) {
		if err := d.files[name].Close(); err != nil && first == nil {
			first = fmt.Errorf("os device: close %s: %w", name, err)
		}
		delete(d.files, name)
	}
	return first
}

// wrap names the operation and file in a non-nil error other than io.EOF.
func (d *OSDevice) wrap(op, name string, err error) error {
	if err == nil || err == io.EOF {
		return err
	}
	return fmt.Errorf("os device: %s %s: %w", op, name, err)
}
