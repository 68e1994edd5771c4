package harness

import (
	"fmt"

	"github.com/raftsim/raftsim/raft"
)

// CheckInflightAppends is the Check of a ClassInvariant failure: a leader
// had more appends in flight to one follower than Config.MaxInflightAppends
// allows.
const CheckInflightAppends = "inflight-appends"

// appendsInFlight counts, for one leader incarnation and term, the
// entry-carrying appends it sent to one follower since it last received
// anything from that follower.
type appendsInFlight struct {
	inc   uint32
	term  raft.Term
	sent  int
	first raft.Index // the first entry of the oldest of them
}

// The flow-control bound, as the harness sees it. A leader pipelines
// appends to a follower in the replicate state up to MaxInflightAppends,
// sends one at a time while probing, and frees room only when the
// follower answers; every way room comes back (an acknowledgement, a
// rejection, a heartbeat answer that restarts a probe, a snapshot's
// answer) is a message from that follower. So between two messages the
// leader receives from F, in one term of one incarnation, it sends F at
// most MaxInflightAppends appends that carry entries, whatever state its
// progress is in. Empty appends (heartbeat-like probes carrying the
// commit index) are not flow-controlled and are not counted. A follower
// the leader stops replicating to (removed) and starts again (re-added)
// begins afresh: the count is dropped at the first step in which the
// leader has no progress for it (raft.Node.Replicates).

// countAppend records a message n is sending, and fails the run when it
// exceeds the bound.
func (n *node) countAppend(m *raft.Message[Command]) {
	if m.Type != raft.MsgApp || len(m.Entries) == 0 {
		return
	}
	to := int(m.To) - 1
	if n.inflight == nil {
		n.inflight = make([]appendsInFlight, len(n.w.nodes))
	}
	a := &n.inflight[to]
	if a.inc != n.incarnation || a.term != m.Term || a.sent == 0 {
		*a = appendsInFlight{inc: n.incarnation, term: m.Term, first: m.Entries[0].Index}
	}
	a.sent++
	if max := n.w.cfg.Raft.MaxInflightAppends; a.sent > max {
		last := m.Entries[len(m.Entries)-1].Index
		n.w.fail(Failure{Class: ClassInvariant, Check: CheckInflightAppends, Message: fmt.Sprintf(
			"%v: leader of term %d sent %v %d appends carrying entries (%d through %d) without receiving anything from it; the bound is MaxInflightAppends %d",
			n.id, m.Term, m.To, a.sent, a.first, last, max)})
	}
}

// heardFrom frees the appends in flight to a node n received a message
// from (delivered and about to be stepped).
func (n *node) heardFrom(from raft.NodeID) {
	if i := int(from) - 1; n.inflight != nil && i >= 0 && i < len(n.inflight) {
		n.inflight[i].sent = 0
	}
}

// dropUnreplicated forgets the count of every follower a leader no
// longer keeps a progress for, after a step.
func (n *node) dropUnreplicated() {
	for i := range n.inflight {
		if n.inflight[i].sent > 0 && !n.raft.Replicates(raft.NodeID(i+1)) {
			n.inflight[i].sent = 0
		}
	}
}
