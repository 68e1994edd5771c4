package harness

import (
	"github.com/raftsim/raftsim/checker"
	"github.com/raftsim/raftsim/raft"
)

// safetyWatch feeds what the world sees to the invariant checker and counts
// leader changes on the way.
type safetyWatch struct {
	watch *checker.Watch
	// leaderTerm is the highest term in which a leader was seen.
	leaderTerm raft.Term
}

// observe looks at a node after a step it took.
func (s *safetyWatch) observe(w *World, n *node, st raft.Status) {
	if st.Role != raft.Leader {
		return
	}
	if v := s.watch.Leader(st.ID, st.Term); v != nil {
		w.fail(violationFailure(v))
	}
	if st.Term > s.leaderTerm {
		s.leaderTerm = st.Term
		w.stats.LeaderChanges++
	}
}

// applied checks state machine safety for one applied command.
func (s *safetyWatch) applied(w *World, n *node, index raft.Index, c Command) {
	digest := uint64(c.Client)<<40 ^ c.Seq
	if v := s.watch.Applied(n.id, index, digest); v != nil {
		w.fail(violationFailure(v))
	}
}

func violationFailure(v *checker.Violation) Failure {
	return Failure{Class: ClassInvariant, Check: string(v.Invariant), Message: v.Error()}
}
