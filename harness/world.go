package harness

import (
	"fmt"
	"slices"
	"time"

	"github.com/raftsim/raftsim/checker"
	"github.com/raftsim/raftsim/faults"
	"github.com/raftsim/raftsim/raft"
	"github.com/raftsim/raftsim/sim"
)

// evKind says what an event does.
type evKind uint8

const (
	evDeliver       evKind = iota + 1 // a Raft message reaches a node
	evTimer                           // a node's clock reached its deadline
	evClientMsg                       // a client request or reply arrives
	evClientTimeout                   // a client gave up waiting
	evClientNext                      // a client starts its next command
	evClientRetry                     // a client resends after a pause
	evRestart                         // a crashed node restarts (a crash's For ran out)
	evChaosEnd                        // the chaos phase ends: heal, start the liveness phase
	evLivenessCheck                   // check the healed cluster's progress
	evAdmin                           // the operator retries a membership change
	evFault                           // apply plan step token
	evFlap                            // toggle flapping partition token
	evResume                          // a paused node resumes (a pause's For ran out)
	evDepart                          // a message held for durability leaves its node
	evWake                            // a node's write became durable: it handles what queued up
	evPowerCut                        // an armed power cut found no storage call: crash now
	evClientArrive                    // an open-loop client's next arrival
)

// event is one entry of the world's queue. It is a small value type: the
// queue copies it, and only messages live behind pointers.
type event struct {
	kind evKind
	// target is a node index (0-based) or a client index.
	target int32
	// token tells live events from superseded ones: a node's timer token,
	// or a client's attempt number.
	token uint32
	// sent is when a message left its sender (for traces and timelines).
	sent sim.Time
	msg  *raft.Message[Command]
	cmsg *clientMsg
}

// World is one simulated cluster: nodes, network, clients, history. It is
// single-threaded and fully determined by its config and seed.
type World struct {
	cfg    Config
	seed   sim.Seed
	kernel *sim.Kernel[event]
	net    *sim.Network
	trace  sim.TraceHash

	nodes   []*node
	clients []*client
	groups  []*clientGroup // open-loop clients (Workload.OpenLoop)
	rec     checker.Recorder

	faultRand *sim.Rand
	chaos     bool // in the chaos phase (faults on)
	done      bool
	live      *livenessState // the liveness phase, once started
	booted    bool           // the nodes have started (plan steps at 0s come before)
	admin     admin          // membership changes and transfers in progress
	cuts      cutState       // network cuts between nodes

	// applied remembers, for every command, the first time any replica
	// applied it and its output: it resolves commands whose client never
	// learned the outcome. applied[client][seq-1]; sequence numbers are
	// dense, so slices beat a map here (this is on the hot path).
	applied [][]appliedCmd
	// writers counts, per key index, the clients with a drawn write in
	// flight on it (Workload.WritersPerKey).
	writers []int
	// safety watches what replicas apply.
	safety safetyWatch
	// avail watches the availability mechanisms (availability.go).
	avail availWatch

	failure *Failure
	stats   Stats
	// probes are the hits of the harness's probes and of the nodes
	// that crashed (probes.go).
	probes Probes
	// tracer, if set, sees every event (Options.Tracer).
	tracer Tracer
	// stop is Options.Stop; abandoned says it ended the run.
	stop      func() bool
	abandoned bool
	// labApplied, in a Lab, sees every lab command a node applies.
	labApplied func(n *node, index raft.Index, c Command)
}

type appliedCmd struct {
	out checker.Output
	at  int64 // 0: not applied yet (nothing applies at time 0)
	// by and index are where it was first applied, so that an apply the
	// invariant watch takes back (retractApplied) can be forgotten.
	by    raft.NodeID
	index raft.Index
}

// newWorld builds the world for a seed. Every subsystem gets its own random
// stream, so that a change in one does not shift the others.
func newWorld(cfg Config, seed sim.Seed) *World {
	cfg = cfg.Materialize(seed)
	w := &World{
		cfg:  cfg,
		seed: seed,
		// The time budget covers the chaos phase; startLiveness extends it
		// by the bound it derives.
		kernel:    sim.NewKernel[event](sim.Budget{MaxSteps: cfg.MaxSteps, MaxTime: sim.Time(cfg.Duration + time.Second)}),
		faultRand: seed.Stream("faults"),
		applied:   make([][]appliedCmd, cfg.Workload.Clients),
		writers:   make([]int, max(cfg.Workload.Keys, 0)),
		chaos:     true,
	}
	w.trace.KeepSteps(cfg.KeepStepHashes)
	w.safety.watch = checker.NewWatchConfig(checker.WatchConfig{LaggingDurability: cfg.Storage.UsesDevice()})
	w.net = sim.NewNetwork(cfg.Nodes+cfg.Spares+cfg.Workload.Clients, cfg.Network, seed.Stream("network"))
	for i := 0; i < cfg.Nodes+cfg.Spares; i++ {
		w.nodes = append(w.nodes, newNode(w, i))
	}
	w.cuts = newCutState(len(w.nodes))
	w.avail = newAvailWatch(len(w.nodes))
	for i := 0; i < cfg.Workload.Clients; i++ {
		w.clients = append(w.clients, newClient(w, i))
	}
	if cfg.Workload.OpenLoop.On() {
		w.groups = newClientGroups(w)
	}
	return w
}

// now is virtual time in nanoseconds, as the history records it.
func (w *World) now() int64 { return int64(w.kernel.Now()) }

// start boots the nodes and schedules the first client commands and faults.
func (w *World) start() {
	w.schedulePlan()
	for _, n := range w.nodes {
		if !n.crashedAtStart {
			n.boot()
		}
	}
	w.booted = true
	w.availPlanChecks()
	w.availRecompute()
	for _, c := range w.clients {
		if c.group == nil {
			w.kernel.At(0, event{kind: evClientNext, target: int32(c.idx)})
		}
	}
	for _, g := range w.groups {
		w.kernel.At(0, event{kind: evClientArrive, target: int32(g.idx)})
	}
	w.kernel.At(sim.Time(w.cfg.Duration), event{kind: evChaosEnd})
}

// run processes events until the run ends, fails, or exhausts a budget.
func (w *World) run() sim.StopReason {
	w.start()
	return w.kernel.Run(func(e event) bool {
		w.handle(e)
		w.trace.EndStep()
		if w.stop != nil && w.kernel.Steps()%stopEvery == 0 && w.stop() {
			w.abandoned = true
			return false
		}
		return !w.done && w.failure == nil
	})
}

func (w *World) handle(e event) {
	w.trace.AddUint64(uint64(w.kernel.Now()))
	w.trace.AddUint64(uint64(e.kind)<<32 | uint64(uint32(e.target)))
	switch e.kind {
	case evDeliver:
		w.nodes[e.target].deliver(e)
	case evTimer:
		w.nodes[e.target].timer(e.token)
	case evClientMsg:
		w.hashClientMsg(e.cmsg)
		if e.cmsg.reply {
			w.clients[e.target].receive(e.cmsg)
		} else {
			w.nodes[e.target].request(e)
		}
	case evClientTimeout:
		w.clients[e.target].timeout(e.token)
	case evClientNext:
		w.clients[e.target].next()
	case evClientRetry:
		w.clients[e.target].retry(e.token)
	case evClientArrive:
		w.groups[e.target].arrive()
	case evRestart:
		if w.chaos {
			w.nodes[e.target].restart()
		}
	case evResume:
		if w.chaos {
			w.nodes[e.target].resume()
		}
	case evDepart:
		w.nodes[e.target].departHeld(e)
	case evWake:
		w.nodes[e.target].wake(e.token)
	case evPowerCut:
		w.nodes[e.target].powerCutDue(e.token)
	case evFault:
		w.applyStep(int(e.token))
	case evFlap:
		w.toggleFlap(int(e.token))
	case evChaosEnd:
		w.endChaos()
	case evLivenessCheck:
		w.checkLiveness()
	case evAdmin:
		w.adminTick()
	default:
		panic(fmt.Sprintf("harness: unknown event kind %d", e.kind))
	}
}

func (w *World) hashMsg(m *raft.Message[Command]) {
	w.trace.AddUint64(uint64(m.Type)<<48 | uint64(m.From)<<32 | uint64(m.To)<<16 | uint64(len(m.Entries)))
	w.trace.AddUint64(uint64(m.Term))
	w.trace.AddUint64(uint64(m.Index)<<32 ^ uint64(m.Commit))
}

func (w *World) hashClientMsg(m *clientMsg) {
	w.trace.AddUint64(uint64(m.client)<<32 | uint64(m.status))
	w.trace.AddUint64(m.seq)
}

// fail records the first failure; the run stops after the current step.
func (w *World) fail(f Failure) {
	if w.failure != nil {
		return
	}
	f.Step = w.kernel.Steps()
	f.Time = w.kernel.Now()
	w.failure = &f
	if w.tracing() {
		w.emit(TraceEvent{Kind: TraceFailure, Text: f.String()})
	}
}

// endChaos ends the chaos phase. Under the Survivable budget the faults
// stop on the healed nodes (all but the plan's StayFaulty pick): their
// links are cleared and made reliable, they restart and resume, their
// clocks stop drifting; the faulty minority is cut off and left as it is.
// Then the liveness phase demands progress. Under the Unbounded budget no
// progress is promised, so the run ends here and only safety is checked.
func (w *World) endChaos() {
	w.chaos = false
	w.closeWindow() // the liveness phase takes over
	if w.cfg.Budget == faults.Unbounded {
		if w.tracing() {
			w.emit(TraceEvent{Kind: TracePhase, Text: "chaos ends; unbounded budget: safety only, no liveness phase"})
		}
		w.done = true
		return
	}
	faulty, err := w.cfg.Plan.StayFaulty(len(w.nodes), w.faultRand)
	if err != nil {
		panic(fmt.Sprintf("harness: a plan within the survivable budget has no healed majority: %v", err))
	}
	w.healCuts()
	w.net.SetAllLinks(sim.ReliableLink(w.cfg.Network.Latency))
	var healed []*node
	for _, n := range w.nodes {
		if slices.Contains(faulty, int(n.id)) {
			w.isolate(n.id)
			continue
		}
		n.heal()
		healed = append(healed, n)
	}
	w.applyCuts()
	// The operator stops: a joint configuration already appended is
	// finished by the leader itself, and no new change starts. (An add
	// waiting for a node left faulty could never finish.)
	w.admin.queue = nil
	w.startLiveness(healed)
}

// initialMembership is the cluster's first configuration: nodes 1..Nodes.
// Spare nodes start pristine and join only through membership changes.
func (w *World) initialMembership() raft.Membership {
	ids := make([]raft.NodeID, w.cfg.Nodes)
	for i := range ids {
		ids[i] = raft.NodeID(i + 1)
	}
	return raft.NewMembership(ids...)
}

// recordApply is called by every replica's state machine for every command
// it applies.
func (w *World) recordApply(n *node, index raft.Index, c Command, r Response) {
	if n.kv != nil && index <= n.kv.LastIndex() {
		w.fail(Failure{Class: ClassInvariant, Check: "applied-once", Message: fmt.Sprintf(
			"%v applied index %d after index %d in one state-machine lifetime (since its start or last snapshot restore): an entry applied twice", n.id, index, n.kv.LastIndex())})
	}
	if c.Client < 0 && w.labApplied != nil {
		w.labApplied(n, index, c) // a lab command: no client, no history
		return
	}
	if r.Duplicate || r.Stale {
		return
	}
	if c.Client < 0 || c.Client >= len(w.applied) || c.Seq == 0 {
		panic(fmt.Sprintf("harness: applied command %v from no client of this world", c))
	}
	cmds := w.applied[c.Client]
	for uint64(len(cmds)) < c.Seq {
		cmds = append(cmds, appliedCmd{})
	}
	w.applied[c.Client] = cmds
	if a := &cmds[c.Seq-1]; a.at == 0 {
		*a = appliedCmd{out: r.Output, at: max(w.now(), 1), by: n.id, index: index}
	}
}

// retractApplied forgets the applies of n at index from and above: a
// leader that committed on its own unsynced copy and crashed before the
// copy was durable applied them, but nobody saw them and the crash erased
// them (checker/provisional.go). A retried command applies again later,
// and that apply is the one that counts.
func (w *World) retractApplied(n *node, from raft.Index) {
	for _, cmds := range w.applied {
		for i := range cmds {
			if cmds[i].by == n.id && cmds[i].index >= from {
				cmds[i] = appliedCmd{}
			}
		}
	}
}

// firstApplied is when any replica first applied a command, and its output.
func (w *World) firstApplied(client int, seq uint64) (checker.Output, int64, bool) {
	if client < 0 || client >= len(w.applied) || seq == 0 || seq > uint64(len(w.applied[client])) {
		return checker.Output{}, 0, false
	}
	a := w.applied[client][seq-1]
	return a.out, a.at, a.at != 0
}
