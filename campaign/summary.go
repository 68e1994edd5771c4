package campaign

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"time"

	"github.com/raftsim/raftsim/harness"
	"github.com/raftsim/raftsim/internal/atomicfile"
	"github.com/raftsim/raftsim/internal/strictjson"
	"github.com/raftsim/raftsim/sim"
)

// The campaign summary: what `raftsim fuzz --summary` writes and `--json`
// prints, and what `raftsim merge` reads and writes. Everything in it but
// Wall and Shards is a function of the campaign and the code: the same
// campaign gives the same summary on any machine with any number of
// workers, and the merged summaries of its shards equal the unsharded one.
const (
	summaryFormat  = "raftsim-campaign"
	summaryVersion = 1
	// MaxExamples bounds the failing seeds a signature lists besides its
	// first: the lowest indexes, so that merging shards keeps the same ones.
	MaxExamples = 10
)

// Summary is a campaign's outcome.
type Summary struct {
	Format  string `json:"format"`
	Version int    `json:"version"`
	// Raftsim is the build that ran it (harness.Version()).
	Raftsim  string   `json:"raftsim"`
	Campaign Campaign `json:"campaign"`
	// Shards lists which shards of Campaign.Shards this summary covers.
	Shards []int `json:"shards"`
	// Complete: every covered shard ran its whole budget. A campaign cut
	// short by a signal is Interrupted and not Complete.
	Complete    bool `json:"complete"`
	Interrupted bool `json:"interrupted"`
	// Seeds counts the seeds that ran to the end: Passed + Failed +
	// Inconclusive. Abandoned seeds (cut off by a signal) are not among
	// them. An inconclusive seed's verdict is undecided (the
	// linearizability search reached its bound): neither a pass nor a
	// failure of the system under test.
	Seeds        int `json:"seeds"`
	Passed       int `json:"passed"`
	Failed       int `json:"failed"`
	Inconclusive int `json:"inconclusive,omitempty"`
	Abandoned    int `json:"abandoned"`
	// Perturbed counts the finished seeds of a guided campaign that were
	// perturbations of others (guided.go); the rest are plain seeds.
	Perturbed int `json:"perturbed,omitempty"`
	// Totals adds up the finished seeds' statistics.
	Totals    Totals          `json:"totals"`
	Scenarios []ScenarioCount `json:"scenarios"`
	// Failures has one entry per signature, sorted by signature.
	Failures []SignatureSummary `json:"failures"`
	// InconclusiveSeeds are the inconclusive seeds with the lowest
	// indexes, at most MaxExamples, each with why.
	InconclusiveSeeds []SeedRef `json:"inconclusiveSeeds,omitempty"`
	// Probes counts, for every coverage probe, the seeds that hit it
	// (probes.go).
	Probes []ProbeCount `json:"probes"`
	// Problems are why a merged summary does not stand for its whole
	// campaign: shards missing, given twice or of another campaign. Any
	// problem fails the summary.
	Problems []string `json:"problems,omitempty"`
	Wall     Wall     `json:"wall"`
}

// Campaign is what identifies a campaign: shards merge only when these
// agree.
type Campaign struct {
	Seed     sim.Seed `json:"seed"`
	Scenario string   `json:"scenario"` // a scenario's name or file, or "all"
	Short    bool     `json:"short"`
	Bugs     []string `json:"bugs"`
	// Store is the store that replaced every scenario's ("" for none).
	Store string `json:"store,omitempty"`
	// SeedBudget is --seeds (0: none); TimeBudget is --time and CPUBudget
	// --cpu (0: none).
	SeedBudget int           `json:"seedBudget,omitempty"`
	TimeBudget time.Duration `json:"timeBudget,omitempty"`
	CPUBudget  time.Duration `json:"cpuBudget,omitempty"`
	// Shards is n of --shard i/n (1 when unsharded).
	Shards int `json:"shards"`
	// Guided: runs that hit rare probes were perturbed (Spec.Guided).
	Guided bool `json:"guided,omitempty"`
}

// Totals adds up the statistics of finished seeds.
type Totals struct {
	Steps        uint64   `json:"steps"`
	VirtualTime  sim.Time `json:"virtualTime"`
	OpsCompleted int      `json:"opsCompleted"`
	Messages     uint64   `json:"messages"`
	Crashes      int      `json:"crashes"`
}

// ScenarioCount is how a scenario fared in the campaign. Every scenario
// the campaign draws from is listed, also with no seed.
type ScenarioCount struct {
	Name         string `json:"name"`
	Seeds        int    `json:"seeds"`
	Failed       int    `json:"failed"`
	Inconclusive int    `json:"inconclusive,omitempty"`
}

// SignatureSummary is every failure of one signature
// (harness.Failure.Signature).
type SignatureSummary struct {
	Signature string `json:"signature"`
	Class     string `json:"class"`
	Check     string `json:"check,omitempty"`
	Count     int    `json:"count"`
	// First is the failing seed with the lowest index: the one whose
	// failure file the campaign keeps.
	First SeedRef `json:"first"`
	// Examples are the failing seeds with the next-lowest indexes, at
	// most MaxExamples.
	Examples []SeedRef `json:"examples,omitempty"`
}

// SeedRef is one failing seed.
type SeedRef struct {
	Index    uint64   `json:"index"`
	Seed     sim.Seed `json:"seed"`
	Scenario string   `json:"scenario"`
	Message  string   `json:"message,omitempty"`
	Step     uint64   `json:"step,omitempty"`
	// TraceHash identifies the run; File is its failure file, relative to
	// where the campaign ran (First only).
	TraceHash string `json:"traceHash,omitempty"`
	File      string `json:"file,omitempty"`
	// Reproduce reruns the seed with `raftsim run`.
	Reproduce string `json:"reproduce"`
}

// Wall is what depends on the machine: left out when summaries are
// compared.
type Wall struct {
	Started        time.Time `json:"started"`
	Seconds        float64   `json:"seconds"`
	SeedsPerSecond float64   `json:"seedsPerSecond"`
	Workers        int       `json:"workers"`
	// ScenarioSeconds is the wall time the finished seeds of each scenario
	// took, added up over the workers (JUnit's test case times).
	ScenarioSeconds map[string]float64 `json:"scenarioSeconds,omitempty"`
}

// NewSummary is the empty summary of shard sh of a campaign.
func NewSummary(c Campaign, sh Shard) *Summary {
	return &Summary{Format: summaryFormat, Version: summaryVersion, Raftsim: harness.Version(),
		Campaign: c, Shards: []int{sh.Index}, Scenarios: []ScenarioCount{}, Failures: []SignatureSummary{},
		Probes: newProbeCounts()}
}

// Distinct is the number of signatures.
func (s *Summary) Distinct() int { return len(s.Failures) }

// addScenario counts a finished seed of a scenario and the wall time it
// took.
func (s *Summary) addScenario(name string, v Verdict, wall time.Duration) {
	c := ScenarioCount{Name: name, Seeds: 1}
	switch v {
	case Failed:
		c.Failed = 1
	case Inconclusive:
		c.Inconclusive = 1
	}
	s.addScenarioCount(c)
	s.addScenarioSeconds(name, wall.Seconds())
}

// addScenarioCount adds the counts of c to its scenario's; Scenarios stays
// sorted by name.
func (s *Summary) addScenarioCount(c ScenarioCount) {
	i := sort.Search(len(s.Scenarios), func(i int) bool { return s.Scenarios[i].Name >= c.Name })
	if i == len(s.Scenarios) || s.Scenarios[i].Name != c.Name {
		s.Scenarios = slices.Insert(s.Scenarios, i, ScenarioCount{Name: c.Name})
	}
	s.Scenarios[i].Seeds += c.Seeds
	s.Scenarios[i].Failed += c.Failed
	s.Scenarios[i].Inconclusive += c.Inconclusive
}

func (s *Summary) addScenarioSeconds(name string, secs float64) {
	if secs <= 0 {
		return
	}
	if s.Wall.ScenarioSeconds == nil {
		s.Wall.ScenarioSeconds = map[string]float64{}
	}
	s.Wall.ScenarioSeconds[name] += secs
}

// entry finds a signature's summary, or nil.
func (s *Summary) entry(sig string) *SignatureSummary {
	for i := range s.Failures {
		if s.Failures[i].Signature == sig {
			return &s.Failures[i]
		}
	}
	return nil
}

// addFailure records a failing seed under its signature. It reports
// whether the seed became the signature's first (lowest index), whose
// failure file the caller then writes.
func (s *Summary) addFailure(sig string, f *harness.Failure, ref SeedRef) (first bool) {
	i := sort.Search(len(s.Failures), func(i int) bool { return s.Failures[i].Signature >= sig })
	if i == len(s.Failures) || s.Failures[i].Signature != sig {
		s.Failures = append(s.Failures, SignatureSummary{})
		copy(s.Failures[i+1:], s.Failures[i:])
		s.Failures[i] = SignatureSummary{Signature: sig, Class: f.Class, Check: f.Check, Count: 1, First: ref}
		return true
	}
	return s.Failures[i].add(ref, 1)
}

// add merges count failures whose lowest index is ref into the signature,
// keeping the lowest index first and the next lowest as examples.
func (g *SignatureSummary) add(ref SeedRef, count int) (first bool) {
	g.Count += count
	if ref.Index < g.First.Index {
		g.First, ref = ref, g.First
		first = true
	}
	ref.File, ref.TraceHash = "", "" // examples have no file of their own
	g.Examples = insertExample(g.Examples, ref)
	return first
}

func insertExample(list []SeedRef, ref SeedRef) []SeedRef {
	i := sort.Search(len(list), func(i int) bool { return list[i].Index >= ref.Index })
	if i < len(list) && list[i].Index == ref.Index {
		return list
	}
	if i >= MaxExamples {
		return list
	}
	list = append(list, SeedRef{})
	copy(list[i+1:], list[i:])
	list[i] = ref
	if len(list) > MaxExamples {
		list = list[:MaxExamples]
	}
	return list
}

// ErrBadSummary is wrapped by every error reading a summary.
var ErrBadSummary = errors.New("bad campaign summary")

// summaryKeys accepts exactly the field names of a summary.
var summaryKeys = strictjson.Fields(Summary{}, harness.Config{})

// DecodeSummary reads and checks a summary.
func DecodeSummary(r io.Reader) (*Summary, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	// Refused before decoding, with line and column: invalid UTF-8 and
	// lone surrogates (encoding/json makes them U+FFFD), field names in
	// another case (it would match them) and repeated fields (the last
	// would win).
	if err := strictjson.Check(data, summaryKeys); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadSummary, err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var s Summary
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadSummary, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: trailing data after the JSON object", ErrBadSummary)
	}
	if err := s.validate(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadSummary, err)
	}
	return &s, nil
}

// validate checks what merge relies on.
func (s *Summary) validate() error {
	switch {
	case s.Format != summaryFormat:
		return fmt.Errorf("format %q: want %q", s.Format, summaryFormat)
	case s.Version != summaryVersion:
		return fmt.Errorf("version %d: this raftsim reads version %d", s.Version, summaryVersion)
	case s.Campaign.Shards < 1 || s.Campaign.Shards > MaxShards:
		return fmt.Errorf("campaign.shards %d: want 1 to %d", s.Campaign.Shards, MaxShards)
	case len(s.Shards) == 0:
		return errors.New("shards is empty")
	case s.Seeds != s.Passed+s.Failed+s.Inconclusive || s.Seeds < 0 || s.Passed < 0 || s.Failed < 0 || s.Inconclusive < 0 || s.Abandoned < 0:
		return fmt.Errorf("seeds %d != passed %d + failed %d + inconclusive %d (or a count is negative)", s.Seeds, s.Passed, s.Failed, s.Inconclusive)
	case s.Perturbed < 0 || s.Perturbed > s.Seeds || s.Perturbed > 0 && !s.Campaign.Guided:
		return fmt.Errorf("perturbed %d: want 0 to seeds %d, and 0 unless the campaign is guided", s.Perturbed, s.Seeds)
	}
	for _, i := range s.Shards {
		if i < 1 || i > s.Campaign.Shards {
			return fmt.Errorf("shard %d of %d", i, s.Campaign.Shards)
		}
	}
	n := 0
	for i, f := range s.Failures {
		if f.Count < 1 || (i > 0 && s.Failures[i-1].Signature >= f.Signature) {
			return fmt.Errorf("failures[%d] %q: counts must be positive and signatures sorted and distinct", i, f.Signature)
		}
		n += f.Count
	}
	if n != s.Failed {
		return fmt.Errorf("failed %d, but the signatures count %d", s.Failed, n)
	}
	return s.validateProbes()
}

// WriteSummaryFile writes the summary atomically.
func WriteSummaryFile(path string, s *Summary) error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(path, append(b, '\n'))
}

// ReadSummaryFile reads and checks a summary file.
func ReadSummaryFile(path string) (*Summary, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	s, err := DecodeSummary(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}
