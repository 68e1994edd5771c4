package faults

import (
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/raftsim/raftsim/sim"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

var rewrite = flag.Bool("rewrite", false, "rewrite golden files under testdata/")

// drawRun draws a shape and a plan for seed the way a harness does.
func drawRun(seed sim.Seed, limits ShapeLimits, chaos time.Duration) (Shape, Plan) {
	shape := DrawShape(seed.Stream("shape"), limits)
	return shape, shape.DrawPlan(seed.Stream("plan"), chaos)
}

// TestDrawGolden pins the shape and plan of seed 42, so that an accidental
// change to drawing (which would make every saved seed replay a different
// run) shows up as a diff. Run with -rewrite after a deliberate change.
func TestDrawGolden(t *testing.T) {
	var b strings.Builder
	for _, seed := range []sim.Seed{42, 43} {
		shape, plan := drawRun(seed, DefaultLimits(), 10*time.Second)
		b.WriteString("seed " + seed.String() + "\n")
		for _, p := range shape.Params() {
			b.WriteString(p.String() + "\n")
		}
		b.WriteString(plan.String() + "\n\n")
	}
	path := filepath.Join("testdata", "draw.golden")
	if *rewrite {
		require.NoError(t, os.MkdirAll("testdata", 0o755))
		require.NoError(t, os.WriteFile(path, []byte(b.String()), 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test ./faults -run TestDrawGolden -rewrite")
	assert.Equal(t, string(want), b.String())
}

// TestDrawDeterministic: one seed, one shape, one plan; other seeds differ.
func TestDrawDeterministic(t *testing.T) {
	s1, p1 := drawRun(7, DefaultLimits(), 10*time.Second)
	s2, p2 := drawRun(7, DefaultLimits(), 10*time.Second)
	assert.Equal(t, s1, s2)
	assert.Equal(t, p1, p2)
	distinct := map[string]bool{}
	for seed := range sim.Seed(20) {
		_, p := drawRun(seed, DefaultLimits(), 10*time.Second)
		distinct[p.String()] = true
	}
	assert.Greater(t, len(distinct), 15)
}

// genLimits generates valid limits, sometimes unbounded, with some kinds
// off.
var genLimits = rapid.Custom(func(t *rapid.T) ShapeLimits {
	l := DefaultLimits()
	if rapid.Bool().Draw(t, "unbounded") {
		l.Budget = Unbounded
	}
	l.NodesMin = rapid.IntRange(1, maxNodes).Draw(t, "nodesMin")
	l.NodesMax = rapid.IntRange(l.NodesMin, maxNodes).Draw(t, "nodesMax")
	l.DriftMaxPPM = rapid.Int64Range(0, MaxDriftPPM).Draw(t, "drift")
	l.Off = rapid.SliceOfDistinct(rapid.SampledFrom(Kinds()), func(k Kind) Kind { return k }).Draw(t, "off")
	return l
})

// TestDrawnPlansAreValid: over any seed and limits, shapes validate, plans
// validate, stay within the shape's budget and inside the chaos phase, and
// never use a kind that is off.
func TestDrawnPlansAreValid(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		seed := sim.Seed(rapid.Uint64().Draw(t, "seed"))
		limits := DefaultLimits()
		if rapid.Bool().Draw(t, "vary limits") {
			limits = genLimits.Draw(t, "limits")
		}
		chaos := time.Duration(rapid.Int64Range(1, int64(30*time.Second)).Draw(t, "chaos"))
		shape, plan := drawRun(seed, limits, chaos)
		require.NoError(t, shape.Validate())
		require.GreaterOrEqual(t, shape.Nodes, limits.NodesMin)
		require.LessOrEqual(t, shape.Nodes, limits.NodesMax)
		require.NoError(t, plan.WithinBudget(shape.Nodes, shape.Budget), "%v", plan)
		require.NoError(t, plan.WithinBudget(shape.Nodes, limits.Budget))
		for _, s := range plan.Steps {
			require.Positive(t, s.At)
			require.Less(t, s.At, chaos)
			require.NotContains(t, limits.Off, s.Kind)
		}
	})
}

// TestSurvivableDrawsStaySurvivable runs the default limits over many
// seeds (the campaign case) and checks the budget explicitly.
func TestSurvivableDrawsStaySurvivable(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		seed := sim.Seed(rapid.Uint64().Draw(t, "seed"))
		shape, plan := drawRun(seed, DefaultLimits(), 20*time.Second)
		require.Equal(t, Survivable, shape.Budget)
		require.NoError(t, plan.WithinBudget(shape.Nodes, Survivable), "%v", plan)
	})
}

// feature names what a step exercises: its kind, and the leader-targeted
// variants separately, since "crash leader" and "crash n2" test different
// things.
func feature(s Step) string {
	if s.Kind == DiskFaults && s.Disk.Damaging() {
		return "disk-faults damaging"
	}
	if s.Node == Leader || s.Node == AnyVoter || s.Node == AllNodes {
		return s.Kind.String() + " " + s.Node.String()
	}
	return s.Kind.String()
}

// TestSwarmDiversity: over 300 seeds every kind (and the leader-targeted
// variants) appears in some plan, and every one is missing from some plan:
// swarm testing switches features off as well as on.
func TestSwarmDiversity(t *testing.T) {
	const seeds = 300
	count := map[string]int{}
	var empty, sizes [maxNodes + 1]int
	for seed := range sim.Seed(seeds) {
		shape, plan := drawRun(seed, DefaultLimits(), 10*time.Second)
		sizes[shape.Nodes]++
		if len(plan.Steps) == 0 {
			empty[0]++
		}
		seen := map[string]bool{}
		for _, s := range plan.Steps {
			seen[s.Kind.String()] = true
			seen[feature(s)] = true
		}
		for f := range seen {
			count[f]++
		}
	}
	want := []string{"isolate leader", "crash leader", "pause leader", "clock-jump leader", "clock-drift leader", "transfer-leader any", "disk-faults damaging"}
	for _, k := range Kinds() {
		want = append(want, k.String())
	}
	for _, f := range want {
		assert.Positive(t, count[f], "%s never drawn in %d seeds", f, seeds)
		assert.Less(t, count[f], seeds, "%s drawn in every seed: swarm testing switches features off too", f)
		t.Logf("%-20s in %3d of %d plans", f, count[f], seeds)
	}
	for n := 3; n <= 7; n++ {
		assert.Positive(t, sizes[n], "no cluster of %d", n)
	}
	t.Logf("plans with no faults: %d; cluster sizes: %v", empty[0], sizes[3:8])
}

// TestDrawCounts: DrawShape draws the same number of values whatever the
// limits, and DrawPlan exactly 7 from its stream, so neither shifts what a
// caller draws next.
func TestDrawCounts(t *testing.T) {
	next := func(limits ShapeLimits) uint64 {
		r := sim.NewRand(99)
		DrawShape(r, limits)
		return r.Uint64()
	}
	base := next(DefaultLimits())
	rapid.Check(t, func(t *rapid.T) {
		require.Equal(t, base, next(genLimits.Draw(t, "limits")))
	})

	shape := DrawShape(sim.NewRand(5), DefaultLimits())
	r := sim.NewRand(6)
	shape.DrawPlan(r, 10*time.Second)
	assert.Equal(t, advance(sim.NewRand(6), 7).Uint64(), r.Uint64())
}

// TestFamiliesDrawIndependently: turning crashes off leaves every other
// family's steps where they were.
func TestFamiliesDrawIndependently(t *testing.T) {
	moved := 0
	for seed := range sim.Seed(50) {
		shape := DrawShape(seed.Stream("shape"), DefaultLimits())
		with := shape.DrawPlan(seed.Stream("plan"), 10*time.Second)
		shape.Crash = NodeFaultShape{}
		without := shape.DrawPlan(seed.Stream("plan"), 10*time.Second)
		others := slices.DeleteFunc(slices.Clone(with.Steps), func(s Step) bool { return s.Kind == Crash || s.Kind == Restart })
		if len(others) != len(with.Steps) {
			moved++
		}
		assert.Equal(t, others, without.Steps)
	}
	assert.Positive(t, moved, "no seed had crashes to remove")
}

func TestDrawMinority(t *testing.T) {
	for n := 1; n <= maxNodes; n++ {
		for seed := range uint64(50) {
			r := sim.NewRand(seed)
			m := DrawMinority(r, n)
			assert.Equal(t, advance(sim.NewRand(seed), n).Uint64(), r.Uint64(), "draws %d", n)
			if n < 3 {
				assert.Nil(t, m)
				continue
			}
			assert.NotEmpty(t, m)
			assert.LessOrEqual(t, len(m), (n-1)/2)
			assert.True(t, slices.IsSorted(m))
			assert.NoError(t, Step{Kind: Split, Nodes: m}.Validate(n))
		}
	}
}

func TestDrawPanicsOnBadInput(t *testing.T) {
	assert.PanicsWithValue(t, "faults: DrawShape: faults: shape limits: nodesMin 0, nodesMax 7: want 1 <= min <= max <= 9: invalid shape",
		func() { DrawShape(sim.NewRand(1), ShapeLimits{NodesMax: 7}) })
	shape := DrawShape(sim.NewRand(1), DefaultLimits())
	assert.Panics(t, func() { shape.DrawPlan(sim.NewRand(1), 0) })
	shape.Nodes = 0
	assert.Panics(t, func() { shape.DrawPlan(sim.NewRand(1), time.Second) })
}

// TestSwarmDrawsEveryShapeFairly: over 2,000 default shapes, even and odd
// cluster sizes, membership changes (removals among them) and every
// workload knob appear at a fair rate, and the lease only with clocks that
// neither skew nor jump.
func TestSwarmDrawsEveryShapeFairly(t *testing.T) {
	const n = 2000
	sizes := map[int]int{}
	var removals, openLoop, sticky, anywhere, thinks, readHeavy, lease, logReads, leaderLinks, clientLinks int
	for seed := range sim.Seed(n) {
		s := DrawShape(seed.Stream("shape"), DefaultLimits())
		sizes[s.Nodes]++
		if s.Membership.Every > 0 && s.Membership.Transfer != sim.Always {
			removals++
		}
		w := s.Workload
		count := func(on bool, c *int) {
			if on {
				*c++
			}
		}
		count(w.Sessions > 0, &openLoop)
		count(w.Sticky > 0, &sticky)
		count(w.ReadAnywhere != sim.Ratio{}, &anywhere)
		count(w.ThinkMax > 0, &thinks)
		count(w.Mix.Get >= 2*(w.Mix.Put+w.Mix.Append+w.Mix.CAS), &readHeavy)
		count(w.Reads == ReadLog, &logReads)
		count(s.Links.Leader != sim.Ratio{}, &leaderLinks)
		count(s.Links.Clients != sim.Ratio{}, &clientLinks)
		if w.Reads == ReadLease {
			lease++
			assert.Zero(t, s.Clock.SkewMax, "seed %v: a lease with skewed clocks", seed)
			assert.Zero(t, s.Clock.JumpMax, "seed %v: a lease with clocks that jump", seed)
		}
	}
	for size := 3; size <= 7; size++ {
		assert.Greater(t, sizes[size], n/7, "cluster size %d", size)
	}
	assert.Greater(t, removals, n/4, "membership removals")
	for name, c := range map[string]int{"open loop": openLoop, "sticky": sticky, "read anywhere": anywhere, "think time": thinks, "read-heavy": readHeavy} {
		assert.Greater(t, c, n*2/5, name)
	}
	for name, c := range map[string]int{"lease": lease, "leader links": leaderLinks, "client links": clientLinks} {
		assert.Greater(t, c, n/8, name)
	}
	assert.Greater(t, logReads, n/16, "log reads")
}
