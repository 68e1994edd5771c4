package simdisk

import (
	"errors"
	"fmt"
	"io"

	"github.com/raftsim/raftsim/raft"
)

var (
	errHandleClosed   = errors.New("simdisk: snapshot handle: write after close")
	errHandleReadOnly = errors.New("simdisk: snapshot handle: the current snapshot is read-only")
)

// handle is an in-memory raft.SnapshotHandle with the semantics of a file:
// writing past the end extends it (a gap reads as zeros); Close ends
// writing, while reading and seeking go on (the core closes a handle
// before FinalizeSnapshotInstallation reads it).
type handle struct {
	data     []byte
	off      int64
	readOnly bool // a handle over the live snapshot
	closed   bool
}

var _ raft.SnapshotHandle = (*handle)(nil)

func (h *handle) Read(p []byte) (int, error) {
	if h.off >= int64(len(h.data)) {
		return 0, io.EOF
	}
	n := copy(p, h.data[h.off:])
	h.off += int64(n)
	return n, nil
}

func (h *handle) Write(p []byte) (int, error) {
	if h.readOnly {
		return 0, errHandleReadOnly
	}
	if h.closed {
		return 0, errHandleClosed
	}
	end := h.off + int64(len(p))
	if end > int64(len(h.data)) {
		h.data = append(h.data, make([]byte, end-int64(len(h.data)))...)
	}
	copy(h.data[h.off:], p)
	h.off = end
	return len(p), nil
}

func (h *handle) Seek(offset int64, whence int) (int64, error) {
	var base int64
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		base = h.off
	case io.SeekEnd:
		base = int64(len(h.data))
	default:
		return h.off, fmt.Errorf("simdisk: snapshot handle: seek: bad whence %d", whence)
	}
	if base+offset < 0 {
		return h.off, fmt.Errorf("simdisk: snapshot handle: seek to %d: negative position", base+offset)
	}
	h.off = base + offset
	return h.off, nil
}

// Close ends writing. It is idempotent.
func (h *handle) Close() error {
	h.closed = true
	return nil
}

// readHandle reads a whole handle from its start.
func readHandle(h raft.SnapshotHandle) ([]byte, error) {
	if _, err := h.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	return io.ReadAll(h)
}
