package cli

import (
	"fmt"
	"github.com/raftsim/raftsim/campaign"
	"io"
	"runtime"
	"slices"

	"github.com/raftsim/raftsim/harness"
	"github.com/raftsim/raftsim/scenarios"
)

// The memory measurements of `raftsim bench`. Heap in use is
// runtime.MemStats.HeapInuse right after a forced collection: the live
// heap, in whole spans.

const mib = 1 << 20

// liveHeap collects the heap and returns the bytes of spans in use.
func liveHeap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// benchNodeMemory runs the default scenario with 3 and with 7 nodes and
// samples the live heap while each world runs.
func benchNodeMemory(o benchOptions) benchSection {
	s := benchSection{Name: "memory per node",
		How: "the default scenario, seed 1, full length, with 3 and with 7 nodes; the live heap (HeapInuse after a forced collection) " +
			"sampled every 4096 steps while the world runs, through harness.Options.Stop; its peak above the heap before the run, " +
			"divided by the nodes (a world's clients, history and checkers included); the marginal cost is (peak7 - peak3) / 4"}
	peaks := map[int]uint64{}
	for _, n := range []int{3, 7} {
		peak, problem := worldPeakHeap(n)
		if problem != "" {
			s.Problem = fmt.Sprintf("%d nodes: %s", n, problem)
			return s
		}
		peaks[n] = peak
		s.Figures = append(s.Figures,
			benchFigure{Name: fmt.Sprintf("%d-node world, peak", n), Value: float64(peak) / mib, Unit: "MiB"},
			benchFigure{Name: fmt.Sprintf("%d-node world, per node", n), Value: float64(peak) / float64(n) / 1024, Unit: "KiB"})
	}
	marginal := (float64(peaks[7]) - float64(peaks[3])) / 4
	s.Figures = append(s.Figures, benchFigure{Name: "marginal per node (7 vs 3)", Value: marginal / 1024, Unit: "KiB"})
	return s
}

// worldPeakHeap is the peak live heap of an n-node default world above
// the heap before it started.
func worldPeakHeap(n int) (uint64, string) {
	cfg := scenarios.Default().Config(1, false)
	cfg.Nodes = n
	base := liveHeap()
	var peak uint64
	sample := func() bool {
		peak = max(peak, liveHeap())
		return false
	}
	res, err := harness.RunWith(cfg, 1, harness.Options{Stop: sample})
	if problem := runProblem(res, err); problem != "" {
		return 0, problem
	}
	if peak < base {
		return 0, ""
	}
	return peak - base, ""
}

// heapSample is the live heap after a number of campaign seeds.
type heapSample struct {
	Seeds      int    `json:"seeds"`
	HeapInuse  uint64 `json:"heapInuse"`
	Goroutines int    `json:"goroutines"`
}

// benchCampaignMemory runs a campaign through the fuzz command's own
// runner and collector and samples the live heap as seeds finish: a
// campaign keeps counts and one entry per failure signature, never per
// seed, so the heap must not grow with the seeds.
func benchCampaignMemory(o benchOptions) benchSection {
	n := o.sizes.CampaignSeeds
	every := max(1, n/50)
	s := benchSection{Name: "memory over a campaign",
		How: fmt.Sprintf("raftsim fuzz's runner and collector on campaign seed 1, --scenario all --short, %d seeds, %d worker(s), no failure files; "+
			"the seeds run in chunks of %d, each chunk on a runner of its own starting where the last stopped, and the live heap "+
			"(HeapInuse after a forced collection) is sampled between chunks, when no world is running; the slope is a least-squares fit over the samples", n, o.workers, every),
		Goal: "flat: the fitted line rises less than max(1 MiB, 10% of the first sample) over the campaign"}
	samples, c := sampleCampaign(o.workers, n, every)
	if len(samples) < 2 {
		s.Skipped = fmt.Sprintf("%d seeds give fewer than two samples", n)
		return s
	}
	heaps := make([]float64, len(samples))
	for i, h := range samples {
		heaps[i] = float64(h.HeapInuse)
	}
	slope := fitSlope(samples) // bytes per seed
	first, last := samples[0], samples[len(samples)-1]
	rise := slope * float64(last.Seeds-first.Seeds)
	s.Figures = []benchFigure{
		{Name: fmt.Sprintf("heap after %d seeds (first)", first.Seeds), Value: float64(first.HeapInuse) / mib, Unit: "MiB"},
		{Name: fmt.Sprintf("heap after %d seeds (last)", last.Seeds), Value: float64(last.HeapInuse) / mib, Unit: "MiB"},
		{Name: "heap, max sample", Value: slices.Max(heaps) / mib, Unit: "MiB"},
		{Name: "slope", Value: slope * 1000 / 1024, Unit: "KiB/1000 seeds"},
		{Name: "goroutines, first sample", Value: float64(first.Goroutines), Unit: "goroutines"},
		{Name: "goroutines, last sample", Value: float64(last.Goroutines), Unit: "goroutines"},
		{Name: "seeds failed", Value: float64(c.rec.Summary.Failed), Unit: "seeds"},
	}
	flat := rise < max(mib, 0.1*float64(first.HeapInuse))
	s.GoalMet = &flat
	switch {
	case !flat:
		s.Problem = fmt.Sprintf("the heap grows: %.0f KiB per 1000 seeds", slope*1000/1024)
	case c.rec.Summary.Failed > 0:
		f := c.rec.Summary.Failures[0]
		s.Problem = fmt.Sprintf("the correct core failed %d seeds; first %s: %s", c.rec.Summary.Failed, f.Signature, f.First.Reproduce)
	}
	return s
}

// sampleCampaign runs the campaign in chunks of every seeds, each on a
// runner of its own that starts where the last one stopped, and samples
// the heap between chunks, when no world is running: what is left then is
// what the campaign keeps.
func sampleCampaign(workers, seeds, every int) ([]heapSample, *collector) {
	spec := campaign.Spec{Seed: 1, Scenarios: scenarios.All(), Short: true, Workers: workers}
	c := &collector{opts: &fuzzOptions{spec: spec}, rec: campaign.NewRecorder(spec, ""),
		prog: &progress{w: io.Discard, mode: progressNone}}
	var samples []heapSample
	for done := 0; done < seeds; done += every {
		chunk := spec
		chunk.Seeds, chunk.Skip = min(done+every, seeds), uint64(done)
		r, err := campaign.Start(chunk)
		if err != nil {
			panic(fmt.Sprintf("raftsim bench: the memory campaign's spec: %v", err))
		}
		for out := range r.Outcomes() {
			c.record(out)
		}
		samples = append(samples, heapSample{Seeds: c.rec.Summary.Seeds, HeapInuse: liveHeap(), Goroutines: runtime.NumGoroutine()})
	}
	return samples, c
}

// fitSlope is the least-squares slope of the heap over seeds.
func fitSlope(samples []heapSample) float64 {
	var sx, sy, sxx, sxy float64
	n := float64(len(samples))
	for _, s := range samples {
		x, y := float64(s.Seeds), float64(s.HeapInuse)
		sx, sy, sxx, sxy = sx+x, sy+y, sxx+x*x, sxy+x*y
	}
	d := n*sxx - sx*sx
	if d == 0 {
		return 0
	}
	return (n*sxy - sx*sy) / d
}
