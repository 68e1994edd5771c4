package bench

import (
	"bytes"
	"flag"
	"testing"
	"time"

	"github.com/raftsim/raftsim/sim"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// benchCommands is where each benchmark run stops: workload (a)'s 100,000
// unless told (go test -bench . -args -commands 20000).
var benchCommands = flag.Int("commands", 100_000, "commands per benchmark run")

// reportRates reports what the harness's BenchmarkThroughput reports, so
// the figures read alike.
func reportRates(b *testing.B, events, cmds uint64, virt time.Duration) {
	sec := b.Elapsed().Seconds()
	b.ReportMetric(float64(events)/sec, "events/s")
	b.ReportMetric(float64(cmds)/sec, "cmds/s")
	b.ReportMetric(virt.Seconds()/sec, "vsec/s")
}

// BenchmarkRaftsim is raftsim's workload (a): the same as the harness's
// BenchmarkThroughput, from this module.
func BenchmarkRaftsim(b *testing.B) {
	cfg := RaftsimConfig(*benchCommands)
	var events, cmds uint64
	var virt time.Duration
	for i := 0; b.Loop(); i++ {
		m, err := runRaftsim(cfg, sim.Seed(i+1))
		if err != nil {
			b.Fatal(err)
		}
		events, cmds, virt = events+m.Events, cmds+uint64(m.Commands), virt+m.Virtual
	}
	reportRates(b, events, cmds, virt)
}

func benchmarkEtcd(b *testing.B, clientEvents bool) {
	cfg := EtcdConfig(*benchCommands)
	cfg.ClientEvents = clientEvents
	var events, cmds uint64
	var virt time.Duration
	for i := 0; b.Loop(); i++ {
		m, err := runEtcd(cfg, sim.Seed(i+1))
		if err != nil {
			b.Fatal(err)
		}
		events, cmds, virt = events+m.Events, cmds+uint64(m.Commands), virt+m.Virtual
	}
	reportRates(b, events, cmds, virt)
}

// BenchmarkEtcd is the etcd-raft loop on workload (a), minimal clients.
func BenchmarkEtcd(b *testing.B) { benchmarkEtcd(b, false) }

// BenchmarkEtcdClientEvents is the etcd-raft loop with raftsim's client
// events (see etcdloop.Config.ClientEvents).
func BenchmarkEtcdClientEvents(b *testing.B) { benchmarkEtcd(b, true) }

// BenchmarkCompare runs one interleaved round per iteration and reports the
// ratios raftsim/etcd-raft: the figure to read is ratio-cmds (raftsim's
// commands/s over etcd-raft's; at least 1 is issue 9's goal).
func BenchmarkCompare(b *testing.B) {
	var runs []Measurement
	for i := 0; b.Loop(); i++ {
		rep, err := Compare(Options{Rounds: 1, Commands: *benchCommands, Seed: sim.Seed(i + 1), ClientEvents: true}, nil)
		if err != nil {
			b.Fatal(err)
		}
		for _, m := range rep.Runs {
			m.Round = i
			runs = append(runs, m)
		}
	}
	rep := Report{Runs: runs}
	b.ReportMetric(rep.Summarize(SideRaftsim, Measurement.CmdsPerSec).Median, "raftsim-cmds/s")
	b.ReportMetric(rep.Summarize(SideEtcd, Measurement.CmdsPerSec).Median, "etcd-cmds/s")
	b.ReportMetric(rep.Ratio(SideRaftsim, SideEtcd, Measurement.CmdsPerSec).Median, "ratio-cmds")
	b.ReportMetric(rep.Ratio(SideRaftsim, SideEtcd, Measurement.EventsPerSec).Median, "ratio-events")
	b.ReportMetric(rep.Ratio(SideRaftsim, SideEtcd, Measurement.CmdsPerCPUSec).Median, "ratio-cmds-cpu")
	b.ReportMetric(rep.Ratio(SideRaftsim, SideEtcdClients, Measurement.CmdsPerSec).Median, "ratio-cmds-client-events")
}

// TestCompareSmall runs a short comparison end to end and checks the table.
func TestCompareSmall(t *testing.T) {
	var progress, table bytes.Buffer
	rep, err := Compare(Options{Rounds: 2, Commands: 2_000, Seed: 1, ClientEvents: true}, &progress)
	require.NoError(t, err)
	require.Len(t, rep.Runs, 6)
	assert.Equal(t, []string{SideRaftsim, SideEtcd, SideEtcdClients}, rep.Sides())
	// Round 2 runs the sides in reverse order.
	assert.Equal(t, SideEtcdClients, rep.Runs[3].Side)
	for _, m := range rep.Runs {
		assert.Equal(t, 2_000, m.Commands, m.Side)
		assert.Greater(t, m.Events, uint64(m.Commands), m.Side)
		assert.Positive(t, m.Wall, m.Side)
		assert.Equal(t, sim.Seed(1+m.Round), m.Seed, m.Side)
	}
	require.NoError(t, rep.WriteTable(&table))
	for _, want := range []string{"events/s", "cmds/s", "vsec/s", "raftsim / etcd-raft ", "raftsim / etcd-raft+client-events"} {
		assert.Contains(t, table.String(), want)
	}
	assert.Contains(t, progress.String(), "round 2")
	t.Log("\n" + table.String())
}

func TestOptionsValidate(t *testing.T) {
	require.NoError(t, Options{Rounds: 3, Commands: 100_000}.Validate())
	assert.Error(t, Options{Rounds: 0, Commands: 1}.Validate())
	assert.Error(t, Options{Rounds: 1, Commands: 0}.Validate())
}

func TestSummaries(t *testing.T) {
	assert.Equal(t, Summary{Median: 2, Min: 1, Max: 9, N: 3}, summarize([]float64{9, 1, 2}))
	assert.Equal(t, Summary{Median: 2.5, Min: 1, Max: 9, N: 4}, summarize([]float64{9, 1, 2, 3}))
	assert.Equal(t, "1,234,568", thousands(1234567.8))
	assert.Equal(t, "999", thousands(999))
	rep := Report{Runs: []Measurement{
		{Side: "a", Round: 0, Commands: 10, Wall: time.Second},
		{Side: "b", Round: 0, Commands: 20, Wall: time.Second},
		{Side: "a", Round: 1, Commands: 30, Wall: time.Second},
		{Side: "b", Round: 1, Commands: 30, Wall: time.Second},
	}}
	r := rep.Ratio("a", "b", Measurement.CmdsPerSec)
	assert.Equal(t, 0.75, r.Median)
	assert.Equal(t, 0.5, r.Min)
	assert.Equal(t, 1.0, r.Max)
}
