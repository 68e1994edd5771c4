package checker_test

import (
	"fmt"

	"github.com/raftsim/raftsim/checker"
	"github.com/raftsim/raftsim/raft"
)

// A storage wrapper and a host feed the Watch; here two nodes end up
// holding different entries at 1/1, which log matching forbids.
func ExampleWatch() {
	w := checker.NewWatch()
	for id := raft.NodeID(1); id <= 2; id++ {
		_ = w.Started(raft.Status{ID: id, Pristine: true}) // after raft.NewNode
		_ = w.SavedHardState(id, raft.HardState{CurrentTerm: 1, VotedFor: 1})
	}
	hash := func(s string) uint64 { return checker.HashBytes([]byte(s)) }
	put := raft.Entry[string]{Term: 1, Index: 1, Kind: raft.EntryNormal, Data: "put x=1"}
	if v := w.Appended(1, checker.RefOf(&put, hash)); v == nil {
		fmt.Println("n1 appends 1/1")
	}

	other := raft.Entry[string]{Term: 1, Index: 1, Kind: raft.EntryNormal, Data: "put x=2"}
	if v := w.Replicated(2, []checker.EntryRef{checker.RefOf(&other, hash)}); v != nil {
		fmt.Println(v)
	}
	// Output:
	// n1 appends 1/1
	// log-matching: n1 and n2 hold 1/1 with different histories
}
