package raft

// Read-only views of a node's state for the harness's core-contract checks
// (harness/resources.go and friends). They report what the node holds; the
// checks judge it against what the harness saw the node obtain and send.

// HeldSnapshotHandle returns the handle of the snapshot the node is
// receiving (nil when none). It is the only storage handle a node keeps
// between calls: a handle from GetCurrentSnapshot or DoLogCompaction is
// closed before the call that obtained it returns, and one from
// CreateSnapshot is held until the transfer completes or is abandoned.
func (n *Node[D, R]) HeldSnapshotHandle() SnapshotHandle {
	if n.snapIn == nil {
		return nil
	}
	return n.snapIn.handle
}

// Replicates reports whether a leader keeps a progress for id (it
// replicates to it: a member or a catching-up non-voter). False on a node
// that does not lead.
func (n *Node[D, R]) Replicates(id NodeID) bool {
	return n.role == Leader && n.lead != nil && n.lead.get(id) != nil
}
