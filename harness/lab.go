package harness

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/raftsim/raftsim/checker"
	"github.com/raftsim/raftsim/raft"
	"github.com/raftsim/raftsim/sim"
)

// Lab drives a world by hand, the way the classic Raft lab's tests drive
// their servers: start a command on a node, disconnect and reconnect nodes,
// crash and restart them, make the network unreliable, and wait in virtual
// time for agreement. There are no closed-loop clients; commands are
// integers. Every invariant checker runs underneath, after every step, and
// a violation ends the lab (Err says what broke).
type Lab struct {
	w         *World
	connected []bool
	// applied[i][index] is the command node i+1 applied at index (0:
	// none): the lab's view of each server's applied log.
	applied [][]int
	next    int    // the next lab command's session number
	padding string // LabConfig.Padding bytes
}

// LabConfig describes a lab world.
type LabConfig struct {
	Nodes int
	// Unreliable drops 10% of messages and delays some by up to 2.2s, as
	// the lab's unreliable network does.
	Unreliable bool
	// SnapshotThreshold compacts the log every so many applied entries (0:
	// never).
	SnapshotThreshold uint64
	Seed              sim.Seed
	// Padding adds so many bytes to every lab command, as the lab's RPC
	// byte-count test sends 5000-byte strings (0: none). The bytes ride in
	// Input.Expected, which a put ignores.
	Padding int
}

// labMaxTime bounds a lab's virtual time; tests run minutes at most.
const labMaxTime = 30 * time.Minute

// NewLab boots a cluster of cfg.Nodes connected nodes.
func NewLab(cfg LabConfig) (*Lab, error) {
	if cfg.Padding < 0 {
		return nil, fmt.Errorf("harness: lab: padding %d: must not be negative: %w", cfg.Padding, ErrConfig)
	}
	c := DefaultConfig()
	c.Nodes = cfg.Nodes
	c.Crashes = Crashes{}
	c.Workload.Clients = 0
	c.Duration = labMaxTime
	c.Raft.SnapshotThreshold = cfg.SnapshotThreshold
	// The lab's persister is in memory and synchronous; Start is a direct
	// call into the node, which a node blocked in a disk write could not
	// take.
	c.Storage = StorageMemory
	c.Network = sim.ReliableLink(sim.UniformDist(0, 2*time.Millisecond))
	if err := c.Validate(); err != nil {
		return nil, err
	}
	w := newWorld(c, cfg.Seed)
	l := &Lab{w: w, connected: make([]bool, cfg.Nodes), applied: make([][]int, cfg.Nodes)}
	for i := range l.connected {
		l.connected[i] = true
	}
	l.padding = strings.Repeat("x", cfg.Padding)
	w.labApplied = l.recordApplied
	w.start()
	l.SetUnreliable(cfg.Unreliable)
	return l, nil
}

// Err is the first failure the checkers found, or nil.
func (l *Lab) Err() error {
	if l.w.failure == nil {
		return nil
	}
	return fmt.Errorf("%v", l.w.failure)
}

// Now is the lab's virtual time.
func (l *Lab) Now() sim.Time { return l.w.kernel.Now() }

// Run advances virtual time by d, processing every event on the way. Once
// a checker failed the world is frozen: events due are dropped unhandled,
// but time still passes, so a test's loops that wait in virtual time end.
func (l *Lab) Run(d time.Duration) {
	end := l.w.kernel.Now().Add(d)
	for {
		at, ok := l.w.kernel.PeekTime()
		if !ok || at > end {
			break
		}
		e, ok, _ := l.w.kernel.Step()
		if !ok {
			break
		}
		if l.w.failure != nil {
			continue
		}
		l.w.handle(e)
		l.w.trace.EndStep()
	}
	l.w.kernel.AdvanceTo(end)
}

// SetUnreliable switches the network between reliable (0-2ms) and the
// lab's unreliable one: 10% loss, 0-27ms delay, and one message in ten
// held 200-2200ms, which reorders them thoroughly.
func (l *Lab) SetUnreliable(on bool) {
	c := sim.ReliableLink(sim.UniformDist(0, 2*time.Millisecond))
	if on {
		c = sim.LinkConfig{Latency: sim.LongTailDist(0, 27*time.Millisecond, sim.OneIn(10), 200*time.Millisecond, 2200*time.Millisecond),
			Loss: sim.Percent(10), Duplicate: sim.Never}
	}
	l.w.net.SetAllLinks(c)
	l.w.availRecompute() // the network changed outside the plan
}

// Disconnect cuts node i (1-based) off from every other node, both ways.
func (l *Lab) Disconnect(i int) { l.connected[i-1] = false; l.applyConnections() }

// Connect restores node i's links to every connected node.
func (l *Lab) Connect(i int) { l.connected[i-1] = true; l.applyConnections() }

func (l *Lab) applyConnections() {
	clear(l.w.cuts.base)
	for a := 1; a <= len(l.connected); a++ {
		for b := 1; b <= len(l.connected); b++ {
			if a != b && (!l.connected[a-1] || !l.connected[b-1]) {
				l.w.cuts.cut(a, b)
			}
		}
	}
	l.w.applyCuts()
	l.w.availRecompute() // the network changed outside the plan
}

// Connected reports whether node i is connected.
func (l *Lab) Connected(i int) bool { return l.connected[i-1] }

// Crash crashes node i: its volatile state is gone, its storage stays.
func (l *Lab) Crash(i int) { l.w.nodes[i-1].crash() }

// Restart restarts a crashed node i from its storage.
func (l *Lab) Restart(i int) { l.w.nodes[i-1].restart() }

// Up reports whether node i is running.
func (l *Lab) Up(i int) bool { return l.w.nodes[i-1].up }

// Status is node i's Raft status (zero if it is down).
func (l *Lab) Status(i int) raft.Status {
	n := l.w.nodes[i-1]
	if !n.up {
		return raft.Status{}
	}
	return n.raft.Status()
}

// Start asks node i to append command cmd, as the lab's Start: it returns
// the index the command would have and the term, and whether the node
// believes it is leader.
func (l *Lab) Start(i int, cmd int) (raft.Index, raft.Term, bool) {
	n := l.w.nodes[i-1]
	if !n.up {
		return 0, 0, false
	}
	st := n.raft.Status()
	if st.Role != raft.Leader {
		return 0, st.Term, false
	}
	l.next++
	// Each lab command is its own client session (a negative client), so
	// the state machine applies every one of them.
	c := Command{Client: -l.next, Seq: 1, Input: checker.Input{Kind: checker.OpPut, Key: "lab", Value: strconv.Itoa(cmd), Expected: l.padding}}
	if err := n.raft.Propose(c, raft.ProposalID(l.next)); err != nil {
		return 0, st.Term, false
	}
	n.afterStep()
	after := n.raft.Status()
	return after.Last.Index, after.Term, true
}

// recordApplied is the world's hook for lab commands.
func (l *Lab) recordApplied(n *node, index raft.Index, c Command) {
	v, err := strconv.Atoi(c.Input.Value)
	if err != nil || c.Client >= 0 {
		return
	}
	log := l.applied[n.idx]
	for raft.Index(len(log)) <= index {
		log = append(log, 0)
	}
	log[index] = v
	l.applied[n.idx] = log
}

// NCommitted counts the nodes that applied index and returns the command
// they applied; it is an error if two applied different commands.
func (l *Lab) NCommitted(index raft.Index) (int, int, error) {
	count, cmd := 0, 0
	for i, log := range l.applied {
		if raft.Index(len(log)) <= index || log[index] == 0 {
			continue
		}
		if count > 0 && log[index] != cmd {
			return 0, 0, fmt.Errorf("committed values at index %d do not match: %d and %d (n%d)", index, cmd, log[index], i+1)
		}
		count++
		cmd = log[index]
	}
	return count, cmd, nil
}

// RPCCount is the number of Raft messages node i has sent.
func (l *Lab) RPCCount(i int) int { return l.w.nodes[i-1].sent }

// BytesTotal is the bytes all Raft messages took so far.
func (l *Lab) BytesTotal() uint64 { return l.w.net.Stats().Bytes }

// CheckOneLeader waits for exactly one leader among the connected nodes
// and returns it, as the lab's checkOneLeader: it looks ten times, 450-550ms
// apart, and fails if some term has two leaders or if no leader appears.
func (l *Lab) CheckOneLeader() (int, error) {
	r := l.w.seed.Stream("lab/check")
	for iter := 0; iter < 10; iter++ {
		l.Run(r.Duration(450*time.Millisecond, 550*time.Millisecond))
		leaders := map[raft.Term][]int{}
		var newest raft.Term
		for i := 1; i <= len(l.connected); i++ {
			st := l.Status(i)
			if l.connected[i-1] && l.Up(i) && st.Role == raft.Leader {
				leaders[st.Term] = append(leaders[st.Term], i)
				newest = max(newest, st.Term)
			}
		}
		for term, ids := range leaders {
			if len(ids) > 1 {
				return 0, fmt.Errorf("term %d has %d (>1) leaders: %v", term, len(ids), ids)
			}
		}
		if len(leaders) > 0 {
			return leaders[newest][0], nil
		}
	}
	return 0, fmt.Errorf("expected one leader, got none")
}

// CheckTerms returns the term the connected nodes agree on.
func (l *Lab) CheckTerms() (raft.Term, error) {
	var term raft.Term
	for i := 1; i <= len(l.connected); i++ {
		if !l.connected[i-1] || !l.Up(i) {
			continue
		}
		t := l.Status(i).Term
		if term == 0 {
			term = t
		} else if t != term {
			return 0, fmt.Errorf("servers disagree on term: %d and %d", term, t)
		}
	}
	return term, nil
}

// CheckNoLeader fails if a connected node believes it leads.
func (l *Lab) CheckNoLeader() error {
	for i := 1; i <= len(l.connected); i++ {
		if l.connected[i-1] && l.Up(i) && l.Status(i).Role == raft.Leader {
			return fmt.Errorf("expected no leader among connected servers, but n%d claims to be leader", i)
		}
	}
	return nil
}

// One submits cmd until some leader commits it on at least expected nodes,
// as the lab's one(): it tries each node in turn for up to 10 virtual
// seconds; with retry false, a command that was appended but did not
// commit within 2 seconds is a failure rather than resubmitted.
func (l *Lab) One(cmd int, expected int, retry bool) (raft.Index, error) {
	start := l.Now()
	starter := 0
	for l.Now().Sub(start) < 10*time.Second && l.w.failure == nil {
		index := raft.Index(0)
		for k := 0; k < len(l.connected); k++ {
			starter = (starter + 1) % len(l.connected)
			if l.connected[starter] && l.Up(starter+1) {
				if i, _, ok := l.Start(starter+1, cmd); ok {
					index = i
					break
				}
			}
		}
		if index != 0 {
			t1 := l.Now()
			for l.Now().Sub(t1) < 2*time.Second {
				n, got, err := l.NCommitted(index)
				if err != nil {
					return 0, err
				}
				if n >= expected && got == cmd {
					return index, nil
				}
				l.Run(20 * time.Millisecond)
			}
			if !retry {
				return 0, fmt.Errorf("one(%d) failed to reach agreement", cmd)
			}
		} else {
			l.Run(50 * time.Millisecond)
		}
	}
	if err := l.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("one(%d) failed to reach agreement in 10s", cmd)
}

// Wait waits for at least n nodes to commit index, as the lab's wait: it
// gives up (returning -1) if a node moves past startTerm, since the entry
// may then never commit.
func (l *Lab) Wait(index raft.Index, n int, startTerm raft.Term) (int, error) {
	to := 10 * time.Millisecond
	for iters := 0; iters < 30; iters++ {
		nd, _, err := l.NCommitted(index)
		if err != nil {
			return 0, err
		}
		if nd >= n {
			break
		}
		l.Run(to)
		if to < time.Second {
			to *= 2
		}
		if startTerm > 0 {
			for i := 1; i <= len(l.connected); i++ {
				if l.Up(i) && l.Status(i).Term > startTerm {
					return -1, nil
				}
			}
		}
	}
	nd, cmd, err := l.NCommitted(index)
	if err != nil {
		return 0, err
	}
	if nd < n {
		return 0, fmt.Errorf("only %d decided for index %d; wanted %d", nd, index, n)
	}
	return cmd, nil
}

// LogSize is how many entries node i keeps in its log beyond its snapshot.
func (l *Lab) LogSize(i int) raft.Index {
	st := l.Status(i)
	return st.Last.Index - st.SnapshotIndex
}

// Additions for the ported lab tests (lab_*_test.go).

// Rand is a random stream for a test's own choices (which node to crash,
// which command to send), derived from the lab's seed and the name, so a
// test's choices never shift the world's own streams.
func (l *Lab) Rand(name string) *sim.Rand { return l.w.seed.Stream("lab/test/" + name) }

// AppliedLog is node i's applied view: the lab command it applied at each
// index, 0 where it applied none (a blank or membership entry, or an index
// a snapshot carried it past). It is a copy.
func (l *Lab) AppliedLog(i int) []int { return slices.Clone(l.applied[i-1]) }
