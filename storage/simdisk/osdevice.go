package simdisk

import (
	"fmt"

	"github.com/raftsim/raftsim/storage/vfs"
)

// OSDevice is a Device over a real directory: the store on vfs.OS, with
// real fsync of files and of the directory after creates, renames and
// removes (SyncDir). It injects no faults and draws no randomness. Errors
// name the operation and wrap the os error (errors.Is(err,
// fs.ErrNotExist) works).
//
// Open files are kept in a table; Close releases them. An OSDevice is used
// from one goroutine.
type OSDevice struct {
	*FSDevice
	dir string
}

var _ Device = (*OSDevice)(nil)

// NewOSDevice opens (creating it if needed) the directory dir as a device
// with 4096-byte sectors.
func NewOSDevice(dir string) (*OSDevice, error) {
	fsys, err := vfs.OS(dir)
	if err != nil {
		return nil, fmt.Errorf("os device %s: %w", dir, err)
	}
	return &OSDevice{FSDevice: OnFS(fsys), dir: dir}, nil
}

// Dir is the device's directory.
func (d *OSDevice) Dir() string { return d.dir }
