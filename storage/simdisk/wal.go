package simdisk

import (
	"bytes"
	"fmt"
	"io"

	"github.com/raftsim/raftsim/raft"
)

// writeAttempts bounds how often a write that does not read back as
// written is retried before the store gives up (see the fault model).
const writeAttempts = 4

// wal is the write-ahead log: numbered segment files of sectors whose
// payloads form a stream of records (formats in sector.go, record.go).
// Appends go to the last segment, the tail; a new segment starts when the
// tail has reached the segment size. Every append is one write of whole
// sectors (rewriting the tail's last, partial sector), synced, then read
// back and compared.
type wal struct {
	dev     Device
	sector  int64
	payload int64 // stream bytes per sector
	segSize int64

	// segs are the segment numbers present, ascending; the last is the
	// tail. end is the length of the tail's stream, and partial the
	// payload of its last sector when that one is not full.
	// Invariant: len(partial) == end % payload.
	segs    []uint64
	end     int64
	partial []byte
	// dirNew is set while the tail's creation is not yet synced; torn
	// while the tail holds bytes after end (found by recovery, until cut).
	dirNew, torn bool

	scratch []byte // read-back buffer
	readBuf []byte // the sectors of a read, reused
	readOut []byte // the stream bytes of a read, reused (see read)
	// scanBuf is recovery's: a segment's bytes (see scanSegment and
	// recoveryBuffers), nil once the store is open.
	scanBuf []byte
	stream  []byte // the stream bytes of an append, reused
	frames  []byte // the sectors of an append, reused
}

func segName(n uint64) string { return fmt.Sprintf("wal-%016x", n) }

func newWAL(dev Device, segSize int64) *wal {
	s := int64(dev.SectorSize())
	return &wal{dev: dev, sector: s, payload: s - sectorHeader, segSize: segSize}
}

// tail is the number of the last segment, 0 when there is none.
func (w *wal) tail() uint64 {
	if len(w.segs) == 0 {
		return 0
	}
	return w.segs[len(w.segs)-1]
}

// append writes batch (whole records) durably at the end of the log and
// returns the segment and stream offset where it starts.
func (w *wal) append(batch []byte) (uint64, int64, error) {
	if len(w.segs) == 0 || w.end >= w.segSize {
		if err := w.rotate(); err != nil {
			return 0, 0, err
		}
	}
	seg, start := w.tail(), w.end
	w.stream = append(append(w.stream[:0], w.partial...), batch...)
	stream := w.stream
	nsec := (int64(len(stream)) + w.payload - 1) / w.payload
	if int64(cap(w.frames)) < nsec*w.sector {
		w.frames = make([]byte, nsec*w.sector)
	}
	buf := w.frames[:nsec*w.sector]
	k0 := start / w.payload
	for i := int64(0); i < nsec; i++ {
		p := stream[i*w.payload : min(int64(len(stream)), (i+1)*w.payload)]
		frameSector(buf[i*w.sector:(i+1)*w.sector], seg, k0+i, p)
	}
	if err := writeVerified(w.dev, segName(seg), buf, k0*w.sector, &w.scratch); err != nil {
		return 0, 0, err
	}
	if w.dirNew {
		if err := w.dev.SyncDir(); err != nil {
			return 0, 0, err
		}
		w.dirNew = false
	}
	w.end += int64(len(batch))
	w.partial = append(w.partial[:0], stream[int64(len(stream))-w.end%w.payload:]...)
	return seg, start, nil
}

// rotate starts a new, empty tail segment.
func (w *wal) rotate() error {
	n := w.tail() + 1
	if err := w.dev.Create(segName(n)); err != nil {
		return err
	}
	w.segs = append(w.segs, n)
	w.end, w.partial, w.dirNew = 0, w.partial[:0], true
	return nil
}

// writeVerified writes buf at off of file name, syncs, and reads it back;
// a read-back that fails or differs is written again, up to writeAttempts
// times (see the fault model). It returns the first write or sync error as
// is: a failed sync may have dropped the data, so retrying it is never
// safe. scratch is a reusable read-back buffer.
func writeVerified(dev Device, name string, buf []byte, off int64, scratch *[]byte) error {
	if cap(*scratch) < len(buf) {
		*scratch = make([]byte, len(buf))
	}
	got := (*scratch)[:len(buf)]
	var why string
	for range writeAttempts {
		if err := dev.WriteAt(name, buf, off); err != nil {
			return err
		}
		if err := dev.Sync(name); err != nil {
			return err
		}
		n, err := dev.ReadAt(name, got, off)
		switch {
		case err != nil:
			why = err.Error()
		case n != len(buf) || !bytes.Equal(got, buf):
			why = "read back differs"
		default:
			return nil
		}
	}
	return fmt.Errorf("%s at %d: written %d times, never read back as written (last: %s): %w", name, off, writeAttempts, why, raft.ErrCorrupt)
}

// read returns n stream bytes at off of segment seg, checking every sector
// they lie in. The bytes are valid until the next read: the caller decodes
// them at once (raft.Codec.Decode keeps nothing of its input), so a
// restart re-applying the log reads it through two buffers, not one
// allocation per run of entries.
func (w *wal) read(seg uint64, off, n int64) ([]byte, error) {
	k0, k1 := off/w.payload, (off+n-1)/w.payload
	if need := (k1 - k0 + 1) * w.sector; int64(cap(w.readBuf)) < need {
		w.readBuf = make([]byte, need, max(need, 2*int64(cap(w.readBuf))))
	}
	buf := w.readBuf[:(k1-k0+1)*w.sector]
	got, err := w.dev.ReadAt(segName(seg), buf, k0*w.sector)
	if err != nil && !(err == io.EOF && got == len(buf)) {
		if err == io.EOF {
			return nil, fmt.Errorf("wal segment %d: read %d bytes at stream offset %d: the segment ends early: %w", seg, n, off, raft.ErrCorrupt)
		}
		return nil, fmt.Errorf("wal segment %d: %w", seg, err)
	}
	if int64(cap(w.readOut)) < n {
		w.readOut = make([]byte, 0, max(n, 2*int64(cap(w.readOut))))
	}
	out := w.readOut[:0]
	for k := k0; k <= k1; k++ {
		st, p, why := checkSector(buf[(k-k0)*w.sector:(k-k0+1)*w.sector], seg, k)
		if st != sectorValid {
			if st == sectorZero {
				why = "unwritten"
			}
			return nil, fmt.Errorf("wal segment %d sector %d: %s: %w", seg, k, why, raft.ErrCorrupt)
		}
		lo, hi := max(off, k*w.payload)-k*w.payload, min(off+n, (k+1)*w.payload)-k*w.payload
		if hi > int64(len(p)) {
			return nil, fmt.Errorf("wal segment %d sector %d: holds %d bytes, the record needs %d: %w", seg, k, len(p), hi, raft.ErrCorrupt)
		}
		out = append(out, p[lo:hi]...)
	}
	return out, nil
}

// removeBelow deletes every segment numbered below n, except the tail.
func (w *wal) removeBelow(n uint64) error {
	k := 0
	for k < len(w.segs)-1 && w.segs[k] < n {
		if err := w.dev.Remove(segName(w.segs[k])); err != nil {
			w.segs = w.segs[k:]
			return err
		}
		k++
	}
	w.segs = w.segs[k:]
	return nil
}
