package simdisk

import (
	"bytes"
	"fmt"
	"math/bits"
	"slices"

	"github.com/raftsim/raftsim/sim"
)

// sectorFault is what the overlay shows instead of a sector's pristine
// contents: nothing (an unreadable sector), or other bytes (a misdirected
// write's foreign ones, a flipped bit).
type sectorFault struct {
	unreadable bool
	data       []byte // one whole sector; only the part inside the file shows
}

// readDraws are a read's fault decisions. Every read draws all of them.
type readDraws struct {
	fail, latent, corrupt bool
	latentPos, corruptPos uint64
	bit                   uint64
}

func (d *Disk) drawRead() readDraws {
	f := d.faults
	return readDraws{
		fail: d.rand.Chance(f.ReadError), latent: d.rand.Chance(f.LatentSector), corrupt: d.rand.Chance(f.Corruption),
		latentPos: d.rand.Uint64(), corruptPos: d.rand.Uint64(), bit: d.rand.Uint64(),
	}
}

// writeDraws are a write's fault decisions. Every write draws all of them.
type writeDraws struct {
	fail, lost, misdirect bool
	pos                   uint64
}

func (d *Disk) drawWrite() writeDraws {
	f := d.faults
	return writeDraws{
		fail: d.rand.Chance(f.WriteError), lost: d.rand.Chance(f.LostWrite), misdirect: d.rand.Chance(f.MisdirectedWrite),
		pos: d.rand.Uint64(),
	}
}

// pick maps a raw draw to [0, n) by multiply-shift (n > 0).
func pick(x uint64, n int64) int64 {
	hi, _ := bits.Mul64(x, uint64(n))
	return int64(hi)
}

// decay injects the at-rest faults a read drew, into sectors s0..s1.
func (d *Disk) decay(f *inode, s0, s1 int64, x readDraws) {
	if x.latent {
		d.stats.LatentSectors++
		d.setFault(f, s0+pick(x.latentPos, s1-s0+1), &sectorFault{unreadable: true})
	}
	if x.corrupt {
		s := s0 + pick(x.corruptPos, s1-s0+1)
		old := d.visibleSectors(f, s, s)[0]
		if old.unreadable {
			return
		}
		d.stats.Corruptions++
		valid := min(d.sector, int64(len(f.data))-s*d.sector)
		b := pick(x.bit, valid*8)
		old.data[b/8] ^= 1 << (b % 8)
		d.setFault(f, s, old)
	}
}

func (d *Disk) setFault(f *inode, s int64, sf *sectorFault) {
	if f.overlay == nil {
		f.overlay = map[int64]*sectorFault{}
	}
	f.overlay[s] = sf
}

// applyOverlay replaces, in p (the bytes of the file at off), every sector
// of s0..s1 the overlay holds; an unreadable one fails the read.
func (d *Disk) applyOverlay(f *inode, p []byte, off, s0, s1 int64) error {
	if len(f.overlay) == 0 {
		return nil
	}
	for s := s0; s <= s1; s++ {
		sf := f.overlay[s]
		if sf == nil {
			continue
		}
		if sf.unreadable {
			d.stats.ReadErrors++
			return fmt.Errorf("sector %d unreadable: %w", s, ErrIO)
		}
		lo, hi := max(s*d.sector, off), min((s+1)*d.sector, off+int64(len(p)))
		copy(p[lo-off:hi-off], sf.data[lo-s*d.sector:])
	}
	return nil
}

// visibleSectors returns copies of what reads of sectors s0..s1 show now:
// the overlay's fault, or the pristine bytes (zero-padded to a sector).
func (d *Disk) visibleSectors(f *inode, s0, s1 int64) []*sectorFault {
	out := make([]*sectorFault, 0, s1-s0+1)
	for s := s0; s <= s1; s++ {
		if sf := f.overlay[s]; sf != nil {
			out = append(out, &sectorFault{unreadable: sf.unreadable, data: bytes.Clone(sf.data)})
			continue
		}
		out = append(out, &sectorFault{data: d.pristineSector(f, s)})
	}
	return out
}

// pristineSector returns a copy of sector s of the cache, zero-padded.
func (d *Disk) pristineSector(f *inode, s int64) []byte {
	b := make([]byte, d.sector)
	if lo := s * d.sector; lo < int64(len(f.data)) {
		copy(b, f.data[lo:])
	}
	return b
}

// misdirect lands a write of p at off (sectors s0..s1) somewhere else:
// the intended sectors are not written, and whole sectors at another
// sector-aligned place in the file show what the intended ones would have
// held. The clobbered sectors are overlay, so healing restores them. A
// file with no other place for them just loses the write.
func (d *Disk) misdirect(f *inode, p []byte, off, s0, s1 int64, pos uint64) {
	k := s1 - s0 + 1
	places := (int64(len(f.data))+d.sector-1)/d.sector - k + 1
	if places <= 1 {
		d.stats.LostWrites++
		return
	}
	d.stats.MisdirectedWrites++
	t := pick(pos, places-1)
	if t >= s0 {
		t++
	}
	for i := range k {
		b := d.pristineSector(f, s0+i)
		lo, hi := max(off, (s0+i)*d.sector), min(off+int64(len(p)), (s0+i+1)*d.sector)
		copy(b[lo-(s0+i)*d.sector:], p[lo-off:hi-off])
		d.setFault(f, t+i, &sectorFault{data: b})
	}
}

// trimOverlay forgets faults beyond size, and zeroes the part of the last
// sector's fault beyond it, so that later growth reads as zeros.
func (d *Disk) trimOverlay(f *inode, size int64) {
	last := (size + d.sector - 1) / d.sector
	for _, s := range sortedSectors(f.overlay) {
		if s >= last {
			delete(f.overlay, s)
		}
	}
	if sf := f.overlay[last-1]; sf != nil && !sf.unreadable && size%d.sector != 0 {
		clear(sf.data[size%d.sector:])
	}
}

// sortedSectors returns the overlay's sector numbers in order.
func sortedSectors(m map[int64]*sectorFault) []int64 {
	out := make([]int64, 0, len(m))
	for s := range m {
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}

// Faults returns the faults in force.
func (d *Disk) Faults() Faults { return d.faults }

// SetFaults switches the injected faults (and the capacity) from now on.
// Faults already injected stay until healed.
func (d *Disk) SetFaults(f Faults) error {
	if err := f.Validate(); err != nil {
		return err
	}
	d.faults = f
	return nil
}

// SetLatency changes the operation latencies from now on (a disk that
// turns slow, and back). Operations already served keep their times.
func (d *Disk) SetLatency(read, write, sync sim.Dist) error {
	c := d.cfg
	c.ReadLatency, c.WriteLatency, c.SyncLatency = read, write, sync
	if err := c.Validate(); err != nil {
		return err
	}
	d.cfg = c
	return nil
}

// Heal removes every injected fault in one call: the overlay goes, so
// every sector reads what the writes put there, and no new fault is
// injected (NoFaults: unlimited capacity too). The data, durable or not,
// is untouched.
func (d *Disk) Heal() {
	d.faults = NoFaults()
	for _, f := range d.files() {
		f.overlay = nil
	}
	for _, o := range d.pending {
		o.file.overlay = nil
	}
}

// InjectBitFlip flips one bit (0-7) of the byte at off in a file, as a
// corruption at rest would: reads show it until the sector is rewritten
// or the disk healed.
func (d *Disk) InjectBitFlip(name string, off int64, bit uint) error {
	f, err := d.lookup("inject bit flip", name)
	if err != nil {
		return err
	}
	if off < 0 || off >= int64(len(f.data)) || bit > 7 {
		return fmt.Errorf("disk: inject bit flip %s at %d bit %d: outside the file (%d bytes)", name, off, bit, len(f.data))
	}
	s := off / d.sector
	sf := d.visibleSectors(f, s, s)[0]
	if !sf.unreadable {
		sf.data[off-s*d.sector] ^= 1 << bit
		d.setFault(f, s, sf)
	}
	return nil
}

// InjectLatentSector makes the sector holding the byte at off unreadable,
// until it is rewritten or the disk healed.
func (d *Disk) InjectLatentSector(name string, off int64) error {
	f, err := d.lookup("inject latent sector", name)
	if err != nil {
		return err
	}
	if off < 0 || off >= int64(len(f.data)) {
		return fmt.Errorf("disk: inject latent sector %s at %d: outside the file (%d bytes)", name, off, len(f.data))
	}
	d.setFault(f, off/d.sector, &sectorFault{unreadable: true})
	return nil
}
