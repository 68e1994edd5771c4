package simdisk

import (
	"fmt"

	"github.com/raftsim/raftsim/raft"
)

// maxReadGap bounds the bytes of other records one read may span between
// two normal entries, so that entries far apart are read separately.
const maxReadGap = 64 << 10

// GetLogEntries returns the entries held in [start, stop), in order,
// exactly as memstore does: compacted or missing indices are absent, an
// empty or inverted range returns nil, the pointer is returned as an
// entry. Normal entries are read from the device and checked (sector and
// record checksums, then their index, term and kind against the index): a
// mismatch is an error wrapping raft.ErrCorrupt, never wrong data; a
// device error is returned as is (reads do not poison the store).
func (s *Store[D, R]) GetLogEntries(start, stop raft.Index) ([]raft.Entry[D], error) {
	if s.poisoned != nil {
		return nil, s.poisoned
	}
	return s.readLogEntries(nil, start, stop)
}

// readLogEntries is GetLogEntries into dst, reused when it is long enough
// (recovery re-applies the log in chunks through one buffer); nil dst and
// an empty range give nil.
func (s *Store[D, R]) readLogEntries(dst []raft.Entry[D], start, stop raft.Index) ([]raft.Entry[D], error) {
	lo, hi := max(start, s.firstIndex()), min(stop, s.lastIndex()+1)
	if lo >= hi {
		return dst[:0], nil
	}
	slots := s.log[lo-s.log[0].index : hi-s.log[0].index]
	out := dst[:0]
	if cap(out) < len(slots) {
		out = make([]raft.Entry[D], len(slots))
	}
	out = out[:len(slots)]
	for k := 0; k < len(slots); {
		if slots[k].kind != raft.EntryNormal {
			out[k] = s.entryOf(&slots[k])
			k++
			continue
		}
		j := k + 1
		for j < len(slots) && slots[j].kind == raft.EntryNormal && slots[j].seg == slots[k].seg &&
			slots[j].off >= slots[j-1].off+slots[j-1].size && slots[j].off-slots[j-1].off <= maxReadGap {
			j++
		}
		if err := s.readEntries(slots[k:j], out[k:j]); err != nil {
			return nil, s.errs.wrap(err, "get entries %d..%d", lo, hi-1)
		}
		k = j
	}
	return out, nil
}

// readEntries reads the normal entries of slots, which lie in one segment
// in increasing order, with one read, into out.
func (s *Store[D, R]) readEntries(slots []slot, out []raft.Entry[D]) error {
	first, last := &slots[0], &slots[len(slots)-1]
	buf, err := s.wal.read(first.seg, first.off, last.off+last.size-first.off)
	if err != nil {
		return err
	}
	for k := range slots {
		sl := &slots[k]
		e, err := s.decodeEntry(sl, buf[sl.off-first.off:sl.off-first.off+sl.size])
		if err != nil {
			return fmt.Errorf("wal segment %d record at %d (entry %d): %w", sl.seg, sl.off, sl.index, err)
		}
		out[k] = e
	}
	return nil
}

// decodeEntry parses the record rec of the normal entry sl.
func (s *Store[D, R]) decodeEntry(sl *slot, rec []byte) (raft.Entry[D], error) {
	typ, body, n, st := parseRecord(rec, 0)
	if st != recordOK || n != len(rec) || typ != recEntry {
		return raft.Entry[D]{}, fmt.Errorf("checksum mismatch: %w", raft.ErrCorrupt)
	}
	h, err := decodeEntryHead(body)
	if err != nil {
		return raft.Entry[D]{}, fmt.Errorf("%w: %w", err, raft.ErrCorrupt)
	}
	if h.index != sl.index || h.term != sl.term || h.kind != sl.kind {
		return raft.Entry[D]{}, fmt.Errorf("holds %d/%d %v: %w", h.term, h.index, h.kind, raft.ErrCorrupt)
	}
	data, err := s.codec.Decode(h.data)
	if err != nil {
		return raft.Entry[D]{}, fmt.Errorf("decode command: %v: %w", err, raft.ErrCorrupt)
	}
	return raft.Entry[D]{Term: h.term, Index: h.index, Kind: h.kind, Data: data}, nil
}

// DeleteLogsFrom deletes [start, stop), or to the end when stop is nil,
// with memstore's rules: ranges outside the log, empty or inverted are
// no-ops; a deletion that leaves entries after it, or that reaches an
// applied entry (the pointer included), is refused (raft.ErrInconsistent).
// A deletion writes one truncation record.
func (s *Store[D, R]) DeleteLogsFrom(start raft.Index, stop *raft.Index) error {
	if s.poisoned != nil {
		return s.poisoned
	}
	hi := s.lastIndex() + 1
	if stop != nil {
		hi = min(*stop, hi)
	}
	lo := max(start, s.firstIndex())
	if lo >= hi {
		return nil
	}
	if hi <= s.lastIndex() {
		return s.errs.inconsistent("delete %d..%d: would leave a hole before %d (log %d..%d)", lo, hi-1, hi, s.firstIndex(), s.lastIndex())
	}
	if lo <= s.lastApplied {
		return s.errs.inconsistent("delete %d..%d: would delete applied entry %d (last applied %d)", lo, hi-1, lo, s.lastApplied)
	}
	what := func() string { return fmt.Sprintf("delete %d..%d", lo, hi-1) }
	if _, _, _, err := s.writeRecords(what, func(b []byte) []byte { return appendTruncateRecord(b, lo) }); err != nil {
		return err
	}
	s.truncateSuffix(lo)
	return nil
}

// AppendEntryToLog appends one entry the leader created, with memstore's
// checks: its index is exactly the last index plus one, its term at least
// the last entry's, it passes raft.Entry.Validate, has a term, and is not a
// snapshot pointer; anything else is refused (raft.ErrInconsistent). The
// entry is durable when the method returns.
func (s *Store[D, R]) AppendEntryToLog(e *raft.Entry[D]) error {
	if s.poisoned != nil {
		return s.poisoned
	}
	if e == nil {
		return s.errs.inconsistent("append: nil entry")
	}
	if err := s.checkIncoming("append", e); err != nil {
		return err
	}
	if last := s.lastIndex(); e.Index != last+1 {
		return s.errs.inconsistent("append %d: not contiguous with last index %d", e.Index, last)
	}
	if last := s.lastTerm(); e.Term < last {
		return s.errs.inconsistent("append %d: term %d is before the last entry's term %d", e.Index, e.Term, last)
	}
	return s.writeEntries(func() string { return fmt.Sprintf("append %d", e.Index) }, []raft.Entry[D]{*e})
}

// ReplicateToLog writes a batch a follower received, with memstore's rules
// (see memstore.Store.ReplicateToLog): the batch is checked whole first;
// entries below the log's first index are skipped, entries the log holds
// with the same term change nothing, and the first entry that differs
// replaces the log from its index on, with the rest of the batch. Replacing
// an applied entry is refused (raft.ErrInconsistent). What changes is
// written in one durable append.
func (s *Store[D, R]) ReplicateToLog(entries []raft.Entry[D]) error {
	if s.poisoned != nil {
		return s.poisoned
	}
	if len(entries) == 0 {
		return nil
	}
	if err := s.checkBatch(entries); err != nil {
		return err
	}
	for k := range entries {
		e := &entries[k]
		if e.Index < s.firstIndex() {
			continue
		}
		if held := s.slotAt(e.Index); held != nil {
			if held.term == e.Term {
				continue
			}
			if e.Index <= s.lastApplied {
				return s.errs.inconsistent("replicate %d: term %d would replace applied entry %d/%d", e.Index, e.Term, held.term, held.index)
			}
		}
		if prev := s.slotAt(e.Index - 1); prev != nil && e.Term < prev.term {
			return s.errs.inconsistent("replicate %d: term %d is before the previous entry's term %d", e.Index, e.Term, prev.term)
		}
		return s.writeEntries(func() string { return fmt.Sprintf("replicate %d..%d", e.Index, entries[len(entries)-1].Index) }, entries[k:])
	}
	return nil
}

// checkBatch checks a replicated batch on its own and against the log's end.
func (s *Store[D, R]) checkBatch(entries []raft.Entry[D]) error {
	for k := range entries {
		e := &entries[k]
		if err := s.checkIncoming("replicate", e); err != nil {
			return err
		}
		if k == 0 {
			continue
		}
		if prev := &entries[k-1]; e.Index != prev.Index+1 {
			return s.errs.inconsistent("replicate %d: batch not contiguous after %d", e.Index, prev.Index)
		} else if e.Term < prev.Term {
			return s.errs.inconsistent("replicate %d: term %d is before the previous entry's term %d", e.Index, e.Term, prev.Term)
		}
	}
	if first, last := entries[0].Index, s.lastIndex(); first > last+1 {
		return s.errs.inconsistent("replicate %d..%d: not contiguous with last index %d", first, entries[len(entries)-1].Index, last)
	}
	return nil
}

// checkIncoming checks one entry arriving from the caller.
func (s *Store[D, R]) checkIncoming(op string, e *raft.Entry[D]) error {
	if err := e.Validate(); err != nil {
		return s.errs.inconsistent("%s %d: %v", op, e.Index, err)
	}
	if e.Kind == raft.EntrySnapshotPointer {
		return s.errs.inconsistent("%s %d: a snapshot pointer is written only by the store", op, e.Index)
	}
	if e.Term == 0 {
		return s.errs.inconsistent("%s %d: term 0 is before any election", op, e.Index)
	}
	return nil
}

// writeEntries writes checked, contiguous entries in one durable append
// and places them in the index; the first replaces the log from its index.
func (s *Store[D, R]) writeEntries(what func() string, entries []raft.Entry[D]) error {
	pos := make([]int, len(entries)+1)
	seg, off, _, err := s.writeRecords(what, func(b []byte) []byte {
		for k := range entries {
			pos[k] = len(b)
			b = appendEntryRecord(b, &entries[k], s.codec)
		}
		pos[len(entries)] = len(b)
		return b
	})
	if err != nil {
		return err
	}
	for k := range entries {
		s.placeEntry(slotOf(&entries[k], seg, off+int64(pos[k]), int64(pos[k+1]-pos[k])))
	}
	return nil
}
