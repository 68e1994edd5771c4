package raft

import (
	"errors"
	"fmt"
	"time"
)

// Clock tells a node the time on its own clock. Only differences between
// readings matter; the simulator gives each node a clock that may be skewed
// or drift.
type Clock interface {
	Now() time.Duration
}

// Rand is the node's only source of randomness (election timeouts).
type Rand interface {
	// Uint64n returns a uniform value in [0, n).
	Uint64n(n uint64) uint64
}

// Transport carries a node's messages. Send must not call back into the
// node. The transport owns m after the call; the node never touches it
// again, and the entries it holds must not be modified.
type Transport[D any] interface {
	Send(m *Message[D])
}

// ProposalID is the caller's name for a proposed command.
type ProposalID uint64

// ReadID is the caller's name for a read request.
type ReadID uint64

// Events receives what a node has to tell its host. Calls happen during
// Step, Tick and the request methods, after what they report is durable.
// An implementation must not call back into the node.
type Events[R any] interface {
	// Applied reports that the command proposed as id was committed and
	// applied at index, with the state machine's response.
	Applied(id ProposalID, index Index, resp R)
	// Dropped reports that this node will say no more about proposal id:
	// it lost leadership or stopped. The command may still commit.
	Dropped(id ProposalID, err error)
	// ReadReady reports that read id may be served from the local state
	// machine now: it has applied at least index, and index is at least
	// the commit index at the time the read was confirmed linearizable.
	ReadReady(id ReadID, index Index)
	// ReadFailed reports that read id could not be confirmed.
	ReadFailed(id ReadID, err error)
}

// Env is what a node is driven by: everything outside it.
type Env[D, R any] struct {
	Clock     Clock
	Rand      Rand
	Transport Transport[D]
	Events    Events[R]
}

func (e Env[D, R]) validate() error {
	switch {
	case e.Clock == nil:
		return errors.New("raft: env: no Clock")
	case e.Rand == nil:
		return errors.New("raft: env: no Rand")
	case e.Transport == nil:
		return errors.New("raft: env: no Transport")
	case e.Events == nil:
		return errors.New("raft: env: no Events")
	}
	return nil
}

// Errors a node returns to callers. Those for requests tell the client what
// to do next; ErrStopped means the node is gone for good.
var (
	// ErrNotLeader: send the request to the leader (see NotLeaderError).
	ErrNotLeader = errors.New("not the leader")
	// ErrLeadershipLost: the node stopped being leader; a proposal may
	// still have committed.
	ErrLeadershipLost = errors.New("leadership lost")
	// ErrBusy: the leader's uncommitted log is full; retry later.
	ErrBusy = errors.New("leader busy")
	// ErrTransferring: a leadership transfer is in progress.
	ErrTransferring = errors.New("leadership transfer in progress")
	// ErrMembershipChange: a membership change is already in progress, or
	// the requested change is not allowed now.
	ErrMembershipChange = errors.New("membership change not allowed")
	// ErrStopped: the node stopped after a fatal error.
	ErrStopped = errors.New("node stopped")
	// ErrNotPristine: Initialize was called on a node that has state.
	ErrNotPristine = errors.New("node not pristine")
)

// NotLeaderError is ErrNotLeader with the leader this node believes in.
type NotLeaderError struct {
	Leader NodeID // None when unknown
	Term   Term
}

func (e *NotLeaderError) Error() string {
	return fmt.Sprintf("not the leader (leader %v in term %d)", e.Leader, e.Term)
}

func (e *NotLeaderError) Unwrap() error { return ErrNotLeader }
