package harness

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftsim/raftsim/faults"
	"github.com/raftsim/raftsim/internal/zoo"
	"github.com/raftsim/raftsim/raft"
	"github.com/raftsim/raftsim/sim"
)

const ms = time.Millisecond

// availConfig is a fault-free three-node cluster on reliable 1-3ms links,
// for plans that stage one availability situation each.
func availConfig(steps ...faults.Step) Config {
	cfg := DefaultConfig()
	cfg.Duration = 4 * time.Second
	cfg.Network = sim.ReliableLink(sim.UniformDist(ms, 3*ms))
	cfg.Crashes = Crashes{}
	cfg.Plan = faults.Plan{Steps: steps}
	return cfg
}

// availFailures runs seeds 1..n and returns each seed's failure (nil when
// it passed), failing the test on an inconclusive verdict.
func availFailures(t *testing.T, cfg Config, n int) []*Failure {
	t.Helper()
	var out []*Failure
	for _, res := range runSeeds(t, cfg, 1, n+1) {
		require.Empty(t, res.Inconclusive, "seed %d", res.Seed)
		out = append(out, res.Failure)
	}
	return out
}

// requireCaught: every seed fails the availability check, with the bound's
// derivation in the message.
func requireCaught(t *testing.T, fs []*Failure, check string, derivation ...string) {
	t.Helper()
	for i, f := range fs {
		require.NotNil(t, f, "seed %d passed", i+1)
		require.Equal(t, ClassAvailability+"/"+check, f.Signature(), "seed %d: %v", i+1, f)
		for _, d := range derivation {
			assert.Contains(t, f.Message, d, "seed %d", i+1)
		}
	}
}

// requirePass: no seed fails.
func requirePass(t *testing.T, fs []*Failure) {
	t.Helper()
	for i, f := range fs {
		assert.Nil(t, f, "seed %d: %v", i+1, f)
	}
}

var isolateLeader = faults.Step{At: time.Second, Kind: faults.Isolate, Node: faults.Leader}

// A leader that never forgets who it heard from (the zoo's
// check-quorum-never-resets) keeps leading when it is cut off: the check
// sees it, and says how the bound is derived. The correct core steps down.
func TestCheckQuorumCatchesALeaderThatNeverStepsDown(t *testing.T) {
	cfg := availConfig(isolateLeader)
	requirePass(t, availFailures(t, cfg, 6))
	cfg.Bugs = zoo.Bugs{CheckQuorumNeverResets: true}
	requireCaught(t, availFailures(t, cfg, 6), CheckQuorumStepDown,
		"without hearing from a quorum of {n1,n2,n3}", "bound 300.002ms = 2 x ElectionTimeoutMin 150ms", "running clock")
}

// Tricky but correct situations: the correct core passes each, and where
// the situation does leave a leader without its quorum, the broken core is
// caught (so the check is not vacuous there).
func TestCheckQuorumTrickyButCorrect(t *testing.T) {
	slow := sim.FixedDist(40 * ms)
	cases := []availCase{
		{"one-way cut out of n1", availConfig(faults.Step{At: time.Second, Kind: faults.PartitionOneWay, From: []int{1}, To: []int{2, 3}}), false},
		{"one-way cut into n1", availConfig(faults.Step{At: time.Second, Kind: faults.PartitionOneWay, From: []int{2, 3}, To: []int{1}}), false},
		{"isolated leader paused for longer than the bound", availConfig(isolateLeader,
			faults.Step{At: time.Second + ms, Kind: faults.Pause, Node: faults.Leader, For: 2 * time.Second}), true},
		{"isolated leader with a slow clock", availConfig(
			faults.Step{At: 500 * ms, Kind: faults.ClockDrift, Node: faults.Leader, PPM: -400_000}, isolateLeader), true},
		{"isolated leader with a fast clock", availConfig(
			faults.Step{At: 500 * ms, Kind: faults.ClockDrift, Node: faults.Leader, PPM: 400_000}, isolateLeader), true},
		{"leader clock jumps a second", availConfig(faults.Step{At: time.Second, Kind: faults.ClockJump, Node: faults.Leader, Offset: time.Second}), false},
		{"isolated leader on a slow disk", availConfig(
			faults.Step{At: 500 * ms, Kind: faults.DiskSlow, Node: faults.Leader, Latency: slow}, isolateLeader), true},
		{"leader removed from the configuration", availConfig(faults.Step{At: time.Second, Kind: faults.RemoveMember, Node: faults.Leader}), false},
		{"followers paused", availConfig(
			faults.Step{At: time.Second, Kind: faults.Pause, Node: 2, For: time.Second},
			faults.Step{At: time.Second, Kind: faults.Pause, Node: 3, For: time.Second}), false},
	}
	joint := availConfig(faults.Step{At: 500 * ms, Kind: faults.AddMember, Node: 4},
		faults.Step{At: 520 * ms, Kind: faults.Isolate, Node: faults.Leader})
	joint.Spares = 1
	cases = append(cases, availCase{"isolated during a membership change", joint, true})
	runAvailCases(t, cases, zoo.Bugs{CheckQuorumNeverResets: true}, CheckQuorumStepDown)
}

// availCase is a tricky but correct situation for an availability check.
type availCase struct {
	name   string
	cfg    Config
	caught bool // the core with the check's zoo knob is caught
}

// runAvailCases runs each case on the correct core, which must pass, and
// where caught says so on the core with bugs, which check must catch (so
// the check is not vacuous there).
func runAvailCases(t *testing.T, cases []availCase, bugs zoo.Bugs, check string) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			requirePass(t, availFailures(t, c.cfg, 6))
			if !c.caught {
				return
			}
			c.cfg.Bugs = bugs
			requireCaught(t, availFailures(t, c.cfg, 6), check)
		})
	}
}

// The quorum arithmetic: each half of a joint configuration needs its own
// quorum, and a leader outside a half does not count in it.
func TestQuorumHeardSince(t *testing.T) {
	heard := []time.Duration{0, 50, 80, 20, 90} // n1..n5, running time
	now := time.Duration(100)
	simple := raft.NewMembership(1, 2, 3)
	assert.Equal(t, time.Duration(80), quorumHeardSince(simple, 1, heard, now), "self and n3")
	assert.Equal(t, time.Duration(80), quorumHeardSince(simple, 2, heard, now), "self and n3")
	five := raft.NewMembership(1, 2, 3, 4, 5)
	assert.Equal(t, time.Duration(80), quorumHeardSince(five, 1, heard, now), "self, n5, n3")
	joint := raft.Membership{Members: []raft.NodeID{1, 2, 3}, MembersAfterConsensus: []raft.NodeID{3, 4, 5}}
	assert.Equal(t, time.Duration(80), quorumHeardSince(joint, 1, heard, now), "old half: self, n3; new half: n5, n3")
	joint = raft.Membership{Members: []raft.NodeID{1, 2, 3}, MembersAfterConsensus: []raft.NodeID{2, 4, 5}}
	assert.Equal(t, time.Duration(50), quorumHeardSince(joint, 1, heard, now), "the new half's second is n2")
	removed := raft.NewMembership(2, 3, 4)
	assert.Equal(t, time.Duration(50), quorumHeardSince(removed, 1, heard, now), "a removed leader counts only the members")
}

// pauseTarget keeps the transfer target from ever answering: its
// TimeoutNow waits in its backlog for two seconds.
var pauseTarget = faults.Step{At: 900 * ms, Kind: faults.Pause, Node: 3, For: 2 * time.Second}

var transferTo3 = faults.Step{At: time.Second, Kind: faults.TransferLeader, Node: 3}

// A transfer that never gives up (the zoo's transfer-never-abandoned)
// leaves the leader refusing proposals while the target is unreachable:
// the check sees it. The correct core abandons the transfer in time.
func TestTransferCatchesATransferThatNeverEnds(t *testing.T) {
	cfg := availConfig(pauseTarget, transferTo3)
	requirePass(t, availFailures(t, cfg, 6))
	cfg.Bugs = zoo.Bugs{TransferNeverAbandoned: true}
	requireCaught(t, availFailures(t, cfg, 6), CheckTransferEnds,
		"still transfers leadership to n3", "bound 150.002ms = ElectionTimeoutMin 150ms")
}

// Tricky but correct transfers: one that succeeds, one to a lagging
// target, one whose leader is paused mid-transfer, one whose leader's clock
// runs slow.
func TestTransferTrickyButCorrect(t *testing.T) {
	cases := []availCase{
		{"a transfer that succeeds", availConfig(faults.Step{At: time.Second, Kind: faults.TransferLeader, Node: faults.AnyVoter}), false},
		{"a transfer to a node that was cut off", availConfig(
			faults.Step{At: 500 * ms, Kind: faults.Isolate, Node: 3},
			faults.Step{At: 990 * ms, Kind: faults.Heal}, transferTo3), false},
		{"the leader paused mid-transfer", availConfig(pauseTarget, transferTo3,
			faults.Step{At: time.Second + 20*ms, Kind: faults.Pause, Node: faults.Leader, For: time.Second}), true},
		{"the leader's clock slow", availConfig(
			faults.Step{At: 500 * ms, Kind: faults.ClockDrift, Node: faults.Leader, PPM: -400_000}, pauseTarget, transferTo3), true},
	}
	runAvailCases(t, cases, zoo.Bugs{TransferNeverAbandoned: true}, CheckTransferEnds)
}

// A core that elects nobody (the zoo's prevote-never-grants) is caught
// during the chaos phase once a majority has been healthy for the bound,
// with the derivation; on lossy links no window opens, and the liveness
// phase catches it instead (TestLivenessCatchesBrokenElection).
func TestHealedMajorityCatchesNoLeader(t *testing.T) {
	cfg := availConfig()
	cfg.Duration = 6 * time.Second
	requirePass(t, availFailures(t, cfg, 4))
	cfg.Bugs = zoo.Bugs{PreVoteNeverGrants: true}
	requireCaught(t, availFailures(t, cfg, 4), CheckHealedMajority,
		"no node of [n1 n2 n3] led", "since it became a healthy majority", "elections", "rounds x (ElectionTimeoutMax + 2 round trips)", "round trip")
}

// The client half: a command a leader of a healthy majority accepted and
// never finished is reported with its bound. (No knob of the zoo accepts
// commands and then sits on them in a healthy cluster, so the pending
// command is planted in a real world, mid-run.)
func TestHealedMajorityCatchesAStuckCommand(t *testing.T) {
	cfg := availConfig()
	w := newWorld(cfg, 1)
	w.start()
	w.kernel.Run(func(e event) bool { w.handle(e); return w.kernel.Now() < sim.Time(time.Second) })
	mw := &w.avail.majority
	require.True(t, mw.active, "three healthy nodes on reliable links are a healthy majority")
	leader := w.currentLeader()
	require.NotNil(t, leader)
	w.availAccepted(leader, false, 1<<40) // an ID the node never used: nothing will end it
	p := mw.pending[len(mw.pending)-1]
	require.Equal(t, uint64(1<<40), p.id)
	assert.Less(t, p.deadline.Sub(p.accepted), time.Second, "a caught-up cluster's bound is short")
	w.kernel.Run(func(e event) bool { w.handle(e); return w.failure == nil && w.kernel.Now() < sim.Time(3*time.Second) })
	require.NotNil(t, w.failure)
	assert.Equal(t, ClassAvailability+"/"+CheckHealedMajority, w.failure.Signature())
	assert.Contains(t, w.failure.Message, "accepted a client command")
	assert.Contains(t, w.failure.Message, "2 x catch-up")
}

// Healthy majorities that are tricky but correct: the correct core elects
// a leader among them and finishes what it accepts.
func TestHealedMajorityTrickyButCorrect(t *testing.T) {
	cases := []struct {
		name string
		cfg  Config
	}{
		{"a minority cut off", availConfig(faults.Step{At: time.Second, Kind: faults.Partition, Groups: [][]int{{1, 2}, {3}}})},
		{"the leader cut off", availConfig(isolateLeader)},
		{"a node down", availConfig(faults.Step{At: time.Second, Kind: faults.Crash, Node: faults.Leader, For: 2 * time.Second})},
		{"slow clocks in the majority", availConfig(
			faults.Step{At: 500 * ms, Kind: faults.ClockDrift, Node: 1, PPM: -400_000},
			faults.Step{At: 500 * ms, Kind: faults.ClockDrift, Node: 2, PPM: 300_000},
			faults.Step{At: time.Second, Kind: faults.Isolate, Node: 3})},
		{"slow links in the majority", availConfig(faults.Step{At: time.Second, Kind: faults.Link, Latency: sim.UniformDist(5*ms, 20*ms)},
			faults.Step{At: time.Second, Kind: faults.Isolate, Node: faults.Leader})},
		{"a leader removed", availConfig(faults.Step{At: time.Second, Kind: faults.RemoveMember, Node: faults.Leader})},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.cfg.Duration = 8 * time.Second
			requirePass(t, availFailures(t, c.cfg, 6))
		})
	}
}

// A window opens only on a healthy majority: not on lossy links, not with
// an outsider that can still reach it, not when a configuration held in
// the majority needs a node outside it.
func TestHealedMajorityWindowOpensOnlyWhenOwed(t *testing.T) {
	at := func(cfg Config, d time.Duration) *World {
		w := newWorld(cfg, 1)
		w.start()
		w.kernel.Run(func(e event) bool { w.handle(e); return w.kernel.Now() < sim.Time(d) })
		require.Nil(t, w.failure)
		return w
	}
	lossy := availConfig()
	lossy.Network.Loss = sim.Percent(1)
	assert.False(t, at(lossy, time.Second).avail.majority.active, "lossy links")
	assert.True(t, at(availConfig(), time.Second).avail.majority.active, "reliable links")
	paused := availConfig(faults.Step{At: 500 * ms, Kind: faults.Pause, Node: 3, For: time.Second})
	w := at(paused, 700*ms)
	assert.False(t, w.avail.majority.active, "a paused node that is not cut off can resume into the election")
	cut := availConfig(faults.Step{At: 500 * ms, Kind: faults.Isolate, Node: 3})
	w = at(cut, 700*ms)
	require.True(t, w.avail.majority.active, "n3 cut off")
	assert.Equal(t, []raft.NodeID{1, 2}, w.memberIDs(w.avail.majority.members))
	oneWay := availConfig(faults.Step{At: 500 * ms, Kind: faults.PartitionOneWay, From: []int{1, 2}, To: []int{3}})
	assert.False(t, at(oneWay, 700*ms).avail.majority.active, "n3 still reaches the others")
}

// The heal stops a slow clock's drift without rescheduling the leader's
// pending timer, which then fires late on the now faster clock: the
// leader's windows make room for it rather than count it against the
// leader.
func TestHealOfASlowClockGivesTheLateTimerRoom(t *testing.T) {
	cfg := availConfig(faults.Step{At: 500 * ms, Kind: faults.ClockDrift, Node: faults.Leader, PPM: -400_000})
	cfg.Duration = 1234 * ms
	w := newWorld(cfg, 1)
	w.start()
	var late bool
	w.kernel.Run(func(e event) bool {
		w.handle(e)
		if e.kind == evChaosEnd {
			for _, n := range w.nodes {
				late = late || w.avail.leaders[n.idx].graceUntil > 0
			}
			return false
		}
		return w.failure == nil
	})
	require.Nil(t, w.failure)
	assert.True(t, late, "the drifting leader's pending timer was late after the heal")
}
