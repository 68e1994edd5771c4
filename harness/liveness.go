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
// promises progress, so within a bound the run demands:
//
//   - exactly one leader among the healed nodes, followed by all of them,
//     and it stays leader for two maximum election timeouts;
//   - every client command finished (clients retry until answered);
//   - the healed nodes' logs, commit and applied indexes and state machines
//     equal the leader's.
//
// The bound is stated, not tuned per seed: LivenessBound in the config, or
// by default 20 maximum election timeouts (split votes can repeat a few
// times), plus 100 maximum one-way delays, plus four client timeouts.

// livenessState tracks the liveness phase.
type livenessState struct {
	start    sim.Time
	deadline sim.Time
	healed   []*node
	// stableSince is when the conditions last became true with this
	// leader and term; 0 while they do not hold.
	stableSince sim.Time
	leader      raft.NodeID
	term        raft.Term
}

// livenessBound is the time the healed cluster has to converge.
// LivenessBoundOrDefault is the bound the run uses.
func (c Config) LivenessBoundOrDefault() time.Duration {
	if c.LivenessBound > 0 {
		return c.LivenessBound
	}
	return 20*c.Raft.ElectionTimeoutMax + 100*c.Network.Latency.MaxDelay() + 4*c.Workload.Timeout
}

// stablePeriod is how long a converged leader must stay.
func (c Config) stablePeriod() time.Duration { return 2 * c.Raft.ElectionTimeoutMax }

// startLiveness heals the given nodes and arms the first check.
func (w *World) startLiveness(healed []*node) {
	now := w.kernel.Now()
	w.live = &livenessState{start: now, deadline: now.Add(w.cfg.LivenessBoundOrDefault()), healed: healed}
	if w.tracing() {
		w.emit(TraceEvent{Kind: TracePhase, Text: fmt.Sprintf("liveness: healed %v, bound %v", nodeIDs(healed), w.cfg.LivenessBoundOrDefault())})
	}
	w.kernel.After(w.cfg.Raft.HeartbeatInterval, event{kind: evLivenessCheck})
}

// checkLiveness runs every heartbeat interval of the liveness phase.
func (w *World) checkLiveness() {
	l := w.live
	now := w.kernel.Now()
	pending := w.pendingProgress()
	switch {
	case pending != "":
		l.stableSince = 0
		if now >= l.deadline {
			w.fail(Failure{Class: ClassLiveness, Check: livenessCheckName(pending),
				Message: fmt.Sprintf("%s after %v of healing (bound %v)", pending, now.Sub(l.start), w.cfg.LivenessBoundOrDefault())})
			return
		}
	case l.stableSince == 0:
		l.stableSince = now
	case now.Sub(l.stableSince) >= w.cfg.stablePeriod():
		w.stats.RecoveryTime = l.stableSince.Sub(l.start)
		w.done = true
		return
	}
	w.kernel.After(w.cfg.Raft.HeartbeatInterval, event{kind: evLivenessCheck})
}

// livenessCheckName classifies what is pending for the failure signature.
func livenessCheckName(pending string) string {
	switch {
	case strings.HasPrefix(pending, "no leader"), strings.HasPrefix(pending, "leader changed"):
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
	members := w.currentMembers(l.healed)
	leader, why := w.soleLeader(members)
	if leader == nil {
		return why
	}
	st := leader.raft.Status()
	if l.stableSince != 0 && (st.ID != l.leader || st.Term != l.term) {
		return fmt.Sprintf("leader changed from %v (term %d) to %v (term %d) after converging", l.leader, l.term, st.ID, st.Term)
	}
	l.leader, l.term = st.ID, st.Term
	for _, c := range w.clients {
		if c.busy {
			return fmt.Sprintf("client %d still waiting for %v", c.idx, c.cmd)
		}
	}
	if m, _ := leader.raft.Membership(); m.IsJoint() {
		return fmt.Sprintf("membership change to %v still joint", m)
	}
	digest := leader.kv.Digest()
	for _, n := range members {
		if msg := converged(n, st, digest); msg != "" {
			return msg
		}
	}
	return ""
}

// currentMembers narrows the healed nodes to the voters of the latest
// configuration any healed node holds: removed nodes and spares never added
// owe the cluster nothing.
func (w *World) currentMembers(healed []*node) []*node {
	var latest raft.Membership
	var latestIdx raft.Index = 0
	found := false
	for _, n := range healed {
		if !n.up {
			continue
		}
		m, idx := n.raft.Membership()
		if st := n.raft.Status(); !st.Pristine && (!found || idx > latestIdx) {
			latest, latestIdx, found = m, idx, true
		}
	}
	if !found {
		return healed
	}
	var out []*node
	for _, n := range healed {
		if latest.Contains(n.id) {
			out = append(out, n)
		}
	}
	return out
}

// soleLeader finds the one leader the healed nodes follow.
func (w *World) soleLeader(healed []*node) (*node, string) {
	var leader *node
	for _, n := range healed {
		if !n.up {
			return nil, fmt.Sprintf("no leader: healed %v is down", n.id)
		}
		if st := n.raft.Status(); st.Role == raft.Leader {
			if leader != nil {
				return nil, fmt.Sprintf("no leader: both %v and %v lead", leader.id, n.id)
			}
			leader = n
		}
	}
	if leader == nil {
		return nil, fmt.Sprintf("no leader among %v", nodeIDs(healed))
	}
	lst := leader.raft.Status()
	for _, n := range healed {
		st := n.raft.Status()
		if st.Term != lst.Term || st.Leader != lst.ID {
			return nil, fmt.Sprintf("no leader: %v follows %v in term %d, not %v in term %d", n.id, st.Leader, st.Term, lst.ID, lst.Term)
		}
	}
	return leader, ""
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
