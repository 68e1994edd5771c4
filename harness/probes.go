package harness

import "github.com/raftsim/raftsim/raft"

// A run's coverage probes: the core's (raft.Probe, counted by each
// raft.Node and added up here over every node and incarnation) followed by
// the harness's own, situations of the world rather than of one node. Like
// the core's they observe only: the trace hash does not depend on them.

// Probe is an index into Probes: raft.Probe values first, then the
// harness's.
type Probe int

const (
	// ProbeCrashUnsynced: a crash met writes that were not yet durable,
	// which the crash policy then decided.
	ProbeCrashUnsynced Probe = Probe(raft.NumProbes) + iota
	// ProbeRestartLostSuffix: a restart found a shorter log than the node
	// had when it crashed (an unsynced or torn tail was lost).
	ProbeRestartLostSuffix
	// ProbeCrashLeader: a leader crashed.
	ProbeCrashLeader
	// ProbeStorageFailStop: a node stopped on a storage error of its
	// faulty disk.
	ProbeStorageFailStop
	// ProbeLeadersOverlap: a node became leader while another live node
	// still believed it led an older term.
	ProbeLeadersOverlap

	// NumProbes is the number of probes, the core's and the harness's.
	NumProbes
)

var harnessProbeNames = [NumProbes - Probe(raft.NumProbes)]string{
	ProbeCrashUnsynced - Probe(raft.NumProbes):     "crash-unsynced-writes",
	ProbeRestartLostSuffix - Probe(raft.NumProbes): "restart-lost-suffix",
	ProbeCrashLeader - Probe(raft.NumProbes):       "crash-leader",
	ProbeStorageFailStop - Probe(raft.NumProbes):   "storage-fail-stop",
	ProbeLeadersOverlap - Probe(raft.NumProbes):    "leaders-overlap",
}

// String is the probe's name.
func (p Probe) String() string {
	switch {
	case p >= 0 && p < Probe(raft.NumProbes):
		return raft.Probe(p).String()
	case p >= Probe(raft.NumProbes) && p < NumProbes:
		return harnessProbeNames[p-Probe(raft.NumProbes)]
	}
	return "probe(?)"
}

// ProbeNames lists every probe's name in Probe order, the order reports
// use.
func ProbeNames() []string {
	names := make([]string, NumProbes)
	for p := range NumProbes {
		names[p] = p.String()
	}
	return names
}

// Probes counts a run's probe hits, indexed by Probe.
type Probes [NumProbes]uint32

// addNode adds the counts of one raft.Node incarnation.
func (ps *Probes) addNode(r *raft.Node[Command, Response]) {
	c := r.Probes()
	for i, k := range c {
		ps[i] += k
	}
}

// hit records a harness probe.
func (w *World) hit(p Probe) { w.probes[p]++ }

// collectProbes adds the counts of the nodes still running at the end.
func (w *World) collectProbes() Probes {
	ps := w.probes
	for _, n := range w.nodes {
		if n.raft != nil {
			ps.addNode(n.raft)
		}
	}
	return ps
}
