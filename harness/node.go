package harness

import (
	"errors"
	"fmt"
	"time"

	"github.com/raftsim/raftsim/checker"
	"github.com/raftsim/raftsim/raft"
	"github.com/raftsim/raftsim/sim"
	"github.com/raftsim/raftsim/storage/memstore"
)

// node hosts one Raft node in the world: it is the node's clock, transport
// and event sink, and it serves client requests with it. The storage and
// the state machine survive crashes; the raft.Node and everything volatile
// do not.
type node struct {
	w   *World
	idx int // endpoint index in the network
	id  raft.NodeID

	kv    *KV
	store raft.Storage[Command, Response]
	raft  *raft.Node[Command, Response]
	up    bool
	// clock is the node's local clock (skew, drift, jumps); skew is the
	// offset plan steps gave it, which only grows (clocks never step back).
	clock clock
	skew  time.Duration
	// crashedAtStart: a plan step at 0s crashed the node before it booted.
	crashedAtStart bool
	// paused nodes process nothing: deliveries, requests and timers wait
	// in backlog until resume, as in a long GC pause.
	paused   bool
	backlog  []event
	timerDue bool
	// rand draws the node's election timeouts; it is the node's entropy,
	// not its state, so it carries over restarts.
	rand *sim.Rand

	// One timer event is pending at a time: timerAt, named by timerToken.
	// An event whose token is stale was superseded by an earlier deadline.
	timerPending bool
	timerAt      sim.Time
	timerToken   uint32

	// sent counts the Raft messages this node sent.
	sent int

	nextRequest uint64
	proposals   map[raft.ProposalID]*clientMsg
	reads       map[raft.ReadID]*clientMsg

	// lastRole and lastTerm are the role and term after the previous step,
	// to notice changes.
	lastRole raft.Role
	lastTerm raft.Term
}

func newNode(w *World, idx int) *node {
	n := &node{w: w, idx: idx, id: raft.NodeID(idx + 1), kv: NewKV()}
	n.rand = w.seed.Stream(fmt.Sprintf("node/%d/timeouts", n.id))
	n.kv.onApply = func(index raft.Index, c Command, r Response) { w.recordApply(n, index, c, r) }
	n.store = &watchedStore{inner: memstore.New[Command, Response](n.id, n.kv), n: n}
	return n
}

// Now is the node's clock (raft.Clock).
func (n *node) Now() time.Duration { return n.clock.local(n.w.kernel.Now()) }

// Uint64n draws from the node's timeout stream (raft.Rand).
func (n *node) Uint64n(k uint64) uint64 { return n.rand.Uint64n(k) }

// boot starts a node for the first time. Initial members get the cluster's
// membership; spares wait, pristine, for a leader to add them.
func (n *node) boot() {
	n.start()
	if n.raft == nil {
		return
	}
	n.initializeIfPristine()
	n.afterStep()
}

// initializeIfPristine gives an initial member that has nothing in its log
// the initial membership, as an operator re-running initialize would.
func (n *node) initializeIfPristine() {
	initial := n.w.initialMembership()
	if st := n.raft.Status(); st.Pristine && initial.Contains(n.id) {
		n.check(n.raft.Initialize(initial), "initialize")
	}
}

// start creates the raft.Node from storage.
func (n *node) start() {
	cfg := n.w.cfg.Raft
	cfg.ID = n.id
	r, err := raft.NewNode(cfg, n.store, raft.Env[Command, Response]{Clock: n, Rand: n, Transport: n, Events: n})
	if err != nil {
		n.w.fail(Failure{Class: ClassStorage, Check: "start", Message: fmt.Sprintf("%v: start: %v", n.id, err)})
		return
	}
	n.raft = r
	n.up = true
	n.w.report(n.w.safety.watch.Started(r.Status()))
	n.proposals = map[raft.ProposalID]*clientMsg{}
	n.reads = map[raft.ReadID]*clientMsg{}
}

func (n *node) crash() {
	if !n.up {
		return
	}
	n.w.report(n.w.safety.watch.Crashed(n.id))
	n.up = false
	n.raft = nil
	n.proposals, n.reads = nil, nil
	n.timerPending = false
	n.timerToken++
	n.paused, n.backlog, n.timerDue = false, nil, false
	n.w.stats.Crashes++
	if n.w.tracing() {
		n.w.emit(TraceEvent{Kind: TraceCrash, Node: n.id, Text: "crash: volatile state lost"})
	}
}

// heal ends every fault on the node: it restarts if down, resumes if
// paused, and its clock stops drifting (skew stays: an offset is harmless).
func (n *node) heal() {
	if !n.up {
		n.restart()
	}
	n.resume()
	if n.clock.drift != 0 {
		n.clock.setDrift(n.w.kernel.Now(), 0)
	}
}

// pause stalls the node: nothing it would process is lost, only delayed.
func (n *node) pause() {
	if n.up && !n.paused {
		n.paused = true
		n.w.stats.Pauses++
		if n.w.tracing() {
			n.w.emit(TraceEvent{Kind: TracePause, Node: n.id, Text: "pause"})
		}
	}
}

// resume replays what queued up during the pause, in arrival order, each
// as its own step, then lets the (now overdue) timer fire.
func (n *node) resume() {
	if !n.paused {
		return
	}
	n.paused = false
	if n.w.tracing() {
		n.w.emit(TraceEvent{Kind: TraceResume, Node: n.id, Text: fmt.Sprintf("resume with %d queued events", len(n.backlog))})
	}
	now := n.w.kernel.Now()
	for _, e := range n.backlog {
		n.w.kernel.At(now, e)
	}
	n.backlog = nil
	if n.timerDue {
		n.timerDue = false
		n.timerToken++
		n.timerPending = true
		n.timerAt = now
		n.w.kernel.At(now, event{kind: evTimer, target: int32(n.idx), token: n.timerToken})
	}
}

// stalled queues an event that arrived while the node was paused.
func (n *node) stalled(e event) bool {
	if !n.paused {
		return false
	}
	const maxBacklog = 1 << 20 // a bound on memory; a run this long is a harness bug
	if len(n.backlog) >= maxBacklog {
		panic(fmt.Sprintf("harness: %v paused with %d events queued", n.id, len(n.backlog)))
	}
	n.backlog = append(n.backlog, e)
	return true
}

func (n *node) restart() {
	if n.up {
		return
	}
	n.start()
	if n.raft == nil {
		return
	}
	n.w.stats.Restarts++
	if n.w.tracing() {
		st := n.raft.Status()
		n.w.emit(TraceEvent{Kind: TraceRestart, Node: n.id, Text: fmt.Sprintf("restart: term %d vote %v applied %d last %v", st.Term, st.Vote, st.Applied, st.Last)})
	}
	// A node that crashed before the first leader wrote the membership
	// into its log is pristine again.
	n.initializeIfPristine()
	n.afterStep()
}

// check turns an error from the node into the run's failure. Storage
// errors stop a node for good, which in this world is a bug: the
// reference storage never fails on its own.
func (n *node) check(err error, what string) {
	if err == nil {
		return
	}
	class := ClassStorage
	if !errors.Is(err, raft.ErrStopped) {
		class = ClassHarness
	}
	n.w.fail(Failure{Class: class, Check: what, Message: fmt.Sprintf("%v: %s: %v", n.id, what, err)})
}

func (n *node) deliver(e event) {
	if !n.up || n.stalled(e) {
		return
	}
	m := e.msg
	n.w.hashMsg(m)
	if n.w.tracing() {
		n.w.emit(TraceEvent{Kind: TraceDeliver, Node: n.id, Peer: m.From, Sent: e.sent, Text: m.String()})
	}
	n.check(n.raft.Step(m), "step")
	n.afterStep()
}

func (n *node) timer(token uint32) {
	if token != n.timerToken || !n.up {
		return
	}
	n.timerPending = false
	if n.paused {
		n.timerDue = true
		return
	}
	if n.w.tracing() {
		n.w.emit(TraceEvent{Kind: TraceTimer, Node: n.id, Text: "tick"})
	}
	n.check(n.raft.Tick(), "tick")
	n.afterStep()
}

// afterStep reschedules the timer and lets the watchers look at the node.
func (n *node) afterStep() {
	if !n.up || n.raft == nil {
		return
	}
	st := n.raft.Status()
	n.w.safety.observe(n.w, n, st)
	if st.Role != n.lastRole || st.Term != n.lastTerm {
		n.lastRole, n.lastTerm = st.Role, st.Term
		if n.w.tracing() {
			n.w.emit(TraceEvent{Kind: TraceRole, Node: n.id, Role: st.Role, Term: st.Term,
				Text: fmt.Sprintf("%v term %d commit %d last %v", st.Role, st.Term, st.Commit, st.Last)})
		}
	}
	d := n.clock.global(n.raft.Deadline())
	if now := n.w.kernel.Now(); d < now {
		d = now
	}
	if n.timerPending && n.timerAt <= d {
		return // the pending timer fires first and reschedules
	}
	n.timerToken++
	n.timerPending = true
	n.timerAt = d
	n.w.kernel.At(d, event{kind: evTimer, target: int32(n.idx), token: n.timerToken})
}

// Send routes a Raft message through the network (raft.Transport).
func (n *node) Send(m *raft.Message[Command]) {
	to := int(m.To) - 1
	if to < 0 || to >= len(n.w.nodes) {
		return // a node outside this world
	}
	n.w.report(n.w.safety.watch.Sent(checker.OutgoingOf(m)))
	n.w.stats.Messages++
	n.sent++
	now := n.w.kernel.Now()
	fate := n.w.net.Route(now, n.idx, to, m.Size(CommandCodec{}.Size))
	for i := 0; i < fate.Copies; i++ {
		n.w.kernel.At(fate.At[i], event{kind: evDeliver, target: int32(to), sent: now, msg: m})
	}
	if n.w.tracing() {
		n.w.emit(TraceEvent{Kind: TraceSend, Node: n.id, Peer: m.To, Text: m.String() + fateNote(fate)})
	}
}

// fateNote says what the network did to a message, for traces.
func fateNote(f sim.Fate) string {
	switch {
	case f.Copies == 0:
		return " [" + f.Reason.String() + "]"
	case f.Copies == 2:
		return " [duplicated]"
	}
	return ""
}

// Applied answers a client whose command committed (raft.Events).
func (n *node) Applied(id raft.ProposalID, index raft.Index, r Response) {
	req := n.proposals[id]
	delete(n.proposals, id)
	if req == nil {
		return
	}
	n.w.stats.CommandsApplied++
	if r.Stale {
		n.reply(req, statusRetry, checker.Output{})
		return
	}
	n.reply(req, statusOK, r.Output)
}

// Dropped tells a client to retry: the outcome is unknown (raft.Events).
func (n *node) Dropped(id raft.ProposalID, err error) {
	if req := n.proposals[id]; req != nil {
		delete(n.proposals, id)
		n.reply(req, statusRetry, checker.Output{})
	}
}

// ReadReady serves a confirmed read from the local state machine.
func (n *node) ReadReady(id raft.ReadID, index raft.Index) {
	if req := n.reads[id]; req != nil {
		delete(n.reads, id)
		n.reply(req, statusOK, checker.Output{Value: n.kv.Get(req.cmd.Input.Key)})
	}
}

// ReadFailed tells a client to retry its read.
func (n *node) ReadFailed(id raft.ReadID, err error) {
	if req := n.reads[id]; req != nil {
		delete(n.reads, id)
		n.reply(req, statusRetry, checker.Output{})
	}
}

// request serves a client request.
func (n *node) request(e event) {
	if !n.up || n.stalled(e) {
		return
	}
	req := e.cmsg
	if n.w.tracing() {
		n.w.emit(TraceEvent{Kind: TraceRequest, Node: n.id, Client: req.client + 1, Sent: e.sent,
			Text: fmt.Sprintf("from client %d: %v (attempt %d)", req.client, req.cmd, req.attempt)})
	}
	n.nextRequest++
	var err error
	switch {
	case req.cmd.Input.Kind == checker.OpGet && n.w.cfg.Workload.ReadPath == ReadLocalUnsafe:
		n.reply(req, statusOK, checker.Output{Value: n.kv.Get(req.cmd.Input.Key)})
	case req.cmd.Input.Kind == checker.OpGet && n.w.cfg.Workload.ReadPath == ReadIndexPath:
		// Register first: the answer may come before Read returns (a
		// valid lease, a cluster of one).
		id := raft.ReadID(n.nextRequest)
		n.reads[id] = req
		if err = n.raft.Read(id); err != nil {
			delete(n.reads, id)
		}
	default:
		id := raft.ProposalID(n.nextRequest)
		n.proposals[id] = req
		if err = n.raft.Propose(req.cmd, id); err != nil {
			delete(n.proposals, id)
		}
	}
	var nl *raft.NotLeaderError
	switch {
	case err == nil:
	case errors.As(err, &nl):
		n.replyNotLeader(req, nl.Leader)
	case errors.Is(err, raft.ErrStopped):
		n.check(err, "request")
	default:
		n.reply(req, statusRetry, checker.Output{})
	}
	n.afterStep()
}

func (n *node) reply(req *clientMsg, st clientStatus, out checker.Output) {
	n.sendToClient(&clientMsg{reply: true, from: n.id, client: req.client, seq: req.seq, attempt: req.attempt, status: st, out: out})
}

func (n *node) replyNotLeader(req *clientMsg, leader raft.NodeID) {
	n.sendToClient(&clientMsg{reply: true, from: n.id, client: req.client, seq: req.seq, attempt: req.attempt, status: statusNotLeader, leader: leader})
}

func (n *node) sendToClient(m *clientMsg) {
	to := len(n.w.nodes) + m.client
	now := n.w.kernel.Now()
	fate := n.w.net.Route(now, n.idx, to, clientMsgSize)
	for i := 0; i < fate.Copies; i++ {
		n.w.kernel.At(fate.At[i], event{kind: evClientMsg, target: int32(m.client), sent: now, cmsg: m})
	}
}
