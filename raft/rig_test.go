package raft_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/raftsim/raftsim/raft"
	"github.com/raftsim/raftsim/storage/memstore"
)

// The rig drives nodes by hand, one message at a time, with one clock for
// all of them: the smallest deterministic world, for tests of the core that
// need no simulator. Commands are strings; the state machine keeps the list
// of applied commands and answers each with "ok <index>".

type listSM struct{ applied []string }

func (s *listSM) Apply(index raft.Index, data string) string {
	s.applied = append(s.applied, data)
	return fmt.Sprintf("ok %d", index)
}
func (s *listSM) Snapshot() ([]byte, error) { return json.Marshal(s.applied) }
func (s *listSM) Restore(b []byte) error    { s.applied = nil; return json.Unmarshal(b, &s.applied) }

type rigClock struct{ now time.Duration }

func (c *rigClock) Now() time.Duration { return c.now }

// rigRand is splitmix64: deterministic and independent per node.
type rigRand struct{ x uint64 }

func (r *rigRand) Uint64n(n uint64) uint64 {
	r.x += 0x9e3779b97f4a7c15
	z := r.x
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return (z ^ (z >> 31)) % n
}

type rigNode struct {
	node    *raft.Node[string, string]
	store   *memstore.Store[string, string]
	sm      *listSM
	results map[raft.ProposalID]string
	dropped map[raft.ProposalID]error
	reads   map[raft.ReadID]raft.Index
}

type rig struct {
	t     *testing.T
	clock rigClock
	cfg   func(id raft.NodeID) raft.Config
	nodes map[raft.NodeID]*rigNode
	ids   []raft.NodeID
	queue []*raft.Message[string]
	// cut drops messages between the two nodes of a pair (both ways).
	cut map[[2]raft.NodeID]bool
	// sent counts messages by type, for tests that bound them.
	sent map[raft.MessageType]int
	// nextID names proposals and reads.
	nextID uint64
	// rejects counts rejected appends.
	rejects int
	// tamper, if set, may rewrite the queue as each message is sent.
	tamper func(m *raft.Message[string])
}

func defaultRigConfig(id raft.NodeID) raft.Config {
	c := raft.DefaultConfig(id)
	return c
}

// newRig starts n initialized nodes numbered 1..n.
func newRig(t *testing.T, n int, cfg func(raft.NodeID) raft.Config) *rig {
	if cfg == nil {
		cfg = defaultRigConfig
	}
	r := &rig{t: t, cfg: cfg, nodes: map[raft.NodeID]*rigNode{}, cut: map[[2]raft.NodeID]bool{}, sent: map[raft.MessageType]int{}}
	var members []raft.NodeID
	for i := 1; i <= n; i++ {
		members = append(members, raft.NodeID(i))
	}
	for _, id := range members {
		r.add(id)
		require.NoError(t, r.nodes[id].node.Initialize(raft.NewMembership(members...)))
	}
	return r
}

// add creates a pristine node (or restarts one on its old store).
func (r *rig) add(id raft.NodeID) *rigNode {
	rn := r.nodes[id]
	if rn == nil {
		sm := &listSM{}
		rn = &rigNode{sm: sm, store: memstore.New[string, string](id, sm)}
		r.nodes[id] = rn
		r.ids = append(r.ids, id)
	}
	rn.results = map[raft.ProposalID]string{}
	rn.dropped = map[raft.ProposalID]error{}
	rn.reads = map[raft.ReadID]raft.Index{}
	env := raft.Env[string, string]{Clock: &r.clock, Rand: &rigRand{x: uint64(id) * 7919}, Transport: rigTransport{r}, Events: rn}
	node, err := raft.NewNode(r.cfg(id), raft.Storage[string, string](rn.store), env)
	require.NoError(r.t, err)
	rn.node = node
	return rn
}

// crash forgets a node's volatile state; restart brings it back from its
// store.
func (r *rig) restart(id raft.NodeID) { r.add(id) }

func (rn *rigNode) Applied(id raft.ProposalID, index raft.Index, resp string) { rn.results[id] = resp }
func (rn *rigNode) Dropped(id raft.ProposalID, err error)                     { rn.dropped[id] = err }
func (rn *rigNode) ReadReady(id raft.ReadID, index raft.Index)                { rn.reads[id] = index }
func (rn *rigNode) ReadFailed(id raft.ReadID, err error)                      {}

type rigTransport struct{ r *rig }

func (t rigTransport) Send(m *raft.Message[string]) {
	t.r.sent[m.Type]++
	if m.Type == raft.MsgAppResp && m.Reject {
		t.r.rejects++
	}
	if t.r.cut[[2]raft.NodeID{m.From, m.To}] || t.r.cut[[2]raft.NodeID{m.To, m.From}] {
		return
	}
	t.r.queue = append(t.r.queue, m)
	if t.r.tamper != nil {
		t.r.tamper(m)
	}
}

// isolate cuts a node off from every other.
func (r *rig) isolate(id raft.NodeID) {
	for _, o := range r.ids {
		if o != id {
			r.cut[[2]raft.NodeID{id, o}] = true
		}
	}
}

func (r *rig) heal() { r.cut = map[[2]raft.NodeID]bool{} }

// deliver delivers queued messages in order until none are left.
func (r *rig) deliver() {
	for steps := 0; len(r.queue) > 0; steps++ {
		require.Less(r.t, steps, 1_000_000, "messages never settle")
		m := r.queue[0]
		r.queue = r.queue[1:]
		if rn := r.nodes[m.To]; rn != nil && rn.node != nil {
			require.NoError(r.t, rn.node.Step(m))
		}
	}
}

// advance moves the clock forward in 1ms steps, ticking nodes whose
// deadline passed and delivering messages after each step.
func (r *rig) advance(d time.Duration) {
	for end := r.clock.now + d; r.clock.now < end; {
		r.clock.now += time.Millisecond
		for _, id := range r.ids {
			if rn := r.nodes[id]; rn.node != nil && rn.node.Deadline() <= r.clock.now {
				require.NoError(r.t, rn.node.Tick())
			}
		}
		r.deliver()
	}
}

// leader waits up to 5s of virtual time for exactly one leader among the
// connected nodes with the highest term, and returns it.
func (r *rig) leader() raft.NodeID {
	for i := 0; i < 50; i++ {
		if id := r.currentLeader(); id != raft.None {
			return id
		}
		r.advance(100 * time.Millisecond)
	}
	r.t.Fatalf("no leader after 5s: %v", r.statuses())
	return raft.None
}

func (r *rig) currentLeader() raft.NodeID {
	var best raft.Status
	for _, id := range r.ids {
		st := r.nodes[id].node.Status()
		if st.Role == raft.Leader && st.Term > best.Term {
			best = st
		}
	}
	return best.ID
}

func (r *rig) statuses() []string {
	var out []string
	for _, id := range r.ids {
		out = append(out, r.nodes[id].node.Status().String())
	}
	return out
}

// propose proposes cmd on the current leader and settles the cluster.
func (r *rig) propose(cmd string) raft.ProposalID {
	r.nextID++
	id := raft.ProposalID(r.nextID)
	l := r.nodes[r.leader()]
	require.NoError(r.t, l.node.Propose(cmd, id))
	r.deliver()
	return id
}
