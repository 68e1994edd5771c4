package faults

import (
	"strings"
	"testing"
	"time"

	"github.com/raftsim/raftsim/sim"
	"github.com/stretchr/testify/assert"
)

const ms = time.Millisecond

// TestStepString pins the one-line form of every kind.
func TestStepString(t *testing.T) {
	cases := []struct {
		step Step
		want string
	}{
		{Step{At: 1500 * ms, Kind: Partition, Groups: [][]int{{1, 2}, {3, 4, 5}}}, "1.500s partition {n1,n2} | {n3,n4,n5}"},
		{Step{At: 2 * s1, Kind: PartitionOneWay, From: []int{1}, To: []int{2, 3}}, "2.000s partition-oneway {n1} -> {n2,n3}"},
		{Step{Kind: Isolate, Node: Leader}, "0.000s isolate leader"},
		{Step{Kind: Isolate, Node: 3}, "0.000s isolate n3"},
		{Step{Kind: Split, Nodes: []int{4, 5}}, "0.000s split {n4,n5} | rest"},
		{Step{Kind: Split}, "0.000s split random minority | rest"},
		{Step{Kind: Bridge, Node: 3, Groups: [][]int{{1, 2}, {4, 5}}}, "0.000s bridge {n1,n2} | n3 | {n4,n5}"},
		{Step{Kind: Flap, Groups: [][]int{{1}, {2, 3}}, Interval: 200 * ms}, "0.000s flap {n1} | {n2,n3} every 200ms"},
		{Step{Kind: Heal}, "0.000s heal"},
		{Step{Kind: Link, Latency: sim.UniformDist(5*ms, 50*ms), Loss: sim.OneIn(10), Duplicate: sim.OneIn(100)},
			"0.000s link all latency uniform(5ms..50ms) loss 1/10 dup 1/100"},
		{Step{Kind: Link, To: []int{2}, Loss: sim.Never}, "0.000s link all -> {n2} loss 0/1"},
		{Step{Kind: Capacity, From: []int{1}, To: []int{2}, BytesPerSecond: 1 << 20}, "0.000s capacity {n1} -> {n2} 1048576B/s"},
		{Step{Kind: Capacity}, "0.000s capacity all unlimited"},
		{Step{Kind: Clog, From: []int{1}, For: 300 * ms}, "0.000s clog {n1} -> all for 300ms"},
		{Step{Kind: ResetLinks}, "0.000s reset-links"},
		{Step{Kind: Link, Node: Leader, From: []int{1, 2, 3}, Latency: sim.FixedDist(50 * ms)}, "0.000s link {n1,n2,n3} -> leader latency fixed(50ms)"},
		{Step{Kind: Clog, Node: 2, To: []int{3}, For: ms}, "0.000s clog n2 -> {n3} for 1ms"},
		{Step{Kind: Link, Clients: ClientReplies, Node: Leader, Loss: sim.OneIn(2)}, "0.000s link leader -> clients loss 1/2"},
		{Step{Kind: Capacity, Clients: ClientRequests, BytesPerSecond: 100}, "0.000s capacity clients -> all 100B/s"},
		{Step{Kind: Crash, Node: 2}, "0.000s crash n2"},
		{Step{Kind: Crash, Node: Leader, For: 500 * ms}, "0.000s crash leader for 500ms"},
		{Step{Kind: Restart, Node: AllNodes}, "0.000s restart all"},
		{Step{Kind: Pause, Node: Leader, For: 2 * s1}, "0.000s pause leader for 2s"},
		{Step{Kind: Resume, Node: 4}, "0.000s resume n4"},
		{Step{Kind: ClockSkew, Node: 2, Offset: -20 * ms}, "0.000s clock-skew n2 -20ms"},
		{Step{Kind: ClockSkew, Node: 2, Offset: 20 * ms}, "0.000s clock-skew n2 +20ms"},
		{Step{Kind: ClockDrift, Node: 3, PPM: 200}, "0.000s clock-drift n3 +200ppm"},
		{Step{Kind: ClockDrift, Node: Leader, PPM: -50}, "0.000s clock-drift leader -50ppm"},
		{Step{Kind: ClockJump, Node: 1, Offset: s1}, "0.000s clock-jump n1 +1s"},
		{Step{Kind: DiskFaults, Node: 2, Disk: DiskRates{Corrupt: sim.OneIn(1000), SyncFail: sim.Never, CrashPolicy: CrashTear}},
			"0.000s disk-faults n2 corrupt 1/1000 crash tear"},
		{Step{Kind: DiskFaults, Node: AllNodes}, "0.000s disk-faults all off"},
		{Step{Kind: DiskSlow, Node: 2, Latency: sim.FixedDist(10 * ms)}, "0.000s disk-slow n2 fixed(10ms)"},
		{Step{Kind: DiskHeal, Node: 2}, "0.000s disk-heal n2"},
		{Step{Kind: AddMember, Node: 4}, "0.000s add-member n4"},
		{Step{Kind: RemoveMember, Node: Leader}, "0.000s remove-member leader"},
		{Step{Kind: TransferLeader, Node: AnyVoter}, "0.000s transfer-leader any"},
		{Step{Kind: kindUnset}, "0.000s unset unset"},
	}
	seen := map[Kind]bool{}
	for _, c := range cases {
		assert.Equal(t, c.want, c.step.String())
		seen[c.step.Kind] = true
	}
	for _, k := range Kinds() {
		assert.True(t, seen[k], "no String case for %v", k)
	}
}

func TestFormatAt(t *testing.T) {
	assert.Equal(t, "0.000s", formatAt(0))
	assert.Equal(t, "1.500s", formatAt(1500*ms))
	assert.Equal(t, "12.000250s", formatAt(12*s1+250*time.Microsecond))
	assert.Equal(t, "0.000000001s", formatAt(1))
	assert.Equal(t, "-1.000s", formatAt(-s1))
}

func TestPlanStringAndEnd(t *testing.T) {
	assert.Equal(t, "(no faults)", Plan{}.String())
	assert.Equal(t, time.Duration(0), Plan{}.End())
	p := Plan{Steps: []Step{
		{At: s1, Kind: Crash, Node: 1, For: 3 * s1},
		{At: 2 * s1, Kind: Heal},
		{At: 2 * s1, Kind: Flap, Groups: [][]int{{1}, {2}}, Interval: 10 * s1},
	}}
	assert.Equal(t, strings.Join([]string{
		"1.000s crash n1 for 3s", "2.000s heal", "2.000s flap {n1} | {n2} every 10s",
	}, "\n"), p.String())
	assert.Equal(t, 4*s1, p.End())
}

func TestKindNames(t *testing.T) {
	assert.Len(t, Kinds(), 24)
	for _, k := range Kinds() {
		back, err := ParseKind(k.String())
		assert.NoError(t, err)
		assert.Equal(t, k, back)
	}
	_, err := ParseKind("crash-leader")
	assert.ErrorIs(t, err, ErrKind)
	assert.Equal(t, "Kind(99)", Kind(99).String())
	assert.Equal(t, "NodeRef(-7)", NodeRef(-7).String())
	assert.Equal(t, "CrashPolicy(9)", CrashPolicy(9).String())
	assert.Equal(t, "Budget(9)", Budget(9).String())
	assert.Equal(t, "field(0x0)", field(0).name())
}
