package checker

import (
	"fmt"
	"strings"

	"github.com/raftsim/raftsim/raft"
)

// Invariant names a Raft safety property the Watch checks.
type Invariant string

const (
	// ElectionSafety: at most one leader per term (§5.2).
	ElectionSafety Invariant = "election-safety"
	// StateMachineSafety: no two replicas apply different commands at the
	// same index (§5.4.3).
	StateMachineSafety Invariant = "state-machine-safety"
)

// Violation is a broken invariant: which one, where, and what was seen.
type Violation struct {
	Invariant Invariant
	Nodes     []raft.NodeID
	Term      raft.Term
	Index     raft.Index
	Message   string
}

func (v *Violation) Error() string {
	var b strings.Builder
	b.WriteString(string(v.Invariant))
	b.WriteString(": ")
	b.WriteString(v.Message)
	if len(v.Nodes) > 0 {
		b.WriteString(" (nodes")
		for _, id := range v.Nodes {
			b.WriteString(" " + id.String())
		}
		b.WriteString(")")
	}
	if v.Term != 0 {
		fmt.Fprintf(&b, " term %d", v.Term)
	}
	if v.Index != 0 {
		fmt.Fprintf(&b, " index %d", v.Index)
	}
	return b.String()
}

// Watch checks Raft invariants incrementally, as a world reports what its
// nodes do. Each method returns the first violation it finds, or nil. It is
// deterministic and never iterates a map.
type Watch struct {
	leaders map[raft.Term]raft.NodeID
	// applied[i-1] is what the first replica to apply index i applied:
	// a digest of the command, and the node.
	applied []appliedAt
}

type appliedAt struct {
	digest uint64
	node   raft.NodeID
}

// NewWatch returns a Watch with nothing seen.
func NewWatch() *Watch {
	return &Watch{leaders: map[raft.Term]raft.NodeID{}}
}

// Leader reports that id is leader in term.
func (w *Watch) Leader(id raft.NodeID, term raft.Term) *Violation {
	prev, ok := w.leaders[term]
	if !ok {
		w.leaders[term] = id
		return nil
	}
	if prev != id {
		return &Violation{Invariant: ElectionSafety, Nodes: []raft.NodeID{prev, id}, Term: term,
			Message: fmt.Sprintf("two leaders in term %d", term)}
	}
	return nil
}

// Applied reports that id applied, at index, a command with the given
// digest (any hash that differs between different commands).
func (w *Watch) Applied(id raft.NodeID, index raft.Index, digest uint64) *Violation {
	if index == 0 {
		return &Violation{Invariant: StateMachineSafety, Nodes: []raft.NodeID{id}, Message: "applied index 0"}
	}
	for raft.Index(len(w.applied)) < index {
		w.applied = append(w.applied, appliedAt{})
	}
	a := &w.applied[index-1]
	if a.node == raft.None {
		*a = appliedAt{digest: digest, node: id}
		return nil
	}
	if a.digest != digest {
		return &Violation{Invariant: StateMachineSafety, Nodes: []raft.NodeID{a.node, id}, Index: index,
			Message: fmt.Sprintf("%v and %v applied different commands at index %d", a.node, id, index)}
	}
	return nil
}
