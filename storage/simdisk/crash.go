package simdisk

import (
	"maps"

	"github.com/raftsim/raftsim/sim"
)

// Crash is a power failure at the clock's current time, followed by the
// power coming back. What was durable survives; operations not yet
// started are dropped; the others meet the policy (see the fault model).
// Afterwards the cache shows exactly the medium, nothing is pending, the
// disk is idle, DurableAt is the crash time, a power cut is cleared, and
// the fault overlay and the faults in force are kept.
func (d *Disk) Crash(policy CrashPolicy) error {
	if err := policy.Validate(); err != nil {
		return err
	}
	now := d.now()
	d.fold(now)
	var started []*op
	for _, o := range d.pending {
		if o.start <= now {
			started = append(started, o)
		}
	}
	d.survive(policy, started)
	for _, o := range d.pending {
		d.recycle(o)
	}
	clear(d.pending)
	d.pending = d.pending[:0]
	d.names = maps.Clone(d.durable)
	for _, f := range d.files() {
		f.data = append(f.data[:0], f.durable...)
		d.trimOverlay(f, int64(len(f.data)))
	}
	d.busy, d.horizon = now, now
	d.powerCut, d.powerLeft = false, -1
	d.stats.Crashes++
	return nil
}

// survive applies to the medium the operations that survive the crash
// under policy, in issue order.
func (d *Disk) survive(policy CrashPolicy, ops []*op) {
	n := len(ops)
	switch policy {
	case CrashLoseAll:
	case CrashKeepSubset:
		for _, o := range ops {
			if d.rand.Chance(sim.Ratio{Num: 1, Den: 2}) {
				d.persist(o, -1)
			}
		}
	case CrashKeepPrefix:
		k := int(d.rand.Uint64n(uint64(n) + 1))
		for _, o := range ops[:k] {
			d.persist(o, -1)
		}
	case CrashTear:
		if n == 0 {
			return
		}
		k := int(d.rand.Uint64n(uint64(n)))
		for _, o := range ops[:k] {
			d.persist(o, -1)
		}
		if o := ops[k]; o.kind == opWrite {
			first, last := o.off/d.sector, (o.off+int64(len(o.data))-1)/d.sector
			d.persist(o, int64(d.rand.Uint64n(uint64(last-first+1))))
		}
	}
}
