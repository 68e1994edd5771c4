package cli

import (
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/raftsim/raftsim/scenarios"
)

// `raftsim bench` measures the harness itself: how fast it simulates, how
// fast it replays and checks, and how much memory a world and a campaign
// hold. Each figure says how it was measured; docs/performance.md records
// them with the machine. `raftsim bench zoo` (zoo.go) measures how fast it
// finds bugs.

const benchExamples = `  raftsim bench                        every figure at full size, one worker (a few minutes)
  raftsim bench --quick                small sizes, for CI (seconds)
  raftsim bench --json > bench.json    the figures for programs
  raftsim bench --workers 2            the chaos seeds and the campaign on two workers
  raftsim bench --sections c           only the cost by length and cluster size (c)
  raftsim bench --sections c --compaction 1024
                                       the same, compacting every 1024 entries
  raftsim bench zoo --workers 2        time to find each zoo bug (see raftsim bench zoo --help)
  raftsim bench mutants --sample 130   the mutation score of the core (see raftsim bench mutants --help)
  cd bench && go run ./cmd/compare     the ratio against etcd-raft on workload (a), in one process
`

// benchSizes are the sizes of the measurements.
type benchSizes struct {
	Rounds        int `json:"rounds"`        // repetitions of (a), the replays and the check
	Commands      int `json:"commands"`      // workload (a)'s commands
	ChaosSeeds    int `json:"chaosSeeds"`    // seeds of the chaos scenario
	HistoryOps    int `json:"historyOps"`    // commands of the checked history
	CampaignSeeds int `json:"campaignSeeds"` // seeds of the memory campaign
}

var (
	benchFull  = benchSizes{Rounds: 3, Commands: 100_000, ChaosSeeds: 200, HistoryOps: 10_000, CampaignSeeds: 10_000}
	benchQuick = benchSizes{Rounds: 1, Commands: 10_000, ChaosSeeds: 5, HistoryOps: 2_000, CampaignSeeds: 200}
)

// benchOptions is a parsed `raftsim bench` command line.
type benchOptions struct {
	sizes    benchSizes
	quick    bool
	json     bool
	workers  int
	scenario string // the chaos scenario
	failures string // the directory of failure files to replay
	// sections are the sections to run, by key (benchSteps); all when empty.
	sections map[string]bool
	// compaction, when not 0, replaces the compaction threshold of
	// section (c)'s runs, to see how the cost of a restart follows it.
	compaction uint64
}

func parseBench(args []string, stderr io.Writer) (o benchOptions, code int, done bool) {
	fs := newFlagSet("bench", `Usage: raftsim bench [flags]
       raftsim bench zoo [flags]
       raftsim bench mutants [flags]

Measures the harness: (a) the no-fault throughput workload, (b) a chaos
scenario, (c) the CPU cost of a virtual second at 10 s, 60 s, 600 s and an
hour (3 nodes) and at 3, 5, 7 and 9 nodes (10 s), as ratios to the 10 s,
3-node figure, with each run's peak heap (--quick leaves out the hour), the time to replay each failure file, the time porcupine takes
on a 10,000-operation 100-key history, memory per node, and memory over a
10,000-seed campaign (it must stay flat). Each figure says how it was
measured; docs/performance.md records them with the machine they ran on.

The ratio against etcd-raft on workload (a) is measured by a separate
module, so that etcd-raft never enters this one: cd bench && go run
./cmd/compare (see bench/README.md).

raftsim bench zoo measures how fast the harness finds each planted bug;
see raftsim bench zoo --help.

Exit status: 0 when every measured run behaved (no failure, replays
reproduced, the campaign's memory flat), 1 otherwise, 2 for bad flags.
Goals missed (a slow machine) do not change it; the report says them.`, benchExamples, stderr)
	quick := fs.Bool("quick", false, "small sizes, for CI: 10,000 commands, 5 seeds, a 2,000-command history, 200 campaign seeds")
	fs.BoolVar(&o.json, "json", false, "print the figures as JSON")
	fs.IntVar(&o.workers, "workers", 1, "worlds in parallel for the chaos seeds and the campaign (1: the one-core figures)")
	fs.StringVar(&o.scenario, "scenario", scenarios.DefaultName, "the chaos scenario, run full length")
	fs.StringVar(&o.failures, "failures", "testdata/failures", "the directory of failure files to replay")
	fs.IntVar(&o.sizes.ChaosSeeds, "seeds", 0, "seeds of the chaos scenario (default 200, 5 with --quick)")
	fs.IntVar(&o.sizes.CampaignSeeds, "campaign-seeds", 0, "seeds of the memory campaign (default 10,000, 200 with --quick)")
	sections := fs.String("sections", "", "comma-separated sections to run, of "+strings.Join(benchStepKeys(), ", ")+" (default all)")
	fs.Uint64Var(&o.compaction, "compaction", 0, "section c only: compact every N applied entries instead of the scenario's (0: the scenario's, 256)")
	if code, done := parseFlags(fs, args); done {
		return o, code, true
	}
	o.quick = *quick
	o.sizes = o.sizes.withDefaults(o.quick)
	switch {
	case o.workers < 1 || o.workers > 4096:
		return o, usageError(stderr, fs, "--workers %d: want 1 to 4096", o.workers), true
	case o.sizes.ChaosSeeds < 1 || o.sizes.CampaignSeeds < 1:
		return o, usageError(stderr, fs, "--seeds and --campaign-seeds must be positive"), true
	}
	if _, err := lookupScenario(o.scenario); err != nil {
		return o, usageError(stderr, fs, "%v", err), true
	}
	if *sections != "" {
		o.sections = map[string]bool{}
		for _, k := range strings.Split(*sections, ",") {
			if !slices.Contains(benchStepKeys(), k) {
				return o, usageError(stderr, fs, "--sections: unknown section %q (want %s)", k, strings.Join(benchStepKeys(), ", ")), true
			}
			o.sections[k] = true
		}
	}
	return o, 0, false
}

// withDefaults fills the sizes not given on the command line.
func (s benchSizes) withDefaults(quick bool) benchSizes {
	d := benchFull
	if quick {
		d = benchQuick
	}
	if s.ChaosSeeds == 0 {
		s.ChaosSeeds = d.ChaosSeeds
	}
	if s.CampaignSeeds == 0 {
		s.CampaignSeeds = d.CampaignSeeds
	}
	s.Rounds, s.Commands, s.HistoryOps = d.Rounds, d.Commands, d.HistoryOps
	return s
}

// benchCmd runs `raftsim bench`, or `raftsim bench zoo`.
func benchCmd(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "zoo" {
		return zooCmd(args[1:], stdout, stderr)
	}
	if len(args) > 0 && args[0] == "mutants" {
		return mutantsCmd(args[1:], stdout, stderr)
	}
	o, code, done := parseBench(args, stderr)
	if done {
		return code
	}
	rep := runBench(o, stderr)
	if o.json {
		writeJSON(stdout, rep)
	} else {
		printBench(stdout, rep)
	}
	for _, s := range rep.Sections {
		if s.Problem != "" {
			return exitFailure
		}
	}
	return exitPass
}

// benchReport is what `raftsim bench` measured; its --json output.
type benchReport struct {
	Machine     benchMachine   `json:"machine"`
	Quick       bool           `json:"quick"`
	Workers     int            `json:"workers"`
	Sizes       benchSizes     `json:"sizes"`
	Sections    []benchSection `json:"sections"`
	Etcd        string         `json:"etcd"`
	WallSeconds float64        `json:"wallSeconds"`
}

// benchSection is one measurement: its figures and how they were taken.
type benchSection struct {
	Name    string        `json:"name"`
	How     string        `json:"how"`
	Figures []benchFigure `json:"figures"`
	Goal    string        `json:"goal,omitempty"`
	GoalMet *bool         `json:"goalMet,omitempty"`
	// Skipped says why the section measured nothing; Problem, that a
	// run misbehaved (the command exits 1).
	Skipped string `json:"skipped,omitempty"`
	Problem string `json:"problem,omitempty"`
}

// benchFigure is a figure: the median over rounds, and the spread.
type benchFigure struct {
	Name  string  `json:"name"`
	Value float64 `json:"value"`
	Unit  string  `json:"unit"`
	Min   float64 `json:"min,omitempty"`
	Max   float64 `json:"max,omitempty"`
}

// benchMachine is where the figures were taken.
type benchMachine struct {
	Go         string `json:"go"`
	OS         string `json:"os"`
	Arch       string `json:"arch"`
	CPU        string `json:"cpu,omitempty"`
	CPUs       int    `json:"cpus"`
	GOMAXPROCS int    `json:"gomaxprocs"`
	LoadBefore string `json:"loadBefore,omitempty"`
	LoadAfter  string `json:"loadAfter,omitempty"`
}

const etcdNote = "the ratio against etcd-raft on workload (a) comes from the bench module, which runs both in one process: " +
	"cd bench && go run ./cmd/compare (GOMAXPROCS=1 for one core; see bench/README.md). It is not run here: etcd-raft never enters this module."

// runBench takes every measurement in turn; progress names each.
func runBench(o benchOptions, progress io.Writer) *benchReport {
	start := time.Now()
	rep := &benchReport{Machine: machine(), Quick: o.quick, Workers: o.workers, Sizes: o.sizes, Etcd: etcdNote}
	for _, s := range benchSteps {
		if o.sections != nil && !o.sections[s.key] {
			continue
		}
		fmt.Fprintf(progress, "raftsim bench: %s...\n", s.name)
		rep.Sections = append(rep.Sections, s.run(o))
	}
	rep.Machine.LoadAfter = loadAverage()
	rep.WallSeconds = time.Since(start).Seconds()
	return rep
}

// benchSteps are the sections of `raftsim bench`, in order; key names one
// for --sections.
var benchSteps = []struct {
	key, name string
	run       func(benchOptions) benchSection
}{
	{"a", "throughput workload (a)", benchThroughput},
	{"b", "chaos scenario (b)", benchChaos},
	{"c", "cost by length and cluster size (c)", benchScaling},
	{"replay", "replays", benchReplay},
	{"porcupine", "porcupine check", benchPorcupine},
	{"nodes", "memory per node", benchNodeMemory},
	{"campaign", "memory over a campaign", benchCampaignMemory},
}

func benchStepKeys() []string {
	var ks []string
	for _, s := range benchSteps {
		ks = append(ks, s.key)
	}
	return ks
}

func machine() benchMachine {
	return benchMachine{Go: runtime.Version(), OS: runtime.GOOS, Arch: runtime.GOARCH, CPU: cpuModel(),
		CPUs: runtime.NumCPU(), GOMAXPROCS: runtime.GOMAXPROCS(0), LoadBefore: loadAverage()}
}

// cpuModel is the processor's name on Linux, "" elsewhere.
func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// loadAverage is the 1, 5 and 15 minute load averages on Linux: on a
// shared machine they say how far to trust wall-clock figures.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}

// printBench is the text report.
func printBench(w io.Writer, r *benchReport) {
	m := r.Machine
	fmt.Fprintf(w, "machine    %s %s/%s, %s, %d CPUs, GOMAXPROCS %d\n", m.Go, m.OS, m.Arch, orUnknown(m.CPU), m.CPUs, m.GOMAXPROCS)
	fmt.Fprintf(w, "load       %s before, %s after\n", orUnknown(m.LoadBefore), orUnknown(m.LoadAfter))
	fmt.Fprintf(w, "sizes      %+v, %d workers, %.0fs wall\n", r.Sizes, r.Workers, r.WallSeconds)
	for _, s := range r.Sections {
		fmt.Fprintf(w, "\n%s\n", s.Name)
		fmt.Fprintf(w, "  how      %s\n", s.How)
		if s.Skipped != "" {
			fmt.Fprintf(w, "  skipped  %s\n", s.Skipped)
			continue
		}
		for _, f := range s.Figures {
			fmt.Fprintf(w, "  %-44s %12s %s%s\n", f.Name, formatFigure(f.Value), f.Unit, spread(f))
		}
		if s.Goal != "" {
			fmt.Fprintf(w, "  goal     %s: %s\n", s.Goal, metWord(s.GoalMet))
		}
		if s.Problem != "" {
			fmt.Fprintf(w, "  PROBLEM  %s\n", s.Problem)
		}
	}
	fmt.Fprintf(w, "\netcd-raft  %s\n", r.Etcd)
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

func metWord(met *bool) string {
	switch {
	case met == nil:
		return "not judged here"
	case *met:
		return "met"
	}
	return "NOT met"
}

func spread(f benchFigure) string {
	if f.Min == 0 && f.Max == 0 {
		return ""
	}
	return fmt.Sprintf(" (%s - %s)", formatFigure(f.Min), formatFigure(f.Max))
}

// formatFigure prints large figures with thousands separators, whole
// numbers without decimals, and small ones with enough digits to read.
func formatFigure(v float64) string {
	switch a := math.Abs(v); {
	case a >= 1000 || a == math.Trunc(a):
		s := fmt.Sprintf("%.0f", a)
		var b strings.Builder
		if v < 0 {
			b.WriteByte('-')
		}
		for i, r := range s {
			if i > 0 && (len(s)-i)%3 == 0 {
				b.WriteByte(',')
			}
			b.WriteRune(r)
		}
		return b.String()
	case a >= 10:
		return fmt.Sprintf("%.1f", v)
	}
	return fmt.Sprintf("%.3f", v)
}
