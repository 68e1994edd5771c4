package cli

import (
	"fmt"
	"runtime"
	"runtime/metrics"
	"sync"
	"time"

	"github.com/raftsim/raftsim/harness"
	"github.com/raftsim/raftsim/scenarios"
	"github.com/raftsim/raftsim/sim"
)

// The scaling measurement of `raftsim bench` (issue 18): the CPU cost of a
// virtual second as runs grow longer and clusters larger. A cost that grows
// with the run's length (a restart replaying the whole log, a check
// remembering every entry) shows as a ratio above 1 at 600 s or an hour;
// one that grows faster than the cluster, as a cost per node-second above
// 1 at 9 nodes.

// scalePoint is one measured configuration: a run length and a cluster
// size, run over enough seeds that the point holds at least a minimum of
// virtual time.
type scalePoint struct {
	duration time.Duration
	nodes    int
}

// scalePoints are the lengths at 3 nodes, then the sizes at 10 s; quick
// leaves out the hour.
func scalePoints(quick bool) []scalePoint {
	ds := []time.Duration{10 * time.Second, time.Minute, 10 * time.Minute, time.Hour}
	if quick {
		ds = ds[:3]
	}
	var ps []scalePoint
	for _, d := range ds {
		ps = append(ps, scalePoint{d, 3})
	}
	for _, n := range []int{5, 7, 9} {
		ps = append(ps, scalePoint{10 * time.Second, n})
	}
	return ps
}

// scaleVirtual is the virtual time each point runs at least (over seeds
// 1, 2, ...), so that the short points are not single noisy runs.
func scaleVirtual(quick bool) time.Duration {
	if quick {
		return time.Minute
	}
	return 10 * time.Minute
}

// scaleResult is what one point measured.
type scaleResult struct {
	cpu, virtual time.Duration
	peakHeap     uint64
	allocated    uint64 // bytes allocated by the runs: a cost the machine's load does not move
}

func (r scaleResult) perVirtualSecond() float64 { return r.cpu.Seconds() / r.virtual.Seconds() }

// benchScaling runs the default scenario at each point and reports the CPU
// seconds per virtual second as ratios to the 10 s, 3-node point.
func benchScaling(o benchOptions) benchSection {
	min := scaleVirtual(o.quick)
	s := benchSection{Name: "(c) cost per virtual second by length and cluster size",
		How: fmt.Sprintf("the default scenario with its clients pausing up to 1 s between commands, as in hour-soak (crashes every ~2s, "+
			"compaction every %d entries, every check on, the end-of-run "+
			"linearizability check included) with its chaos phase set to each length (3 nodes) and its cluster to each size (10 s); "+
			"each point runs seeds 1, 2, ... until it holds at least %v of virtual time, one at a time; cost is process CPU-s "+
			"per virtual second (GC included), after one unmeasured warm-up run, and bytes allocated per virtual second "+
			"(which the machine's load does not move), each as a ratio to the 10 s, 3-node point; per node-second divides by nodes/3 too; "+
			"peak heap is the most heap objects (runtime/metrics, sampled every 10ms of wall time, the check included) of one run",
			compactionOf(o), min),
		Goal: "bytes allocated per virtual second within 1.3x from 10 s to an hour (judged); cost per node-second flat from 3 to 9 nodes (read the figures)"}
	// A warm-up run, unmeasured: the first run of a process pays for
	// growing the heap, and would make the base point dearer than it is.
	if _, problem := measurePoint(scalePoint{10 * time.Second, 3}, time.Second, o.compaction); problem != "" {
		s.Problem = "warm-up: " + problem
		return s
	}
	var base, allocBase float64
	var worstLength float64
	for _, p := range scalePoints(o.quick) {
		r, problem := measurePoint(p, min, o.compaction)
		if problem != "" {
			s.Problem = fmt.Sprintf("%v, %d nodes: %s", p.duration, p.nodes, problem)
			return s
		}
		per := r.perVirtualSecond()
		alloc := float64(r.allocated) / r.virtual.Seconds()
		if base == 0 {
			base, allocBase = per, alloc
		}
		label := fmt.Sprintf("%v, %d nodes", p.duration, p.nodes)
		s.Figures = append(s.Figures,
			benchFigure{Name: label + ": CPU-ms per virtual s", Value: per * 1000, Unit: "ms"},
			benchFigure{Name: label + ": ratio", Value: per / base, Unit: "x"},
			benchFigure{Name: label + ": KiB allocated per virtual s", Value: alloc / 1024, Unit: "KiB"},
			benchFigure{Name: label + ": allocation ratio", Value: alloc / allocBase, Unit: "x"})
		if p.nodes == 3 {
			worstLength = max(worstLength, alloc/allocBase) // judged by allocation: load moves CPU time
		} else {
			s.Figures = append(s.Figures,
				benchFigure{Name: label + ": ratio per node-second", Value: per / base * 3 / float64(p.nodes), Unit: "x"},
				benchFigure{Name: label + ": allocation ratio per node-second", Value: alloc / allocBase * 3 / float64(p.nodes), Unit: "x"})
		}
		s.Figures = append(s.Figures, benchFigure{Name: label + ": peak heap", Value: float64(r.peakHeap) / mib, Unit: "MiB"})
	}
	met := worstLength <= 1.3
	s.GoalMet = &met
	return s
}

// compactionOf is the compaction threshold section (c) runs with.
func compactionOf(o benchOptions) uint64 {
	if o.compaction > 0 {
		return o.compaction
	}
	return scenarios.Default().Config(1, false).Raft.SnapshotThreshold
}

// measurePoint runs seeds of the default scenario at p until min of
// virtual time has passed; compaction, when not 0, replaces the
// scenario's compaction threshold.
func measurePoint(p scalePoint, min time.Duration, compaction uint64) (scaleResult, string) {
	var r scaleResult
	for seed := sim.Seed(1); r.virtual < min; seed++ {
		cfg := scenarios.Default().Config(seed, false)
		cfg.Duration, cfg.Nodes = p.duration, p.nodes
		// The hour-soak's clients: the default ones (no pause) make an
		// hour's history half a million operations, which porcupine does
		// not decide in its time (and which takes gigabytes).
		cfg.Workload.ThinkMax = time.Second
		if compaction > 0 {
			cfg.Raft.SnapshotThreshold = compaction
		}
		runtime.GC()
		stop := sampleHeap()
		cpu, alloc := processCPU(), allocatedBytes()
		res, err := harness.Run(cfg, seed)
		r.cpu += processCPU() - cpu
		r.allocated += allocatedBytes() - alloc
		r.peakHeap = max(r.peakHeap, stop())
		if problem := runProblem(res, err); problem != "" {
			return r, fmt.Sprintf("raftsim run --seed %v --duration %v --nodes %d: %s", seed, p.duration, p.nodes, problem)
		}
		r.virtual += time.Duration(res.Stats.VirtualTime)
	}
	return r, ""
}

// allocatedBytes is the bytes the process has allocated so far.
func allocatedBytes() uint64 {
	sample := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	metrics.Read(sample)
	if sample[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return sample[0].Value.Uint64()
}

// sampleHeap samples the bytes of heap objects every 10ms on a goroutine
// of its own (outside the world, which it never touches) until the
// returned function stops it and returns the peak.
func sampleHeap() func() uint64 {
	const name = "/memory/classes/heap/objects:bytes"
	sample := []metrics.Sample{{Name: name}}
	var peak uint64
	read := func() {
		metrics.Read(sample)
		if sample[0].Value.Kind() == metrics.KindUint64 {
			peak = max(peak, sample[0].Value.Uint64())
		}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				read()
			}
		}
	})
	return func() uint64 {
		close(done)
		wg.Wait()
		read()
		return peak
	}
}
