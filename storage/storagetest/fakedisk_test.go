package storagetest

import (
	"errors"

	"github.com/raftsim/raftsim/raft"

	"github.com/raftsim/raftsim/storage/simdisk"
)

// A fake simulated device for testing the crash driver: a list of
// records, written and then synced, that a crash loses or tears as the
// policy says. The fake store on it (fakestore_test.go) writes one record
// per effect and recovers by replaying the records that survived.

var errCrashed = errors.New("fakedisk: the device has crashed")

type recKind uint8

const (
	recID        recKind = iota // the node ID, written at format
	recHardState                // a whole hard state
	recTerm                     // the term alone (fakeSplitHardState)
	recVote                     // the vote alone (fakeSplitHardState)
	recEntry                    // one entry, placed at its index
	recTruncate                 // delete the entries from index on
	recApply                    // one entry applied
	recPointer                  // purge before index and write the pointer (fakePointerFirst)
	recSnapshot                 // the current snapshot (fakePointerFirst)
	recCompact                  // recPointer and recSnapshot as one record
	recInstall                  // a snapshot installed: state machine, pointer, log
)

// record is one write to the device.
type record struct {
	kind   recKind
	id     raft.NodeID
	hs     raft.HardState
	entry  raft.Entry[Cmd] // recEntry, recApply, recPointer, recCompact
	index  raft.Index      // recTruncate, recInstall
	term   raft.Term       // recInstall
	keep   bool            // recInstall: the entries after index stay
	snap   []byte          // recSnapshot, recCompact, recInstall
	snapID string          // recSnapshot, recCompact, recInstall
	// seq numbers the records in the order written; recovery stops at
	// the first one missing, as a log's does at a gap.
	seq int
	// torn: only a prefix of the record reached the medium.
	torn bool
}

// device is the fake disk. Every write and every sync is a persistence
// point.
type device struct {
	synced  []record
	pending []record // written, not yet synced
	points  int
	seq     int // of the next record

	armed   bool
	crashAt int
	policy  Crash
	crashed bool
}

func (d *device) write(r record) error {
	if d.crashed {
		return errCrashed
	}
	r.seq = d.seq
	d.seq++
	d.pending = append(d.pending, r)
	d.point()
	return nil
}

func (d *device) sync() error {
	if d.crashed {
		return errCrashed
	}
	d.synced = append(d.synced, d.pending...)
	d.pending = nil
	d.point()
	return nil
}

func (d *device) point() {
	d.points++
	if d.armed && d.points >= d.crashAt {
		d.crash()
	}
}

func (d *device) PersistencePoints() int { return d.points }
func (d *device) Crashed() bool          { return d.crashed }

func (d *device) CrashAt(n int, policy Crash) {
	d.armed, d.crashAt, d.policy = true, n, policy
	if d.points >= n {
		d.crash()
	}
}

// crash applies the policy to the unsynced writes.
func (d *device) crash() {
	if d.crashed {
		return
	}
	d.crashed = true
	p := d.pending
	d.pending = nil
	switch d.policy.Policy {
	case simdisk.CrashKeepSubset:
		x := d.policy.Seed
		for _, r := range p {
			x = x*6364136223846793005 + 1442695040888963407 // a PCG step
			if x>>63 == 1 {
				d.synced = append(d.synced, r)
			}
		}
	case simdisk.CrashKeepPrefix:
		d.synced = append(d.synced, p[:d.policy.Seed%uint64(len(p)+1)]...)
	case simdisk.CrashTear:
		if len(p) > 0 {
			torn := p[len(p)-1]
			torn.torn = true
			d.synced = append(append(d.synced, p[:len(p)-1]...), torn)
		}
	}
}
