package faults

import (
	"errors"
	"testing"
	"time"

	"github.com/raftsim/raftsim/sim"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const s1 = time.Second

// TestValidateErrors checks every message Validate can give, in a cluster
// of 5, with the step placed second in a plan.
func TestValidateErrors(t *testing.T) {
	cases := []struct {
		step Step
		want string
	}{
		{Step{At: s1}, "(at 1s, unset): kind is unset"},
		{Step{At: s1, Kind: kindEnd}, "(at 1s, Kind(25)): unknown kind 25"},
		{Step{At: -s1, Kind: Heal}, "(at -1s, heal): at -1s is negative"},
		{Step{At: s1, Kind: Heal, For: s1}, `(at 1s, heal): field "for" is not used by heal (it takes no parameters)`},
		{Step{At: s1, Kind: Crash, Node: 1, Groups: [][]int{{1}}}, `(at 1s, crash): field "groups" is not used by crash (it uses node, for)`},
		{Step{At: s1, Kind: Partition, Groups: [][]int{{1, 2}, {3}}, Loss: sim.Never}, `field "loss" is not used by partition (it uses groups)`},
		// Node references.
		{Step{At: s1, Kind: Crash}, `(at 1s, crash): node is unset: crash takes a node ID 1 to 5 or "leader"`},
		{Step{At: s1, Kind: Crash, Node: 7}, "(at 1s, crash): node 7 is not in a cluster of 5"},
		{Step{At: s1, Kind: Crash, Node: AnyVoter}, `node "any": crash takes a node ID 1 to 5 or "leader"`},
		{Step{At: s1, Kind: Restart, Node: Leader}, `node "leader": restart takes a node ID 1 to 5 or "all"`},
		{Step{At: s1, Kind: DiskHeal, Node: AnyVoter}, `node "any": disk-heal takes a node ID 1 to 5, "leader" or "all"`},
		{Step{At: s1, Kind: AddMember, Node: Leader}, `node "leader": add-member takes a node ID 1 to 5`},
		{Step{At: s1, Kind: TransferLeader, Node: -9}, `node -9: not a node ID or target (transfer-leader takes a node ID 1 to 5 or "any")`},
		// Groups.
		{Step{At: s1, Kind: Partition, Groups: [][]int{{1, 2}}}, "(at 1s, partition): needs at least 2 groups, got 1"},
		{Step{At: s1, Kind: Partition, Groups: [][]int{{1, 2}, {}}}, "group 1 is empty"},
		{Step{At: s1, Kind: Partition, Groups: [][]int{{1, 2}, {3, 0}}}, "group {n3,n0}: node 0 is not in a cluster of 5"},
		{Step{At: s1, Kind: Partition, Groups: [][]int{{1, 2}, {3, 3}}}, "group {n3,n3}: node 3 is named twice in {n3,n3}"},
		{Step{At: s1, Kind: Partition, Groups: [][]int{{1, 2}, {3, 4}, {4, 5}}}, "groups overlap: node 4 is in {n3,n4} and {n4,n5}"},
		{Step{At: s1, Kind: Flap, Groups: [][]int{{1}, {2}}}, "(at 1s, flap): interval 0s: must be positive"},
		{Step{At: s1, Kind: Bridge, Node: 3, Groups: [][]int{{1, 2}, {4}, {5}}}, "bridge needs exactly 2 groups (the two sides), got 3"},
		{Step{At: s1, Kind: Bridge, Node: 3, Groups: [][]int{{1, 3}, {4, 5}}}, "bridge node n3 is also in side {n1,n3}; it must be in neither"},
		{Step{At: s1, Kind: Bridge, Node: 3, Groups: [][]int{{1, 2}, {2, 5}}}, "groups overlap: node 2 is in {n1,n2} and {n2,n5}"},
		// One-way, split.
		{Step{At: s1, Kind: PartitionOneWay, To: []int{1}}, "from is empty: name the nodes whose messages are cut"},
		{Step{At: s1, Kind: PartitionOneWay, From: []int{1}}, "to is empty: name the nodes that stop hearing from the others"},
		{Step{At: s1, Kind: PartitionOneWay, From: []int{1}, To: []int{6}}, "to: node 6 is not in a cluster of 5"},
		{Step{At: s1, Kind: PartitionOneWay, From: []int{1, 2}, To: []int{2}}, "node 2 is in both from and to"},
		{Step{At: s1, Kind: Split, Nodes: []int{1, 2, 3}}, "nodes {n1,n2,n3}: 3 of 5 is not a minority (at most 2)"},
		{Step{At: s1, Kind: Split, Nodes: []int{9}}, "nodes: node 9 is not in a cluster of 5"},
		// Links.
		{Step{At: s1, Kind: Link}, "link changes nothing: set latency, loss or duplicate"},
		{Step{At: s1, Kind: Link, From: []int{1, 1}, Loss: sim.Never}, "from: node 1 is named twice in {n1,n1}"},
		{Step{At: s1, Kind: Link, Loss: sim.Ratio{Num: 3, Den: 2}}, "loss: sim: ratio 3/2: numerator exceeds denominator"},
		{Step{At: s1, Kind: Link, Duplicate: sim.Ratio{Num: 1}}, "duplicate: sim: ratio 1/0: denominator is zero"},
		{Step{At: s1, Kind: Link, Latency: sim.UniformDist(2*time.Millisecond, time.Millisecond)}, "latency: sim: latency uniform(2ms..1ms): max 1ms is below min 2ms"},
		{Step{At: s1, Kind: Capacity, BytesPerSecond: -1}, "bytesPerSecond -1 is negative (0 means unlimited)"},
		{Step{At: s1, Kind: Clog, To: []int{2}}, "for 0s: a clog lasts a positive time"},
		{Step{At: s1, Kind: Link, Node: Leader, Loss: sim.Never}, "node leader is one end of the links: set exactly one of from (links from -> node) and to (node -> to)"},
		{Step{At: s1, Kind: Link, Node: 1, From: []int{2}, To: []int{3}, Loss: sim.Never}, "set exactly one of from"},
		{Step{At: s1, Kind: Link, Node: AnyVoter, From: []int{2}, Loss: sim.Never}, `node "any": link takes a node ID 1 to 5 or "leader"`},
		{Step{At: s1, Kind: Clog, Clients: ClientReplies, From: []int{2}, For: s1}, `clients "replies" selects client links: from and to must be empty`},
		{Step{At: s1, Kind: Clog, Clients: 7, For: s1}, "clients 7: unknown (want replies or requests)"},
		// Nodes, clocks, disks.
		{Step{At: s1, Kind: Crash, Node: 1, For: -s1}, "for -1s is negative (0 means until a restart step)"},
		{Step{At: s1, Kind: Pause, Node: 1, For: -s1}, "for -1s is negative (0 means until a resume step)"},
		{Step{At: s1, Kind: ClockDrift, Node: 1, PPM: 600_000}, "ppm 600000: want -500000 to 500000"},
		{Step{At: s1, Kind: ClockJump, Node: 1, Offset: -s1}, "offset -1s: a jump is forward, so it must be positive (clock-skew sets any offset)"},
		{Step{At: s1, Kind: DiskFaults, Node: 1, Disk: DiskRates{Corrupt: sim.Ratio{Num: 2, Den: 1}}}, "disk.corrupt 2/1: sim: ratio 2/1: numerator exceeds denominator"},
		{Step{At: s1, Kind: DiskFaults, Node: 1, Disk: DiskRates{CrashPolicy: 9}}, "disk.crashPolicy: unknown policy 9"},
		{Step{At: s1, Kind: DiskSlow, Node: 1}, "latency: sim: latency unset: kind is unset"},
	}
	for _, c := range cases {
		p := Plan{Steps: []Step{{Kind: Heal}, c.step}}
		err := p.Validate(5)
		require.Error(t, err, "%v", c.step)
		assert.True(t, errors.Is(err, ErrPlan))
		assert.Contains(t, err.Error(), "faults: plan: step 1 ", "%v", c.step)
		assert.Contains(t, err.Error(), c.want)

		serr := c.step.Validate(5)
		require.Error(t, serr)
		assert.Contains(t, serr.Error(), "faults: step (at ")
		assert.Contains(t, serr.Error(), c.want)
	}
}

func TestValidatePlanLevel(t *testing.T) {
	assert.EqualError(t, Plan{}.Validate(0), "faults: plan: a cluster of 0 nodes: want at least 1: invalid fault plan")
	assert.EqualError(t, Step{Kind: Heal}.Validate(0), "faults: step: a cluster of 0 nodes: want at least 1: invalid fault plan")
	p := Plan{Steps: []Step{{At: 2 * s1, Kind: Heal}, {At: s1, Kind: Crash, Node: 1}}}
	assert.EqualError(t, p.Validate(3), "faults: plan: step 1 (at 1s, crash): out of time order: step 0 before it is at 2s: invalid fault plan")
	assert.EqualError(t, Plan{Steps: []Step{{At: s1, Kind: Split}}}.Validate(2),
		"faults: plan: step 0 (at 1s, split): a cluster of 2 has no minority to split off: invalid fault plan")
	assert.EqualError(t, Plan{Steps: []Step{{At: 1500 * time.Millisecond, Kind: Partition, Groups: [][]int{{1, 2}, {7}}}}}.Validate(5),
		"faults: plan: step 0 (at 1.5s, partition): group {n7}: node 7 is not in a cluster of 5: invalid fault plan")
}

// TestValidateAcceptsNoOps: steps that may find nothing to do are valid.
func TestValidateAcceptsNoOps(t *testing.T) {
	p := Plan{Steps: []Step{
		{At: 0, Kind: Restart, Node: 2},
		{At: 0, Kind: Resume, Node: AllNodes},
		{At: 0, Kind: AddMember, Node: 1},
		{At: s1, Kind: Split},
		{At: s1, Kind: DiskFaults, Node: 3},
		{At: s1, Kind: ClockSkew, Node: 3},
		{At: s1, Kind: Capacity},
		{At: s1, Kind: Crash, Node: Leader},
		{At: s1, Kind: TransferLeader, Node: AnyVoter},
	}}
	assert.NoError(t, p.Validate(5))
}

// TestEmptySlicesAreUnset: an empty slice is no parameter, like nil.
func TestEmptySlicesAreUnset(t *testing.T) {
	assert.NoError(t, Step{Kind: Heal, Groups: [][]int{}, From: []int{}}.Validate(3))
	assert.NoError(t, Step{Kind: Split, Nodes: []int{}}.Validate(3))
}
