package scenarios

import (
	"testing"
	"time"

	"github.com/raftsim/raftsim/harness"
	"github.com/raftsim/raftsim/sim"
)

// BenchmarkChaos runs seeds of the default scenario (issue 9's chaos
// workload (b)) full length with every check on, one seed per iteration,
// and reports virtual seconds per wall second and events per second. For
// profiles: go test ./scenarios/ -run XXX -bench Chaos -cpuprofile cpu.out
func BenchmarkChaos(b *testing.B) {
	s := Default()
	var virtual time.Duration
	var events uint64
	start := time.Now()
	for i := 0; i < b.N; i++ {
		seed := sim.Seed(i + 1)
		res, err := harness.Run(s.Config(seed, false), seed)
		if err != nil {
			b.Fatal(err)
		}
		if res.Failure != nil {
			b.Fatalf("seed %d: %v", seed, res.Failure)
		}
		virtual += time.Duration(res.Stats.VirtualTime)
		events += res.Stats.Steps
	}
	wall := time.Since(start).Seconds()
	b.ReportMetric(virtual.Seconds()/wall, "virtual-s/s")
	b.ReportMetric(float64(events)/wall, "events/s")
}
