package etcdloop

import (
	"fmt"
	"time"

	"github.com/raftsim/raftsim/sim"
	pb "go.etcd.io/raft/v3/raftpb"
)

// evKind says what an event does.
type evKind uint8

const (
	evDeliver  evKind = iota + 1 // a Raft message reaches a node
	evTick                       // a node's clock ticks
	evCampaign                   // the seeded first election starts
	evRequest                    // a client request reaches a node
	evReply                      // a node's answer reaches a client
	evRetry                      // a client resends after a pause
	evTimeout                    // a client's attempt timed out (ClientEvents)
	evNext                       // a client starts its next command (ClientEvents)
)

// event is one entry of the loop's queue: a small value, copied by the
// queue; only Raft messages and command bytes live behind pointers.
type event struct {
	kind   evKind
	status status // evReply
	leader uint8  // evReply with statusNotLeader: the hinted leader's ID, 0 none
	// target is the node index for deliveries, ticks, campaigns and
	// requests, the client index otherwise.
	target int32
	client int32  // evRequest: the requesting client
	token  uint32 // the client's attempt, for requests, replies, retries and timeouts
	msg    *pb.Message
	data   []byte // evRequest: the encoded command
}

// Stats counts what happened in a run.
type Stats struct {
	// Events is the number of events popped, counted as raftsim counts its
	// steps: one per message delivery, tick and client message.
	Events uint64 `json:"events"`
	// Messages is the number of Raft messages sent; ClientMsgs the client
	// requests and replies; Ticks the RawNode.Tick calls.
	Messages   uint64 `json:"messages"`
	ClientMsgs uint64 `json:"clientMsgs"`
	Ticks      uint64 `json:"ticks"`
	// Commands is the number of client commands completed.
	Commands int `json:"commands"`
	// VirtualTime is the virtual time at the end of the run.
	VirtualTime time.Duration `json:"virtualTime"`
	// Leader is the ID of the node leading at the end (0 if none).
	Leader uint64 `json:"leader"`
}

// Result is the outcome of Run.
type Result struct {
	Seed  sim.Seed       `json:"seed"`
	Stats Stats          `json:"stats"`
	Stop  sim.StopReason `json:"-"`
}

// Loop is one simulated etcd-raft cluster with its clients. It is
// single-threaded and fully determined by its config and seed.
type Loop struct {
	cfg      Config
	seed     sim.Seed
	kernel   *sim.Kernel[event]
	nodes    []*node
	clients  []*client
	stats    Stats
	done     bool // the last command completed: Run stops after this event
	settling bool // Settle runs: no stop on completion
	ran      bool
}

// New builds the cluster for a seed: nodes bootstrapped with the full
// membership, the first election and every node's first tick scheduled.
func New(cfg Config, seed sim.Seed) (*Loop, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	l := &Loop{
		cfg:    cfg,
		seed:   seed,
		kernel: sim.NewKernel[event](sim.Budget{MaxSteps: cfg.MaxEvents, MaxTime: sim.Time(cfg.MaxTime)}),
	}
	for i := 0; i < cfg.Nodes; i++ {
		n, err := newNode(l, i)
		if err != nil {
			return nil, err
		}
		l.nodes = append(l.nodes, n)
	}
	for i := 0; i < cfg.Clients; i++ {
		l.clients = append(l.clients, newClient(l, i))
	}
	l.scheduleStart()
	return l, nil
}

// scheduleStart draws when and where the first election happens, like
// raftsim's first election timeout: a seeded node at a seeded time in
// [ElectionTick, 2*ElectionTick) ticks. The nodes start ticking then, with
// seeded phases, so that etcd-raft's own (unseedable) election timeouts
// cannot fire first.
func (l *Loop) scheduleStart() {
	r := l.seed.Stream("election")
	election := time.Duration(l.cfg.ElectionTick) * l.cfg.TickInterval
	at := sim.Time(r.Duration(election, 2*election-1))
	l.kernel.At(at, event{kind: evCampaign, target: int32(r.Intn(len(l.nodes)))})
	phases := l.seed.Stream("ticks")
	for i := range l.nodes {
		l.kernel.At(at.Add(phases.Duration(0, l.cfg.TickInterval-1)), event{kind: evTick, target: int32(i)})
	}
	for _, c := range l.clients {
		c.next()
	}
}

// Run processes events until StopAfterCommands commands completed. It is
// called once per Loop.
func (l *Loop) Run() (Result, error) {
	if l.ran {
		return Result{}, fmt.Errorf("etcdloop: Run called twice on one loop")
	}
	l.ran = true
	stop := l.kernel.Run(l.step)
	res := Result{Seed: l.seed, Stats: l.snapshotStats(), Stop: stop}
	if !l.done {
		return res, fmt.Errorf("etcdloop: seed %v: stopped (%v) at %v after %d events with %d of %d commands completed",
			l.seed, stop, l.kernel.Now(), l.kernel.Steps(), l.stats.Commands, l.cfg.StopAfterCommands)
	}
	return res, nil
}

// step handles one event; false stops the kernel.
func (l *Loop) step(e event) bool {
	switch e.kind {
	case evDeliver:
		l.nodes[e.target].deliver(e.msg)
	case evTick:
		l.nodes[e.target].tick()
	case evCampaign:
		l.nodes[e.target].campaign()
	case evRequest:
		l.stats.ClientMsgs++
		l.nodes[e.target].request(e)
	case evReply:
		l.stats.ClientMsgs++
		l.clients[e.target].receive(e)
	case evRetry:
		l.clients[e.target].retry(e.token)
	case evTimeout:
		l.clients[e.target].timeout(e.token)
	case evNext:
		l.clients[e.target].next()
	default:
		panic(fmt.Sprintf("etcdloop: unknown event kind %d", e.kind))
	}
	return l.settling || !l.done
}

// send puts a Raft message on the network: it arrives after the latency.
func (l *Loop) send(from *node, m *pb.Message) {
	to := int(m.GetTo()) - 1
	if to < 0 || to >= len(l.nodes) || to == from.idx {
		panic(fmt.Sprintf("etcdloop: node %d sent %v to %d: a synchronous RawNode sends only to peers", from.id, m.GetType(), m.GetTo()))
	}
	l.stats.Messages++
	l.kernel.After(l.cfg.Latency, event{kind: evDeliver, target: int32(to), msg: m})
}

// snapshotStats is the stats with the kernel's counters filled in.
func (l *Loop) snapshotStats() Stats {
	s := l.stats
	s.Events = l.kernel.Steps()
	s.VirtualTime = time.Duration(l.kernel.Now())
	for _, n := range l.nodes {
		if n.isLeader {
			s.Leader = n.id
		}
	}
	return s
}

// Settle lets the cluster run for d more virtual time with no new commands
// (those in flight finish), then checks that every replica applied the
// same prefix of the log and holds the same map: the leader's commit
// index, one digest.
func (l *Loop) Settle(d time.Duration) error {
	if !l.ran {
		return fmt.Errorf("etcdloop: Settle before Run")
	}
	l.settling = true
	l.kernel.SetBudget(sim.Budget{MaxSteps: l.kernel.Steps() + l.cfg.MaxEvents, MaxTime: l.kernel.Now().Add(d)})
	if stop := l.kernel.Run(l.step); stop != sim.TimeBudget {
		return fmt.Errorf("etcdloop: settle stopped early: %v", stop)
	}
	var leader *node
	for _, n := range l.nodes {
		if n.isLeader {
			leader = n
		}
	}
	if leader == nil {
		return fmt.Errorf("etcdloop: no leader after settling")
	}
	commit := leader.rn.BasicStatus().GetCommit()
	digest := leader.digest()
	for _, n := range l.nodes {
		if n.applied != commit {
			return fmt.Errorf("etcdloop: node %d applied %d, leader %d committed %d", n.id, n.applied, leader.id, commit)
		}
		if d := n.digest(); d != digest {
			return fmt.Errorf("etcdloop: node %d map digest %x, leader %d has %x", n.id, d, leader.id, digest)
		}
	}
	return nil
}

// Applied is every node's last applied index.
func (l *Loop) Applied() []uint64 {
	out := make([]uint64, len(l.nodes))
	for i, n := range l.nodes {
		out[i] = n.applied
	}
	return out
}

// Digests is every node's map digest.
func (l *Loop) Digests() []uint64 {
	out := make([]uint64, len(l.nodes))
	for i, n := range l.nodes {
		out[i] = n.digest()
	}
	return out
}

// CommandsApplied is every node's count of applied client commands.
func (l *Loop) CommandsApplied() []int {
	out := make([]int, len(l.nodes))
	for i, n := range l.nodes {
		out[i] = n.commands
	}
	return out
}
