package faults

import (
	"errors"
	"testing"
	"time"

	"github.com/raftsim/raftsim/sim"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

func corrupt(at time.Duration, node NodeRef) Step {
	return Step{At: at, Kind: DiskFaults, Node: node, Disk: DiskRates{Corrupt: sim.OneIn(100)}}
}

// TestWithinBudgetAllowsWhatHeals: crashes, pauses, partitions and slow or
// lossy links are survivable however many nodes they hit.
func TestWithinBudgetAllowsWhatHeals(t *testing.T) {
	p := Plan{Steps: []Step{
		{At: 0, Kind: ClockSkew, Node: 1, Offset: -time.Hour}, // an initial offset
		{At: s1, Kind: Crash, Node: 1}, {At: s1, Kind: Crash, Node: 2}, {At: s1, Kind: Crash, Node: 3},
		{At: s1, Kind: Pause, Node: Leader},
		{At: s1, Kind: Partition, Groups: [][]int{{1}, {2}, {3}}},
		{At: s1, Kind: Link, Loss: sim.Always},
		{At: s1, Kind: DiskFaults, Node: AllNodes, Disk: DiskRates{ReadError: sim.OneIn(2), WriteError: sim.OneIn(2), SyncFail: sim.OneIn(2), CrashPolicy: CrashTear}},
		{At: s1, Kind: ClockDrift, Node: Leader, PPM: -MaxDriftPPM},
		{At: s1, Kind: ClockJump, Node: Leader, Offset: time.Hour},
		{At: 2 * s1, Kind: ClockSkew, Node: 1, Offset: 2 * time.Hour},
		{At: 2 * s1, Kind: RemoveMember, Node: 3},
		{At: 2 * s1, Kind: RemoveMember, Node: 3},
	}}
	assert.NoError(t, p.WithinBudget(3, Survivable))
	assert.NoError(t, p.WithinBudget(3, Unbounded))
}

// TestWithinBudgetRejects names the step and the rule it breaks.
func TestWithinBudgetRejects(t *testing.T) {
	cases := []struct {
		nodes int
		steps []Step
		want  string
	}{
		{5, []Step{{At: s1, Kind: DiskFaults, Node: 2, Disk: DiskRates{LostWrite: sim.OneIn(1000)}}},
			"step 0 (at 1s, disk-faults): outside the survivable budget: lostWrite and misdirectedWrite silently undo an acknowledged write"},
		{5, []Step{{At: s1, Kind: DiskFaults, Node: 2, Disk: DiskRates{MisdirectedWrite: sim.OneIn(1000)}}},
			"Raft's stable-storage assumption rules out even on one node; use the unbounded budget"},
		{5, []Step{corrupt(s1, Leader)},
			`damaging disk faults (corrupt, latentSector) on "leader" may reach any node; name one node`},
		{5, []Step{{At: s1, Kind: DiskFaults, Node: AllNodes, Disk: DiskRates{LatentSector: sim.OneIn(9)}}},
			`on "all" may reach any node`},
		{5, []Step{corrupt(s1, 1), corrupt(s1, 2), corrupt(2*s1, 2), corrupt(3*s1, 3)},
			"step 3 (at 3s, disk-faults): outside the survivable budget: nodes that may be lost for good (damaged: {n1,n2,n3}) " +
				"must be fewer than the healthy voters that are never removed ({n4,n5}), or no majority is left to heal"},
		{3, []Step{corrupt(s1, 1), {At: 2 * s1, Kind: RemoveMember, Node: 2}},
			"step 1 (at 2s, remove-member): outside the survivable budget: nodes that may be lost for good (damaged: {n1}) " +
				"must be fewer than the healthy voters that are never removed ({n3})"},
		{5, []Step{corrupt(s1, 1), {At: 2 * s1, Kind: RemoveMember, Node: Leader}, {At: 3 * s1, Kind: RemoveMember, Node: Leader}, {At: 4 * s1, Kind: RemoveMember, Node: Leader}},
			"step 3 (at 4s, remove-member): outside the survivable budget: nodes that may be lost for good (damaged: {n1}) " +
				"must be fewer than the healthy voters that are never removed ({n2,n3,n4,n5}, less 3 removals of the leader)"},
		{3, []Step{{At: s1, Kind: RemoveMember, Node: 1}, {At: s1, Kind: RemoveMember, Node: 2}, {At: s1, Kind: RemoveMember, Node: 3}},
			"step 2 (at 1s, remove-member): outside the survivable budget: nodes that may be lost for good (damaged: {}) " +
				"must be fewer than the healthy voters that are never removed ({})"},
		{3, []Step{{At: s1, Kind: RemoveMember, Node: 1}, {At: s1, Kind: RemoveMember, Node: 2}, {At: s1, Kind: RemoveMember, Node: Leader}},
			"({n3}, less 1 removal of the leader)"},
		{3, []Step{{At: s1, Kind: ClockSkew, Node: 2, Offset: 10 * ms}, {At: 2 * s1, Kind: ClockSkew, Node: 2, Offset: 5 * ms}},
			"step 1 (at 2s, clock-skew): outside the survivable budget: steps n2's clock back from +10ms to +5ms; " +
				"after the start a clock only moves forward (set initial offsets at 0s)"},
		{3, []Step{{At: s1, Kind: ClockSkew, Node: 2, Offset: -ms}}, "steps n2's clock back from +0s to -1ms"},
		{3, []Step{{At: 0, Kind: ClockSkew, Node: 2, Offset: 50 * ms}, {At: s1, Kind: ClockJump, Node: 2, Offset: 10 * ms}, {At: 2 * s1, Kind: ClockSkew, Node: 2, Offset: 55 * ms}},
			"steps n2's clock back from +60ms to +55ms"},
		{3, []Step{{At: s1, Kind: ClockSkew, Node: 2, Offset: 10 * ms}, {At: 2 * s1, Kind: ClockSkew, Node: Leader, Offset: 5 * ms}},
			"step 1 (at 2s, clock-skew): outside the survivable budget: offset +5ms on the leader may step a clock back (some node may be at +10ms)"},
		{3, []Step{{At: s1, Kind: ClockJump, Node: Leader, Offset: 10 * ms}, {At: 2 * s1, Kind: ClockSkew, Node: 3, Offset: 5 * ms}},
			"steps n3's clock back from +10ms to +5ms"},
		{3, []Step{{At: s1, Kind: ClockSkew, Node: Leader, Offset: 10 * ms}, {At: 2 * s1, Kind: ClockSkew, Node: 1, Offset: 5 * ms}},
			"steps n1's clock back from +10ms to +5ms"},
	}
	for _, c := range cases {
		p := Plan{Steps: c.steps}
		require.NoError(t, p.Validate(c.nodes))
		err := p.WithinBudget(c.nodes, Survivable)
		require.Error(t, err, "%v", p)
		assert.True(t, errors.Is(err, ErrBudget))
		assert.Contains(t, err.Error(), c.want)
		assert.NoError(t, p.WithinBudget(c.nodes, Unbounded))
	}
}

func TestWithinBudgetValidatesFirst(t *testing.T) {
	p := Plan{Steps: []Step{{At: s1, Kind: Crash, Node: 9}}}
	err := p.WithinBudget(3, Unbounded)
	assert.ErrorIs(t, err, ErrPlan)
	assert.ErrorContains(t, err, "node 9 is not in a cluster of 3")
	assert.ErrorContains(t, Plan{}.WithinBudget(3, Budget(7)), "unknown budget 7")
}

func TestSkewOnTheLeaderAtStartIsNoOp(t *testing.T) {
	p := Plan{Steps: []Step{{At: 0, Kind: ClockSkew, Node: Leader, Offset: time.Hour}, {At: s1, Kind: ClockSkew, Node: 1, Offset: ms}}}
	assert.NoError(t, p.WithinBudget(3, Survivable))
}

func TestBudgetText(t *testing.T) {
	for _, b := range []Budget{Survivable, Unbounded} {
		text, err := b.MarshalText()
		require.NoError(t, err)
		var back Budget
		require.NoError(t, back.UnmarshalText(text))
		assert.Equal(t, b, back)
	}
	var b Budget
	assert.ErrorContains(t, b.UnmarshalText([]byte("yolo")), `unknown budget "yolo"`)
}

// TestStayFaulty: the pick holds every damaged node, is sorted and
// duplicate-free, and leaves a sure healthy majority; it is deterministic
// and draws exactly nodes values.
func TestStayFaulty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		seed := sim.Seed(rapid.Uint64().Draw(t, "seed"))
		shape := DrawShape(seed.Stream("shape"), DefaultLimits())
		plan := shape.DrawPlan(seed.Stream("plan"), 10*time.Second)
		r := seed.Stream("liveness")
		faulty, err := plan.StayFaulty(shape.Nodes, r)
		require.NoError(t, err)
		again, _ := plan.StayFaulty(shape.Nodes, seed.Stream("liveness"))
		require.Equal(t, faulty, again)
		require.Equal(t, advance(seed.Stream("liveness"), shape.Nodes).Uint64(), r.Uint64(), "draw count")

		e, err := plan.exposure(shape.Nodes)
		require.NoError(t, err)
		in := make([]bool, shape.Nodes+1)
		for i, id := range faulty {
			require.True(t, id >= 1 && id <= shape.Nodes)
			require.True(t, i == 0 || faulty[i-1] < id, "sorted, unique: %v", faulty)
			in[id] = true
		}
		for id, d := range e.damaged {
			require.True(t, !d || in[id], "damaged n%d is healed", id)
		}
		lost, sure := e.counts(in)
		require.Less(t, lost, sure)
	})
}

func TestStayFaultyPicksSomeAndNone(t *testing.T) {
	sizes := map[int]int{}
	for seed := range uint64(200) {
		f, err := Plan{}.StayFaulty(5, sim.NewRand(seed))
		require.NoError(t, err)
		sizes[len(f)]++
	}
	assert.Positive(t, sizes[0])
	assert.Positive(t, sizes[1])
	assert.Positive(t, sizes[2])
	assert.Zero(t, sizes[3])
}

// TestStayFaultyWithRemovals: a plan that removes a member keeps no
// healthy node faulty (StayFaulty's comment says why).
func TestStayFaultyWithRemovals(t *testing.T) {
	for _, node := range []NodeRef{4, Leader} {
		p := Plan{Steps: []Step{{At: 400 * time.Millisecond, Kind: RemoveMember, Node: node}}}
		for seed := range uint64(100) {
			f, err := p.StayFaulty(4, sim.NewRand(seed))
			require.NoError(t, err)
			require.Empty(t, f, "seed %d, remove-member %v", seed, node)
		}
	}
}

func TestStayFaultyOutsideBudget(t *testing.T) {
	p := Plan{Steps: []Step{corrupt(s1, 1), corrupt(s1, 2)}}
	_, err := p.StayFaulty(3, sim.NewRand(1))
	assert.ErrorIs(t, err, ErrBudget)
	assert.ErrorContains(t, err, "faults: no healed majority can be promised: faults: plan: step 1")
}

// advance returns r after n draws.
func advance(r *sim.Rand, n int) *sim.Rand {
	for range n {
		r.Uint64()
	}
	return r
}
