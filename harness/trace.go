package harness

import (
	"fmt"
	"strconv"
	"time"

	"github.com/raftsim/raftsim/raft"
	"github.com/raftsim/raftsim/sim"
)

// TraceKind says what a TraceEvent records.
type TraceKind uint8

const (
	TraceDeliver TraceKind = iota + 1 // a message reached a node
	TraceSend                         // a node sent a message (Fate says what became of it)
	TraceTimer                        // a node's timer fired
	TraceRole                         // a node changed role or term
	TraceCrash                        // a node crashed
	TraceRestart                      // a node restarted
	TracePause                        // a node stalled
	TraceResume                       // a stalled node resumed
	TraceFault                        // a fault-plan step was applied
	TraceRequest                      // a client request reached a node
	TraceReply                        // a reply reached a client
	TracePhase                        // the run entered a phase (chaos, liveness)
	TraceFailure                      // the run failed here
	TraceIndex                        // a node's commit, applied or last index moved (for the timeline)
)

var traceKindNames = [...]string{"", "deliver", "send", "timer", "role", "crash", "restart", "pause", "resume", "fault", "request", "reply", "phase", "failure", "index"}

func (k TraceKind) String() string {
	if int(k) < len(traceKindNames) {
		return traceKindNames[k]
	}
	return "trace(" + strconv.Itoa(int(k)) + ")"
}

// TraceEvent is one thing that happened in a world. Traces are for people
// (a compact line per event) and for pictures (the timeline), so an event
// carries both the text and the structured fields a picture needs.
type TraceEvent struct {
	Step uint64
	Time sim.Time
	Kind TraceKind
	// Node is where it happened (None for the world); Peer is the other
	// end of a Raft message.
	Node raft.NodeID
	Peer raft.NodeID
	// Client is the client's number plus one in client events, else 0.
	Client int
	// Sent is when a delivered message left its sender.
	Sent sim.Time
	// Role and Term describe a node after a role change or a restart.
	Role raft.Role
	Term raft.Term
	// Commit, Applied and Last are a node's indexes in index events.
	Commit, Applied, Last raft.Index
	// Lost marks a send of which no copy will arrive (lost or cut off).
	Lost bool
	// Nodes are the nodes a fault acts on (for partitions, every node
	// whose links it cuts), and For how long it lasts when the plan says
	// (crash, pause, clog); partitions last until a heal.
	Nodes []raft.NodeID
	For   time.Duration
	// Text is the compact description: the message, the fault, the reason.
	Text string
}

// Line renders the event as one compact line:
//
//	#1234 1.234567s n2 deliver n1->n2 App t3 prev 3/10 commit 9 [3/11 put x=1]
func (e *TraceEvent) Line() string {
	node := "--"
	if e.Node != raft.None {
		node = e.Node.String()
	}
	return fmt.Sprintf("#%d %v %s %s %s", e.Step, e.Time, node, e.Kind, e.Text)
}

// Tracer receives every event of a run as it happens. It must not keep
// the event pointer.
type Tracer interface {
	Trace(e *TraceEvent)
}

// TraceFilter keeps the events of some nodes within a step range. Zero
// values mean "all".
type TraceFilter struct {
	Nodes    []raft.NodeID
	FromStep uint64
	ToStep   uint64 // inclusive; 0 means no end
}

// Keep reports whether the filter passes the event: a node filter keeps the
// events on those nodes and the messages they exchange. World-level events
// (faults, phases, the failure) pass any node filter.
func (f TraceFilter) Keep(e *TraceEvent) bool {
	if e.Step < f.FromStep || (f.ToStep != 0 && e.Step > f.ToStep) {
		return false
	}
	if len(f.Nodes) == 0 || e.Node == raft.None {
		return true
	}
	for _, id := range f.Nodes {
		if id == e.Node || id == e.Peer {
			return true
		}
	}
	return false
}

// tracing reports whether anyone listens; callers build text only then.
func (w *World) tracing() bool { return w.tracer != nil }

func (w *World) emit(e TraceEvent) {
	e.Step = w.kernel.Steps()
	e.Time = w.kernel.Now()
	w.tracer.Trace(&e)
}
