package simdisk

import (
	"fmt"
	"io"

	"github.com/raftsim/raftsim/sim"
)

// opKind is what a pending operation does to the medium when it becomes
// durable.
type opKind uint8

const (
	opWrite    opKind = iota // data: off, data
	opTruncate               // data: size
	opCreate                 // namespace: name -> file
	opRename                 // namespace: name -> to
	opRemove                 // namespace: name
)

// namespace reports whether SyncDir (rather than Sync) covers the kind.
func (k opKind) namespace() bool { return k >= opCreate }

// op is one operation issued and not yet durable.
type op struct {
	kind     opKind
	file     *inode
	off      int64
	data     []byte
	size     int64
	name, to string
	// start is when the disk began serving it; a crash before then drops
	// it whatever the policy.
	start sim.Time
	// synced is set when a sync covering it was issued; it is durable
	// from durableAt, that sync's completion.
	synced    bool
	durableAt sim.Time
}

// ReadAt reads from the cache through the fault overlay. It may inject a
// read error, a latent sector error or a bit flip (see the fault model).
func (d *Disk) ReadAt(name string, p []byte, off int64) (int, error) {
	if err := d.enter("read", name); err != nil {
		return 0, err
	}
	f, err := d.lookup("read", name)
	if err != nil {
		return 0, err
	}
	if off < 0 {
		return 0, fmt.Errorf("disk: read %s at %d: negative offset", name, off)
	}
	d.serve(d.cfg.ReadLatency)
	d.stats.Reads++
	x := d.drawRead()
	if x.fail {
		d.stats.ReadErrors++
		return 0, fmt.Errorf("disk: read %s at %d: injected: %w", name, off, ErrIO)
	}
	if off >= int64(len(f.data)) {
		if len(p) == 0 {
			return 0, nil
		}
		return 0, io.EOF
	}
	n := copy(p, f.data[off:])
	if n > 0 {
		s0, s1 := off/d.sector, (off+int64(n)-1)/d.sector
		d.decay(f, s0, s1, x)
		if err := d.applyOverlay(f, p[:n], off, s0, s1); err != nil {
			return 0, fmt.Errorf("disk: read %s at %d: %w", name, off, err)
		}
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// WriteAt writes into the cache. It may fail (write error, full disk), or
// report success and be lost or misdirected (see the fault model).
func (d *Disk) WriteAt(name string, p []byte, off int64) error {
	if err := d.enter("write", name); err != nil {
		return err
	}
	f, err := d.lookup("write", name)
	if err != nil {
		return err
	}
	if off < 0 {
		return fmt.Errorf("disk: write %s at %d: negative offset", name, off)
	}
	start, _ := d.serve(d.cfg.WriteLatency)
	d.stats.Writes++
	x := d.drawWrite()
	if len(p) == 0 {
		return nil
	}
	end := off + int64(len(p))
	if err := d.checkSpace(f, end); err != nil {
		return fmt.Errorf("disk: write %s at %d: %w", name, off, err)
	}
	if x.fail {
		d.stats.WriteErrors++
		return fmt.Errorf("disk: write %s at %d: injected: %w", name, off, ErrIO)
	}
	s0, s1 := off/d.sector, (end-1)/d.sector
	switch {
	case x.misdirect:
		d.misdirect(f, p, off, s0, s1, x.pos)
		return nil
	case x.lost:
		d.stats.LostWrites++
		return nil
	}
	writeInto(&f.data, p, off)
	d.issue(op{kind: opWrite, file: f, off: off, data: append(d.takeBuf(len(p)), p...), start: start})
	for s := s0; s <= s1; s++ {
		delete(f.overlay, s)
	}
	return nil
}

// checkSpace refuses growing f to end bytes beyond the capacity.
func (d *Disk) checkSpace(f *inode, end int64) error {
	c := d.faults.Capacity
	if c == 0 || end <= int64(len(f.data)) {
		return nil
	}
	if d.used()-d.roundUp(int64(len(f.data)))+d.roundUp(end) > c {
		d.stats.NoSpace++
		return fmt.Errorf("capacity %d bytes: %w", c, ErrNoSpace)
	}
	return nil
}

// Truncate sets a file's size in the cache.
func (d *Disk) Truncate(name string, size int64) error {
	if err := d.enter("truncate", name); err != nil {
		return err
	}
	f, err := d.lookup("truncate", name)
	if err != nil {
		return err
	}
	if size < 0 {
		return fmt.Errorf("disk: truncate %s to %d: negative size", name, size)
	}
	if err := d.metaOp("truncate", name); err != nil {
		return err
	}
	if err := d.checkSpace(f, size); err != nil {
		return fmt.Errorf("disk: truncate %s to %d: %w", name, size, err)
	}
	d.truncateCache(f, size)
	d.issue(op{kind: opTruncate, file: f, size: size, start: d.busy})
	return nil
}

// truncateCache resizes the cached contents and forgets faults in sectors
// that are gone (and in the cut part of the last one).
func (d *Disk) truncateCache(f *inode, size int64) {
	resize(&f.data, size)
	d.trimOverlay(f, size)
}

// Sync makes a file's data and size durable when it completes. A sync
// error drops the writes it covered from the way to the medium.
func (d *Disk) Sync(name string) error {
	if err := d.enter("sync", name); err != nil {
		return err
	}
	f, err := d.lookup("sync", name)
	if err != nil {
		return err
	}
	if !d.syncOp(func(o *op) bool { return o.file == f && !o.kind.namespace() }) {
		return fmt.Errorf("disk: sync %s: injected: %w", name, ErrIO)
	}
	return nil
}

// SyncDir makes creates, renames and removes durable when it completes.
func (d *Disk) SyncDir() error {
	if err := d.enter("syncdir", "/"); err != nil {
		return err
	}
	if !d.syncOp(func(o *op) bool { return o.kind.namespace() }) {
		return fmt.Errorf("disk: syncdir: injected: %w", ErrIO)
	}
	return nil
}

// syncOp serves a sync covering the unsynced pending operations that
// match, and reports whether it succeeded.
func (d *Disk) syncOp(covers func(*op) bool) bool {
	_, done := d.serve(d.cfg.SyncLatency)
	d.stats.Syncs++
	if d.rand.Chance(d.faults.SyncError) {
		d.stats.SyncErrors++
		kept := d.pending[:0]
		for _, o := range d.pending {
			if o.synced || !covers(o) {
				kept = append(kept, o)
			} else {
				d.recycle(o)
			}
		}
		clear(d.pending[len(kept):])
		d.pending = kept
		return false
	}
	for _, o := range d.pending {
		if !o.synced && covers(o) {
			o.synced, o.durableAt = true, done
		}
	}
	d.horizon = max(d.horizon, done)
	return true
}

// fold makes durable every pending operation whose sync completed by now.
func (d *Disk) fold(now sim.Time) {
	kept := d.pending[:0]
	for _, o := range d.pending {
		if o.synced && o.durableAt <= now {
			d.persist(o, -1)
			d.recycle(o)
		} else {
			kept = append(kept, o)
		}
	}
	clear(d.pending[len(kept):])
	d.pending = kept
}

// The disk owns the copies its pending writes hold: a write's bytes must
// outlive the caller's buffer until they are durable or lost, and the
// tail sector of a log is rewritten by every append, so the cache cannot
// stand in for them. Operations and their buffers are recycled when they
// leave the pending list (folded, dropped by a sync error, or settled by
// a crash): a busy store writes and syncs thousands of times a virtual
// second, and a fresh copy per write was the largest allocation of a run.
// The free lists are bounded; nothing in them is visible.
const (
	spareBufs   = 32
	spareBufMax = 256 << 10
)

// issue adds v to the pending operations, in a recycled op when one is
// free.
func (d *Disk) issue(v op) {
	var o *op
	if n := len(d.freeOps); n > 0 {
		o = d.freeOps[n-1]
		d.freeOps = d.freeOps[:n-1]
	} else {
		o = &op{}
	}
	*o = v
	d.pending = append(d.pending, o)
}

// takeBuf returns an empty buffer with room for n bytes.
func (d *Disk) takeBuf(n int) []byte {
	for k := len(d.spare) - 1; k >= 0; k-- {
		if b := d.spare[k]; cap(b) >= n {
			last := len(d.spare) - 1
			d.spare[k] = d.spare[last]
			d.spare[last] = nil
			d.spare = d.spare[:last]
			return b[:0]
		}
	}
	return make([]byte, 0, n)
}

// recycle returns o, which has left the pending list, and its buffer to
// the free lists.
func (d *Disk) recycle(o *op) {
	if b := o.data; b != nil && cap(b) <= spareBufMax && len(d.spare) < spareBufs {
		d.spare = append(d.spare, b)
	}
	*o = op{}
	if len(d.freeOps) < spareBufs {
		d.freeOps = append(d.freeOps, o)
	}
}

// persist applies o to the medium. A write with tear >= 0 applies only its
// first tear sectors.
func (d *Disk) persist(o *op, tear int64) {
	switch o.kind {
	case opWrite:
		data := o.data
		if tear >= 0 {
			cut := (o.off/d.sector+tear)*d.sector - o.off
			data = data[:max(0, min(int64(len(data)), cut))]
		}
		if len(data) > 0 {
			writeInto(&o.file.durable, data, o.off)
		}
	case opTruncate:
		resize(&o.file.durable, o.size)
	case opCreate:
		d.durable[o.name] = o.file
	case opRename:
		delete(d.durable, o.name)
		d.durable[o.to] = o.file
	case opRemove:
		if d.durable[o.name] == o.file {
			delete(d.durable, o.name)
		}
	}
}

// writeInto writes p at off into *b, growing it with zeros as needed.
func writeInto(b *[]byte, p []byte, off int64) {
	if end := off + int64(len(p)); end > int64(len(*b)) {
		resize(b, end)
	}
	copy((*b)[off:], p)
}

// resize sets len(*b) to n, zero-filling growth.
func resize(b *[]byte, n int64) {
	if n <= int64(len(*b)) {
		clear((*b)[n:])
		*b = (*b)[:n]
		return
	}
	*b = append(*b, make([]byte, n-int64(len(*b)))...)
}
