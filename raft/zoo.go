package raft

import "github.com/raftsim/raftsim/internal/zoohook"

// The bug zoo (package internal/zoo) measures the harness by switching on
// known Raft bugs. It reaches the core only through the hooks of package
// internal/zoohook, at the points where a node checks one of the paper's
// rules: every hook call sits behind `n.zoo != nil`, so a correct node
// runs the correct code and nothing else, and no zoo type appears in this
// package's API. A Config gets hooks only from zoohook.Attach, which this
// file sets and only internal/zoo calls.

func init() {
	zoohook.Attach = func(cfg any, h zoohook.Hooks) any {
		c := cfg.(Config)
		c.zoo = h
		return c
	}
}

// zooPersistVote lets the zoo reorder a vote grant's write and answer;
// it reports whether it did.
func (n *Node[D, R]) zooPersistVote(to NodeID, resp MessageType) bool {
	if n.zoo == nil {
		return false
	}
	return n.zoo.PersistVote(n.vote == None,
		func() { n.saveHardState(n.term, None) },
		func() { n.saveHardState(n.term, to) },
		func() { n.send(&Message[D]{Type: resp, To: to}) })
}

// zooAckAppend lets the zoo reorder a follower's write and
// acknowledgement; it reports whether it did.
func (n *Node[D, R]) zooAckAppend(entries []Entry[D], ack *Message[D]) bool {
	if n.zoo == nil {
		return false
	}
	return n.zoo.AckAppend(func() { n.writeEntries(entries) }, func() { n.send(ack) })
}
