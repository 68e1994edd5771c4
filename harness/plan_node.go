package harness

import (
	"fmt"

	"github.com/raftsim/raftsim/faults"
	"github.com/raftsim/raftsim/raft"
)

// The fault executor's steps that act on nodes: crash and restart, pause
// and resume, clock faults, disk faults, and membership changes through
// the admin client.

// executeNode performs the steps that act on nodes.
func (w *World) executeNode(i int, s faults.Step) string {
	switch s.Kind {
	case faults.AddMember:
		w.requestAdmin(adminAdd, raft.NodeID(s.Node))
		return ""
	case faults.RemoveMember, faults.TransferLeader:
		return w.adminStepFor(s)
	case faults.Restart, faults.Resume:
		w.restartOrResume(s)
		return ""
	case faults.DiskFaults, faults.DiskSlow, faults.DiskHeal:
		return w.diskStep(s)
	}
	n := w.resolve(s.Node)
	if n == nil {
		return "no leader"
	}
	switch s.Kind {
	case faults.Crash:
		return w.crashNode(n, s)
	case faults.Pause:
		return w.pauseNode(n, s)
	case faults.ClockSkew, faults.ClockDrift, faults.ClockJump:
		return w.clockStep(n, s)
	}
	panic(fmt.Sprintf("harness: plan step %d: kind %v has no executor", i, s.Kind))
}

// restartOrResume brings the step's nodes back: from a crash (a no-op for
// a node that is up) or from a pause.
func (w *World) restartOrResume(s faults.Step) {
	for _, n := range w.targets(s.Node) {
		if s.Kind == faults.Restart {
			n.restart()
		} else {
			n.resume()
		}
	}
}

// diskStep changes the step's nodes' disks; it returns the last node's
// note on what could not be applied.
func (w *World) diskStep(s faults.Step) string {
	var notes string
	for _, n := range w.targets(s.Node) {
		w.avail.majority.diskTouched[n.idx] = s.Kind != faults.DiskHeal
		switch s.Kind {
		case faults.DiskFaults:
			notes = n.setDiskFaults(s.Disk)
		case faults.DiskSlow:
			notes = n.setDiskLatency(s.Latency)
		case faults.DiskHeal:
			n.healDisk()
		}
	}
	return notes
}

// crashNode crashes n (a power cut when its disk's crash policy says so),
// and schedules its restart after s.For. A crash at 0s keeps the node from
// booting at all.
func (w *World) crashNode(n *node, s faults.Step) string {
	if !w.booted {
		n.crashedAtStart = true
		if s.For > 0 {
			w.kernel.After(s.For, event{kind: evRestart, target: int32(n.idx)})
		}
		return ""
	}
	if !n.up {
		return "already down"
	}
	if !n.cutPower() {
		n.crash()
	}
	if s.For > 0 {
		w.kernel.After(s.For, event{kind: evRestart, target: int32(n.idx)})
	}
	return ""
}

// pauseNode stalls n, as a long GC pause does, until a resume (after s.For
// when it is set).
func (w *World) pauseNode(n *node, s faults.Step) string {
	if !w.booted {
		return "pause at 0s: nothing runs yet"
	}
	if !n.up || n.paused {
		return "down or paused"
	}
	n.pause()
	if s.For > 0 {
		w.kernel.After(s.For, event{kind: evResume, target: int32(n.idx)})
	}
	return ""
}

// clockStep skews, drifts or jumps n's clock. Clocks never step back: a
// skew below the one already applied is refused.
func (w *World) clockStep(n *node, s faults.Step) string {
	now := w.kernel.Now()
	n.accountRun() // the running clock leaves jumps out (runClock)
	switch s.Kind {
	case faults.ClockSkew:
		if s.Offset < n.skew {
			return fmt.Sprintf("skew %v would step the clock back from %v", s.Offset, n.skew)
		}
		n.clock.jump(now, s.Offset-n.skew)
		n.skew = s.Offset
	case faults.ClockDrift:
		n.clock.setDrift(now, s.PPM)
	case faults.ClockJump:
		n.clock.jump(now, s.Offset)
		n.skew += s.Offset
	}
	n.skipRunJump()
	n.afterStep()
	return ""
}

// adminStepFor queues a membership removal or a transfer.
func (w *World) adminStepFor(s faults.Step) string {
	kind := adminRemove
	if s.Kind == faults.TransferLeader {
		kind = adminTransfer
	}
	id := raft.NodeID(s.Node)
	switch s.Node {
	case faults.Leader:
		l := w.currentLeader()
		if l == nil {
			return "no leader"
		}
		id = l.id
	case faults.AnyVoter:
		id = raft.None
	}
	w.requestAdmin(kind, id)
	return ""
}
