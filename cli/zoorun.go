package cli

import (
	"fmt"
	"io"
	"math"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/raftsim/raftsim/campaign"
	"github.com/raftsim/raftsim/internal/zoo"
	"github.com/raftsim/raftsim/scenarios"
	"github.com/raftsim/raftsim/sim"
)

// zooGoalCPUSeconds is issue 9's goal: each knob's median time to first
// detection under a minute of CPU.
const zooGoalCPUSeconds = 60

// zooReport is what `raftsim bench zoo` found; its --json output.
type zooReport struct {
	Clock            string   `json:"clock"`
	Seed             sim.Seed `json:"seed"`
	Campaigns        int      `json:"campaigns"`
	BudgetCPUSeconds float64  `json:"budgetCPUSeconds"`
	MaxSeeds         int      `json:"maxSeeds"`
	Short            bool     `json:"short"`
	Workers          int      `json:"workers"`
	Rows             []zooRow `json:"knobs"`
	Control          zooRow   `json:"correctCore"`
	// CountedCPUSeconds adds up the campaigns' thread clocks;
	// ProcessCPUSeconds is every thread of the process over the same run.
	CountedCPUSeconds float64 `json:"countedCPUSeconds"`
	ProcessCPUSeconds float64 `json:"processCPUSeconds"`
	WallSeconds       float64 `json:"wallSeconds"`
	// MediansUnderGoal counts the knobs whose median CPU time to first
	// detection is under zooGoalCPUSeconds.
	MediansUnderGoal int      `json:"mediansUnderGoal"`
	NotFound         []string `json:"notFound"`
	// CoreFailures are the seeds on which the correct core fails: the
	// correct core's own campaigns' finds, and knob campaigns' failing
	// seeds that fail without the knob too. Any makes the verdict FAIL.
	CoreFailures []zooSeed `json:"coreFailures"`
	Verdict      string    `json:"verdict"`
}

// zooRow is one knob's campaigns, or the correct core's (Bug "").
type zooRow struct {
	Bug      string `json:"bug,omitempty"`
	Scenario string `json:"scenario"`
	Why      string `json:"why,omitempty"`
	Found    int    `json:"found"`
	// The medians are over every campaign, one that found nothing
	// counting as longer than any: nil when half or more found nothing.
	MedianSeeds      *float64       `json:"medianSeeds"`
	MedianCPUSeconds *float64       `json:"medianCPUSeconds"`
	Signature        string         `json:"signature,omitempty"` // the most common
	Signatures       map[string]int `json:"signatures,omitempty"`
	SeedsRun         int            `json:"seedsRun"`
	CPUSeconds       float64        `json:"cpuSeconds"`
	Campaigns        []zooCampaign  `json:"campaigns"`
}

// zooCampaign is one campaign: seeds run until the first failure.
type zooCampaign struct {
	CampaignSeed sim.Seed `json:"campaignSeed"`
	Found        bool     `json:"found"`
	// Seeds counts the seeds that ran to their end, the failing one
	// included; CPUSeconds is the campaign thread's time to that point.
	Seeds       int     `json:"seeds"`
	CPUSeconds  float64 `json:"cpuSeconds"`
	WallSeconds float64 `json:"wallSeconds"`
	// Exhausted names the budget that ended a campaign that found
	// nothing: "cpu" or "seeds".
	Exhausted string `json:"exhausted,omitempty"`
	// Signature and First describe the first detection.
	Signature string   `json:"signature,omitempty"`
	First     *zooSeed `json:"first,omitempty"`
	// CoreFailures are failing seeds that fail without the knob too, so
	// prove nothing about it: the campaign went on past them. Their
	// confirming runs are not counted in CPUSeconds.
	CoreFailures []zooSeed `json:"coreFailures,omitempty"`
	// Inconclusive counts seeds whose linearizability check reached its
	// step or memory limit: a failure for raftsim fuzz, but no proof of a
	// bug, so the campaign went on.
	Inconclusive int `json:"inconclusive,omitempty"`
}

// zooSeed is a failing seed of a campaign.
type zooSeed struct {
	SeedIndex uint64   `json:"seedIndex"`
	Seed      sim.Seed `json:"seed"`
	Scenario  string   `json:"scenario"`
	Signature string   `json:"signature"`
	Message   string   `json:"message"`
	Reproduce string   `json:"reproduce"`
}

// zooJob is one campaign to run: of knob row (len(rows) for the correct
// core), number campaign.
type zooJob struct {
	row, campaign int
	plan          *campaign.Spec
}

// runZoo runs every campaign on o.workers locked threads and reports.
// progress gets a line per finished campaign.
func runZoo(o zooOptions, progress io.Writer) *zooReport {
	rep := newZooReport(o)
	jobs := zooJobs(o, rep)
	start, cpu0 := time.Now(), processCPU()
	type done struct {
		job zooJob
		c   zooCampaign
	}
	queue, results := make(chan zooJob), make(chan done)
	var wg sync.WaitGroup
	for range o.workers {
		wg.Go(func() {
			// The thread is this goroutine's alone, so its clock is the
			// campaign's; it ends with the goroutine.
			runtime.LockOSThread()
			for j := range queue {
				results <- done{j, runZooCampaign(j.plan, o.budget, o.maxSeeds)}
			}
		})
	}
	go func() {
		for _, j := range jobs {
			queue <- j
		}
		close(queue)
		wg.Wait()
		close(results)
	}()
	for d := range results {
		row := rep.row(d.job.row)
		row.Campaigns[d.job.campaign] = d.c
		fmt.Fprintf(progress, "raftsim bench zoo: %s campaign %d/%d: %s\n", rowName(row), d.job.campaign+1, o.campaigns, campaignNote(d.c))
	}
	rep.WallSeconds = time.Since(start).Seconds()
	rep.ProcessCPUSeconds = (processCPU() - cpu0).Seconds()
	rep.finish()
	return rep
}

func newZooReport(o zooOptions) *zooReport {
	rep := &zooReport{Clock: threadClock, Seed: o.seed, Campaigns: o.campaigns, BudgetCPUSeconds: o.budget.Seconds(),
		MaxSeeds: o.maxSeeds, Short: o.short, Workers: o.workers, NotFound: []string{}, CoreFailures: []zooSeed{}}
	for _, bug := range o.bugs {
		row := zooRow{Bug: bug, Scenario: o.scenario, Campaigns: make([]zooCampaign, o.campaigns)}
		if e, ok := zooScenarioFor(bug); ok && o.scenario == "" {
			row.Scenario, row.Why = e.scenario, e.why
		}
		rep.Rows = append(rep.Rows, row)
	}
	rep.Control = zooRow{Scenario: o.scenario, Campaigns: make([]zooCampaign, o.campaigns)}
	if o.scenario == "" {
		rep.Control.Scenario = "each seed one of the table's"
	}
	return rep
}

func (r *zooReport) row(i int) *zooRow {
	if i == len(r.Rows) {
		return &r.Control
	}
	return &r.Rows[i]
}

func rowName(row *zooRow) string {
	if row.Bug == "" {
		return "correct core"
	}
	return row.Bug
}

func campaignNote(c zooCampaign) string {
	note := fmt.Sprintf("nothing in %d seeds, %.1f CPU-s (%s budget spent)", c.Seeds, c.CPUSeconds, c.Exhausted)
	if c.Found {
		note = fmt.Sprintf("found at seed %d after %.2f CPU-s: %s", c.Seeds, c.CPUSeconds, c.Signature)
	}
	for _, f := range c.CoreFailures {
		note += fmt.Sprintf("; seed %d fails without the knob too (%s): %s", f.SeedIndex+1, f.Signature, f.Reproduce)
	}
	if c.Inconclusive > 0 {
		note += fmt.Sprintf("; %d seeds inconclusive (the check reached its step or memory limit), not counted", c.Inconclusive)
	}
	return note
}

// zooJobs lists the campaigns, the correct core's first: they always
// spend their whole budget, so starting them first balances the workers.
func zooJobs(o zooOptions, rep *zooReport) []zooJob {
	var jobs []zooJob
	for i := range o.campaigns {
		jobs = append(jobs, zooJob{row: len(rep.Rows), campaign: i, plan: zooPlan(o, "", i)})
	}
	for i := range o.campaigns {
		for r, row := range rep.Rows {
			jobs = append(jobs, zooJob{row: r, campaign: i, plan: zooPlan(o, row.Bug, i)})
		}
	}
	return jobs
}

// zooCampaignSeed is campaign i's seed; the same for every knob, so a
// knob's campaign differs from the correct core's only by the knob.
func zooCampaignSeed(root sim.Seed, i int) sim.Seed {
	return root.Derive("zoo/campaign/" + strconv.Itoa(i))
}

// zooPlan is the plan of campaign i of bug ("" for the correct core):
// `raftsim fuzz --campaign-seed <its seed> --workers 1` with the same
// scenario and knob runs the same seeds in the same order.
func zooPlan(o zooOptions, bug string, i int) *campaign.Spec {
	p := &campaign.Spec{Seed: zooCampaignSeed(o.seed, i), Short: o.short, Seeds: o.maxSeeds, Workers: 1}
	if bug != "" {
		b, err := zoo.Parse(bug)
		if err != nil {
			panic(fmt.Sprintf("raftsim: zoo knob %q does not parse: %v", bug, err))
		}
		p.Bugs = b
	}
	name := o.scenario
	if e, ok := zooScenarioFor(bug); ok && name == "" {
		name = e.scenario
	}
	p.Name = name
	switch name {
	case "":
		p.Name = allScenarios
		for _, n := range zooScenarioNames() {
			p.Scenarios = append(p.Scenarios, mustScenario(n))
		}
	case allScenarios:
		p.Scenarios = scenarios.All()
	default:
		p.Scenarios = []scenarios.Scenario{mustScenario(name)}
	}
	return p
}

// mustScenario finds a scenario parseZoo or the table already vouched for.
func mustScenario(name string) scenarios.Scenario {
	sc, err := lookupScenario(name)
	if err != nil {
		panic(fmt.Sprintf("raftsim: zoo scenario: %v", err))
	}
	return sc
}

// runZooCampaign runs seeds 0, 1, ... of p until one fails because of
// the knob, the thread has used budget of CPU time, or maxSeeds ran. It
// must run on a locked OS thread: its clock is the thread's. A seed still
// running when the budget ends is abandoned (harness.Options.Stop) and
// not counted.
func runZooCampaign(p *campaign.Spec, budget time.Duration, maxSeeds int) zooCampaign {
	c := zooCampaign{CampaignSeed: p.Seed, Exhausted: "seeds"}
	wall, start := time.Now(), threadCPU()
	var confirming time.Duration // re-runs without the knob: not the search's
	used := func() time.Duration { return threadCPU() - start - confirming }
	spent := func() bool { return used() >= budget }
	for k := 0; k < maxSeeds; k++ {
		if spent() {
			c.Exhausted = "cpu"
			break
		}
		o := p.RunSeed(uint64(k), spent)
		if o.Result.Abandoned {
			c.Exhausted = "cpu"
			break
		}
		c.Seeds = k + 1
		if o.Verdict() == campaign.Passed {
			continue
		}
		if o.Verdict() == campaign.Inconclusive {
			c.Inconclusive++
			continue
		}
		if p.Bugs.Any() {
			t := threadCPU()
			core := failsWithoutKnob(p, o)
			confirming += threadCPU() - t
			if core != nil {
				c.CoreFailures = append(c.CoreFailures, *core)
				continue
			}
		}
		c.Found, c.Exhausted = true, ""
		c.Signature, c.First = o.Result.Failure.Signature(), zooSeedOf(p, o)
		break
	}
	c.CPUSeconds = used().Seconds()
	c.WallSeconds = time.Since(wall).Seconds()
	return c
}

// failsWithoutKnob re-runs a failing seed of a knob's campaign on the
// correct core: when that fails too, the seed says nothing about the knob,
// and the correct core's failure is returned.
func failsWithoutKnob(p *campaign.Spec, o campaign.Outcome) *zooSeed {
	bare := *p
	bare.Bugs = zoo.Bugs{}
	out := bare.RunSeed(o.Index, nil)
	if out.Result.Passed() {
		return nil
	}
	return zooSeedOf(&bare, out)
}

func zooSeedOf(p *campaign.Spec, o campaign.Outcome) *zooSeed {
	return &zooSeed{SeedIndex: o.Index, Seed: o.Seed, Scenario: o.Scenario, Signature: o.Result.Failure.Signature(),
		Message: oneLine(o.Result.Failure.Message), Reproduce: campaign.RunCommand(o, p.Short, p.Bugs.Names(), "")}
}

// finish fills the rows' figures and the verdict.
func (r *zooReport) finish() {
	for i := range r.Rows {
		row := &r.Rows[i]
		row.summarize()
		if row.Found == 0 {
			r.NotFound = append(r.NotFound, row.Bug)
		}
		if m := row.MedianCPUSeconds; m != nil && *m < zooGoalCPUSeconds {
			r.MediansUnderGoal++
		}
		r.CountedCPUSeconds += row.CPUSeconds
		for _, c := range row.Campaigns {
			r.addCoreFailures(c.CoreFailures...)
		}
	}
	r.Control.summarize()
	r.CountedCPUSeconds += r.Control.CPUSeconds
	for _, c := range r.Control.Campaigns {
		if c.First != nil {
			r.addCoreFailures(*c.First)
		}
	}
	var why []string
	if len(r.NotFound) > 0 {
		why = append(why, "not found: "+strings.Join(r.NotFound, ", "))
	}
	if len(r.CoreFailures) > 0 {
		why = append(why, fmt.Sprintf("the correct core fails %d seeds (first: %s, %s)",
			len(r.CoreFailures), r.CoreFailures[0].Signature, r.CoreFailures[0].Reproduce))
	}
	r.Verdict = "PASS"
	if len(why) > 0 {
		r.Verdict = "FAIL: " + strings.Join(why, "; ")
	}
}

// addCoreFailures records correct-core failures once per seed and
// scenario: campaigns of several knobs share their seeds.
func (r *zooReport) addCoreFailures(fs ...zooSeed) {
	for _, f := range fs {
		if !slices.ContainsFunc(r.CoreFailures, func(g zooSeed) bool { return g.Seed == f.Seed && g.Scenario == f.Scenario }) {
			r.CoreFailures = append(r.CoreFailures, f)
		}
	}
}

// summarize computes a row's counts, medians and signatures.
func (row *zooRow) summarize() {
	var seeds, cpu []float64
	row.Signatures = map[string]int{}
	for _, c := range row.Campaigns {
		row.SeedsRun += c.Seeds
		row.CPUSeconds += c.CPUSeconds
		if !c.Found {
			seeds, cpu = append(seeds, math.Inf(1)), append(cpu, math.Inf(1))
			continue
		}
		row.Found++
		row.Signatures[c.Signature]++
		seeds, cpu = append(seeds, float64(c.Seeds)), append(cpu, c.CPUSeconds)
	}
	row.MedianSeeds, row.MedianCPUSeconds = finiteMedian(seeds), finiteMedian(cpu)
	row.Signature = mostCommon(row.Signatures)
}

// finiteMedian is the median of vs, or nil when it is infinite (half or
// more of the campaigns found nothing) or vs is empty.
func finiteMedian(vs []float64) *float64 {
	if len(vs) == 0 {
		return nil
	}
	vs = slices.Clone(vs)
	slices.Sort(vs)
	m := vs[len(vs)/2]
	if len(vs)%2 == 0 {
		m = (vs[len(vs)/2-1] + m) / 2
	}
	if math.IsInf(m, 0) {
		return nil
	}
	return &m
}

// mostCommon is the signature counted most often; ties go to the first
// in sorted order, so the report does not depend on map order.
func mostCommon(counts map[string]int) string {
	best, n := "", 0
	for sig, c := range counts {
		if c > n || c == n && sig < best {
			best, n = sig, c
		}
	}
	return best
}
