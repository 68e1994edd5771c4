package memstore

import (
	"errors"
	"fmt"
	"io"

	"github.com/raftsim/raftsim/raft"
)

var (
	errHandleClosed   = errors.New("memstore: snapshot handle: write after close")
	errHandleReadOnly = errors.New("memstore: snapshot handle: the current snapshot is read-only")
)

// buffer is an in-memory raft.SnapshotHandle: bytes and an offset, with the
// semantics of a file. Writing past the end extends it (a gap left by a seek
// past the end reads as zeros).
//
// Close ends writing, as the seed's shutdown does; reading and seeking go on
// working, because FinalizeSnapshotInstallation reads the handle after the
// core has closed it.
type buffer struct {
	data []byte
	off  int64
	// readOnly is set on handles over the live snapshot, whose bytes are
	// shared and must never change.
	readOnly bool
	closed   bool
}

var _ raft.SnapshotHandle = (*buffer)(nil)

func (b *buffer) Read(p []byte) (int, error) {
	if b.off >= int64(len(b.data)) {
		return 0, io.EOF
	}
	n := copy(p, b.data[b.off:])
	b.off += int64(n)
	return n, nil
}

func (b *buffer) Write(p []byte) (int, error) {
	if b.readOnly {
		return 0, errHandleReadOnly
	}
	if b.closed {
		return 0, errHandleClosed
	}
	end := b.off + int64(len(p))
	if end > int64(len(b.data)) {
		b.data = append(b.data, make([]byte, end-int64(len(b.data)))...)
	}
	copy(b.data[b.off:], p)
	b.off = end
	return len(p), nil
}

func (b *buffer) Seek(offset int64, whence int) (int64, error) {
	var base int64
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		base = b.off
	case io.SeekEnd:
		base = int64(len(b.data))
	default:
		return b.off, fmt.Errorf("memstore: snapshot handle: seek: bad whence %d", whence)
	}
	if base+offset < 0 {
		return b.off, fmt.Errorf("memstore: snapshot handle: seek to %d: negative position", base+offset)
	}
	b.off = base + offset
	return b.off, nil
}

// Close ends writing. It is idempotent.
func (b *buffer) Close() error {
	b.closed = true
	return nil
}

// readSnapshot reads a whole handle from its start.
func readSnapshot(h raft.SnapshotHandle) ([]byte, error) {
	if _, err := h.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	return io.ReadAll(h)
}
