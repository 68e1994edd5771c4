package campaign

import (
	"slices"
	"strconv"
	"sync"

	"github.com/raftsim/raftsim/harness"
	"github.com/raftsim/raftsim/sim"
)

// Guided campaigns (Spec.Guided), in the manner of FoundationDB's buggify
// and probes or a coverage-guided swarm: runs that reach a rare situation
// are perturbed, to explore around it.
//
// The schedule. A guided campaign runs in generations of GuidedGeneration
// runs, which take the shard's positions in order: run j of the shard has
// seed index Shard.nth(j), as in a plain campaign. A generation starts only
// when the one before it has finished; its runs are then the perturbations
// still queued (at most half the generation, oldest first) followed by
// plain seeds. When a generation finishes, its outcomes are taken in
// position order: each adds its probes to the counts of the campaign so
// far, and then each run that hit a rare probe (one that fewer than
// GuidedRarePercent of the finished runs hit) queues GuidedPerturbations
// perturbations of its configuration. So the sequence of runs is a
// function of the spec alone (the campaign seed, the scenarios, the budget
// in seeds, the shard), whatever the number of workers or the order in
// which outcomes arrive; a time or CPU budget cuts that sequence short.
// A seed timeout (Spec.SeedTimeout), which depends on the machine, counts
// as a run that hit no probe. A resumed campaign (Spec.Skip) starts its
// guidance afresh at the position it resumes from.
//
// A perturbation (perturb.go) is a run of its own: the parent's config
// with its generative faults materialized, the plan edited (a step
// shifted, dropped, duplicated, retargeted or stretched) and the workload
// nudged, with a fresh world seed for everything else (network draws,
// clients). Its outcome carries that config and seed, so its failure file
// replays it exactly; it cannot be rerun as a scenario and a seed.
//
// Shards: each shard is a guided campaign of its own, over its own
// positions, deciding from its own outcomes. The merge of a guided
// campaign's shards is the union of those campaigns, not the unsharded
// guided campaign.
const (
	// GuidedGeneration is the runs of one generation. It does not depend
	// on the workers, so that the schedule does not either; workers
	// beyond it wait.
	GuidedGeneration = 32
	// GuidedRarePercent: a probe hit by fewer than this share of the runs
	// so far is rare.
	GuidedRarePercent = 5
	// GuidedPerturbations is how many perturbations a run that hit a rare
	// probe gets.
	GuidedPerturbations = 3
	// maxQueued bounds the queued perturbations; past it, new ones are
	// dropped (the oldest are closest to the campaign's start).
	maxQueued = 8 * GuidedGeneration
)

// job is one run of a campaign: plain (seed index k's scenario and seed)
// or a perturbation of a finished run.
type job struct {
	pos     uint64 // the shard position
	index   uint64 // the seed index of the position, Shard.nth(pos)
	perturb *perturbation
}

// perturbation is a queued perturbation of a finished run.
type perturbation struct {
	parent   uint64 // the parent's seed index
	scenario string
	config   harness.Config // the parent's config, materialized
	seed     sim.Seed       // the parent's world seed
}

// guide hands out a guided campaign's jobs, generation by generation.
type guide struct {
	spec *Spec
	mu   sync.Mutex
	// gen is the current generation; next is the first job not handed
	// out, done counts the finished ones, whose outcomes are in results.
	gen     []job
	next    int
	done    int
	results []Outcome
	// genDone is closed when the current generation finishes.
	genDone chan struct{}
	start   uint64 // the shard position of the next generation
	queue   []perturbation
	// counts[p] is how many finished runs hit probe p; runs counts them.
	counts [harness.NumProbes]int
	runs   int
	over   bool // the seed budget is spent
}

func newGuide(spec *Spec) *guide {
	g := &guide{spec: spec, start: spec.Skip}
	g.plan()
	return g
}

// take returns the next job of the current generation. When all its jobs
// are out, it returns instead a channel closed when the generation
// finishes, to wait on and ask again; false means the seed budget is
// spent.
func (g *guide) take() (j job, wait <-chan struct{}, ok bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	switch {
	case g.next < len(g.gen):
		g.next++
		return g.gen[g.next-1], nil, true
	case g.over:
		return job{}, nil, false
	}
	return job{}, g.genDone, true
}

// finish records the outcome of a job handed out by take.
func (g *guide) finish(j job, o Outcome) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.results[j.pos-g.gen[0].pos] = o
	g.done++
	if g.done < len(g.gen) {
		return
	}
	g.learn()
	close(g.genDone)
	g.plan()
}

// learn counts the finished generation's probes, then queues the
// perturbations of its runs that hit a rare probe, in position order.
func (g *guide) learn() {
	for i := range g.results {
		g.count(&g.results[i])
	}
	for i := range g.results {
		o := &g.results[i]
		if o.Abandoned || !g.hitsRare(o.Result.Probes) {
			continue
		}
		// A run without a valid config (its scenario panicked, it timed
		// out before building one) has nothing to perturb.
		cfg := o.Config.Materialize(o.Seed)
		if cfg.Validate() != nil {
			continue
		}
		for range GuidedPerturbations {
			if len(g.queue) >= maxQueued {
				break
			}
			g.queue = append(g.queue, perturbation{parent: o.Index, scenario: o.Scenario, config: cfg, seed: o.Seed})
		}
	}
}

func (g *guide) count(o *Outcome) {
	if o.Abandoned {
		return
	}
	g.runs++
	for p, k := range o.Result.Probes {
		if k > 0 {
			g.counts[p]++
		}
	}
}

// hitsRare reports whether ps hits a probe that fewer than
// GuidedRarePercent of the finished runs hit.
func (g *guide) hitsRare(ps harness.Probes) bool {
	for p, k := range ps {
		if k > 0 && 100*g.counts[p] < GuidedRarePercent*g.runs {
			return true
		}
	}
	return false
}

// plan builds the next generation: queued perturbations first, at most
// half of it, then plain seeds; positions past the seed budget end it.
func (g *guide) plan() {
	g.gen, g.next, g.done = g.gen[:0], 0, 0
	g.genDone = make(chan struct{})
	s := g.spec
	perturbed := 0
	for len(g.gen) < GuidedGeneration {
		j := job{pos: g.start, index: s.Shard.nth(g.start)}
		if s.Seeds > 0 && j.index >= uint64(s.Seeds) {
			break
		}
		if len(g.queue) > 0 && perturbed < GuidedGeneration/2 {
			p := g.queue[0]
			g.queue = slices.Delete(g.queue, 0, 1)
			j.perturb = &p
			perturbed++
		}
		g.gen = append(g.gen, j)
		g.start++
	}
	g.results = make([]Outcome, len(g.gen))
	g.over = len(g.gen) == 0
}

// perturbedSeed is the world seed of the perturbation run at seed index k:
// fresh, and apart from the plain seeds' (SeedAt).
func (s *Spec) perturbedSeed(k uint64) sim.Seed {
	return s.Seed.Derive("campaign/guided/" + strconv.FormatUint(k, 10))
}
