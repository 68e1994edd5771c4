package memstore

import (
	"testing"

	"github.com/raftsim/raftsim/raft"
)

// nopSM is a state machine that costs nothing, so the benchmarks measure the
// store alone.
type nopSM struct{ n int }

func (m *nopSM) Apply(raft.Index, string) int { m.n++; return m.n }
func (m *nopSM) Snapshot() ([]byte, error)    { return []byte("x"), nil }
func (m *nopSM) Restore([]byte) error         { return nil }

// BenchmarkLeaderPath is one command's way through a leader's store: append,
// read back for replication, apply; with a compaction every 1000 commands,
// keeping a window of 100.
func BenchmarkLeaderPath(b *testing.B) {
	s := New[string, int](1, &nopSM{})
	b.ReportAllocs()
	for i := range b.N {
		idx := raft.Index(i + 1)
		e := normal(1, idx, "cmd")
		if err := s.AppendEntryToLog(&e); err != nil {
			b.Fatal(err)
		}
		es, err := s.GetLogEntries(idx, idx+1)
		if err != nil || len(es) != 1 {
			b.Fatal(err, es)
		}
		if _, err := s.ApplyEntryToStateMachine(&es[0]); err != nil {
			b.Fatal(err)
		}
		if idx%1000 == 0 {
			if _, err := s.DoLogCompaction(idx - 100); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkFollowerPath is a follower's: replicate a batch of 8, apply it.
func BenchmarkFollowerPath(b *testing.B) {
	s := New[string, int](1, &nopSM{})
	batch := make([]raft.Entry[string], 8)
	b.ReportAllocs()
	for i := range b.N {
		first := raft.Index(8*i + 1)
		for k := range batch {
			batch[k] = normal(1, first+raft.Index(k), "cmd")
		}
		if err := s.ReplicateToLog(batch); err != nil {
			b.Fatal(err)
		}
		if err := s.ReplicateToStateMachine(batch); err != nil {
			b.Fatal(err)
		}
		if i%125 == 0 && i > 0 {
			if _, err := s.DoLogCompaction(first - 100); err != nil {
				b.Fatal(err)
			}
		}
	}
}
