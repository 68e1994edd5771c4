package harness

import (
	"testing"
	"time"

	"github.com/raftsim/raftsim/sim"
)

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
