package harness

import (
	"cmp"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftsim/raftsim/checker"
	"github.com/raftsim/raftsim/faults"
	"github.com/raftsim/raftsim/sim"
)

// With one writer per key, a key's writes never overlap in real time, even
// with contention (more clients than keys) and crashes that keep commands
// pending across leader changes: the order of a key's writes is fixed,
// which is what makes the history decidable by construction. Values are
// unique, so each read names the write it saw.
func TestOneWriterPerKeyOrdersWritesInRealTime(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Duration = 3e9
	cfg.Workload.Clients, cfg.Workload.Keys = 7, 3
	cfg.Workload.Mix = Mix{Get: 1, Put: 1, Append: 3, CAS: 1}
	cfg.Crashes.Interval = 500e6
	require.Equal(t, 1, cfg.Workload.WritersPerKey, "the default")
	overlapsWithout := 0
	for _, res := range runSeeds(t, cfg, 1, 9) {
		require.True(t, res.Passed(), "seed %v: %v %s", res.Seed, res.Failure, res.Inconclusive)
		assert.Zero(t, writeOverlaps(res.History), "seed %v", res.Seed)
		assert.Equal(t, checker.Linearizable, res.Linearizability.Verdict)
		values := map[string]bool{}
		for _, op := range res.History.Ops {
			if op.Input.Kind != checker.OpGet {
				assert.False(t, values[op.Input.Key+"="+op.Input.Value], "value %q written twice", op.Input.Value)
				values[op.Input.Key+"="+op.Input.Value] = true
			}
		}
	}
	unbounded := cfg
	unbounded.Workload.WritersPerKey = 0
	unbounded.CheckLinearizability = false
	for _, res := range runSeeds(t, unbounded, 1, 9) {
		overlapsWithout += writeOverlaps(res.History)
	}
	assert.Positive(t, overlapsWithout, "without the bound the same workload has concurrent writes: the test can see them")
}

// writeOverlaps counts pairs of consecutive writes of a key whose intervals
// overlap (an open-ended write overlaps everything after its call).
func writeOverlaps(h checker.History) int {
	byKey := map[string][]checker.Operation{}
	for _, op := range h.Ops {
		if op.Input.Kind != checker.OpGet {
			byKey[op.Input.Key] = append(byKey[op.Input.Key], op)
		}
	}
	n := 0
	for _, ops := range byKey {
		slices.SortFunc(ops, func(a, b checker.Operation) int { return cmp.Compare(a.Call, b.Call) })
		for i := 1; i < len(ops); i++ {
			if ops[i-1].Return > ops[i].Call {
				n++
			}
		}
	}
	return n
}

// Open-loop clients: each group of sessions has several commands in
// flight at once (never more than its sessions), one writer per key still
// orders every key's writes in real time, and the history stays decidable
// and linearizable under crashes.
func TestOpenLoopClientsOverlapWithinBounds(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Duration = 3e9
	cfg.Workload.Clients, cfg.Workload.Keys = 10, 6
	cfg.Workload.OpenLoop = OpenLoop{Sessions: 4, Arrival: 2e6}
	cfg.Crashes.Interval = 500e6
	most := 0
	for _, res := range runSeeds(t, cfg, 1, 6) {
		require.True(t, res.Passed(), "seed %v: %v %s", res.Seed, res.Failure, res.Inconclusive)
		assert.Zero(t, writeOverlaps(res.History), "seed %v", res.Seed)
		for g, sessions := range [][]int{{0, 1, 2, 3}, {4, 5, 6, 7}, {8, 9}} {
			n := maxInFlight(res.History, sessions)
			assert.LessOrEqual(t, n, len(sessions), "seed %v group %d", res.Seed, g)
			most = max(most, n)
		}
	}
	assert.Equal(t, 4, most, "a group of 4 sessions fills them")
}

// maxInFlight is the most operations of the given clients whose intervals
// overlap at one time.
func maxInFlight(h checker.History, clients []int) int {
	type edge struct {
		at    int64
		delta int
	}
	var edges []edge
	for _, op := range h.Ops {
		if slices.Contains(clients, op.Client) {
			edges = append(edges, edge{op.Call, 1}, edge{op.Return, -1})
		}
	}
	slices.SortFunc(edges, func(a, b edge) int { return cmp.Or(cmp.Compare(a.at, b.at), cmp.Compare(a.delta, b.delta)) })
	n, most := 0, 0
	for _, e := range edges {
		n += e.delta
		most = max(most, n)
	}
	return most
}

// A sticky client resends a timed-out command to the node it believes
// leads Sticky times, then moves on; in the liveness phase it moves on at
// once.
func TestStickyClientKeepsItsNode(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Workload.Sticky = 2
	w := newWorld(cfg, 1)
	c := w.clients[0]
	c.next()
	start := c.target
	for i := 0; i < 2; i++ {
		c.timeout(c.attempt)
		assert.Equal(t, start, c.target, "timeout %d: still the same node", i+1)
	}
	c.timeout(c.attempt)
	assert.NotEqual(t, start, c.target, "after Sticky resends it tries another node")

	w = newWorld(cfg, 1)
	c = w.clients[0]
	c.next()
	w.chaos = false
	start = c.target
	c.timeout(c.attempt)
	assert.NotEqual(t, start, c.target, "the liveness phase is never sticky")
}

// Link steps reach client links: a node's (or the leader's) replies, or
// the clients' requests to it; with no leader a leader-aimed step is
// skipped.
func TestLinkStepsReachClientLinks(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Workload.Clients = 2
	w := newWorld(cfg, 1)
	// Endpoints: nodes 0..2, clients 3 and 4.
	assert.Equal(t, [][2]int{{1, 3}, {1, 4}}, w.linkPairs(faults.Step{Kind: faults.Link, Clients: faults.ClientReplies, Node: 2}))
	assert.Equal(t, [][2]int{{3, 0}, {3, 1}, {3, 2}, {4, 0}, {4, 1}, {4, 2}}, w.linkPairs(faults.Step{Kind: faults.Link, Clients: faults.ClientRequests}))
	assert.Equal(t, [][2]int{{0, 2}, {1, 2}}, w.linkPairs(faults.Step{Kind: faults.Link, Node: 3, From: []int{1, 2}}))
	assert.Equal(t, [][2]int{{2, 0}}, w.linkPairs(faults.Step{Kind: faults.Link, Node: 3, To: []int{1}}))
	slow := faults.Step{Kind: faults.Link, Clients: faults.ClientReplies, Node: faults.Leader, Latency: sim.FixedDist(time.Second)}
	assert.Equal(t, "no leader", w.changeLinks(slow), "nobody leads before the nodes boot")
	w.changeLinks(faults.Step{Kind: faults.Link, Clients: faults.ClientReplies, Node: 2, Latency: sim.FixedDist(time.Second)})
	assert.Equal(t, sim.FixedDist(time.Second), w.net.Link(1, 4).Latency)
	assert.Equal(t, cfg.Network.Latency, w.net.Link(4, 1).Latency, "requests stay fast")
}
