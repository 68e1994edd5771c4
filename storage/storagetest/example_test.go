package storagetest_test

import (
	"fmt"

	"github.com/raftsim/raftsim/raft"
	"github.com/raftsim/raftsim/storage/memstore"
	"github.com/raftsim/raftsim/storage/storagetest"
)

// myStore stands for a store of your own; here it is memstore with a bug
// switched on: GetLogEntries includes stop.
type myStore struct {
	storagetest.Store
	inclusiveStop bool
}

func (s myStore) GetLogEntries(start, stop raft.Index) ([]raft.Entry[storagetest.Cmd], error) {
	if s.inclusiveStop {
		stop++
	}
	return s.Store.GetLogEntries(start, stop)
}

func Example() {
	for _, bug := range []bool{false, true} {
		// The factory: how the suite makes your store, for node id,
		// applying to the kit's state machine sm. Memory says the store's
		// memory is its medium (nothing to reopen after a restart).
		factory := storagetest.Memory(func(id raft.NodeID, sm raft.StateMachine[storagetest.Cmd, storagetest.Resp]) storagetest.Store {
			return myStore{Store: memstore.New(id, sm), inclusiveStop: bug}
		})
		// In your tests, one line runs everything:
		//
		//	func TestMyStore(t *testing.T) { storagetest.Run(t, factory) }
		//
		// Check runs the same conformance cases outside a test.
		failed := 0
		for _, r := range storagetest.Check(factory) {
			if r.Failure != "" {
				failed++
				if r.Case == "entries-half-open" {
					fmt.Println("failed:", r.Case)
				}
			}
		}
		fmt.Printf("inclusive stop %v: %d of %d cases failed\n", bug, failed, len(storagetest.Cases()))
	}
	// Output:
	// inclusive stop false: 0 of 71 cases failed
	// failed: entries-half-open
	// inclusive stop true: 29 of 71 cases failed
}

func ExampleGuard() {
	s := storagetest.Guard(memstore.New(1, storagetest.NewSM()), func(v storagetest.Violation) {
		fmt.Println(v)
	})
	_ = s.SaveHardState(raft.HardState{CurrentTerm: 5, VotedFor: 2})
	err := s.SaveHardState(raft.HardState{CurrentTerm: 5, VotedFor: 3})
	fmt.Println(err)
	// Output:
	// storagetest: guard: caller broke one-vote-per-term: SaveHardState(term 5 vote n3): term 5's vote was n2
	// memstore: n1: save hard state (term 5 vote n3): changes the vote of term 5 from n2: storage inconsistent
}
