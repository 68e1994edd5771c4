package harness

import (
	"testing"
	"time"

	"github.com/raftsim/raftsim/sim"
)

// ThroughputConfig is the no-fault workload of docs/performance.md: three
// nodes, 1ms one-way latency, no disk latency, 16 closed-loop clients
// writing without pause, until 100,000 commands completed.
func ThroughputConfig() Config {
	cfg := DefaultConfig()
	cfg.Network = sim.ReliableLink(sim.FixedDist(time.Millisecond))
	cfg.Crashes = Crashes{}
	cfg.Storage = StorageMemory // zero disk latency: the reference store
	cfg.Workload = Workload{Clients: 16, Keys: 1000, Mix: Mix{Put: 1}, Timeout: time.Second}
	cfg.Duration = time.Hour
	cfg.StopAfterCommands = 100_000
	cfg.MaxSteps = 100_000_000
	cfg.CheckLinearizability = false
	return cfg
}

func BenchmarkThroughput(b *testing.B) {
	cfg := ThroughputConfig()
	var steps, cmds uint64
	var virt sim.Time
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, err := Run(cfg, sim.Seed(i+1))
		if err != nil || !res.Passed() {
			b.Fatalf("run failed: %v %v", err, res.Failure)
		}
		steps += res.Stats.Steps
		cmds += uint64(res.Stats.OpsCompleted)
		virt += res.Stats.VirtualTime
	}
	sec := b.Elapsed().Seconds()
	b.ReportMetric(float64(steps)/sec, "events/s")
	b.ReportMetric(float64(cmds)/sec, "cmds/s")
	b.ReportMetric(time.Duration(virt).Seconds()/sec, "vsec/s")
}
