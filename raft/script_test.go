package raft_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/datadriven"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftsim/raftsim/raft"
	"github.com/raftsim/raftsim/storage/memstore"
)

// Protocol scripts (testdata/*.txt) drive nodes one step at a time and
// print what they send and how their state changes, in the compact text
// form of Message.String. Each file starts with a prose header saying what
// it shows. Run `go test ./raft -run TestScripts -rewrite` to rewrite the
// expected output after a deliberate change, and review the diff.
//
// Commands (node IDs are plain numbers). Each node has its own clock, as
// real nodes do: only differences between a node's own readings matter to
// it, so a script can let one node time out while the others have just
// heard from their leader.
//
//	cluster n=3 [spares=1] [prevote=false] [checkquorum=false]
//	        [snapshot=N] [chunk=B] [inflight=N] [batch=N] [single=true]
//	    nodes 1..n initialized with voters 1..n, spares pristine
//	tick ID...         move each node's clock to its deadline and tick it
//	advance DURATION   move every clock in 1ms steps, ticking whoever is due
//	deliver [from=ID] [to=ID] [type=T] [n=K]
//	    deliver the queued messages that match (all by default), in order;
//	    what each recipient sends in answer is queued, not delivered
//	stabilize          deliver until no message is left
//	drop [from=ID] [to=ID] [type=T]   throw queued messages away
//	cut ID ID | isolate ID | heal     break or mend links (both ways)
//	crash ID           the node forgets its volatile state and its queue
//	restart ID         the node comes back from its store
//	propose ID         one command per input line (e.g. "put x=1")
//	read ID | transfer ID to=ID | add ID id=ID | change ID voters=(..)
//	status [ID...]     each node's state; log [ID...] each node's log
//	queue              the messages in flight
//	probes             the coverage probes (raft.Probe) the nodes hit since
//	                   the last probes command, with how often
//
// Every command prints what the nodes sent ("n1->n2 Vote t2 last 1/1"),
// what they told their host ("n1 applied #1 at 2: ok 2"), and every change
// of role, term or commit index ("n2 leader t2").
func TestScripts(t *testing.T) {
	datadriven.Walk(t, "testdata", func(t *testing.T, path string) {
		s := &script{t: t}
		datadriven.RunTest(t, path, s.run)
	})
}

// Every script starts with a prose header saying what it shows: a script
// without one is a golden file nobody can review.
func TestScriptsHaveHeaders(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join("testdata", "*.txt"))
	require.NoError(t, err)
	require.NotEmpty(t, paths)
	for _, path := range paths {
		b, err := os.ReadFile(path)
		require.NoError(t, err)
		header := 0
		for _, line := range strings.Split(string(b), "\n") {
			if !strings.HasPrefix(line, "# ") {
				break
			}
			header++
		}
		assert.GreaterOrEqual(t, header, 3, "%s: start with a prose header of a few '# ' lines saying what the script shows", path)
	}
}

type script struct {
	t     *testing.T
	cfg   raft.Config
	ids   []raft.NodeID
	nodes map[raft.NodeID]*scriptNode
	queue []*raft.Message[string]
	cut   map[[2]raft.NodeID]bool
	out   strings.Builder
	// indent is what a line printed now starts with: deliveries indent
	// what the recipient does in answer.
	indent string
	nextID uint64
	// crashed adds up the probe counts of incarnations that crashed;
	// shown the counts the last probes command printed.
	crashed, shown raft.Probes
}

type scriptNode struct {
	s     *script
	id    raft.NodeID
	node  *raft.Node[string, string]
	store *memstore.Store[string, string]
	clock *rigClock
	rand  *rigRand
	last  raft.Status
}

// run executes one command and returns what it printed.
func (s *script) run(t *testing.T, td *datadriven.TestData) string {
	s.t, s.out = t, strings.Builder{}
	if td.Cmd != "cluster" && s.nodes == nil {
		td.Fatalf(t, "%s: no cluster yet (start with `cluster n=3`)", td.Pos)
	}
	switch td.Cmd {
	case "cluster":
		s.newCluster(td)
	case "tick":
		for _, id := range s.nodeArgs(td) {
			n := s.node(td, id)
			if n.node == nil {
				td.Fatalf(t, "%s: tick: %v is down", td.Pos, id)
			}
			n.clock.now = max(n.clock.now, n.node.Deadline())
			s.call(n, n.node.Tick())
		}
	case "advance":
		s.advance(td)
	case "deliver":
		s.deliver(td, s.filter(td), false)
	case "stabilize":
		s.stabilize(td)
	case "drop":
		s.deliver(td, s.filter(td), true)
	case "cut", "isolate", "heal":
		s.links(td)
	case "crash", "restart":
		s.crashRestart(td)
	case "propose", "read", "transfer", "add", "change":
		s.request(td)
	case "status":
		for _, id := range s.nodeArgsOrAll(td) {
			fmt.Fprintf(&s.out, "%v\n", s.node(td, id).node.Status())
		}
	case "log":
		s.printLogs(td)
	case "queue":
		for _, m := range s.queue {
			fmt.Fprintf(&s.out, "%v\n", m)
		}
	case "probes":
		s.printProbes()
	default:
		td.Fatalf(t, "%s: unknown command %q", td.Pos, td.Cmd)
	}
	if s.out.Len() == 0 {
		return "ok\n"
	}
	return s.out.String()
}

func (s *script) newCluster(td *datadriven.TestData) {
	n := s.intArg(td, "n", 3)
	s.cfg = raft.DefaultConfig(1)
	s.cfg.PreVote = s.boolArg(td, "prevote", true)
	s.cfg.CheckQuorum = s.boolArg(td, "checkquorum", true)
	s.cfg.SnapshotThreshold = uint64(s.intArg(td, "snapshot", 0))
	s.cfg.SnapshotChunkSize = s.intArg(td, "chunk", s.cfg.SnapshotChunkSize)
	s.cfg.MaxInflightAppends = s.intArg(td, "inflight", s.cfg.MaxInflightAppends)
	s.cfg.MaxEntriesPerAppend = s.intArg(td, "batch", s.cfg.MaxEntriesPerAppend)
	s.cfg.SingleServerChanges = s.boolArg(td, "single", false)
	if s.boolArg(td, "lease", false) {
		s.cfg.ReadMode = raft.ReadLease
	}
	s.nodes, s.cut = map[raft.NodeID]*scriptNode{}, map[[2]raft.NodeID]bool{}
	var voters []raft.NodeID
	for i := 1; i <= n; i++ {
		voters = append(voters, raft.NodeID(i))
	}
	for i := 1; i <= n+s.intArg(td, "spares", 0); i++ {
		s.start(td, raft.NodeID(i))
	}
	for _, id := range voters {
		s.call(s.nodes[id], s.nodes[id].node.Initialize(raft.NewMembership(voters...)))
	}
	for _, id := range s.ids {
		fmt.Fprintf(&s.out, "%v\n", s.nodes[id].node.Status())
	}
}

// start creates a node on a new store, or restarts it on its old one.
func (s *script) start(td *datadriven.TestData, id raft.NodeID) {
	n := s.nodes[id]
	if n == nil {
		sm := &listSM{}
		n = &scriptNode{s: s, id: id, store: memstore.New[string, string](id, sm), clock: &rigClock{}, rand: &rigRand{x: uint64(id) * 7919}}
		s.nodes[id] = n
		s.ids = append(s.ids, id)
	}
	cfg := s.cfg
	cfg.ID = id
	env := raft.Env[string, string]{Clock: n.clock, Rand: n.rand, Transport: n, Events: n}
	node, err := raft.NewNode(cfg, raft.Storage[string, string](n.store), env)
	if err != nil {
		td.Fatalf(s.t, "%s: start %v: %v", td.Pos, id, err)
	}
	n.node, n.last = node, node.Status()
}

// call reports an error a node returned, and any change of its state.
func (s *script) call(n *scriptNode, err error) {
	if err != nil {
		s.printf("%v: error: %v", n.id, err)
	}
	s.changed(n)
}

// changed prints what moved in a node's state since it was last printed.
func (s *script) changed(n *scriptNode) {
	if n.node == nil {
		return
	}
	st := n.node.Status()
	if st.Role != n.last.Role || st.Term != n.last.Term {
		line := fmt.Sprintf("%v %v t%d", st.ID, st.Role, st.Term)
		if st.Leader != raft.None && st.Role != raft.Leader {
			line += fmt.Sprintf(" leader %v", st.Leader)
		}
		s.printf("%s", line)
	}
	if st.Commit != n.last.Commit {
		s.printf("%v commit %d", st.ID, st.Commit)
	}
	if st.SnapshotIndex != n.last.SnapshotIndex {
		s.printf("%v snapshot at %d", st.ID, st.SnapshotIndex)
	}
	if st.Stopped && !n.last.Stopped {
		s.printf("%v stopped: %v", st.ID, n.node.Err())
	}
	n.last = st
}

func (s *script) printf(format string, args ...any) {
	s.out.WriteString(s.indent)
	fmt.Fprintf(&s.out, format, args...)
	s.out.WriteByte('\n')
}

// Send queues a message (raft.Transport) unless its link is cut.
func (n *scriptNode) Send(m *raft.Message[string]) {
	s := n.s
	if s.cut[[2]raft.NodeID{m.From, m.To}] {
		s.printf("%v (cut)", m)
		return
	}
	s.printf("%v", m)
	s.queue = append(s.queue, m)
}

func (n *scriptNode) Applied(id raft.ProposalID, index raft.Index, resp string) {
	n.s.printf("%v applied #%d at %d: %s", n.id, id, index, resp)
}
func (n *scriptNode) Dropped(id raft.ProposalID, err error) {
	n.s.printf("%v dropped #%d: %v", n.id, id, err)
}
func (n *scriptNode) ReadReady(id raft.ReadID, index raft.Index) {
	n.s.printf("%v read #%d ready at %d", n.id, id, index)
}
func (n *scriptNode) ReadFailed(id raft.ReadID, err error) {
	n.s.printf("%v read #%d failed: %v", n.id, id, err)
}

// msgFilter selects queued messages; zero fields match anything.
type msgFilter struct {
	from, to raft.NodeID
	typ      string
	limit    int
}

func (f msgFilter) match(m *raft.Message[string]) bool {
	return (f.from == raft.None || m.From == f.from) && (f.to == raft.None || m.To == f.to) &&
		(f.typ == "" || m.Type.String() == f.typ)
}

func (s *script) filter(td *datadriven.TestData) msgFilter {
	return msgFilter{
		from: raft.NodeID(s.intArg(td, "from", 0)), to: raft.NodeID(s.intArg(td, "to", 0)),
		typ: s.strArg(td, "type", ""), limit: s.intArg(td, "n", 0),
	}
}

// deliver hands the matching messages queued now to their recipients, in
// order (or drops them); what the recipients send is queued after.
func (s *script) deliver(td *datadriven.TestData, f msgFilter, drop bool) int {
	var keep, take []*raft.Message[string]
	for _, m := range s.queue {
		if f.match(m) && (f.limit == 0 || len(take) < f.limit) {
			take = append(take, m)
		} else {
			keep = append(keep, m)
		}
	}
	s.queue = keep
	for _, m := range take {
		if drop {
			s.printf("dropped %v", m)
			continue
		}
		n := s.nodes[m.To]
		if n == nil || n.node == nil {
			s.printf("%v (to a node that is down)", m)
			continue
		}
		s.printf("%v", m)
		s.indent = "  "
		s.call(n, n.node.Step(m))
		s.indent = ""
	}
	return len(take)
}

func (s *script) stabilize(td *datadriven.TestData) {
	// Limit: a correct cluster settles in a few rounds; this many means a
	// message loop.
	const maxRounds = 100
	for round := 0; len(s.queue) > 0; round++ {
		if round == maxRounds {
			td.Fatalf(s.t, "%s: messages still flowing after %d rounds", td.Pos, maxRounds)
		}
		s.deliver(td, msgFilter{}, false)
	}
}

// advance moves every clock in 1ms steps, ticking every node whose
// deadline passed, in ID order. Nothing is delivered.
func (s *script) advance(td *datadriven.TestData) {
	if len(td.CmdArgs) != 1 {
		td.Fatalf(s.t, "%s: advance takes one duration, e.g. `advance 50ms`", td.Pos)
	}
	d, err := time.ParseDuration(td.CmdArgs[0].Key)
	if err != nil {
		td.Fatalf(s.t, "%s: advance: %v", td.Pos, err)
	}
	for step := time.Duration(0); step < d; step += time.Millisecond {
		for _, id := range s.ids {
			n := s.nodes[id]
			n.clock.now += time.Millisecond
			if n.node != nil && n.node.Deadline() <= n.clock.now {
				s.call(n, n.node.Tick())
			}
		}
	}
}

func (s *script) links(td *datadriven.TestData) {
	ids := s.nodeArgs(td)
	switch td.Cmd {
	case "heal":
		s.cut = map[[2]raft.NodeID]bool{}
	case "cut":
		if len(ids) != 2 {
			td.Fatalf(s.t, "%s: cut takes two nodes", td.Pos)
		}
		s.cut[[2]raft.NodeID{ids[0], ids[1]}], s.cut[[2]raft.NodeID{ids[1], ids[0]}] = true, true
	case "isolate":
		for _, id := range ids {
			for _, o := range s.ids {
				if o != id {
					s.cut[[2]raft.NodeID{id, o}], s.cut[[2]raft.NodeID{o, id}] = true, true
				}
			}
		}
	}
}

// crashRestart: a crash loses the node's volatile state and the messages
// queued to it (the store keeps what it returned, as memstore does); a
// restart loads the store.
func (s *script) crashRestart(td *datadriven.TestData) {
	for _, id := range s.nodeArgs(td) {
		n := s.node(td, id)
		if td.Cmd == "restart" {
			if n.node != nil {
				td.Fatalf(s.t, "%s: restart %v: it is up (crash it first)", td.Pos, id)
			}
			s.start(td, id)
			s.printf("%v", n.node.Status())
			continue
		}
		if n.node != nil {
			addProbes(&s.crashed, n.node.Probes())
		}
		n.node = nil
		var keep []*raft.Message[string]
		for _, m := range s.queue {
			if m.To != id {
				keep = append(keep, m)
			}
		}
		s.queue = keep
	}
}

// request makes a client request of a node.
func (s *script) request(td *datadriven.TestData) {
	ids := s.nodeArgs(td)
	if len(ids) != 1 {
		td.Fatalf(s.t, "%s: %s takes one node", td.Pos, td.Cmd)
	}
	n := s.node(td, ids[0])
	if n.node == nil {
		td.Fatalf(s.t, "%s: %s: %v is down", td.Pos, td.Cmd, n.id)
	}
	switch td.Cmd {
	case "propose":
		for _, cmd := range strings.Split(strings.TrimSpace(td.Input), "\n") {
			s.nextID++
			s.call(n, n.node.Propose(strings.TrimSpace(cmd), raft.ProposalID(s.nextID)))
		}
	case "read":
		s.nextID++
		s.call(n, n.node.Read(raft.ReadID(s.nextID)))
	case "transfer":
		s.call(n, n.node.TransferLeadership(raft.NodeID(s.intArg(td, "to", 0))))
	case "add":
		s.call(n, n.node.AddNonVoter(raft.NodeID(s.intArg(td, "id", 0))))
	case "change":
		arg, ok := td.Arg("voters")
		if !ok {
			td.Fatalf(s.t, "%s: change needs voters=(1,2,3)", td.Pos)
		}
		var voters []raft.NodeID
		for _, v := range arg.Vals {
			voters = append(voters, raft.NodeID(s.atoi(td, v)))
		}
		s.call(n, n.node.ChangeMembership(voters))
	}
}

func (s *script) printLogs(td *datadriven.TestData) {
	for _, id := range s.nodeArgsOrAll(td) {
		n := s.node(td, id)
		st, err := n.store.GetInitialState()
		if err != nil {
			td.Fatalf(s.t, "%s: log %v: %v", td.Pos, id, err)
		}
		es, err := n.store.GetLogEntries(0, st.LastLogIndex+1)
		if err != nil {
			td.Fatalf(s.t, "%s: log %v: %v", td.Pos, id, err)
		}
		var parts []string
		for _, e := range es {
			parts = append(parts, e.String())
		}
		fmt.Fprintf(&s.out, "%v: %s\n", id, strings.Join(parts, ", "))
	}
}

// Arguments. A bad one fails the test at its line, naming it.

func (s *script) node(td *datadriven.TestData, id raft.NodeID) *scriptNode {
	n := s.nodes[id]
	if n == nil {
		td.Fatalf(s.t, "%s: no node %d", td.Pos, id)
	}
	return n
}

// nodeArgs are the bare numbers among the arguments.
func (s *script) nodeArgs(td *datadriven.TestData) []raft.NodeID {
	var ids []raft.NodeID
	for _, a := range td.CmdArgs {
		if len(a.Vals) == 0 {
			ids = append(ids, raft.NodeID(s.atoi(td, a.Key)))
		}
	}
	return ids
}

func (s *script) nodeArgsOrAll(td *datadriven.TestData) []raft.NodeID {
	if ids := s.nodeArgs(td); len(ids) > 0 {
		return ids
	}
	return s.ids
}

func (s *script) atoi(td *datadriven.TestData, v string) int {
	i, err := strconv.Atoi(v)
	if err != nil {
		td.Fatalf(s.t, "%s: %q is not a number", td.Pos, v)
	}
	return i
}

func (s *script) intArg(td *datadriven.TestData, key string, def int) int {
	if !td.HasArg(key) {
		return def
	}
	return s.atoi(td, s.strArg(td, key, ""))
}

func (s *script) boolArg(td *datadriven.TestData, key string, def bool) bool {
	if !td.HasArg(key) {
		return def
	}
	b, err := strconv.ParseBool(s.strArg(td, key, ""))
	if err != nil {
		td.Fatalf(s.t, "%s: %s: want true or false", td.Pos, key)
	}
	return b
}

func (s *script) strArg(td *datadriven.TestData, key, def string) string {
	a, ok := td.Arg(key)
	if !ok {
		return def
	}
	if len(a.Vals) != 1 {
		td.Fatalf(s.t, "%s: %s takes one value", td.Pos, key)
	}
	return a.Vals[0]
}

// probeTotals adds up the probe counts of every node and incarnation.
func (s *script) probeTotals() raft.Probes {
	total := s.crashed
	for _, id := range s.ids {
		if n := s.nodes[id]; n.node != nil {
			addProbes(&total, n.node.Probes())
		}
	}
	return total
}

// printProbes prints the probes hit since the last probes command.
func (s *script) printProbes() {
	total := s.probeTotals()
	for p := range raft.NumProbes {
		if d := total[p] - s.shown[p]; d > 0 {
			s.printf("probe %v x%d", p, d)
		}
	}
	s.shown = total
}

func addProbes(into *raft.Probes, add raft.Probes) {
	for i, k := range add {
		into[i] += k
	}
}
