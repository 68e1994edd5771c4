// Package atomicfile writes files so that a reader, or a restart after a
// crash, sees the old content or the new and never half of either. Every
// file raftsim writes for later reading (failure files, summaries, reports,
// JUnit) goes through it, so the guarantee lives in one place.
package atomicfile

import (
	"os"
	"path/filepath"
)

// WriteFile writes data to path atomically: to a temporary file in the
// same directory, synced, then renamed over path, then the directory
// synced so the rename itself is durable. It creates the directory if
// needed. The file is left mode 0644.
func WriteFile(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil { // CreateTemp makes it 0600
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
