package harness

import (
	"fmt"
	"strings"
	"time"

	"github.com/raftsim/raftsim/raft"
	"github.com/raftsim/raftsim/sim"
)

// The liveness phase. When the chaos phase ends, the faults stop on a
// connected majority (the healed nodes): their links are healed and made
// reliable, they restart and resume, their clocks stop drifting. Raft then
// promises progress to the members of the committed configuration, so
// within a bound the run demands:
//
//   - one leader, the healed leader of the highest term, whose
//     configuration is committed and not joint; every healed node in that
//     configuration follows it, and it stays leader for two maximum
//     election timeouts;
//   - every client command finished (clients retry until answered);
//   - those nodes' logs, commit and applied indexes and state machines
//     equal the leader's.
//
// A healed node outside the leader's committed configuration (removed, a
// spare never added, a non-voter still catching up, or a node holding a
// configuration that never committed) is owed nothing by Raft: it is
// reported (Stats.Outside), not failed.
//
// The bound is derived at the heal from the work that remains (see
// livebound.go), or set by the config's LivenessBound.

// livenessState tracks the liveness phase.
type livenessState struct {
	start    sim.Time
	deadline sim.Time
	bound    livenessBound
	healed   []*node
	// stableSince is when the conditions last became true with this
	// leader and term; 0 while they do not hold.
	stableSince sim.Time
	leader      raft.NodeID
	term        raft.Term
	// outside are the healed nodes outside the leader's committed
	// configuration, as last seen.
	outside []raft.NodeID
}

// stablePeriod is how long a converged leader must stay.
func (c Config) stablePeriod() time.Duration { return 2 * c.Raft.ElectionTimeoutMax }

// startLiveness heals the given nodes, derives the bound and arms the first
// check. The kernel's time budget moves to the end of the bound.
func (w *World) startLiveness(healed []*node) {
	now := w.kernel.Now()
	b := w.deriveLivenessBound(healed)
	w.live = &livenessState{start: now, deadline: now.Add(b.total()), bound: b, healed: healed}
	w.stats.LivenessBound = b.total()
	budget := w.kernel.Budget()
	budget.MaxTime = now.Add(b.total() + w.cfg.stablePeriod() + time.Second)
	w.kernel.SetBudget(budget)
	if w.tracing() {
		w.emit(TraceEvent{Kind: TracePhase, Text: fmt.Sprintf("liveness: healed %v, %v", nodeIDs(healed), b)})
	}
	w.kernel.After(w.cfg.Raft.HeartbeatInterval, event{kind: evLivenessCheck})
}

// checkLiveness runs every heartbeat interval of the liveness phase.
func (w *World) checkLiveness() {
	l := w.live
	now := w.kernel.Now()
	pending := w.pendingProgress()
	w.stats.Outside = l.outside
	switch {
	case pending != "":
		l.stableSince = 0
		if now >= l.deadline {
			w.fail(Failure{Class: ClassLiveness, Check: livenessCheckName(pending),
				Message: fmt.Sprintf("%s after %v of healing (%v)", pending, now.Sub(l.start), l.bound)})
			return
		}
	case l.stableSince == 0:
		l.stableSince = now
	case now.Sub(l.stableSince) >= w.cfg.stablePeriod():
		w.stats.RecoveryTime = l.stableSince.Sub(l.start)
		if w.tracing() && len(l.outside) > 0 {
			w.emit(TraceEvent{Kind: TracePhase, Text: fmt.Sprintf("liveness: converged; %v outside the committed configuration, not required to follow", l.outside)})
		}
		w.done = true
		return
	}
	w.kernel.After(w.cfg.Raft.HeartbeatInterval, event{kind: evLivenessCheck})
}

// livenessCheckName classifies what is pending for the failure signature.
func livenessCheckName(pending string) string {
	switch {
	case strings.HasPrefix(pending, "no leader"), strings.HasPrefix(pending, "leader"):
		return "leader"
	case strings.HasPrefix(pending, "client"):
		return "clients"
	}
	return "convergence"
}

// pendingProgress says what keeps the healed cluster from being done, or ""
// when nothing does.
func (w *World) pendingProgress() string {
	l := w.live
	leader, why := w.topLeader(l.healed)
	if leader == nil {
		return why
	}
	st := leader.raft.Status()
	if l.stableSince != 0 && (st.ID != l.leader || st.Term != l.term) {
		return fmt.Sprintf("leader changed from %v (term %d) to %v (term %d) after converging", l.leader, l.term, st.ID, st.Term)
	}
	l.leader, l.term = st.ID, st.Term
	m, idx := leader.raft.Membership()
	members, outside := splitByMembership(l.healed, m)
	l.outside = outside
	switch {
	case m.IsJoint():
		return fmt.Sprintf("membership change to %v still joint", m)
	case idx > st.Commit:
		return fmt.Sprintf("membership %v at index %d not committed (leader %v commit %d)", m, idx, st.ID, st.Commit)
	case !m.Contains(st.ID):
		return fmt.Sprintf("leader %v leads outside its committed configuration %v", st.ID, m)
	}
	if why := followers(members, st); why != "" {
		return why
	}
	for _, c := range w.clients {
		if c.busy {
			return fmt.Sprintf("client %d still waiting for %v", c.idx, c.cmd)
		}
	}
	digest := leader.kv.Digest()
	for _, n := range members {
		if msg := converged(n, st, digest); msg != "" {
			return msg
		}
	}
	return ""
}

// topLeader is the healed node that leads in the highest term: election
// safety allows one per term, and a leader of an older term is deposed as
// soon as it hears from the newer one.
func (w *World) topLeader(healed []*node) (*node, string) {
	var leader *node
	for _, n := range healed {
		if !n.up {
			continue
		}
		if st := n.raft.Status(); st.Role == raft.Leader && (leader == nil || st.Term > leader.raft.Status().Term) {
			leader = n
		}
	}
	if leader == nil {
		return nil, fmt.Sprintf("no leader among %v", nodeIDs(healed))
	}
	return leader, ""
}

// splitByMembership splits the healed nodes into the voters of m and the
// rest, in ID order.
func splitByMembership(healed []*node, m raft.Membership) (members []*node, outside []raft.NodeID) {
	for _, n := range healed {
		if m.Contains(n.id) {
			members = append(members, n)
		} else {
			outside = append(outside, n.id)
		}
	}
	return members, outside
}

// followers says which member does not follow the leader, or "".
func followers(members []*node, lead raft.Status) string {
	for _, n := range members {
		if !n.up {
			return fmt.Sprintf("no leader: healed %v is down", n.id)
		}
		if st := n.raft.Status(); st.Term != lead.Term || st.Leader != lead.ID {
			return fmt.Sprintf("no leader: %v follows %v in term %d, not %v in term %d", n.id, st.Leader, st.Term, lead.ID, lead.Term)
		}
	}
	return ""
}

// converged says how n differs from the leader, or "".
func converged(n *node, lead raft.Status, digest uint64) string {
	st := n.raft.Status()
	switch {
	case st.Commit != lead.Commit:
		return fmt.Sprintf("%v commit %d != leader %v commit %d", n.id, st.Commit, lead.ID, lead.Commit)
	case st.Applied != st.Commit:
		return fmt.Sprintf("%v applied %d < commit %d", n.id, st.Applied, st.Commit)
	case st.Last != lead.Last:
		return fmt.Sprintf("%v last entry %v != leader %v last %v", n.id, st.Last, lead.ID, lead.Last)
	case n.kv.Digest() != digest:
		return fmt.Sprintf("%v state machine differs from leader %v's at index %d", n.id, lead.ID, st.Applied)
	}
	return ""
}

func nodeIDs(ns []*node) []raft.NodeID {
	ids := make([]raft.NodeID, len(ns))
	for i, n := range ns {
		ids[i] = n.id
	}
	return ids
}
