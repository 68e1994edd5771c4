package raft

import "fmt"

// TransferLeadership hands leadership to another voter (dissertation
// §3.10): the leader stops taking proposals, brings the target's log up to
// date, and tells it to start an election at once. If no new leader
// emerges within an election timeout, the leader resumes.
func (n *Node[D, R]) TransferLeadership(to NodeID) (err error) {
	if n.err != nil {
		return n.err
	}
	defer n.guard(&err)
	if n.role != Leader {
		return n.notLeader()
	}
	if to == n.id {
		return nil
	}
	pr := n.lead.get(to)
	if pr == nil || pr.nonVoter || !n.membership.Contains(to) {
		return fmt.Errorf("raft: %v: transfer to %v: not a voter: %w", n.id, to, ErrMembershipChange)
	}
	n.lead.transferee = to
	n.lead.transferDeadline = n.now() + n.cfg.ElectionTimeoutMin
	if !n.maybeSendTimeoutNow(pr) {
		n.hit(ProbeTransferToLagging)
		n.sendAppend(pr, true)
	}
	return nil
}

// maybeSendTimeoutNow completes a transfer once the target has everything.
func (n *Node[D, R]) maybeSendTimeoutNow(pr *progress) bool {
	if n.lead.transferee != pr.id || pr.match != n.log.last.Index {
		return false
	}
	n.lead.timeoutNowSent = true
	n.send(&Message[D]{Type: MsgTimeoutNow, To: pr.id})
	return true
}

// Transferee is the voter this leader is handing leadership to, or None
// when it is not leader or no transfer is under way. While it is set the
// leader refuses proposals (ErrTransferring). It only reads: hosts and
// checkers use it to see that a transfer ends (harness's availability
// checks).
func (n *Node[D, R]) Transferee() NodeID {
	if n.lead == nil {
		return None
	}
	return n.lead.transferee
}
