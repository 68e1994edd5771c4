package simdisk

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"

	"github.com/raftsim/raftsim/internal/wire"
	"github.com/raftsim/raftsim/raft"
)

// The store's small files and how they are replaced atomically.
const (
	fileNode      = "node"
	fileHardState = "hardstate"
	suffixTmp     = ".tmp"
	prefixWAL     = "wal-"
	prefixSnap    = "snapshot-"
)

func snapName(n uint64) string { return fmt.Sprintf("%s%016x", prefixSnap, n) }

// writeFile creates name holding data, synced and read back.
func writeFile(dev Device, name string, data []byte, scratch *[]byte) error {
	if err := dev.Create(name); err != nil {
		return err
	}
	return writeVerified(dev, name, data, 0, scratch)
}

// replaceFile replaces name by a file holding data, atomically: written to
// name.tmp, synced and read back, renamed over name, and the directory
// synced. A crash leaves the old file or the new one, whole.
func replaceFile(dev Device, name string, data []byte, scratch *[]byte) error {
	if err := writeFile(dev, name+suffixTmp, data, scratch); err != nil {
		return err
	}
	if err := dev.Rename(name+suffixTmp, name); err != nil {
		return err
	}
	return dev.SyncDir()
}

// readFile reads a whole file.
func readFile(dev Device, name string) ([]byte, error) {
	var b []byte
	return readFileInto(dev, name, &b)
}

// readFileInto reads a whole file into *buf, grown as needed, and returns
// the bytes read (which alias *buf).
func readFileInto(dev Device, name string, buf *[]byte) ([]byte, error) {
	size, err := dev.Size(name)
	if err != nil {
		return nil, err
	}
	if int64(cap(*buf)) < size {
		// Doubling: a reused buffer (recovery's segment buffer) would
		// otherwise be allocated again whenever the tail segment grew.
		*buf = make([]byte, size, max(size, 2*int64(cap(*buf))))
	}
	b := (*buf)[:size]
	n, err := dev.ReadAt(name, b, 0)
	if err != nil && !(err == io.EOF && int64(n) == size) {
		return nil, err
	}
	return b, nil
}

// The node and hard state files: a 4-byte magic (the last byte is the
// version), unsigned varints, and a big-endian CRC-32C of all before it.
const (
	magicNode      = "RSN1"
	magicHardState = "RSH1"
)

func encodeSmall(magic string, vals ...uint64) []byte {
	b := []byte(magic)
	for _, v := range vals {
		b = binary.AppendUvarint(b, v)
	}
	return binary.BigEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
}

// decodeSmall parses a file written by encodeSmall with n values; anything
// else is an error wrapping raft.ErrCorrupt.
func decodeSmall(magic string, b []byte, n int) ([]uint64, error) {
	if len(b) < len(magic)+4 {
		return nil, fmt.Errorf("%d bytes is too short: %w", len(b), raft.ErrCorrupt)
	}
	body, sum := b[:len(b)-4], binary.BigEndian.Uint32(b[len(b)-4:])
	if got := crc32.Checksum(body, castagnoli); got != sum {
		return nil, fmt.Errorf("checksum mismatch (%08x, want %08x): %w", got, sum, raft.ErrCorrupt)
	}
	if string(body[:len(magic)]) != magic {
		return nil, fmt.Errorf("bad magic %q: %w", body[:len(magic)], raft.ErrCorrupt)
	}
	r := reader{wire.NewReader(body[len(magic):])}
	vals := make([]uint64, n)
	for k := range vals {
		vals[k] = r.Uvarint()
	}
	if err := r.done(); err != nil {
		return nil, fmt.Errorf("%w: %w", err, raft.ErrCorrupt)
	}
	return vals, nil
}
