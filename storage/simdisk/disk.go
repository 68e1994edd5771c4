package simdisk

import (
	"fmt"
	"io/fs"
	"slices"

	"github.com/raftsim/raftsim/sim"
)

// Disk is a simulated disk: files in a flat namespace over a write-back
// cache and a durable medium, per-operation latency on the caller's clock,
// crashes under a policy, and injected faults kept in an overlay apart from
// the data (see the fault model in the package documentation).
//
// A Disk is not safe for concurrent use; one world drives it from one
// goroutine.
type Disk struct {
	cfg    Config
	sector int64
	rand   *sim.Rand
	clock  Clock
	faults Faults

	// busy is when the operation issued last finishes; the next one
	// starts no earlier. horizon is when the last sync issued completes.
	// Invariant: horizon <= busy.
	busy, horizon sim.Time

	// names is the namespace the cache shows; durable is the medium's.
	// Both map a name to its file; a file may be in one and not the other.
	names, durable map[string]*inode

	// pending holds, in issue order, every operation not yet durable.
	// Invariant: operations on one file, and namespace operations, become
	// durable in issue order (a sync covers everything issued before it),
	// so folding durable ones out of order is folding them in order.
	pending []*op
	// freeOps and spare are recycled operations and write buffers (see
	// recycle in diskio.go).
	freeOps []*op
	spare   [][]byte

	// powerLeft counts the operations served before the power goes;
	// negative when no cut is armed. powerCut is set once it went.
	powerLeft int64
	powerCut  bool

	ops   uint64
	stats Stats

	// reuse keeps recovery's buffers between the opens of the stores on
	// this disk (see Store.borrowBuffers).
	reuse recoveryBuffers
}

// inode is one file: its cached and durable contents, and the faults
// injected into its sectors.
type inode struct {
	data    []byte // what the cache shows (the pristine data)
	durable []byte // what the medium holds
	// overlay maps a sector number to the fault shown instead of it.
	overlay map[int64]*sectorFault
}

// Stats counts what a Disk did and which faults it injected.
type Stats struct {
	// Writes counts WriteAt, Create, Rename, Remove and Truncate; Syncs
	// counts Sync and SyncDir.
	Reads, Writes, Syncs uint64
	Crashes              uint64

	ReadErrors, LatentSectors, Corruptions     uint64
	WriteErrors, LostWrites, MisdirectedWrites uint64
	SyncErrors, NoSpace                        uint64

	FaultySectors int      // sectors in the overlay now
	PendingOps    int      // operations not yet durable
	DurableAt     sim.Time // the durability horizon
	BusyUntil     sim.Time // when the last operation issued finishes
}

var _ Device = (*Disk)(nil)

// NewDisk returns an empty disk. Its faults and crashes draw from rand,
// which must be the disk's own stream (seed.Stream("disk/3")); clock is
// the caller's virtual time, or nil for the disk's own timeline, on which
// every operation starts when the previous one finished.
func NewDisk(cfg Config, rand *sim.Rand, clock Clock) (*Disk, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if rand == nil {
		return nil, fmt.Errorf("simdisk: new disk: nil random stream: %w", ErrConfig)
	}
	if cfg.SectorSize == 0 {
		cfg.SectorSize = 4096
	}
	return &Disk{
		cfg: cfg, sector: int64(cfg.SectorSize), rand: rand, clock: clock, faults: cfg.Faults,
		names: map[string]*inode{}, durable: map[string]*inode{}, powerLeft: -1,
	}, nil
}

// SectorSize is the unit of atomic writes.
func (d *Disk) SectorSize() int { return int(d.sector) }

// DurableAt is the durability horizon: the virtual time at which every
// write covered by a Sync or SyncDir issued so far is durable (the
// completion of the last sync issued). A crash at a time t >= DurableAt()
// loses nothing synced; before it, what is not yet durable meets the crash
// policy. It never decreases, except that Crash resets it to the crash
// time. It may lie in the past when the disk is idle.
func (d *Disk) DurableAt() sim.Time { return d.horizon }

// Stats returns the disk's counters.
func (d *Disk) Stats() Stats {
	s := d.stats
	s.PendingOps = len(d.pending)
	s.DurableAt = d.horizon
	s.BusyUntil = d.busy
	for _, f := range d.files() {
		s.FaultySectors += len(f.overlay)
	}
	return s
}

// Ops counts the Device calls served so far (for choosing CutPowerAfter
// points).
func (d *Disk) Ops() uint64 { return d.ops }

// now is the current virtual time: the caller's, or on the disk's own
// timeline, the end of the last operation.
func (d *Disk) now() sim.Time {
	if d.clock == nil {
		return d.busy
	}
	return d.clock.Now()
}

// enter admits one Device call: it fails after a power cut, and counts the
// call against an armed one.
func (d *Disk) enter(op, name string) error {
	if d.powerCut {
		return fmt.Errorf("disk: %s %s: %w", op, name, ErrPowerCut)
	}
	if d.powerLeft == 0 {
		d.powerCut = true
		return fmt.Errorf("disk: %s %s: %w", op, name, ErrPowerCut)
	}
	if d.powerLeft > 0 {
		d.powerLeft--
	}
	d.ops++
	return nil
}

// serve schedules one operation taking a latency drawn from lat (always
// DistDraws draws) and returns when it starts and finishes. It first folds
// in whatever became durable by now.
func (d *Disk) serve(lat sim.Dist) (start, done sim.Time) {
	now := d.now()
	d.fold(now)
	start = max(now, d.busy)
	done = start.Add(lat.Sample(d.rand))
	d.busy = done
	return start, done
}

// lookup returns the file named name in the cache's namespace.
func (d *Disk) lookup(op, name string) (*inode, error) {
	f, ok := d.names[name]
	if !ok {
		return nil, fmt.Errorf("disk: %s %s: %w", op, name, fs.ErrNotExist)
	}
	return f, nil
}

// Create makes an empty file, truncating an existing one.
func (d *Disk) Create(name string) error {
	if err := d.enter("create", name); err != nil {
		return err
	}
	if err := d.metaOp("create", name); err != nil {
		return err
	}
	start := d.busy
	if f, ok := d.names[name]; ok {
		d.truncateCache(f, 0)
		d.issue(op{kind: opTruncate, file: f, start: start})
		return nil
	}
	f := &inode{}
	d.names[name] = f
	d.issue(op{kind: opCreate, file: f, name: name, start: start})
	return nil
}

// Rename renames from to to, replacing to.
func (d *Disk) Rename(from, to string) error {
	if err := d.enter("rename", from); err != nil {
		return err
	}
	f, err := d.lookup("rename", from)
	if err != nil {
		return err
	}
	if err := d.metaOp("rename", from); err != nil {
		return err
	}
	delete(d.names, from)
	d.names[to] = f
	d.issue(op{kind: opRename, file: f, name: from, to: to, start: d.busy})
	return nil
}

// Remove deletes a file.
func (d *Disk) Remove(name string) error {
	if err := d.enter("remove", name); err != nil {
		return err
	}
	f, err := d.lookup("remove", name)
	if err != nil {
		return err
	}
	if err := d.metaOp("remove", name); err != nil {
		return err
	}
	delete(d.names, name)
	d.issue(op{kind: opRemove, file: f, name: name, start: d.busy})
	return nil
}

// metaOp serves a namespace operation or truncation: a write's latency and
// a write error's chance (always DistDraws+1 draws).
func (d *Disk) metaOp(op, name string) error {
	d.serve(d.cfg.WriteLatency)
	d.stats.Writes++
	if d.rand.Chance(d.faults.WriteError) {
		d.stats.WriteErrors++
		return fmt.Errorf("disk: %s %s: injected: %w", op, name, ErrIO)
	}
	return nil
}

// List returns every file name in the cache's namespace, sorted.
func (d *Disk) List() ([]string, error) {
	if err := d.enter("list", "/"); err != nil {
		return nil, err
	}
	return sortedNames(d.names), nil
}

// Size returns a file's size as the cache shows it.
func (d *Disk) Size(name string) (int64, error) {
	if err := d.enter("size", name); err != nil {
		return 0, err
	}
	f, err := d.lookup("size", name)
	if err != nil {
		return 0, err
	}
	return int64(len(f.data)), nil
}

// CutPowerAfter arms a power cut: the disk serves n more Device calls, and
// every call after them fails with ErrPowerCut until Crash. This crashes a
// store in the middle of a method, at a chosen persistence point (Ops
// counts calls). A negative n disarms.
func (d *Disk) CutPowerAfter(n int64) {
	d.powerLeft = max(n, -1)
}

// sortedNames returns the keys of m in order, so that no map order reaches
// behaviour.
func sortedNames(m map[string]*inode) []string {
	out := make([]string, 0, len(m))
	for name := range m {
		out = append(out, name)
	}
	slices.Sort(out)
	return out
}

// files returns every file in either namespace, once each, in name order.
func (d *Disk) files() []*inode {
	var out []*inode
	seen := map[*inode]bool{}
	for _, m := range []map[string]*inode{d.names, d.durable} {
		for _, name := range sortedNames(m) {
			if f := m[name]; !seen[f] {
				seen[f] = true
				out = append(out, f)
			}
		}
	}
	return out
}

// used is the space the cache's files take, in whole sectors. The sum
// does not depend on map order.
func (d *Disk) used() int64 {
	var n int64
	for _, f := range d.names {
		n += d.roundUp(int64(len(f.data)))
	}
	return n
}

func (d *Disk) roundUp(n int64) int64 { return (n + d.sector - 1) / d.sector * d.sector }
