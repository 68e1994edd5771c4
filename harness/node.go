package harness

import (
	"errors"
	"fmt"
	"time"

	"github.com/raftsim/raftsim/checker"
	"github.com/raftsim/raftsim/internal/zoo"
	"github.com/raftsim/raftsim/raft"
	"github.com/raftsim/raftsim/sim"
	"github.com/raftsim/raftsim/storage/simdisk"
)

// node hosts one Raft node in the world: it is the node's clock, transport
// and event sink, and it serves client requests with it. The storage (and
// with it what the state machine can recover) survives crashes; the
// raft.Node and everything volatile do not.
type node struct {
	w   *World
	idx int // endpoint index in the network
	id  raft.NodeID

	kv    *KV
	store raft.Storage[Command, Response]
	raft  *raft.Node[Command, Response]
	up    bool
	// incarnation counts crashes: a message held for durability departs
	// only if the node has not crashed since it was sent.
	incarnation uint32

	// disk is the node's simulated disk (nil with memory storage);
	// crashPolicy what a crash does to it; diskFaults whether faults were
	// ever switched on; durQ when the writes so far become durable.
	disk        *simdisk.Disk
	crashPolicy simdisk.CrashPolicy
	diskFaults  bool
	durQ        []durMark
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
	// busyUntil is when the node's last write becomes durable; until then
	// it is blocked in that write and events wait in backlog too.
	busyUntil sim.Time
	// run is the node's running clock, for the availability checks.
	run runClock
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
	// inflight counts the appends in flight to each node, by index
	// (flowcontrol.go); allocated at the first append.
	inflight []appendsInFlight
	// elect is the election-timer check's view (electiontimer.go).
	elect electionWatch

	nextRequest uint64
	proposals   map[raft.ProposalID]*clientMsg
	reads       map[raft.ReadID]*clientMsg

	// lastRole and lastTerm are the role and term after the previous step,
	// to notice changes.
	lastRole raft.Role
	lastTerm raft.Term
	// traced are the commit, applied and last indexes last traced.
	traced [3]raft.Index
	// lastBeforeCrash is the last log index when the node last crashed.
	lastBeforeCrash raft.Index
}

func newNode(w *World, idx int) *node {
	n := &node{w: w, idx: idx, id: raft.NodeID(idx + 1)}
	n.rand = w.seed.Stream(fmt.Sprintf("node/%d/timeouts", n.id))
	if w.cfg.Storage.UsesDevice() {
		// The disk exists before the node boots: plan steps at 0s set
		// its faults.
		d, err := simdisk.NewDisk(w.cfg.Disk.Device, w.seed.Stream(fmt.Sprintf("disk/%d", n.id)), w.kernel)
		if err != nil {
			panic(fmt.Sprintf("harness: %v: disk: %v (the config was validated)", n.id, err))
		}
		n.disk = d
		n.crashPolicy = w.cfg.Disk.CrashPolicy
	}
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
		n.electReset("was initialized", raft.None)
	}
}

// start opens the storage and creates the raft.Node from it. A start that
// fails on a faulty disk leaves the node down.
func (n *node) start() {
	if err := n.openStore(); err != nil {
		n.storageStopped(err, "open")
		return
	}
	cfg := zoo.Configure(n.w.cfg.Raft, n.w.cfg.Bugs) // no hooks without knobs
	cfg.ID = n.id
	r, err := raft.NewNode(cfg, n.store, raft.Env[Command, Response]{Clock: n, Rand: n, Transport: n, Events: n})
	if err != nil {
		n.storageStopped(err, "start")
		return
	}
	n.raft = r
	n.up = true
	n.electStarted(r.Status())
	n.w.report(n.w.safety.watch.Started(r.Status()))
	n.proposals = map[raft.ProposalID]*clientMsg{}
	n.reads = map[raft.ReadID]*clientMsg{}
}

func (n *node) crash() {
	if !n.up {
		return
	}
	n.syncUpTo(n.w.kernel.Now())
	n.accountRun()
	n.w.availCrashed(n)
	committed := n.w.safety.watch.Committed().Index
	n.w.report(n.w.safety.watch.Crashed(n.id))
	if c := n.w.safety.watch.Committed().Index; c < committed {
		n.w.retractApplied(n, c+1)
	}
	if n.raft != nil {
		st := n.raft.Status()
		n.lastBeforeCrash = st.Last.Index
		if st.Role == raft.Leader {
			n.w.hit(ProbeCrashLeader)
		}
		n.w.probes.addNode(n.raft)
	}
	if n.disk != nil && n.disk.Stats().PendingOps > 0 {
		n.w.hit(ProbeCrashUnsynced)
	}
	n.crashStorage()
	n.incarnation++
	n.up = false
	defer n.w.availNodeChanged(n)
	n.raft = nil
	n.proposals, n.reads = nil, nil
	n.timerPending = false
	n.timerToken++
	n.paused, n.backlog, n.timerDue, n.busyUntil = false, nil, false, 0
	n.w.stats.Crashes++
	if n.w.tracing() {
		n.w.emit(TraceEvent{Kind: TraceCrash, Node: n.id, Text: "crash: volatile state lost"})
	}
}

// heal ends every fault on the node: it restarts if down, resumes if
// paused, and its clock stops drifting (skew stays: an offset is harmless).
func (n *node) heal() {
	n.healDisk() // first: a restart must not meet the faults it is healed of
	n.w.avail.majority.diskTouched[n.idx] = false
	if !n.up {
		n.restart()
	}
	n.resume()
	if n.clock.drift != 0 {
		n.accountRun()
		n.clock.setDrift(n.w.kernel.Now(), 0)
		n.w.availTimerLate(n)
	}
}

// pause stalls the node: nothing it would process is lost, only delayed.
func (n *node) pause() {
	if n.up && !n.paused {
		n.accountRun()
		n.paused = true
		defer n.w.availRecompute()
		n.w.stats.Pauses++
		if n.w.tracing() {
			n.w.emit(TraceEvent{Kind: TracePause, Node: n.id, Text: "pause"})
		}
	}
}

// resume ends a pause; what queued up is replayed unless the node is
// still busy in a write (then its wake-up replays it).
func (n *node) resume() {
	if !n.paused {
		return
	}
	n.accountRun()
	n.paused = false
	defer n.w.availRecompute()
	if n.w.tracing() {
		n.w.emit(TraceEvent{Kind: TraceResume, Node: n.id, Text: fmt.Sprintf("resume with %d queued events", len(n.backlog))})
	}
	n.replay()
}

// wake ends a busy period: the write the node was blocked in is durable.
func (n *node) wake(token uint32) {
	if token == n.incarnation {
		n.replay()
	}
}

// replay hands a node that is neither paused nor busy what queued up, in
// arrival order, each as its own step, then lets an overdue timer fire.
func (n *node) replay() {
	now := n.w.kernel.Now()
	if n.paused || now < n.busyUntil {
		return
	}
	for _, e := range n.backlog {
		n.w.kernel.At(now, e)
	}
	n.backlog = n.backlog[:0]
	if n.timerDue {
		n.timerDue = false
		n.timerToken++
		n.timerPending = true
		n.timerAt = now
		n.w.kernel.At(now, event{kind: evTimer, target: int32(n.idx), token: n.timerToken})
	}
}

// stalled queues an event that arrives while the node is paused, or busy:
// a node whose storage write is not durable yet is blocked in it, as a
// real process is in fsync, and handles nothing else until it returns.
func (n *node) stalled(e event) bool {
	if !n.paused && n.w.kernel.Now() >= n.busyUntil {
		return false
	}
	const maxBacklog = 1 << 20 // a bound on memory; a run this long is a harness bug
	if len(n.backlog) >= maxBacklog {
		panic(fmt.Sprintf("harness: %v stalled with %d events queued", n.id, len(n.backlog)))
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
	defer n.w.availRecompute()
	if n.raft.Status().Last.Index < n.lastBeforeCrash {
		n.w.hit(ProbeRestartLostSuffix)
	}
	if n.w.tracing() {
		st := n.raft.Status()
		n.w.emit(TraceEvent{Kind: TraceRestart, Node: n.id, Role: st.Role, Term: st.Term,
			Text: fmt.Sprintf("restart: term %d vote %v applied %d last %v", st.Term, st.Vote, st.Applied, st.Last)})
	}
	// A node that crashed before the first leader wrote the membership
	// into its log is pristine again.
	n.initializeIfPristine()
	n.afterStep()
}

// check handles an error from the node. A node that stopped on a storage
// error is down (see storageStopped); any other error is a harness bug.
func (n *node) check(err error, what string) {
	switch {
	case err == nil:
	case errors.Is(err, raft.ErrStopped):
		n.storageStopped(err, what)
	default:
		n.w.fail(Failure{Class: ClassHarness, Check: what, Message: fmt.Sprintf("%v: %s: %v", n.id, what, err)})
	}
}

func (n *node) deliver(e event) {
	if !n.up || n.stalled(e) {
		return
	}
	m := e.msg
	n.w.hashMsg(m)
	n.w.availDelivered(n, m)
	n.heardFrom(m.From)
	if n.w.tracing() {
		n.w.emit(TraceEvent{Kind: TraceDeliver, Node: n.id, Peer: m.From, Sent: e.sent, Text: m.String()})
	}
	n.check(n.raft.Step(m), "step")
	n.electDelivered(m)
	n.afterStep()
}

func (n *node) timer(token uint32) {
	if token != n.timerToken || !n.up {
		return
	}
	n.timerPending = false
	if n.paused || n.w.kernel.Now() < n.busyUntil {
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
	n.w.availObserve(n, st)
	n.checkHandles()
	n.dropUnreplicated()
	n.checkElectionTimer(st)
	if st.Role != n.lastRole || st.Term != n.lastTerm {
		if st.Role == raft.Leader {
			n.probeOverlap(st.Term)
		}
		n.lastRole, n.lastTerm = st.Role, st.Term
		if n.w.tracing() {
			n.w.emit(TraceEvent{Kind: TraceRole, Node: n.id, Role: st.Role, Term: st.Term,
				Text: fmt.Sprintf("%v term %d commit %d last %v", st.Role, st.Term, st.Commit, st.Last)})
		}
	}
	if idx := [3]raft.Index{st.Commit, st.Applied, st.Last.Index}; n.w.tracing() && idx != n.traced {
		n.traced = idx
		n.w.emit(TraceEvent{Kind: TraceIndex, Node: n.id, Commit: st.Commit, Applied: st.Applied, Last: st.Last.Index,
			Text: fmt.Sprintf("commit %d applied %d last %v", st.Commit, st.Applied, st.Last)})
	}
	now := n.w.kernel.Now()
	if at := n.durableAt(); at > n.busyUntil && at > now {
		// The step wrote: the node is blocked until the write is durable.
		n.accountRun()
		n.busyUntil = at
		n.w.kernel.At(at, event{kind: evWake, target: int32(n.idx), token: n.incarnation})
	}
	d := max(n.clock.global(n.raft.Deadline()), now)
	if n.timerPending && n.timerAt <= d {
		return // the pending timer fires first and reschedules
	}
	n.timerToken++
	n.timerPending = true
	n.timerAt = d
	n.w.kernel.At(d, event{kind: evTimer, target: int32(n.idx), token: n.timerToken})
}

// Send routes a Raft message through the network (raft.Transport). Durable
// before visible: the message waits at the node until everything its
// storage returned so far is durable, and a crash before then drops it.
func (n *node) Send(m *raft.Message[Command]) {
	to := int(m.To) - 1
	if to < 0 || to >= len(n.w.nodes) {
		return // a node outside this world
	}
	n.w.stats.Messages++
	n.sent++
	n.countAppend(m)
	n.electSent(m)
	if at := n.durableAt(); at > n.w.kernel.Now() {
		n.w.kernel.At(at, event{kind: evDepart, target: int32(n.idx), token: n.incarnation, msg: m})
		return
	}
	n.depart(m)
}

// departHeld lets a held message or reply leave, unless the node crashed
// since it was sent (then it never left).
func (n *node) departHeld(e event) {
	if e.token != n.incarnation || n.stalled(e) {
		return
	}
	if e.msg != nil {
		n.depart(e.msg)
	} else {
		n.departReply(e.cmsg)
	}
}

// observeBeforeVisible shows the watch the node's state as something it
// did becomes visible. A node can commit, say so, and stop in the same step
// (a power cut in a later write): what it said must have been observed.
func (n *node) observeBeforeVisible() {
	if n.up && n.raft != nil {
		n.w.safety.observe(n.w, n, n.raft.Status())
	}
}

// depart puts a message on the network now.
func (n *node) depart(m *raft.Message[Command]) {
	now := n.w.kernel.Now()
	n.syncUpTo(now)
	n.observeBeforeVisible()
	n.w.report(n.w.safety.watch.Sent(checker.OutgoingOf(m)))
	fate := n.w.net.Route(now, n.idx, int(m.To)-1, m.Size(CommandCodec{}.Size))
	for i := 0; i < fate.Copies; i++ {
		n.w.kernel.At(fate.At[i], event{kind: evDeliver, target: int32(m.To) - 1, sent: now, msg: m})
	}
	if n.w.tracing() {
		n.w.emit(TraceEvent{Kind: TraceSend, Node: n.id, Peer: m.To, Lost: fate.Copies == 0, Text: m.String() + fateNote(fate)})
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
	n.w.availEnded(n, false, uint64(id))
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
	n.w.availEnded(n, false, uint64(id))
	if req := n.proposals[id]; req != nil {
		delete(n.proposals, id)
		n.reply(req, statusRetry, checker.Output{})
	}
}

// ReadReady serves a confirmed read from the local state machine.
func (n *node) ReadReady(id raft.ReadID, index raft.Index) {
	n.w.availEnded(n, true, uint64(id))
	if req := n.reads[id]; req != nil {
		delete(n.reads, id)
		n.reply(req, statusOK, checker.Output{Value: n.kv.Get(req.cmd.Input.Key)})
	}
}

// ReadFailed tells a client to retry its read.
func (n *node) ReadFailed(id raft.ReadID, err error) {
	n.w.availEnded(n, true, uint64(id))
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
		} else if n.reads[id] != nil {
			n.w.availAccepted(n, true, uint64(id))
		}
	default:
		id := raft.ProposalID(n.nextRequest)
		n.proposals[id] = req
		if err = n.raft.Propose(req.cmd, id); err != nil {
			delete(n.proposals, id)
		} else if n.proposals[id] != nil {
			n.w.availAccepted(n, false, uint64(id))
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

// sendToClient answers a client, once what the answer reports is durable.
func (n *node) sendToClient(m *clientMsg) {
	if at := n.durableAt(); at > n.w.kernel.Now() {
		n.w.kernel.At(at, event{kind: evDepart, target: int32(n.idx), token: n.incarnation, cmsg: m})
		return
	}
	n.departReply(m)
}

func (n *node) departReply(m *clientMsg) {
	n.observeBeforeVisible()
	to := len(n.w.nodes) + m.client
	now := n.w.kernel.Now()
	fate := n.w.net.Route(now, n.idx, to, clientMsgSize)
	for i := 0; i < fate.Copies; i++ {
		n.w.kernel.At(fate.At[i], event{kind: evClientMsg, target: int32(m.client), sent: now, cmsg: m})
	}
}

// probeOverlap records ProbeLeadersOverlap when another live node still
// believes it leads an older term than the new leader's.
func (n *node) probeOverlap(term raft.Term) {
	for _, o := range n.w.nodes {
		if o == n || !o.up || o.raft == nil {
			continue
		}
		if st := o.raft.Status(); st.Role == raft.Leader && st.Term < term {
			n.w.hit(ProbeLeadersOverlap)
			return
		}
	}
}
