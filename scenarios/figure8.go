package scenarios

import (
	"slices"
	"time"

	"github.com/raftsim/raftsim/faults"
	"github.com/raftsim/raftsim/harness"
	"github.com/raftsim/raftsim/sim"
)

var figure8Stacked = Scenario{
	Name:    "figure-8-stacked",
	Summary: "leaders append what they cannot commit, term after term, until a later leader overwrites a suffix of several terms",
	Doc: `The Raft paper's Figure 8 step by step, in rounds whose groups, timing
and cuts are drawn per seed. First the cluster splits into groups none of
which holds a quorum: the leader keeps taking writes (its clients still
reach it) that it can replicate at most to the few nodes of its group and
never commit, and no one can replace it. Then one side gets exactly a
quorum, in which every vote counts, so only a node with the most
up-to-date log there can be elected: when the old leader's group is on
that side, the winner holds those uncommitted entries. While it is still
catching the others up (an append carries at most a few entries, one or
two in flight), everything heals but the leader of the moment, which is
isolated, crashed or paused: its log now ends in uncommitted entries of
two terms, its own term's on top of the earlier one. The others elect a
leader in yet another term, which must overwrite that suffix when the
node comes back; rounds repeat. This is where a follower's truncation of
a suffix spanning several terms, and a leader's commitment of an earlier
term's entries only through one of its own (5.4.2), are tested. Clients
are open-loop and write-heavy, so the cut-off leaders pile up entries;
links are 2-10ms with the default loss; 3 or 5 nodes; every check is on.`,
	Build: func(seed sim.Seed) harness.Config {
		r := seed.Stream("figure8-shape")
		cfg := base([]int{3, 5}[r.Intn(2)])
		// Many keys: a write holds its key until it completes or times
		// out (one writer per key), so the keys bound how many writes a
		// cut-off leader takes.
		cfg.Workload.Clients, cfg.Workload.Keys = 24, 64
		cfg.Workload.Mix = harness.Mix{Get: 2, Put: 4, Append: 3, CAS: 1}
		cfg.Workload.OpenLoop = harness.OpenLoop{Sessions: 8, Arrival: r.Duration(4*ms, 12*ms)}
		// Under capacity even at one entry per round trip: with more
		// sessions than commit in a timeout, each retry appends again and
		// the leader's backlog outgrows its commits (48 sessions did so).
		cfg.Workload.Timeout = time.Second
		// Small appends, few in flight: a new leader needs many round
		// trips to bring the others up to its log, the window in which
		// its own term's entries are on it alone.
		cfg.Raft.MaxEntriesPerAppend = []int{1, 2, 4}[r.Intn(3)]
		cfg.Raft.MaxInflightAppends = 1 + r.Intn(2)
		// Slower links than the default widen the catch-up window.
		cfg.Network.Latency = sim.UniformDist(2*ms, 10*ms)
		cfg.Plan = figure8Plan(seed.Stream("plan"), cfg)
		return cfg
	},
}

// figure8Plan draws the rounds of figure-8-stacked over cfg's chaos phase.
// Each round: a partition with no quorum anywhere (the leader appends
// what it cannot commit); a partition with exactly a quorum on one side
// (a node of that side holding the most uncommitted entries is the only
// one it can elect); then, an election or so later, everything heals but
// the leader of the moment, which is isolated, crashed or paused, so that
// the rest elect a leader of a later term; then a heal. Every time comes
// from r, in ranges of the election timeout, so that the last cut lands
// sometimes before the quorum side's election, sometimes while its new
// leader catches the others up, sometimes after.
func figure8Plan(r *sim.Rand, cfg harness.Config) faults.Plan {
	lo, hi := cfg.Raft.ElectionTimeoutMin, cfg.Raft.ElectionTimeoutMax
	var steps []faults.Step
	at := func(t time.Duration, s faults.Step) {
		s.At = t
		steps = append(steps, s)
	}
	t := r.Duration(2*lo, 2*hi) // a first leader and some committed entries
	for t+8*hi < cfg.Duration {
		// 1. No quorum anywhere, long enough for check-quorum to depose
		// the leader (within two ElectionTimeoutMin), or not quite.
		at(t, faults.Step{Kind: faults.Partition, Groups: noQuorumGroups(r, cfg.Nodes)})
		t += r.Duration(2*lo, 2*hi)
		// 2. A quorum on one side only.
		at(t, faults.Step{Kind: faults.Heal})
		at(t, faults.Step{Kind: faults.Partition, Groups: quorumGroups(r, cfg.Nodes)})
		// 3. An election or so later, the leader of the moment away.
		t += r.Duration(lo/2, 2*hi)
		away := r.Duration(2*hi, 4*hi) // for the rest to elect and commit
		at(t, faults.Step{Kind: faults.Heal})
		switch r.Intn(4) {
		case 0:
			at(t, faults.Step{Kind: faults.Crash, Node: faults.Leader, For: away})
		case 1:
			at(t, faults.Step{Kind: faults.Pause, Node: faults.Leader, For: away})
		default:
			at(t, faults.Step{Kind: faults.Isolate, Node: faults.Leader})
			at(t+away, faults.Step{Kind: faults.Heal})
		}
		// 4. Back, its suffix is overwritten; settle a little.
		t += away + r.Duration(lo/2, hi)
	}
	return faults.Plan{Steps: steps}
}

// shuffled is 1..n in an order drawn from r.
func shuffled(r *sim.Rand, n int) []int {
	ids := make([]int, n)
	for i := range ids {
		ids[i] = i + 1
	}
	r.Shuffle(n, func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
	return ids
}

// noQuorumGroups splits nodes 1..n into groups in random order, each
// smaller than a quorum, so that no group can elect a leader and the
// leader shares its uncommitted entries with at most a few nodes.
func noQuorumGroups(r *sim.Rand, n int) [][]int {
	ids := shuffled(r, n)
	quorum := n/2 + 1
	var groups [][]int
	for len(ids) > 0 {
		size := min(1+r.Intn(quorum-1), len(ids))
		groups = append(groups, sortedGroup(ids[:size]))
		ids = ids[size:]
	}
	return groups
}

// quorumGroups splits nodes 1..n into a group of exactly a quorum, drawn
// at random, and the rest: in the quorum group every node's vote counts,
// so only the most up-to-date log in it can win.
func quorumGroups(r *sim.Rand, n int) [][]int {
	ids := shuffled(r, n)
	quorum := n/2 + 1
	return [][]int{sortedGroup(ids[:quorum]), sortedGroup(ids[quorum:])}
}

// sortedGroup is a sorted copy of ids, so that plans print in ID order.
func sortedGroup(ids []int) []int {
	g := slices.Clone(ids)
	slices.Sort(g)
	return g
}
