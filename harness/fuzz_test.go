package harness

import (
	"encoding/binary"
	"testing"
	"time"

	"github.com/raftsim/raftsim/faults"
	"github.com/raftsim/raftsim/sim"
)

// FuzzWorld lets the fuzzer's input bytes choose the world: the first 8
// bytes are the seed, and every following 4 bytes one fault step (its kind,
// node, time and duration). Coverage guidance then steers toward fault
// schedules that reach new code in the core, the disk store and the
// harness. Every world must pass: no invariant broken, linearizable, live.
//
//	go test ./harness -run '^$' -fuzz FuzzWorld -fuzztime 1m
//
// A failure is printed with its plan; save it as a failure file to keep it.
func FuzzWorld(f *testing.F) {
	f.Add([]byte{1, 0, 0, 0, 0, 0, 0, 0})
	f.Add([]byte{7, 0, 0, 0, 0, 0, 0, 0, 0, 1, 10, 5, 4, 0, 30, 0, 1, 2, 40, 3})
	f.Add([]byte{42, 0, 0, 0, 0, 0, 0, 0, 2, 0, 5, 20, 6, 3, 25, 9, 3, 1, 50, 0, 7, 2, 60, 8})
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, seed := worldFromBytes(data)
		if err := cfg.Validate(); err != nil {
			return // outside the survivable budget: not a world Raft promises anything about
		}
		res, err := Run(cfg, seed)
		if err != nil {
			t.Fatalf("run: %v", err)
		}
		if res.Failure != nil {
			t.Fatalf("seed %v, plan:\n%v\nfailure: %v", seed, cfg.Plan, res.Failure)
		}
	})
}

// fuzzKinds are the fault kinds the fuzzer may place, all within the
// survivable budget.
var fuzzKinds = []faults.Kind{
	faults.Crash, faults.Restart, faults.Pause, faults.Resume, faults.Isolate, faults.Heal,
	faults.Split, faults.ClockJump, faults.TransferLeader, faults.Link,
}

// worldFromBytes decodes a fuzz input into a short 3-node world.
func worldFromBytes(data []byte) (Config, sim.Seed) {
	var seedBytes [8]byte
	copy(seedBytes[:], data)
	seed := sim.Seed(binary.LittleEndian.Uint64(seedBytes[:]))
	cfg := DefaultConfig()
	cfg.Crashes = Crashes{}
	cfg.Duration = 2 * time.Second
	cfg.Disk.PowerCut = true
	const maxSteps = 32
	for rest := data[min(8, len(data)):]; len(rest) >= 4 && len(cfg.Plan.Steps) < maxSteps; rest = rest[4:] {
		cfg.Plan.Steps = append(cfg.Plan.Steps, stepFromBytes(rest[:4], cfg.Nodes))
	}
	sortSteps(cfg.Plan.Steps)
	return cfg, seed
}

// stepFromBytes makes one step: kind, node (or the leader), time in 20ms
// units, duration in 20ms units.
func stepFromBytes(b []byte, nodes int) faults.Step {
	kind := fuzzKinds[int(b[0])%len(fuzzKinds)]
	node := faults.NodeRef(1 + int(b[1])%nodes)
	if b[1]%5 == 4 {
		node = faults.Leader
	}
	s := faults.Step{At: time.Duration(1+int(b[2])%100) * 20 * time.Millisecond, Kind: kind}
	dur := time.Duration(1+int(b[3])%25) * 20 * time.Millisecond
	switch kind {
	case faults.Crash, faults.Pause:
		s.Node, s.For = node, dur
	case faults.Restart, faults.Resume:
		if node == faults.Leader {
			node = faults.AllNodes
		}
		s.Node = node
	case faults.Isolate:
		s.Node = node
	case faults.Split:
		s.Nodes = []int{1 + int(b[1])%nodes}
	case faults.ClockJump:
		s.Node, s.Offset = node, dur
	case faults.TransferLeader:
		s.Node = faults.AnyVoter
	case faults.Link:
		s.Loss = sim.Ratio{Num: uint32(b[3]) % 40, Den: 100}
	}
	return s
}

// sortSteps orders steps by time, keeping the input order of ties.
func sortSteps(steps []faults.Step) {
	for i := 1; i < len(steps); i++ {
		for j := i; j > 0 && steps[j].At < steps[j-1].At; j-- {
			steps[j], steps[j-1] = steps[j-1], steps[j]
		}
	}
}
