package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/raftsim/raftsim/checker"
	"github.com/raftsim/raftsim/failfile"
	"github.com/raftsim/raftsim/harness"
	"github.com/raftsim/raftsim/sim"
)

// The speed measurements of `raftsim bench`: each returns a section.

// benchThroughput runs workload (a): harness.ThroughputConfig, as the
// harness benchmark and bench/cmd/compare do, once per round.
func benchThroughput(o benchOptions) benchSection {
	s := benchSection{Name: "(a) throughput workload",
		How: fmt.Sprintf("harness.ThroughputConfig: 3 nodes, 1ms one-way latency, memory storage, 16 closed-loop clients writing, "+
			"until %d commands completed; every invariant checker on, history recorded, the linearizability check off; "+
			"median (min - max) of %d rounds, seeds 1..%d, the heap collected before each; CPU-s is the process's, every thread",
			o.sizes.Commands, o.sizes.Rounds, o.sizes.Rounds)}
	var events, cmds, virt, perCPU []float64
	for r := 1; r <= o.sizes.Rounds; r++ {
		cfg := harness.ThroughputConfig()
		cfg.StopAfterCommands = o.sizes.Commands
		res, wall, cpu, err := timedRun(cfg, sim.Seed(r))
		if problem := runProblem(res, err); problem != "" {
			s.Problem = fmt.Sprintf("seed %d: %s", r, problem)
			return s
		}
		events = append(events, float64(res.Stats.Steps)/wall.Seconds())
		cmds = append(cmds, float64(res.Stats.OpsCompleted)/wall.Seconds())
		virt = append(virt, time.Duration(res.Stats.VirtualTime).Seconds()/wall.Seconds())
		perCPU = append(perCPU, float64(res.Stats.OpsCompleted)/cpu.Seconds())
	}
	s.Figures = []benchFigure{
		roundsFigure("events/s", "events/s", events),
		roundsFigure("commands/s", "commands/s", cmds),
		roundsFigure("virtual s per wall s", "x", virt),
		roundsFigure("commands per CPU-s", "commands", perCPU),
	}
	s.Goal = "at least etcd-raft's commands/s on this workload: measured by cd bench && go run ./cmd/compare"
	return s
}

// timedRun runs one world after collecting the heap, and returns its wall
// and process CPU time.
func timedRun(cfg harness.Config, seed sim.Seed) (harness.Result, time.Duration, time.Duration, error) {
	runtime.GC()
	start, cpu := time.Now(), processCPU()
	res, err := harness.Run(cfg, seed)
	return res, time.Since(start), processCPU() - cpu, err
}

// runProblem says what went wrong with a run that should have passed.
func runProblem(res harness.Result, err error) string {
	switch {
	case err != nil:
		return err.Error()
	case res.Failure != nil:
		return "the run failed: " + res.Failure.String()
	case res.Inconclusive != "":
		return "the run is inconclusive: " + res.Inconclusive
	}
	return ""
}

// benchChaos runs seeds 1..N of a scenario, full length, on o.workers.
func benchChaos(o benchOptions) benchSection {
	sc := mustScenario(o.scenario)
	s := benchSection{Name: "(b) chaos scenario " + sc.Name,
		How: fmt.Sprintf("scenario %s (%s), seeds 1..%d, full length, its own storage, every check on (the end-of-run linearizability check included); "+
			"%d worker(s); figures are totals over the seeds divided by the wall (or process CPU) time of all of them",
			sc.Name, sc.Summary, o.sizes.ChaosSeeds, o.workers),
		Goal: "at least 1,000 virtual seconds per wall second on one core (--workers 1)"}
	var mu sync.Mutex
	var steps uint64
	var virt time.Duration
	var failed []string
	runtime.GC()
	start, cpu := time.Now(), processCPU()
	parallel(o.workers, o.sizes.ChaosSeeds, func(i int) {
		seed := sim.Seed(i + 1)
		res, err := harness.Run(sc.Config(seed, false), seed)
		mu.Lock()
		defer mu.Unlock()
		if problem := runProblem(res, err); problem != "" {
			failed = append(failed, fmt.Sprintf("raftsim run --scenario %s --seed %v: %s", sc.Name, seed, problem))
			return
		}
		steps += res.Stats.Steps
		virt += time.Duration(res.Stats.VirtualTime)
	})
	wall, cpuUsed := time.Since(start).Seconds(), (processCPU() - cpu).Seconds()
	if len(failed) > 0 {
		s.Problem = fmt.Sprintf("%d seeds failed; first: %s", len(failed), failed[0])
	}
	s.Figures = []benchFigure{
		{Name: "events/s", Value: float64(steps) / wall, Unit: "events/s"},
		{Name: "virtual s per wall s", Value: virt.Seconds() / wall, Unit: "x"},
		{Name: "virtual s per CPU-s", Value: virt.Seconds() / cpuUsed, Unit: "x"},
		{Name: "seeds per wall s", Value: float64(o.sizes.ChaosSeeds) / wall, Unit: "seeds/s"},
	}
	met := o.workers == 1 && virt.Seconds()/wall >= 1000
	if o.workers == 1 {
		s.GoalMet = &met
	}
	return s
}

// parallel calls f(0..n-1) on workers goroutines.
func parallel(workers, n int, f func(int)) {
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(workers, n) {
		wg.Go(func() {
			for i := range next {
				f(i)
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}

// benchReplay replays every failure file of o.failures, as raftsim replay
// does (read, run with per-step hashes, compare), once per round.
func benchReplay(o benchOptions) benchSection {
	s := benchSection{Name: "replay a failure",
		How: fmt.Sprintf("each failure file of %s read, run with per-step hashes and compared with what it recorded, as raftsim replay does; "+
			"median of %d rounds per file; the largest file and the slowest one", o.failures, o.sizes.Rounds),
		Goal: "a failure replayed in under 1 second"}
	files, _ := filepath.Glob(filepath.Join(o.failures, "*.json"))
	if len(files) == 0 {
		s.Skipped = fmt.Sprintf("no failure files in %s: run from the repository root or pass --failures", o.failures)
		return s
	}
	largest := slices.MaxFunc(files, func(a, b string) int { return int(fileSize(a) - fileSize(b)) })
	var slowest, largestTime float64
	slowFile := ""
	for _, path := range files {
		secs, problem := replayTime(path, o.sizes.Rounds)
		if problem != "" {
			s.Problem = problem
			return s
		}
		if secs > slowest {
			slowest, slowFile = secs, path
		}
		if path == largest {
			largestTime = secs
		}
	}
	s.Figures = []benchFigure{
		{Name: "largest: " + filepath.Base(largest), Value: largestTime * 1000, Unit: "ms"},
		{Name: "slowest: " + filepath.Base(slowFile), Value: slowest * 1000, Unit: "ms"},
		{Name: "files replayed", Value: float64(len(files)), Unit: "files"},
	}
	met := slowest < 1
	s.GoalMet = &met
	return s
}

func fileSize(path string) int64 {
	st, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return st.Size()
}

// replayTime is the median wall time of replaying path, in seconds, or a
// problem when the replay does not reproduce what the file expects.
func replayTime(path string, rounds int) (float64, string) {
	var times []float64
	for range rounds {
		runtime.GC()
		start := time.Now()
		f, err := failfile.Read(path)
		if err != nil {
			return 0, err.Error()
		}
		cfg := f.Config
		cfg.KeepStepHashes = true
		res, err := safeRun(cfg, f.Seed, harness.Options{})
		if err != nil {
			return 0, fmt.Sprintf("%s: %v", path, err)
		}
		v := compareReplay(path, f, res)
		times = append(times, time.Since(start).Seconds())
		if !v.OK {
			return 0, fmt.Sprintf("%s: the replay %s (expected %s): raftsim replay %s", path, v.Verdict, v.Expect, path)
		}
	}
	return median(times), ""
}

// benchPorcupine checks a history recorded by a fault-free run of many
// clients on 100 keys, so that it is deterministic and linearizable.
func benchPorcupine(o benchOptions) benchSection {
	cfg := porcupineHistoryConfig(o.sizes.HistoryOps)
	s := benchSection{Name: "porcupine check",
		How: fmt.Sprintf("the history of a fault-free run (seed 1: 3 nodes, 1ms links, %d clients on %d keys, get 40 put 30 append 20 cas 10, "+
			"until %d commands completed) checked by checker.CheckLinearizable, partitioned by key; median (min - max) of %d rounds",
			cfg.Workload.Clients, cfg.Workload.Keys, o.sizes.HistoryOps, o.sizes.Rounds),
		Goal: "a 10,000-operation 100-key history checked in under 1 second"}
	res, err := harness.Run(cfg, 1)
	if problem := runProblem(res, err); problem != "" {
		s.Problem = "recording the history: " + problem
		return s
	}
	var times []float64
	var lin checker.LinearizabilityResult
	for range o.sizes.Rounds {
		runtime.GC()
		start := time.Now()
		lin = checker.CheckLinearizable(res.History, checker.Limit{})
		times = append(times, time.Since(start).Seconds()*1000)
		if !lin.Ok() {
			s.Problem = "the recorded history was judged " + lin.String()
			return s
		}
	}
	s.Figures = []benchFigure{
		roundsFigure("check time", "ms", times),
		{Name: "operations", Value: float64(lin.Ops), Unit: "ops"},
		{Name: "keys", Value: float64(lin.Keys), Unit: "keys"},
	}
	met := lin.Ops >= 10_000 && median(times) < 1000
	if lin.Ops >= 10_000 {
		s.GoalMet = &met
	}
	return s
}

// porcupineHistoryConfig records a history of about ops operations over
// 100 keys: 16 clients, the default mix, no faults.
func porcupineHistoryConfig(ops int) harness.Config {
	cfg := harness.DefaultConfig()
	cfg.Crashes = harness.Crashes{}
	cfg.Network = sim.ReliableLink(sim.FixedDist(time.Millisecond))
	cfg.Storage = harness.StorageMemory
	cfg.Workload.Clients, cfg.Workload.Keys, cfg.Workload.ThinkMax = 16, 100, 0
	cfg.Duration = time.Hour
	cfg.StopAfterCommands = ops
	cfg.CheckLinearizability = false
	return cfg
}

// roundsFigure is the median of vs with their spread.
func roundsFigure(name, unit string, vs []float64) benchFigure {
	f := benchFigure{Name: name, Value: median(vs), Unit: unit}
	if len(vs) > 1 {
		f.Min, f.Max = slices.Min(vs), slices.Max(vs)
	}
	return f
}

func median(vs []float64) float64 {
	if len(vs) == 0 {
		return 0
	}
	vs = slices.Clone(vs)
	slices.Sort(vs)
	if len(vs)%2 == 1 {
		return vs[len(vs)/2]
	}
	return (vs[len(vs)/2-1] + vs[len(vs)/2]) / 2
}
