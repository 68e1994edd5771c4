package harness

import (
	"fmt"
	"strings"

	"github.com/raftsim/raftsim/raft"
	"github.com/raftsim/raftsim/sim"
)

// CheckHandleLeak is the Check of a ClassInvariant failure: a node's core
// let go of a snapshot handle its store gave it without closing it.
const CheckHandleLeak = "snapshot-handle-leak"

// trackedHandle is a snapshot handle as the store hook hands it to the
// core: every call passes through to the store's own handle, and Close
// takes it off its node's ledger. Nothing else changes, so the run is the
// same with or without the watch (trace hashes unchanged).
type trackedHandle struct {
	raft.SnapshotHandle
	s      *watchedStore
	from   string   // the store call that returned it
	id     string   // the snapshot's ID, when the call names one
	at     sim.Time // when
	inc    uint32   // the node incarnation that obtained it
	closed bool
}

func (h *trackedHandle) Close() error {
	if !h.closed {
		h.closed = true
		h.s.forget(h)
	}
	return h.SnapshotHandle.Close()
}

// track wraps a handle the store returned (nil stays nil).
// from and id are kept apart and joined only in a failure's message.
func (s *watchedStore) track(h raft.SnapshotHandle, from, id string) raft.SnapshotHandle {
	if h == nil {
		return nil
	}
	t := &trackedHandle{SnapshotHandle: h, s: s, from: from, id: id, at: s.n.w.kernel.Now(), inc: s.n.incarnation}
	s.open = append(s.open, t)
	return t
}

func (s *watchedStore) forget(h *trackedHandle) {
	for i, o := range s.open {
		if o == h {
			s.open = append(s.open[:i], s.open[i+1:]...)
			return
		}
	}
}

// untracked is the store's own handle behind one the hook handed out, so
// that a store that looks inside its handles gets its own back.
func untracked(h raft.SnapshotHandle) raft.SnapshotHandle {
	if t, ok := h.(*trackedHandle); ok {
		return t.SnapshotHandle
	}
	return h
}

// checkHandles runs after every step of a node that is up: every snapshot
// handle the core obtained from its store (GetCurrentSnapshot,
// DoLogCompaction, CreateSnapshot) must be closed once the core is done
// with it. Between calls the core holds at most one, the incoming
// transfer's (raft.Node.HeldSnapshotHandle); any other handle still open
// after a step is one nothing references any more: a leak, reported with
// where it came from. A crash ends an incarnation and drops its handles
// (closing is the process's exit then, not the core's job).
func (n *node) checkHandles() {
	s, ok := n.store.(*watchedStore)
	if !ok || len(s.open) == 0 {
		return
	}
	k := 0
	for _, h := range s.open {
		if h.inc == n.incarnation {
			s.open[k] = h
			k++
		}
	}
	s.open = s.open[:k]
	held := n.raft.HeldSnapshotHandle()
	var leaked []string
	for _, h := range s.open {
		if raft.SnapshotHandle(h) != held {
			leaked = append(leaked, strings.TrimSpace(h.from+" "+h.id)+fmt.Sprintf(" at %v", h.at))
		}
	}
	if len(leaked) == 0 {
		return
	}
	holds := 0
	if held != nil {
		holds = 1
	}
	n.w.fail(Failure{Class: ClassInvariant, Check: CheckHandleLeak, Message: fmt.Sprintf(
		"%v: %d snapshot handles open after a step, the core holds %d (its incoming transfer; the bound is 1); not closed: %s",
		n.id, len(s.open), holds, strings.Join(leaked, ", "))})
}
