package harness

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/raftsim/raftsim/raft"
	"github.com/raftsim/raftsim/sim"
)

// The admin is the operator of the simulated cluster: it performs
// membership changes and leadership transfers the way an operator script
// would, by asking whichever node currently leads and retrying until the
// change is done or it gives up. One operation runs at a time; later ones
// queue.

// adminKind is what an admin operation does.
type adminKind uint8

const (
	adminAdd      adminKind = iota + 1 // add a node: non-voter, catch up, joint change
	adminRemove                        // remove a voter by joint change
	adminTransfer                      // hand leadership to a node (None: any other voter)
)

func (k adminKind) String() string {
	return [...]string{"", "add-member", "remove-member", "transfer-leader"}[k]
}

type adminOp struct {
	kind   adminKind
	node   raft.NodeID
	issued sim.Time
}

// adminInterval is how often the admin retries; adminPatience is how long
// it keeps trying one operation.
const (
	adminInterval = 20 * time.Millisecond
	adminPatience = 10 * time.Second
)

type admin struct {
	queue   []adminOp
	running bool // an evAdmin tick is scheduled
}

// requestAdmin queues an operation and starts the admin if it is idle.
func (w *World) requestAdmin(kind adminKind, id raft.NodeID) {
	w.admin.queue = append(w.admin.queue, adminOp{kind: kind, node: id, issued: w.kernel.Now()})
	if !w.admin.running {
		w.admin.running = true
		w.kernel.After(0, event{kind: evAdmin})
	}
}

// adminTick makes progress on the operation at the head of the queue.
func (w *World) adminTick() {
	a := &w.admin
	if len(a.queue) == 0 {
		a.running = false
		return
	}
	op := a.queue[0]
	done, why := w.adminStep(op)
	switch {
	case done:
		w.stats.MembershipChanges++
		w.traceAdmin(op, "done")
		a.queue = a.queue[1:]
	case w.kernel.Now().Sub(op.issued) > adminPatience:
		w.stats.AdminAbandoned++
		w.traceAdmin(op, "abandoned: "+why)
		a.queue = a.queue[1:]
	}
	w.kernel.After(adminInterval, event{kind: evAdmin})
}

func (w *World) traceAdmin(op adminOp, what string) {
	if w.tracing() {
		w.emit(TraceEvent{Kind: TraceFault, Text: fmt.Sprintf("admin %v %v: %s", op.kind, op.node, what)})
	}
}

// adminStep tries one step of op on the current leader and reports whether
// the operation is complete, or why not.
func (w *World) adminStep(op adminOp) (done bool, why string) {
	leader := w.currentLeader()
	if leader == nil {
		return false, "no leader"
	}
	if w.kernel.Now() < leader.busyUntil {
		return false, "leader busy in a write" // its API waits, as a lock would
	}
	r := leader.raft
	m, _ := r.Membership()
	switch op.kind {
	case adminTransfer:
		return w.adminTransfer(leader, op.node)
	case adminAdd:
		if !m.IsJoint() && slices.Contains(m.Members, op.node) {
			return w.committed(leader), "waiting for the final configuration to commit"
		}
		if int(op.node) > len(w.nodes) {
			return true, "no such node"
		}
		if !r.CaughtUp(op.node) {
			return false, w.adminErr(leader, r.AddNonVoter(op.node), "catching up")
		}
		return false, w.adminErr(leader, r.ChangeMembership(append(slices.Clone(m.Members), op.node)), "joint change appended")
	case adminRemove:
		if !m.IsJoint() && !slices.Contains(m.Members, op.node) {
			return w.committed(leader), "waiting for the final configuration to commit"
		}
		rest := slices.DeleteFunc(slices.Clone(m.Members), func(id raft.NodeID) bool { return id == op.node })
		if len(rest) == 0 {
			return true, "would remove the last member"
		}
		return false, w.adminErr(leader, r.ChangeMembership(rest), "joint change appended")
	}
	panic(fmt.Sprintf("harness: unknown admin operation %d", op.kind))
}

// committed reports whether the leader's current membership is committed.
func (w *World) committed(leader *node) bool {
	_, idx := leader.raft.Membership()
	return leader.raft.Status().Commit >= idx
}

func (w *World) adminTransfer(leader *node, to raft.NodeID) (bool, string) {
	if to == raft.None {
		m, _ := leader.raft.Membership()
		for _, id := range m.AllMembers() {
			if id != leader.id {
				to = id
				break
			}
		}
	}
	if to == leader.id || to == raft.None {
		return true, "already leader"
	}
	err := leader.raft.TransferLeadership(to)
	if err == nil {
		w.availTransferStarted(leader, to)
	}
	return err == nil || !errors.Is(err, raft.ErrTransferring), w.adminErr(leader, err, "transfer started")
}

// adminErr describes the outcome of a request to the leader. A leader
// that stopped on a storage error is handled like any stopped node (a
// power cut is its crash; elsewhere a failure).
func (w *World) adminErr(leader *node, err error, ok string) string {
	// The call was a step of the leader: what it changed is watched and
	// its timer and durability wait follow, like after any other step.
	defer leader.afterStep()
	if err == nil {
		return ok
	}
	if errors.Is(err, raft.ErrStopped) {
		leader.check(err, "admin")
	}
	return err.Error()
}

// currentLeader is the up leader with the highest term, if any.
func (w *World) currentLeader() *node {
	var best *node
	var bestTerm raft.Term
	for _, n := range w.nodes {
		if !n.up || n.paused {
			continue
		}
		if st := n.raft.Status(); st.Role == raft.Leader && st.Term > bestTerm {
			best, bestTerm = n, st.Term
		}
	}
	return best
}
