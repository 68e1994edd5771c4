// Package groupcommit is a store written as a raftsim user would write one,
// to show the store hook and campaigns from go test: raftsim's log store
// under a group-commit layer that batches syncs, one sync for every few
// calls. The batching has the classic bug, behind a flag: it acknowledges
// a write before the sync that makes it durable, so a crash can lose a
// vote or an entry the node already promised. A campaign on the cluster
// finds it (store_test.go); without the bug the same campaign passes.
package groupcommit

import (
	"github.com/raftsim/raftsim/harness"
	"github.com/raftsim/raftsim/raft"
	"github.com/raftsim/raftsim/storage/simdisk"
)

// The store, correct and with its bug. Each has a name of its own, so
// that a failure file says which one failed.
var (
	Correct = Store("groupcommit", 1)
	Buggy   = Store("groupcommit-buggy", 4)
)

// Store is a group-commit store for the cluster. batch is how many sync
// requests share one real sync; 1 syncs every time, which is correct.
// Larger batches acknowledge writes a crash can lose: the bug.
func Store(name string, batch int) harness.Store {
	return harness.Store{
		Name:   name,
		Device: true, // the store's data lives on the node's simulated disk
		Open: func(env harness.StoreEnv) (raft.Storage[harness.Command, harness.Response], error) {
			dev := &batchingDevice{Device: env.Device, batch: batch}
			return simdisk.Open(dev, env.ID, env.StateMachine, env.Codec, simdisk.Options{})
		},
	}
}

// batchingDevice passes every call through to the device, but only every
// batch-th sync request reaches it: the others return at once, as if a
// later sync would cover them. That later sync may never come before a
// crash, and the store has already said the write was durable.
type batchingDevice struct {
	simdisk.Device
	batch   int
	pending int // sync requests since the last real sync
}

func (d *batchingDevice) Sync(name string) error {
	d.pending++
	if d.batch > 1 && d.pending < d.batch {
		return nil // the bug: acknowledged, not durable
	}
	d.pending = 0
	return d.Device.Sync(name)
}
