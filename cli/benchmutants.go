package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/raftsim/raftsim/internal/atomicfile"
	"github.com/raftsim/raftsim/internal/mutate"
)

// `raftsim bench mutants` measures the campaign's bug-finding power by
// mutation testing of the core (package internal/mutate): this file is
// its flags and its printing.

const mutantsExamples = `  raftsim bench mutants --list                       every mutant's key, nothing run
  raftsim bench mutants --sample 130 --jobs 2        a deterministic sample, 20 CPU-s each, two at a time
  raftsim bench mutants --match 'raft/log.go' --budget 5s
                                                     the mutants of one file, 5 CPU-s each
  raftsim bench mutants --sample 130 -- --scenario swarm
                                                     the same sample against swarm campaigns only
  scripts/mutants.sh                                 the documented "before/after" run (docs/performance.md)
`

const moduleName = "github.com/raftsim/raftsim"

// mutantsOptions is a parsed `raftsim bench mutants` command line.
type mutantsOptions struct {
	src, equivalent, match, work string
	jsonOut                      string   // also write the JSON report here
	allOf                        []string // files with these prefixes are all run, besides the sample
	sample                       int
	sampleSeed                   uint64
	list, json, keep, noCover    bool
	run                          mutate.RunConfig
}

func parseMutants(args []string, stderr io.Writer) (o mutantsOptions, code int, done bool) {
	fs := newFlagSet("bench mutants", `Usage: raftsim bench mutants [flags] [-- campaign flags]

Mutation testing of the Raft core (raft/) and the harness's KV state
machine (harness/kv): it copies the source checkout, compiles every mutant
into one build (mutant schemata), and runs on each mutant a campaign of a
fixed CPU budget, all scenarios, one worker, stopping at the first
failure; the campaign's survivors then run the packages' unit tests. It
first runs the unmutated core and refuses to score when that fails, since
a false alarm would count as a kill. Flags after -- go to each campaign
(raftsim fuzz), e.g. -- --scenario swarm.

The report gives the score of the campaign alone (the headline) and of
campaign or unit tests, with 95% Wilson intervals, a table by operator,
and every survivor as file:line:col orig -> mutated, marked [unreached]
when no seed of the baseline ran its code. Mutants listed in the
equivalents file (internal/mutate/equivalent.txt: key, colon, reason)
are not run and not scored.

Runs in a source checkout of the module: --src, else the directory of the
go.mod of `+moduleName+` found upward from the working directory.

Exit status: 0 when scored, 1 when the baseline failed, 2 for bad flags,
no checkout, or a malformed equivalents file.`, mutantsExamples, stderr)
	fs.StringVar(&o.src, "src", "", "the module's source checkout (default: found upward from the working directory)")
	fs.DurationVar(&o.run.Budget, "budget", 20*time.Second, "CPU time of each mutant's campaign")
	fs.StringVar(&o.run.CampaignSeed, "campaign-seed", "1", "the campaign seed of every campaign")
	campaignFlags := fs.String("campaign-flags", "", "more raftsim fuzz flags for every campaign, split at spaces (or give them after --)")
	fs.IntVar(&o.sample, "sample", 0, "run a deterministic sample of N mutants (0: all)")
	fs.Uint64Var(&o.sampleSeed, "sample-seed", 1, "the seed of the sample")
	allOf := fs.String("all-of", "", "comma-separated path prefixes whose mutants all run, the sample drawn from the others, e.g. harness/kv")
	fs.IntVar(&o.run.Jobs, "jobs", 1, "mutants run in parallel (each campaign has one worker)")
	fs.DurationVar(&o.run.Timeout, "timeout", 0, "wall time after which a mutant's process counts as hung and is killed (default 30 budgets + 10m, a backstop: a campaign is first killed at 3 budgets + 30s of CPU time)")
	noUnit := fs.Bool("no-unit", false, "do not run the unit tests on the campaign's survivors")
	fs.BoolVar(&o.noCover, "no-coverage", false, "do not measure which survivors the campaign never reached")
	fs.StringVar(&o.equivalent, "equivalent", "", "the equivalents file (default: internal/mutate/equivalent.txt of the checkout)")
	fs.StringVar(&o.match, "match", "", "only the mutants whose key contains this text, e.g. raft/log.go")
	fs.BoolVar(&o.list, "list", false, "list the mutants (ID, position, key) and run nothing")
	fs.BoolVar(&o.json, "json", false, "print the report as JSON")
	fs.StringVar(&o.jsonOut, "json-out", "", "also write the JSON report to this file (atomically)")
	fs.StringVar(&o.work, "work", "", "the directory of the copy and builds (default: a temporary one, removed at the end)")
	fs.BoolVar(&o.keep, "keep", false, "keep the copy and builds")
	ours, theirs := args, []string(nil)
	if i := slices.Index(args, "--"); i >= 0 {
		ours, theirs = args[:i], args[i+1:]
	}
	if code, done := parseFlags(fs, ours); done {
		return o, code, true
	}
	o.run.CampaignFlags = append(strings.Fields(*campaignFlags), theirs...)
	o.run.Unit = !*noUnit
	if *allOf != "" {
		o.allOf = strings.Split(*allOf, ",")
	}
	if o.run.Timeout == 0 {
		o.run.Timeout = 30*o.run.Budget + 10*time.Minute
	}
	switch {
	case o.run.Budget <= 0:
		return o, usageError(stderr, fs, "--budget %v: must be positive", o.run.Budget), true
	case o.run.Jobs < 1 || o.run.Jobs > 256:
		return o, usageError(stderr, fs, "--jobs %d: want 1 to 256", o.run.Jobs), true
	case o.sample < 0:
		return o, usageError(stderr, fs, "--sample %d: must not be negative", o.sample), true
	case o.run.Timeout <= o.run.Budget:
		return o, usageError(stderr, fs, "--timeout %v: must exceed the budget %v", o.run.Timeout, o.run.Budget), true
	}
	if _, err := chooseSeed(o.run.CampaignSeed); err != nil {
		return o, usageError(stderr, fs, "--campaign-seed: %v", err), true
	}
	if slices.ContainsFunc(o.run.CampaignFlags, func(f string) bool {
		return slices.Contains([]string{"--cpu", "-cpu", "--workers", "-workers", "--out", "-out", "--json", "-json"}, strings.SplitN(f, "=", 2)[0])
	}) {
		return o, usageError(stderr, fs, "campaign flags %q: --cpu, --workers, --out and --json are set by bench mutants", o.run.CampaignFlags), true
	}
	return o, 0, false
}

// mutantsCmd runs `raftsim bench mutants`.
func mutantsCmd(args []string, stdout, stderr io.Writer) int {
	o, code, done := parseMutants(args, stderr)
	if done {
		return code
	}
	rep, err := runMutants(&o, stdout, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "raftsim bench mutants: %v\n", err)
		if errors.Is(err, errBaseline) {
			return exitFailure
		}
		return exitUsage
	}
	if rep == nil { // --list
		return exitPass
	}
	if o.jsonOut != "" {
		var b bytes.Buffer
		writeJSON(&b, rep)
		if err := atomicfile.WriteFile(o.jsonOut, b.Bytes()); err != nil {
			fmt.Fprintf(stderr, "raftsim bench mutants: %v\n", err)
			return exitUsage
		}
	}
	if o.json {
		writeJSON(stdout, rep)
	} else {
		rep.WriteText(stdout)
	}
	return exitPass
}

var errBaseline = errors.New("baseline failed")

// runMutants generates, builds and runs; nil report for --list.
func runMutants(o *mutantsOptions, stdout, progress io.Writer) (*mutate.Report, error) {
	start := time.Now()
	src := o.src
	if src == "" {
		src = "."
	}
	root, err := mutate.FindModule(src, moduleName)
	if err != nil {
		return nil, err
	}
	eqPath := o.equivalent
	if eqPath == "" {
		eqPath = filepath.Join(root, "internal", "mutate", "equivalent.txt")
	}
	equivalent, err := readEquivalents(eqPath)
	if err != nil {
		return nil, err
	}
	work, cleanup, err := workDir(o.work, o.keep)
	if err != nil {
		return nil, err
	}
	defer cleanup()
	fmt.Fprintf(progress, "raftsim bench mutants: generating the mutants of %s in %s\n", strings.Join(mutate.DefaultTarget.Dirs, ", "), work)
	s, err := mutate.Generate(root, filepath.Join(work, "src"), mutate.DefaultTarget)
	if err != nil {
		return nil, err
	}
	ms := s.Mutants
	if o.match != "" {
		ms = slices.DeleteFunc(slices.Clone(ms), func(m *mutate.Mutant) bool { return !strings.Contains(m.Key(), o.match) })
	}
	ms = sampleMutants(ms, o.sample, o.sampleSeed, o.allOf)
	if o.list {
		for _, m := range ms {
			fmt.Fprintf(stdout, "%d\t%s\t%s\n", m.ID, m.Pos(), m.Key())
		}
		return nil, nil
	}
	rep := &mutate.Report{Module: moduleName, Targets: mutate.DefaultTarget.Dirs, Command: o.run.CampaignCommand(),
		Budget: o.run.Budget.String(), Generated: len(s.Mutants), NotCompiled: len(s.Dropped),
		Sample: o.sample, SampleSeed: o.sampleSeed, Coverage: !o.noCover}
	rep.StaleEquivalents = staleEquivalents(s.Mutants, equivalent)
	fmt.Fprintf(progress, "raftsim bench mutants: %d mutants (%d did not compile), %d to run; building\n", len(s.Mutants), len(s.Dropped), len(ms))
	bins, err := s.Build(filepath.Join(work, "bin"), !o.noCover)
	if err != nil {
		return nil, err
	}
	o.run.Progress = progress
	fmt.Fprintf(progress, "raftsim bench mutants: baseline: the unmutated core, %v of CPU and its unit tests\n", o.run.Budget*3/2)
	if rep.Baseline, err = o.run.RunBaseline(s, bins); err != nil {
		return nil, fmt.Errorf("%w: %v", errBaseline, err)
	}
	var reached map[int]bool
	if !o.noCover {
		fmt.Fprintf(progress, "raftsim bench mutants: coverage of the baseline's %d seeds\n", rep.Baseline.Seeds)
		if reached, err = o.run.Reach(s, bins, rep.Baseline.Seeds, work); err != nil {
			return nil, err
		}
	}
	rep.Results = o.run.Run(s, bins, ms, equivalent)
	for i := range rep.Results {
		if r, ok := reached[rep.Results[i].Mutant.ID]; ok {
			rep.Results[i].Reached = &r
		}
	}
	rep.Run = len(ms)
	rep.Tally()
	rep.WallSeconds = time.Since(start).Seconds()
	return rep, nil
}

// sampleMutants draws the sample from the mutants outside allOf and
// keeps every mutant inside, shuffled (mutate.Shuffle) so that a run cut
// short has scored a random part of them.
func sampleMutants(ms []*mutate.Mutant, n int, seed uint64, allOf []string) []*mutate.Mutant {
	in := func(m *mutate.Mutant) bool {
		return slices.ContainsFunc(allOf, func(p string) bool { return strings.HasPrefix(m.File, p) })
	}
	all := slices.DeleteFunc(slices.Clone(ms), func(m *mutate.Mutant) bool { return !in(m) })
	rest := slices.DeleteFunc(slices.Clone(ms), in)
	out := append(mutate.Sample(rest, n, seed), all...)
	return mutate.Shuffle(out, seed)
}

// readEquivalents reads the equivalents file; a missing file is an
// empty list only at the default place.
func readEquivalents(path string) (map[string]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("equivalents: %w", err)
	}
	return mutate.ParseEquivalents(bytes.NewReader(b), path)
}

func staleEquivalents(ms []*mutate.Mutant, eq map[string]string) []string {
	live := map[string]bool{}
	for _, m := range ms {
		live[m.Key()] = true
	}
	var stale []string
	for k := range eq {
		if !live[k] {
			stale = append(stale, k)
		}
	}
	slices.Sort(stale)
	return stale
}

// workDir is the directory for the copy and builds, and how to clean it.
func workDir(dir string, keep bool) (string, func(), error) {
	if dir == "" {
		d, err := os.MkdirTemp("", "raftsim-mutants-")
		if err != nil {
			return "", nil, err
		}
		dir = d
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", nil, err
	}
	if keep {
		return dir, func() {}, nil
	}
	return dir, func() { os.RemoveAll(dir) }, nil
}
