package faults

import (
	"fmt"
	"strings"

	"github.com/raftsim/raftsim/sim"
)

// Validate reports the first step that makes no sense for a cluster of
// nodes nodes, saying what is wrong and where:
//
//	faults: plan: step 3 (at 1.5s, partition): node 7 is not in a cluster of 5
//
// Steps are numbered from 0, as in Plan.Steps (and jq's .steps[3]). It
// checks each step's kind, its parameters and node IDs, that parameters
// the kind does not read are unset, and that steps are in time order. It
// does not judge whether a step will do anything at run time: restarting a
// node that never crashed, resuming one that is not paused or adding a
// node that is already a voter is valid and does nothing. Whether the plan
// stays within a fault budget is WithinBudget's question.
func (p Plan) Validate(nodes int) error {
	if nodes < 1 {
		return fmt.Errorf("faults: plan: a cluster of %d nodes: want at least 1: %w", nodes, ErrPlan)
	}
	for i, s := range p.Steps {
		if why := s.problem(nodes); why != "" {
			return stepError(i, s, why, ErrPlan)
		}
		if i > 0 && s.At < p.Steps[i-1].At {
			return stepError(i, s, fmt.Sprintf("out of time order: step %d before it is at %v", i-1, p.Steps[i-1].At), ErrPlan)
		}
	}
	return nil
}

// Validate reports what makes one step make no sense for a cluster of
// nodes nodes; Plan.Validate says the same with the step's number.
func (s Step) Validate(nodes int) error {
	if nodes < 1 {
		return fmt.Errorf("faults: step: a cluster of %d nodes: want at least 1: %w", nodes, ErrPlan)
	}
	if why := s.problem(nodes); why != "" {
		return fmt.Errorf("faults: step (at %v, %v): %s: %w", s.At, s.Kind, why, ErrPlan)
	}
	return nil
}

// stepError names step i of a plan with its time and kind.
func stepError(i int, s Step, why string, sentinel error) error {
	return fmt.Errorf("faults: plan: step %d (at %v, %v): %s: %w", i, s.At, s.Kind, why, sentinel)
}

// problem says what makes s invalid in a cluster of nodes nodes, or "".
func (s Step) problem(nodes int) string {
	switch {
	case s.Kind == kindUnset:
		return "kind is unset"
	case !s.Kind.valid():
		return fmt.Sprintf("unknown kind %d", uint8(s.Kind))
	case s.At < 0:
		return fmt.Sprintf("at %v is negative", s.At)
	}
	spec := s.Kind.spec()
	if extra := s.setFields() &^ spec.uses; extra != 0 {
		uses := "it takes no parameters"
		if spec.uses != 0 {
			uses = "it uses " + strings.Join(spec.uses.names(), ", ")
		}
		return fmt.Sprintf("field %q is not used by %v (%s)", extra.names()[0], s.Kind, uses)
	}
	if spec.uses&fNode != 0 && (s.Node != 0 || spec.needs&fNode != 0) {
		if why := checkRef(s.Node, spec.refs, nodes, s.Kind); why != "" {
			return why
		}
	}
	return s.kindProblem(nodes)
}

// kindProblem checks the parameters particular to s's kind.
func (s Step) kindProblem(nodes int) string {
	switch s.Kind {
	case Partition, Flap:
		if why := checkGroups(s.Groups, nodes, 2); why != "" {
			return why
		}
		if s.Kind == Flap && s.Interval <= 0 {
			return fmt.Sprintf("interval %v: must be positive", s.Interval)
		}
	case PartitionOneWay:
		return checkOneWay(s.From, s.To, nodes)
	case Split:
		return checkSplit(s.Nodes, nodes)
	case Bridge:
		if len(s.Groups) != 2 {
			return fmt.Sprintf("bridge needs exactly 2 groups (the two sides), got %d", len(s.Groups))
		}
		if why := checkGroups(s.Groups, nodes, 2); why != "" {
			return why
		}
		for _, g := range s.Groups {
			for _, id := range g {
				if NodeRef(id) == s.Node {
					return fmt.Sprintf("bridge node %v is also in side %v; it must be in neither", s.Node, nodeSet(g))
				}
			}
		}
	case Link, Capacity, Clog:
		return s.linkProblem(nodes)
	case Crash, Pause:
		if s.For < 0 {
			undo := Restart
			if s.Kind == Pause {
				undo = Resume
			}
			return fmt.Sprintf("for %v is negative (0 means until a %v step)", s.For, undo)
		}
	case ClockDrift:
		if s.PPM < -MaxDriftPPM || s.PPM > MaxDriftPPM {
			return fmt.Sprintf("ppm %d: want %d to %d", s.PPM, -MaxDriftPPM, MaxDriftPPM)
		}
	case ClockJump:
		if s.Offset <= 0 {
			return fmt.Sprintf("offset %v: a jump is forward, so it must be positive (clock-skew sets any offset)", s.Offset)
		}
	case DiskFaults:
		return s.Disk.problem()
	case DiskSlow:
		if err := s.Latency.Validate(); err != nil {
			return fmt.Sprintf("latency: %v", err)
		}
	}
	return ""
}

// linkProblem checks the link selection and parameters of link, capacity
// and clog.
func (s Step) linkProblem(nodes int) string {
	if why := checkIDs("from", s.From, nodes); why != "" {
		return why
	}
	if why := checkIDs("to", s.To, nodes); why != "" {
		return why
	}
	switch {
	case s.Clients >= clientLinksEnd:
		return fmt.Sprintf("clients %d: unknown (want replies or requests)", uint8(s.Clients))
	case s.Clients != NoClientLinks && (len(s.From) > 0 || len(s.To) > 0):
		return fmt.Sprintf("clients %q selects client links: from and to must be empty (node names the server end)", s.Clients)
	case s.Clients == NoClientLinks && s.Node != 0 && (len(s.From) > 0) == (len(s.To) > 0):
		return fmt.Sprintf("node %v is one end of the links: set exactly one of from (links from -> node) and to (node -> to)", s.Node)
	}
	switch s.Kind {
	case Link:
		if s.Latency == (sim.Dist{}) && s.Loss == (sim.Ratio{}) && s.Duplicate == (sim.Ratio{}) {
			return "link changes nothing: set latency, loss or duplicate"
		}
		if s.Latency != (sim.Dist{}) {
			if err := s.Latency.Validate(); err != nil {
				return fmt.Sprintf("latency: %v", err)
			}
		}
		if s.Loss != (sim.Ratio{}) {
			if err := s.Loss.Validate(); err != nil {
				return fmt.Sprintf("loss: %v", err)
			}
		}
		if s.Duplicate != (sim.Ratio{}) {
			if err := s.Duplicate.Validate(); err != nil {
				return fmt.Sprintf("duplicate: %v", err)
			}
		}
	case Capacity:
		if s.BytesPerSecond < 0 {
			return fmt.Sprintf("bytesPerSecond %d is negative (0 means unlimited)", s.BytesPerSecond)
		}
	case Clog:
		if s.For <= 0 {
			return fmt.Sprintf("for %v: a clog lasts a positive time", s.For)
		}
	}
	return ""
}

// setFields is the set of s's fields that are not zero. An empty slice
// counts as unset, like a nil one.
func (s Step) setFields() field {
	var f field
	set := func(bit field, on bool) {
		if on {
			f |= bit
		}
	}
	set(fNode, s.Node != 0)
	set(fGroups, len(s.Groups) > 0)
	set(fNodes, len(s.Nodes) > 0)
	set(fFrom, len(s.From) > 0)
	set(fTo, len(s.To) > 0)
	set(fInterval, s.Interval != 0)
	set(fFor, s.For != 0)
	set(fLatency, s.Latency != sim.Dist{})
	set(fLoss, s.Loss != sim.Ratio{})
	set(fDuplicate, s.Duplicate != sim.Ratio{})
	set(fBytesPerSecond, s.BytesPerSecond != 0)
	set(fOffset, s.Offset != 0)
	set(fPPM, s.PPM != 0)
	set(fDisk, s.Disk != DiskRates{})
	set(fClients, s.Clients != NoClientLinks)
	return f
}

// checkRef checks a step's node against the forms its kind accepts.
func checkRef(r NodeRef, allowed refs, nodes int, k Kind) string {
	var bit refs
	switch {
	case r > 0 && int(r) > nodes:
		return fmt.Sprintf("node %d is not in a cluster of %d", int(r), nodes)
	case r > 0:
		bit = refID
	case r == 0:
		return fmt.Sprintf("node is unset: %v takes %s", k, refForms(allowed, nodes))
	case r == Leader:
		bit = refLeader
	case r == AnyVoter:
		bit = refAny
	case r == AllNodes:
		bit = refAll
	default:
		return fmt.Sprintf("node %d: not a node ID or target (%v takes %s)", int(r), k, refForms(allowed, nodes))
	}
	if allowed&bit == 0 {
		return fmt.Sprintf("node %q: %v takes %s", r.String(), k, refForms(allowed, nodes))
	}
	return ""
}

// refForms describes the accepted node forms: `a node ID 1 to 5 or "leader"`.
func refForms(allowed refs, nodes int) string {
	forms := []string{fmt.Sprintf("a node ID 1 to %d", nodes)}
	for _, t := range []struct {
		bit  refs
		name string
	}{{refLeader, `"leader"`}, {refAny, `"any"`}, {refAll, `"all"`}} {
		if allowed&t.bit != 0 {
			forms = append(forms, t.name)
		}
	}
	if len(forms) == 1 {
		return forms[0]
	}
	return strings.Join(forms[:len(forms)-1], ", ") + " or " + forms[len(forms)-1]
}

// checkIDs checks that ids are node IDs of the cluster, each named once.
func checkIDs(what string, ids []int, nodes int) string {
	for i, id := range ids {
		if id < 1 || id > nodes {
			return fmt.Sprintf("%s: node %d is not in a cluster of %d", what, id, nodes)
		}
		for _, prev := range ids[:i] {
			if prev == id {
				return fmt.Sprintf("%s: node %d is named twice in %v", what, id, nodeSet(ids))
			}
		}
	}
	return ""
}

// checkGroups checks that groups are at least min non-empty, disjoint sets
// of the cluster's nodes.
func checkGroups(groups [][]int, nodes, min int) string {
	if len(groups) < min {
		return fmt.Sprintf("needs at least %d groups, got %d", min, len(groups))
	}
	for gi, g := range groups {
		if len(g) == 0 {
			return fmt.Sprintf("group %d is empty", gi)
		}
		if why := checkIDs(fmt.Sprintf("group %v", nodeSet(g)), g, nodes); why != "" {
			return why
		}
		for _, id := range g {
			for _, other := range groups[:gi] {
				for _, o := range other {
					if o == id {
						return fmt.Sprintf("groups overlap: node %d is in %v and %v", id, nodeSet(other), nodeSet(g))
					}
				}
			}
		}
	}
	return ""
}

// checkOneWay checks partition-oneway's two sides.
func checkOneWay(from, to []int, nodes int) string {
	switch {
	case len(from) == 0:
		return "from is empty: name the nodes whose messages are cut"
	case len(to) == 0:
		return "to is empty: name the nodes that stop hearing from the others"
	}
	if why := checkIDs("from", from, nodes); why != "" {
		return why
	}
	if why := checkIDs("to", to, nodes); why != "" {
		return why
	}
	for _, f := range from {
		for _, t := range to {
			if f == t {
				return fmt.Sprintf("node %d is in both from and to", f)
			}
		}
	}
	return ""
}

// checkSplit checks split's minority: fewer than half the cluster.
func checkSplit(minority []int, nodes int) string {
	most := (nodes - 1) / 2
	if most == 0 {
		return fmt.Sprintf("a cluster of %d has no minority to split off", nodes)
	}
	if why := checkIDs("nodes", minority, nodes); why != "" {
		return why
	}
	if len(minority) > most {
		return fmt.Sprintf("nodes %v: %d of %d is not a minority (at most %d)", nodeSet(minority), len(minority), nodes, most)
	}
	return ""
}
