package simdisk

import "slices"

// replay rebuilds the index from the segments, in order (see record.go for
// what each record does). Segments below the last pointer's floor may be
// present when a crash undid their deletion; their records replay first
// and the last pointer record, in a segment the log needs, anchors the
// log. So only the last pointer must find every entry it keeps: an older
// one may have lost its window with a deleted segment.
func (s *Store[D, R]) replay(segs []uint64) error {
	var lastPointerErr error
	for k, n := range segs {
		scan, err := s.scanSegment(n, k == len(segs)-1)
		if err != nil {
			return err
		}
		s.log = slices.Grow(s.log, scan.records) // about one slot per record
		for off := 0; off < int(scan.end); {
			typ, body, size := checkedRecordAt(scan.stream, off)
			pointer, err := s.replayRecord(n, scannedRecord{typ: typ, body: body, off: int64(off), size: int64(size)})
			if err != nil {
				return err
			}
			if pointer.seen {
				lastPointerErr = pointer.missing
			}
			off += size
		}
		s.wal.segs = append(s.wal.segs, n)
		s.wal.end, s.wal.partial, s.wal.torn = scan.end, scan.partial, scan.torn
	}
	return lastPointerErr
}

// pointerResult says whether a record was a pointer, and, when it did not
// find every entry it keeps, why.
type pointerResult struct {
	seen    bool
	missing error
}

// replayRecord applies one record found at offset r.off of segment seg.
func (s *Store[D, R]) replayRecord(seg uint64, r scannedRecord) (pointerResult, error) {
	switch r.typ {
	case recEntry:
		h, err := decodeEntryHead(r.body)
		if err == nil && (h.index == 0 || h.term == 0) {
			err = errMalformed
		}
		if err != nil {
			return pointerResult{}, s.errs.corrupt("open: wal segment %d record at %d: %v", seg, r.off, err)
		}
		s.placeEntry(slot{index: h.index, term: h.term, kind: h.kind, membership: h.membership, seg: seg, off: r.off, size: r.size})
	case recTruncate:
		from, err := decodeIndex(r.body)
		if err != nil {
			return pointerResult{}, s.errs.corrupt("open: wal segment %d record at %d: %v", seg, r.off, err)
		}
		s.truncateSuffix(from)
	case recApplied:
		applied, err := decodeIndex(r.body)
		if err != nil {
			return pointerResult{}, s.errs.corrupt("open: wal segment %d record at %d: %v", seg, r.off, err)
		}
		s.appliedLogged = max(s.appliedLogged, applied)
	case recPointer:
		p, err := decodePointer(r.body)
		if err == nil && (p.index == 0 || p.term == 0 || p.last < p.index || p.id == "") {
			err = errMalformed
		}
		if err != nil {
			return pointerResult{}, s.errs.corrupt("open: wal segment %d record at %d: %v", seg, r.off, err)
		}
		floor, err := s.placePointer(&p, seg)
		s.snapshot = &liveSnapshot{id: p.id, file: p.file}
		s.pointerFloor = max(s.pointerFloor, floor)
		s.seq = max(s.seq, p.file)
		return pointerResult{seen: true, missing: err}, nil
	default:
		return pointerResult{}, s.errs.corrupt("open: wal segment %d record at %d: unknown type %d", seg, r.off, r.typ)
	}
	return pointerResult{}, nil
}

// scannedRecord is a complete, checksummed record of a segment's stream.
type scannedRecord struct {
	typ       byte
	body      []byte
	off, size int64
}

// segmentScan is what a segment holds: its stream, whose records (records
// of them) are checked through end (after the last complete record), the
// payload of its last sector when that one is not full, and whether
// anything follows the end (a torn tail). stream aliases the scan buffer.
type segmentScan struct {
	stream  []byte
	records int
	end     int64
	partial []byte
	torn    bool
}

// scanSegment reads segment n whole and parses it. Any sector that is not
// all zeros and fails its checks is corruption. The stream stops at the
// first unwritten or short sector; in the last segment what follows, and
// a partial last record, are a torn tail; in any other segment (synced
// whole before the next was created) they are corruption.
//
// Recovery reads every segment the log still needs, so this is the cost of
// a restart: the file is read into one buffer reused across segments
// (s.wal.scanBuf), the payloads are moved down in place to form the stream
// (a sector's payload never lands past its own header), and the records
// are checked here and read again by replay from that buffer, valid until
// the next scan.
func (s *Store[D, R]) scanSegment(n uint64, last bool) (segmentScan, error) {
	w := s.wal
	buf, err := readFileInto(s.dev, segName(n), &w.scanBuf)
	if err != nil {
		return segmentScan{}, s.errs.wrap(err, "open: read wal segment %d", n)
	}
	nsec := int64(len(buf)) / w.sector
	if !last && int64(len(buf))%w.sector != 0 {
		return segmentScan{}, s.errs.corrupt("open: wal segment %d: %d bytes is not whole sectors", n, len(buf))
	}
	streamLen := int64(0) // the stream is buf[:streamLen]
	k := int64(0)
	for ; k < nsec; k++ {
		st, p, why := checkSector(buf[k*w.sector:(k+1)*w.sector], n, k)
		if st == sectorBad {
			return segmentScan{}, s.errs.corrupt("open: wal segment %d sector %d: %s", n, k, why)
		}
		if st == sectorZero {
			break
		}
		streamLen += int64(copy(buf[streamLen:], p))
		if int64(len(p)) < w.payload {
			k++
			break
		}
	}
	if !last && k < nsec {
		return segmentScan{}, s.errs.corrupt("open: wal segment %d: sectors after the end of its stream (sector %d of %d)", n, k, nsec)
	}
	stream := buf[:streamLen]
	scan := segmentScan{stream: stream}
	off := 0
	for off < len(stream) {
		_, _, size, st := parseRecord(stream, off)
		if st == recordPartial {
			break
		}
		if st == recordBad {
			return segmentScan{}, s.errs.corrupt("open: wal segment %d record at %d: checksum mismatch", n, off)
		}
		scan.records++
		off += size
	}
	if !last && off < len(stream) {
		return segmentScan{}, s.errs.corrupt("open: wal segment %d: ends inside the record at %d", n, off)
	}
	scan.end = int64(off)
	scan.torn = off < len(stream) || k < nsec || int64(len(buf))%w.sector != 0
	scan.partial = append([]byte(nil), stream[int64(off)-scan.end%w.payload:off]...)
	return scan, nil
}

// cutTail removes a torn tail from the last segment for good, before
// anything is appended after it: the sectors after the one holding the end
// of the stream go (truncated and synced), and that sector, when the torn
// record began in it, is rewritten to end where the stream ends. Left
// there, the torn bytes would make the segment end inside a record once a
// later segment follows it, which is corruption in any segment but the
// last.
func (s *Store[D, R]) cutTail() error {
	w := s.wal
	if len(w.segs) == 0 || !w.torn {
		return nil
	}
	name := segName(w.tail())
	keep := (w.end + w.payload - 1) / w.payload * w.sector
	if err := s.dev.Truncate(name, keep); err != nil {
		return s.errs.wrap(err, "open: cut the torn tail of wal segment %d", w.tail())
	}
	if err := s.dev.Sync(name); err != nil {
		return s.errs.wrap(err, "open: cut the torn tail of wal segment %d", w.tail())
	}
	if len(w.partial) > 0 {
		k := w.end / w.payload
		buf := make([]byte, w.sector)
		frameSector(buf, w.tail(), k, w.partial)
		if err := writeVerified(s.dev, name, buf, k*w.sector, &w.scratch); err != nil {
			return s.errs.wrap(err, "open: cut the torn tail of wal segment %d", w.tail())
		}
	}
	w.torn = false
	return nil
}
