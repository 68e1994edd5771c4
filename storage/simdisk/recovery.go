package simdisk

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/raftsim/raftsim/raft"
)

// Open returns the store of node id on dev: a new one when dev holds no
// store (it writes the node file), else the one dev holds, recovered:
//
//  1. the node file must name id (raft.ErrInconsistent otherwise: the
//     wrong disk);
//  2. the hard state is read;
//  3. the log segments are replayed in order into the index. A sector or
//     record failing its checks is corruption (raft.ErrCorrupt), except at
//     the end of the last segment, where the stream stops at the first
//     unwritten or short sector and a partial last record is a torn tail:
//     it is cut off (the file is truncated and synced before anything is
//     appended, so the cut-off bytes never come back);
//  4. the live snapshot (named by the last pointer record) is read and
//     checked; leftovers of interrupted operations (temporary files,
//     other snapshots, segments the log no longer needs) are deleted;
//  5. sm, which must be fresh, is restored from the snapshot and the
//     entries after it are applied again up to the last applied marker
//     (see the package doc).
//
// Device errors are returned as they are; Open may be called again.
func Open[D, R any](dev Device, id raft.NodeID, sm raft.StateMachine[D, R], codec raft.Codec[D], opts Options) (*Store[D, R], error) {
	switch {
	case dev == nil || sm == nil || codec == nil:
		return nil, fmt.Errorf("simdisk: open %v: nil device, state machine or codec", id)
	case id == raft.None:
		return nil, fmt.Errorf("simdisk: open: node id 0 is reserved for none (number nodes from 1)")
	case opts.SegmentSize < 0:
		return nil, fmt.Errorf("simdisk: open %v: negative segment size %d", id, opts.SegmentSize)
	}
	if opts.SegmentSize == 0 {
		opts.SegmentSize = defaultSegmentSize
	}
	s := &Store[D, R]{dev: dev, id: id, sm: sm, codec: codec, errs: errs{prefix: "simdisk: " + id.String()}}
	s.wal = newWAL(dev, opts.SegmentSize)
	names, err := dev.List()
	if err != nil {
		return nil, s.errs.wrap(err, "open: list")
	}
	l := classify(names)
	if !l.node {
		if l.hasStore() {
			return nil, s.errs.corrupt("open: no node file, but the device holds %v", names)
		}
		if err := replaceFile(dev, fileNode, encodeSmall(magicNode, uint64(id)), &s.wal.scratch); err != nil {
			return nil, s.errs.wrap(err, "open: write the node file")
		}
		return s, nil
	}
	s.borrowBuffers()
	if err := s.recover(l); err != nil {
		return nil, err
	}
	s.returnBuffers()
	return s, nil
}

// recoveryBuffers are the buffers recovery needs only while it runs: a
// segment's bytes, a chunk of entries to apply again and the two buffers
// of the reads that bring those entries back. A node restarted every few
// seconds would allocate them anew at each restart, which was a quarter
// of the bytes a long run allocates, so a simulated disk keeps them for
// the next store opened on it (one at a time: a Disk serves one world's
// goroutine). A byte buffer beyond maxReuse is not kept.
type recoveryBuffers struct {
	scan    []byte
	read    []byte // wal.readBuf
	readOut []byte // wal.readOut
	entries any    // a []raft.Entry[D], cleared
	slots   []slot // the index as replay builds it, cleared
}

const maxReuse = 1 << 20

// maxReuseSlots bounds the index kept the same way (56 bytes a slot).
const maxReuseSlots = 16 << 10

// applyChunk is how many entries recovery reads at a time to apply again.
const applyChunk = 1024

// borrowBuffers takes the disk's recovery buffers, when dev is a Disk.
// Replay builds the index in the borrowed slots: it places every entry of
// the segments it reads, most of which the last snapshot pointer then
// drops, so the index it ends with is far shorter than the one it grew.
func (s *Store[D, R]) borrowBuffers() {
	if d, ok := s.dev.(*Disk); ok {
		s.wal.scanBuf = d.reuse.scan
		s.wal.readBuf, s.wal.readOut = d.reuse.read, d.reuse.readOut
		s.applyBuf, _ = d.reuse.entries.([]raft.Entry[D])
		s.log = d.reuse.slots
		d.reuse = recoveryBuffers{}
	}
}

// returnBuffers gives the recovery buffers back to the disk, or drops
// them: the store needs none once open. The index moves to an array of
// about its own size.
func (s *Store[D, R]) returnBuffers() {
	scan, es, slots := s.wal.scanBuf, s.applyBuf, s.log
	s.wal.scanBuf, s.applyBuf = nil, nil
	d, ok := s.dev.(*Disk)
	if !ok {
		return
	}
	// The read buffers go back too: what the open store reads later is
	// a few entries at a time, into buffers of its own.
	read, readOut := s.wal.readBuf, s.wal.readOut
	s.wal.readBuf, s.wal.readOut = nil, nil
	if cap(read) <= maxReuse && cap(readOut) <= maxReuse {
		d.reuse.read, d.reuse.readOut = read[:0], readOut[:0]
	}
	s.log = nil // never the borrowed array, which goes back to the disk
	if len(slots) > 0 {
		// Room for what a node appends before its next crash, in a
		// chaos run, without growing at once.
		s.log = append(make([]slot, 0, len(slots)+len(slots)/8+64), slots...)
	}
	if cap(scan) <= maxReuse {
		d.reuse.scan = scan
	}
	clear(es[:cap(es)])      // nothing decoded outlives the open through the disk
	d.reuse.entries = es[:0] // at most applyChunk entries
	clear(slots[:cap(slots)])
	if cap(slots) <= maxReuseSlots {
		d.reuse.slots = slots[:0]
	}
}

// recover rebuilds an existing store's state from the device.
func (s *Store[D, R]) recover(l listing) error {
	var state []byte // the live snapshot's state machine bytes
	steps := []func() error{
		s.checkNode,
		s.loadHardState,
		func() error { return s.replay(l.segs) },
		func() (err error) { state, err = s.loadSnapshot(); return err },
		func() error { return s.cleanup(l) },
		func() error { return s.restoreStateMachine(state) },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	for _, n := range l.snaps {
		s.seq = max(s.seq, n)
	}
	return nil
}

// listing sorts a device's file names by role; names the store does not
// know are left alone.
type listing struct {
	node, hardState bool
	tmps            []string
	segs, snaps     []uint64 // ascending
}

func classify(names []string) listing {
	var l listing
	for _, name := range names {
		switch {
		case name == fileNode:
			l.node = true
		case name == fileHardState:
			l.hardState = true
		case strings.HasSuffix(name, suffixTmp):
			l.tmps = append(l.tmps, name)
		case strings.HasPrefix(name, prefixWAL):
			if n, ok := parseNumber(name, prefixWAL); ok {
				l.segs = append(l.segs, n)
			}
		case strings.HasPrefix(name, prefixSnap):
			if n, ok := parseNumber(name, prefixSnap); ok {
				l.snaps = append(l.snaps, n)
			}
		}
	}
	return l
}

// hasStore reports files that exist only after the node file was durable.
func (l listing) hasStore() bool { return l.hardState || len(l.segs) > 0 || len(l.snaps) > 0 }

func parseNumber(name, prefix string) (uint64, bool) {
	digits := name[len(prefix):]
	if len(digits) != 16 {
		return 0, false
	}
	n, err := strconv.ParseUint(digits, 16, 64)
	return n, err == nil
}

// checkNode reads the node file and checks that it names this node.
func (s *Store[D, R]) checkNode() error {
	b, err := readFile(s.dev, fileNode)
	if err != nil {
		return s.errs.wrap(err, "open: read the node file")
	}
	v, err := decodeSmall(magicNode, b, 1)
	if err != nil {
		return s.errs.wrap(err, "open: node file")
	}
	if got := raft.NodeID(v[0]); got != s.id {
		return s.errs.inconsistent("open: the device belongs to %v", got)
	}
	return nil
}

// loadSnapshot reads and checks the snapshot the last pointer names, and
// returns its state machine bytes.
func (s *Store[D, R]) loadSnapshot() ([]byte, error) {
	if len(s.log) > 0 && s.log[0].index != 1 && s.log[0].kind != raft.EntrySnapshotPointer {
		return nil, s.errs.corrupt("open: the log starts at %d without a snapshot pointer", s.log[0].index)
	}
	if s.snapshot == nil {
		return nil, nil
	}
	name := snapName(s.snapshot.file)
	data, err := readFile(s.dev, name)
	if err != nil {
		return nil, s.errs.wrap(err, "open: snapshot %s: read %s", s.snapshot.id, name)
	}
	meta, state, err := raft.DecodeSnapshot(data)
	if err != nil {
		return nil, s.errs.wrap(err, "open: snapshot %s: %s", s.snapshot.id, name)
	}
	if meta.Index < s.firstIndex() || meta.Index > s.lastIndex() {
		return nil, s.errs.corrupt("open: snapshot %s at %d, outside the log %d..%d", s.snapshot.id, meta.Index, s.firstIndex(), s.lastIndex())
	}
	s.snapshot.meta = meta
	return state, nil
}

// cleanup deletes what interrupted operations left behind, and cuts the
// torn tail of the log off the last segment.
func (s *Store[D, R]) cleanup(l listing) error {
	var doomed []string
	doomed = append(doomed, l.tmps...)
	for _, n := range l.snaps {
		if s.snapshot == nil || n != s.snapshot.file {
			doomed = append(doomed, snapName(n))
		}
	}
	for _, name := range doomed {
		if err := s.dev.Remove(name); err != nil {
			return s.errs.wrap(err, "open: remove %s", name)
		}
	}
	if err := s.wal.removeBelow(s.pointerFloor); err != nil {
		return s.errs.wrap(err, "open: remove old segments")
	}
	// Always: a store reopened without a crash may find a segment whose
	// creation its predecessor had not synced yet.
	if err := s.dev.SyncDir(); err != nil {
		return s.errs.wrap(err, "open: sync the directory")
	}
	return s.cutTail()
}

// restoreStateMachine brings the fresh state machine to the recovered last
// applied index: the snapshot, then the entries after it up to the marker.
func (s *Store[D, R]) restoreStateMachine(state []byte) error {
	target := s.appliedLogged
	if s.snapshot != nil {
		if err := s.sm.Restore(state); err != nil {
			return s.errs.wrap(err, "open: snapshot %s: restore the state machine", s.snapshot.id)
		}
		s.lastApplied = s.snapshot.meta.Index
		target = max(target, s.lastApplied)
	}
	if target > s.lastIndex() {
		return s.errs.corrupt("open: applied marker %d beyond the end of the log %d", target, s.lastIndex())
	}
	for s.lastApplied < target {
		stop := min(target, s.lastApplied+applyChunk) + 1
		if n := int(stop - s.lastApplied - 1); cap(s.applyBuf) < n {
			// Grown by doubling, not to the exact need: the log to apply
			// again grows by a few entries from one restart to the next,
			// and an exact fit would be allocated again at each of them.
			s.applyBuf = make([]raft.Entry[D], 0, min(applyChunk, max(n, 2*cap(s.applyBuf))))
		}
		es, err := s.readLogEntries(s.applyBuf, s.lastApplied+1, stop)
		s.applyBuf = es
		if err != nil {
			return err
		}
		if len(es) == 0 || es[0].Index != s.lastApplied+1 {
			return s.errs.corrupt("open: entry %d to apply again is not in the log", s.lastApplied+1)
		}
		for k := range es {
			s.apply(&es[k])
		}
	}
	s.appliedLogged = s.lastApplied
	return nil
}
