package simdisk

import (
	"testing"
	"time"

	"github.com/raftsim/raftsim/raft"
	"github.com/raftsim/raftsim/sim"
)

// nopSM costs nothing, so the benchmarks measure the store.
type nopSM struct{ n int }

func (m *nopSM) Apply(raft.Index, string) int { m.n++; return m.n }
func (m *nopSM) Snapshot() ([]byte, error)    { return []byte("x"), nil }
func (m *nopSM) Restore([]byte) error         { return nil }

// benchDevices are the media the benchmarks run on: the simulated disk
// (default configuration, its own timeline) and real files in a
// temporary directory.
func benchDevices(b *testing.B) map[string]func() (Device, *Disk) {
	return map[string]func() (Device, *Disk){
		"sim": func() (Device, *Disk) {
			d, err := NewDisk(DefaultConfig(), sim.NewRand(1), nil)
			if err != nil {
				b.Fatal(err)
			}
			return d, d
		},
		"os": func() (Device, *Disk) {
			d, err := NewOSDevice(b.TempDir())
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { _ = d.Close() })
			return d, nil
		},
	}
}

// benchCommand is a typical small command: 100 bytes.
var benchCommand = string(fill('c', 100))

// BenchmarkStoreAppend is the leader's path: one entry of a 100-byte
// command per AppendEntryToLog, each durable (written, synced, read back)
// when it returns; a compaction every 10,000 keeps the log bounded. The
// bytes are the commands'. On the simulated disk, virtual-µs/op is the
// virtual time the disk spent per append (DefaultConfig latencies).
func BenchmarkStoreAppend(b *testing.B) {
	for _, name := range []string{"sim", "os"} {
		b.Run(name, func(b *testing.B) {
			dev, disk := benchDevices(b)[name]()
			s, err := Open[string, int](dev, 1, &nopSM{}, stringCodec{}, Options{})
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(benchCommand)))
			b.ReportAllocs()
			for i := range b.N {
				e := normal(1, raft.Index(i+1), benchCommand)
				if err := s.AppendEntryToLog(&e); err != nil {
					b.Fatal(err)
				}
				if (i+1)%10000 == 0 {
					compact(b, s, raft.Index(i+1))
				}
			}
			reportVirtual(b, disk)
		})
	}
}

// BenchmarkStoreReplicate is the follower's path: batches of 64 entries
// of 100-byte commands per ReplicateToLog, one durable write each. An op
// is one entry.
func BenchmarkStoreReplicate(b *testing.B) {
	const batchSize = 64
	for _, name := range []string{"sim", "os"} {
		b.Run(name, func(b *testing.B) {
			dev, disk := benchDevices(b)[name]()
			s, err := Open[string, int](dev, 1, &nopSM{}, stringCodec{}, Options{})
			if err != nil {
				b.Fatal(err)
			}
			batch := make([]raft.Entry[string], batchSize)
			b.SetBytes(int64(len(benchCommand)))
			b.ReportAllocs()
			for first := 1; first <= b.N; first += batchSize {
				n := min(batchSize, b.N-first+1)
				for k := range n {
					batch[k] = normal(1, raft.Index(first+k), benchCommand)
				}
				if err := s.ReplicateToLog(batch[:n]); err != nil {
					b.Fatal(err)
				}
				if first/batchSize%200 == 199 {
					compact(b, s, raft.Index(first+n-1))
				}
			}
			reportVirtual(b, disk)
		})
	}
}

// compact applies through i and compacts there.
func compact(b *testing.B, s *Store[string, int], i raft.Index) {
	es, err := s.GetLogEntries(s.lastApplied+1, i+1)
	if err == nil {
		err = s.ReplicateToStateMachine(es)
	}
	if err == nil {
		_, err = s.DoLogCompaction(i)
	}
	if err != nil {
		b.Fatal(err)
	}
}

func reportVirtual(b *testing.B, disk *Disk) {
	if disk != nil && b.N > 0 {
		b.ReportMetric(float64(time.Duration(disk.DurableAt()).Microseconds())/float64(b.N), "virtual-µs/op")
	}
}
