package harness

import (
	"fmt"
	"time"

	"github.com/raftsim/raftsim/raft"
)

// CheckElectionTimer is the Check of a ClassInvariant failure: a node
// started an election before its election timeout could have run out.
const CheckElectionTimer = "election-timer"

// electionWatch is what the election-timer check knows of one node.
//
// The property (Raft §5.2, and Config's ElectionTimeoutMin): a node starts
// an election (becomes pre-candidate, or candidate other than by winning a
// pre-vote) only once at least ElectionTimeoutMin of its own clock has
// passed since the latest of: its start, its Initialize (a pristine node
// waits a timeout from then, as a new server does), the latest message it accepted
// from the leader of its term (an append, heartbeat or snapshot chunk
// after which it names that leader), the latest vote it granted, and its
// own previous election start. A leadership transfer (MsgTimeoutNow, a
// candidate's vote requests flagged Transfer) is exempt. Every correct
// core restarts its timer at least at those points (ours also at any step
// down, which only makes its elections later), so measuring from them
// never asks more than the protocol does. The measure is the node's own
// clock, jumps included, not its running clock (availability.go): its
// timers run on that clock, and a pause, a slow disk or a forward jump
// only make an election later on it, never earlier; a timer that fires
// late (availTimerLate) does too.
type electionWatch struct {
	reset   time.Duration // the node's clock at the latest restart point
	why     string        // what that point was, with peer (formatted only on failure)
	peer    raft.NodeID
	role    raft.Role // role and term after the previous step
	term    raft.Term
	preVote bool // the current step sent pre-vote requests
	vote    bool // ... vote requests
	forced  bool // ... vote requests of a transfer, or stepped MsgTimeoutNow
}

// electStarted starts the watch of a new incarnation.
func (n *node) electStarted(st raft.Status) {
	n.elect = electionWatch{reset: n.Now(), why: "started", role: st.Role, term: st.Term}
}

func (n *node) electReset(why string, peer raft.NodeID) {
	n.elect.reset, n.elect.why, n.elect.peer = n.Now(), why, peer
}

// electSent notes the election messages a step sends.
func (n *node) electSent(m *raft.Message[Command]) {
	switch {
	case m.Type == raft.MsgPreVote:
		n.elect.preVote = true
	case m.Type == raft.MsgVote:
		n.elect.vote = true
		n.elect.forced = n.elect.forced || m.Transfer
	case m.Type == raft.MsgVoteResp && !m.Reject:
		n.electReset("granted its vote to", m.To)
	}
}

// electDelivered runs after n stepped m: a TimeoutNow exempts the step, and
// a leader's message it accepted restarts the timer.
func (n *node) electDelivered(m *raft.Message[Command]) {
	if m.Type == raft.MsgTimeoutNow {
		n.elect.forced = true
	}
	if !n.up || n.raft == nil {
		return
	}
	switch m.Type {
	case raft.MsgApp, raft.MsgHeartbeat, raft.MsgSnap:
		if st := n.raft.Status(); st.Leader == m.From && st.Term == m.Term {
			n.electReset("heard from leader", m.From)
		}
	}
}

// checkElectionTimer runs after every step of a node that is up.
func (n *node) checkElectionTimer(st raft.Status) {
	e := &n.elect
	var started bool
	switch {
	case e.forced:
	case e.preVote:
		started = true
	case e.vote:
		started = e.role != raft.PreCandidate // else it won its pre-vote
	default:
		// A sole voter campaigns without sending anything.
		started = st.Term > e.term && e.role != raft.PreCandidate &&
			(st.Role == raft.Candidate || st.Role == raft.Leader || st.Role == raft.PreCandidate)
	}
	if started {
		now, min := n.Now(), n.w.cfg.Raft.ElectionTimeoutMin
		if waited := now - e.reset; waited < min {
			why := e.why
			if e.peer != raft.None {
				why += " " + e.peer.String()
			}
			n.w.fail(Failure{Class: ClassInvariant, Check: CheckElectionTimer, Message: fmt.Sprintf(
				"%v: started an election (now %v of term %d) at %v on its clock, %v after it last %s at %v; the bound is ElectionTimeoutMin %v",
				n.id, st.Role, st.Term, now, waited, why, e.reset, min)})
		}
		n.electReset("started an election", raft.None)
	}
	e.role, e.term = st.Role, st.Term
	e.preVote, e.vote, e.forced = false, false, false
}
