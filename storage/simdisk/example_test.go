package simdisk_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/raftsim/raftsim/raft"
	"github.com/raftsim/raftsim/sim"
	"github.com/raftsim/raftsim/storage/simdisk"
)

// clock is the harness's virtual time.
type clock struct{ now sim.Time }

func (c *clock) Now() sim.Time { return c.now }

// tally sums its commands (numbers as text).
type tally struct{ sum int }

func (t *tally) Apply(_ raft.Index, n string) int {
	var v int
	_, _ = fmt.Sscan(n, &v)
	t.sum += v
	return t.sum
}
func (t *tally) Snapshot() ([]byte, error) { return []byte(fmt.Sprint(t.sum)), nil }
func (t *tally) Restore(b []byte) error    { _, err := fmt.Sscan(string(b), &t.sum); return err }

type text struct{}

func (text) AppendEncode(dst []byte, d string) []byte { return append(dst, d...) }
func (text) Decode(src []byte) (string, error)        { return string(src), nil }

func Example() {
	cfg := simdisk.DefaultConfig()
	cfg.ReadLatency, cfg.WriteLatency = sim.FixedDist(50*time.Microsecond), sim.FixedDist(20*time.Microsecond)
	cfg.SyncLatency = sim.FixedDist(500 * time.Microsecond)
	now := &clock{}
	disk, err := simdisk.NewDisk(cfg, sim.Seed(42).Stream("disk/1"), now)
	must(err)
	open := func() *simdisk.Store[string, int] {
		s, err := simdisk.Open[string, int](disk, 1, &tally{}, text{}, simdisk.Options{})
		must(err)
		return s
	}
	s := open()

	// An append is durable at the disk's horizon, not at once: a node
	// holds the messages that promise it until then.
	now.now = disk.DurableAt()
	e := raft.Entry[string]{Term: 1, Index: 1, Kind: raft.EntryNormal, Data: "5"}
	must(s.AppendEntryToLog(&e))
	fmt.Println("issued at", now.now, "durable at", disk.DurableAt())

	// A crash before the horizon may lose it: nothing was promised.
	must(disk.Crash(simdisk.CrashLoseAll))
	s = open()
	st, err := s.GetInitialState()
	must(err)
	fmt.Println("after an early crash, last index", st.LastLogIndex)

	// After the horizon, it survives any crash policy.
	must(s.AppendEntryToLog(&e))
	now.now = disk.DurableAt()
	must(disk.Crash(simdisk.CrashTear))
	s = open()
	es, err := s.GetLogEntries(1, 2)
	must(err)
	fmt.Println("after a late crash:", es)

	// Corruption is detected, never returned; healing the disk (the
	// liveness phase) repairs it.
	must(disk.InjectBitFlip("wal-0000000000000001", 40, 0))
	_, err = s.GetLogEntries(1, 2)
	fmt.Println(errors.Is(err, raft.ErrCorrupt), err)
	disk.Heal()
	es, err = s.GetLogEntries(1, 2)
	must(err)
	fmt.Println("healed:", es)

	// Output:
	// issued at 0.001110s durable at 0.002200s
	// after an early crash, last index 0
	// after a late crash: [1/1 5]
	// true simdisk: n1: get entries 1..1: wal segment 1 sector 0: checksum mismatch (e72a8d05, want a280d04f): storage corrupt
	// healed: [1/1 5]
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}
