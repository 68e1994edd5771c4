package harness

import (
	"github.com/raftsim/raftsim/checker"
	"github.com/raftsim/raftsim/raft"
)

// safetyWatch feeds what the world sees to the invariant checker and counts
// leader changes on the way. Storage-level observations come through
// watchedStore; node-level ones (status after each step, starts, crashes,
// messages) through node.
type safetyWatch struct {
	watch *checker.Watch
	// leaderTerm is the highest term in which a leader was seen.
	leaderTerm raft.Term
}

// observe looks at a node after a step it took.
func (s *safetyWatch) observe(w *World, n *node, st raft.Status) {
	w.report(s.watch.Observe(st))
	if st.Role != raft.Leader {
		return
	}
	if st.Term > s.leaderTerm {
		s.leaderTerm = st.Term
		w.stats.LeaderChanges++
	}
}

// report makes a violation the run's failure.
func (w *World) report(v *checker.Violation) {
	if v != nil {
		w.fail(violationFailure(v))
	}
}

func violationFailure(v *checker.Violation) Failure {
	return Failure{Class: ClassInvariant, Check: string(v.Invariant), Message: v.Error()}
}
