package memstore_test

import (
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/raftsim/raftsim/raft"
	"github.com/raftsim/raftsim/storage/memstore"
)

// tally is a tiny state machine: it adds each command to a sum and answers
// with the new sum.
type tally struct{ sum int }

func (t *tally) Apply(_ raft.Index, n int) int { t.sum += n; return t.sum }
func (t *tally) Snapshot() ([]byte, error)     { return strconv.AppendInt(nil, int64(t.sum), 10), nil }
func (t *tally) Restore(b []byte) (err error)  { t.sum, err = strconv.Atoi(string(b)); return err }

func Example() {
	// The leader appends, applies once committed, and compacts.
	leader := memstore.New[int, int](1, &tally{})
	m := raft.NewMembership(1, 2)
	entries := []raft.Entry[int]{
		{Term: 1, Index: 1, Kind: raft.EntryConfigChange, Membership: &m},
		{Term: 1, Index: 2, Kind: raft.EntryNormal, Data: 5},
		{Term: 1, Index: 3, Kind: raft.EntryNormal, Data: 7},
	}
	for k := range entries {
		must(leader.AppendEntryToLog(&entries[k]))
	}
	for k := range entries {
		sum, err := leader.ApplyEntryToStateMachine(&entries[k])
		must(err)
		fmt.Printf("applied %v: sum %d\n", entries[k], sum)
	}
	snap, err := leader.DoLogCompaction(3)
	must(err)
	log, err := leader.GetLogEntries(0, 10)
	must(err)
	fmt.Println("leader log:", log)

	// Applying an entry twice is a caller bug, reported, never hidden.
	_, err = leader.ApplyEntryToStateMachine(&entries[2])
	fmt.Println(errors.Is(err, raft.ErrInconsistent), err)

	// A follower receives the snapshot as a stream and installs it.
	followerSM := &tally{}
	follower := memstore.New[int, int](2, followerSM)
	id, h, err := follower.CreateSnapshot()
	must(err)
	_, err = io.Copy(h, snap.Snapshot)
	must(err)
	must(h.Close())
	must(follower.FinalizeSnapshotInstallation(snap.Index, snap.Term, nil, id, h))
	st, err := follower.GetInitialState()
	must(err)
	fmt.Printf("follower: sum %d, last %d/%d, applied %d, membership %v\n",
		followerSM.sum, st.LastLogTerm, st.LastLogIndex, st.LastAppliedLog, st.Membership)

	// Output:
	// applied 1/1 config {n1,n2}: sum 0
	// applied 1/2 5: sum 5
	// applied 1/3 7: sum 12
	// leader log: [1/3 snapshot snap-1-3-1 {n1,n2}]
	// true memstore: n1: apply 3: already applied (next to apply is 4): storage inconsistent
	// follower: sum 12, last 1/3, applied 3, membership {n1,n2}
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}
