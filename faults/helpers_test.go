package faults

import (
	"slices"
	"time"

	"github.com/raftsim/raftsim/sim"
	"pgregory.net/rapid"
)

// genRatio generates a valid ratio.
var genRatio = rapid.Custom(func(t *rapid.T) sim.Ratio {
	den := rapid.Uint32Range(1, 1000).Draw(t, "den")
	return sim.Ratio{Num: rapid.Uint32Range(0, den).Draw(t, "num"), Den: den}
})

// genDuration generates a non-negative duration, often a round one.
func genDuration(lo time.Duration) *rapid.Generator[time.Duration] {
	return rapid.Custom(func(t *rapid.T) time.Duration {
		if rapid.Bool().Draw(t, "round") {
			return lo + time.Duration(rapid.IntRange(0, 10_000).Draw(t, "ms"))*time.Millisecond
		}
		return lo + time.Duration(rapid.Int64Range(0, int64(time.Hour)).Draw(t, "ns"))
	})
}

// genDist generates a valid latency distribution.
var genDist = rapid.Custom(func(t *rapid.T) sim.Dist {
	lo := genDuration(0).Draw(t, "lo")
	hi := lo + genDuration(0).Draw(t, "span")
	switch rapid.IntRange(0, 3).Draw(t, "kind") {
	case 0:
		return sim.FixedDist(lo)
	case 1:
		return sim.UniformDist(lo, hi)
	case 2:
		return sim.NormalishDist(lo, hi)
	}
	tail := genRatio.Draw(t, "tail")
	return sim.LongTailDist(lo, hi, tail, hi, hi+genDuration(0).Draw(t, "tailSpan"))
})

// genIDs generates between lo and hi distinct IDs of a cluster of n.
func genIDs(t *rapid.T, n, lo, hi int, label string) []int {
	p := rapid.Permutation(ids(n)).Draw(t, label)
	return p[:rapid.IntRange(lo, min(hi, n)).Draw(t, label+"Size")]
}

// ids returns 1..n.
func ids(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i + 1
	}
	return out
}

// genRef generates a node reference among the forms allowed.
func genRef(t *rapid.T, n int, allowed refs) NodeRef {
	var opts []NodeRef
	for id := 1; id <= n; id++ {
		opts = append(opts, NodeRef(id))
	}
	for _, f := range []struct {
		bit refs
		r   NodeRef
	}{{refLeader, Leader}, {refAny, AnyVoter}, {refAll, AllNodes}} {
		if allowed&f.bit != 0 {
			opts = append(opts, f.r)
		}
	}
	return rapid.SampledFrom(opts).Draw(t, "node")
}

// genGroups cuts a permutation of some of the nodes into k groups.
func genGroups(t *rapid.T, n, k int) [][]int {
	p := rapid.Permutation(ids(n)).Draw(t, "perm")
	used := rapid.IntRange(k, n).Draw(t, "used")
	cuts := []int{0}
	for i := 1; i < k; i++ {
		cuts = append(cuts, rapid.IntRange(cuts[i-1]+1, used-(k-i)).Draw(t, "cut"))
	}
	cuts = append(cuts, used)
	out := make([][]int, k)
	for i := range out {
		out[i] = slices.Clone(p[cuts[i]:cuts[i+1]])
	}
	return out
}

// genStep generates a valid step of a cluster of n nodes (n >= 3), at time
// at.
func genStep(t *rapid.T, n int, at time.Duration) Step {
	k := rapid.SampledFrom(Kinds()).Draw(t, "kind")
	s := Step{At: at, Kind: k}
	spec := k.spec()
	if spec.uses&fNode != 0 {
		s.Node = genRef(t, n, spec.refs)
	}
	switch k {
	case Partition, Flap:
		s.Groups = genGroups(t, n, rapid.IntRange(2, n).Draw(t, "groups"))
		if k == Flap {
			s.Interval = genDuration(time.Nanosecond).Draw(t, "interval")
		}
	case PartitionOneWay:
		p := rapid.Permutation(ids(n)).Draw(t, "perm")
		a := rapid.IntRange(1, n-1).Draw(t, "a")
		s.From, s.To = p[:a], p[a:a+rapid.IntRange(1, n-a).Draw(t, "b")]
	case Split:
		if rapid.Bool().Draw(t, "given") {
			s.Nodes = genIDs(t, n, 1, (n-1)/2, "minority")
		}
	case Bridge:
		s.Node = NodeRef(rapid.IntRange(1, n).Draw(t, "bridge"))
		var rest []int
		for _, id := range ids(n) {
			if NodeRef(id) != s.Node {
				rest = append(rest, id)
			}
		}
		c := rapid.IntRange(1, len(rest)-1).Draw(t, "side")
		s.Groups = [][]int{rest[:c], rest[c:]}
	case Link, Capacity, Clog:
		genLinkSelection(t, n, &s)
		switch k {
		case Link:
			genLinkChanges(t, &s)
		case Capacity:
			s.BytesPerSecond = rapid.Int64Range(0, 1<<40).Draw(t, "bps")
		case Clog:
			s.For = genDuration(time.Nanosecond).Draw(t, "for")
		}
	case Crash, Pause:
		if rapid.Bool().Draw(t, "for?") {
			s.For = genDuration(0).Draw(t, "for")
		}
	case ClockSkew:
		s.Offset = time.Duration(rapid.Int64Range(-int64(time.Hour), int64(time.Hour)).Draw(t, "offset"))
	case ClockJump:
		s.Offset = genDuration(time.Nanosecond).Draw(t, "offset")
	case ClockDrift:
		s.PPM = rapid.Int64Range(-MaxDriftPPM, MaxDriftPPM).Draw(t, "ppm")
	case DiskFaults:
		for _, f := range diskRateFields {
			if rapid.Bool().Draw(t, f.name+"?") {
				*f.get(&s.Disk) = genRatio.Draw(t, f.name)
			}
		}
		s.Disk.CrashPolicy = CrashPolicy(rapid.IntRange(0, int(crashPolicyEnd)-1).Draw(t, "policy"))
	case DiskSlow:
		s.Latency = genDist.Draw(t, "latency")
	}
	return s
}

// genLinkSelection chooses the links of a link, capacity or clog step:
// node links from -> to, one end a node (from -> node or node -> to), or
// client links (a node's, or every node's, replies or requests).
func genLinkSelection(t *rapid.T, n int, s *Step) {
	s.Node = 0
	switch rapid.IntRange(0, 2).Draw(t, "selection") {
	case 0:
		if rapid.Bool().Draw(t, "from?") {
			s.From = genIDs(t, n, 1, n, "from")
		}
		if rapid.Bool().Draw(t, "to?") {
			s.To = genIDs(t, n, 1, n, "to")
		}
	case 1:
		s.Node = genRef(t, n, refID|refLeader)
		if rapid.Bool().Draw(t, "inbound") {
			s.From = genIDs(t, n, 1, n, "from")
		} else {
			s.To = genIDs(t, n, 1, n, "to")
		}
	default:
		s.Clients = ClientLinks(rapid.IntRange(1, int(clientLinksEnd)-1).Draw(t, "clients"))
		if rapid.Bool().Draw(t, "node?") {
			s.Node = genRef(t, n, refID|refLeader)
		}
	}
}

// genLinkChanges sets a non-empty subset of a link step's changes.
func genLinkChanges(t *rapid.T, s *Step) {
	for s.Latency == (sim.Dist{}) && s.Loss == (sim.Ratio{}) && s.Duplicate == (sim.Ratio{}) {
		if rapid.Bool().Draw(t, "latency?") {
			s.Latency = genDist.Draw(t, "latency")
		}
		if rapid.Bool().Draw(t, "loss?") {
			s.Loss = genRatio.Draw(t, "loss")
		}
		if rapid.Bool().Draw(t, "dup?") {
			s.Duplicate = genRatio.Draw(t, "dup")
		}
	}
}

// genPlan generates a valid plan for a cluster of n nodes.
func genPlan(t *rapid.T, n int) Plan {
	var p Plan
	at := time.Duration(0)
	for range rapid.IntRange(0, 12).Draw(t, "steps") {
		at += genDuration(0).Draw(t, "gap")
		p.Steps = append(p.Steps, genStep(t, n, at))
	}
	return p
}
