package checker

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"pgregory.net/rapid"

	"github.com/raftsim/raftsim/raft"
)

// The model is a small Raft cluster that follows the rules and reports
// everything it does to a Watch, as a storage wrapper and a host would.
// Messages are delivered at once, but everything else a real run does is
// there: elections with the up-to-date check and one vote per term, stale
// leaders that keep appending, replication with conflict truncation,
// commitment by quorum of the leader's term only, joint-consensus
// membership changes, compaction and snapshot installation, crashes with
// (under lagging durability) any prefix of the unsynced writes surviving,
// and acknowledgements sent only once durable. A valid history must never
// make the Watch report anything.

// mEntry is an entry in the model's logs.
type mEntry struct {
	term   raft.Term
	digest uint64
	cfg    *raft.Membership
}

// mStore is what a node's storage holds. The model keeps compacted entries
// in log (log[i-1] is index i) so that it can compare logs; the store
// holds only those from purged on.
type mStore struct {
	hs      raft.HardState
	log     []mEntry
	purged  raft.Index
	snap    raft.EntryID
	applied raft.Index
}

func (s *mStore) clone() mStore {
	c := *s
	c.log = slices.Clone(s.log)
	return c
}

func (s *mStore) last() raft.EntryID {
	if len(s.log) == 0 {
		return raft.EntryID{}
	}
	return raft.EntryID{Term: s.log[len(s.log)-1].term, Index: raft.Index(len(s.log))}
}

func (s *mStore) term(i raft.Index) raft.Term {
	if i == 0 || i > raft.Index(len(s.log)) {
		return 0
	}
	return s.log[i-1].term
}

type mNode struct {
	id      raft.NodeID
	up      bool
	st      mStore   // written
	durable mStore   // as of the last sync (lagging durability)
	pending []mStore // the store after each unsynced write, oldest first
	role    raft.Role
	commit  raft.Index
	match   []raft.Index // a leader's view of each node's match, by ID
}

func (n *mNode) term() raft.Term { return n.st.hs.CurrentTerm }

type modelStats struct {
	runs, elections, truncations, installs, compactions, crashes, survivors, commits, configs int
}

type model struct {
	t       *rapid.T
	w       *Watch
	lagging bool
	// bugs breaks the model on purpose; collect makes check stop the run
	// with the violation instead of failing the test.
	bugs    modelBugs
	collect bool
	nodes   []*mNode // nodes[id-1]
	initial raft.Membership
	seq     uint64
	trace   []string
	stats   *modelStats
}

func newModel(t *rapid.T, stats *modelStats) *model {
	n := rapid.IntRange(3, 5).Draw(t, "nodes")
	m := &model{t: t, lagging: rapid.Bool().Draw(t, "lagging"), stats: stats}
	m.w = NewWatchConfig(WatchConfig{LaggingDurability: m.lagging})
	m.initial = raft.NewMembership(1, 2, 3)
	for i := 1; i <= n; i++ {
		node := &mNode{id: raft.NodeID(i), up: true}
		m.nodes = append(m.nodes, node)
		m.check(m.w.Started(m.status(node)))
	}
	return m
}

func (m *model) note(format string, args ...any) {
	m.trace = append(m.trace, fmt.Sprintf(format, args...))
}

// modelBugs are known Raft bugs (internal/zoo has them too) that the model
// can commit, to show that valid-looking runs of a broken Raft get caught.
type modelBugs struct {
	voteWithoutLogCheck, commitPreviousTerm, ackBeforeSync, uncappedFollowerCommit, volatileCommitRestart bool
}

// caught carries a violation out of a collecting run.
type caught struct{ v *Violation }

func (m *model) check(v *Violation) {
	if v != nil && m.collect {
		panic(caught{v})
	}
	if v != nil {
		from := max(0, len(m.trace)-40)
		m.t.Fatalf("%v\nlagging %v; last actions:\n  %s", v, m.lagging, strings.Join(m.trace[from:], "\n  "))
	}
}

func (m *model) status(n *mNode) raft.Status {
	return raft.Status{
		ID: n.id, Role: n.role, Term: n.st.hs.CurrentTerm, Vote: n.st.hs.VotedFor,
		Commit: n.commit, Applied: n.st.applied, Last: n.st.last(), SnapshotIndex: n.st.snap.Index,
	}
}

func (m *model) observe(n *mNode) { m.check(m.w.Observe(m.status(n))) }

func (m *model) ref(i raft.Index, e mEntry) EntryRef {
	return EntryRef{Index: i, Term: e.term, Digest: e.digest, Membership: e.cfg}
}

// Storage writes, reported as a wrapper would.

func (m *model) wrote(n *mNode) {
	if m.lagging {
		n.pending = append(n.pending, n.st.clone())
	}
}

func (m *model) sync(n *mNode) {
	if m.lagging {
		n.durable = n.st.clone()
		n.pending = nil
	}
	m.check(m.w.Synced(n.id))
}

func (m *model) saveHS(n *mNode, hs raft.HardState) {
	n.st.hs = hs
	m.check(m.w.SavedHardState(n.id, hs))
	m.wrote(n)
}

func (m *model) appendEntry(n *mNode, e mEntry) {
	n.st.log = append(n.st.log, e)
	m.check(m.w.Appended(n.id, m.ref(raft.Index(len(n.st.log)), e)))
	m.wrote(n)
}

func (m *model) deleteFrom(n *mNode, i raft.Index) {
	n.st.log = n.st.log[:i-1]
	m.check(m.w.Deleted(n.id, i, nil))
	m.wrote(n)
	m.stats.truncations++
}

// replicate writes es at from, from..from+len-1, onto a log whose entries
// before from match.
func (m *model) replicate(n *mNode, from raft.Index, es []mEntry) {
	refs := make([]EntryRef, len(es))
	for k, e := range es {
		refs[k] = m.ref(from+raft.Index(k), e)
	}
	n.st.log = append(n.st.log[:from-1], es...)
	m.check(m.w.Replicated(n.id, refs))
	m.wrote(n)
}

func (m *model) applyTo(n *mNode, c raft.Index) {
	for i := n.st.applied + 1; i <= c; i++ {
		m.check(m.w.AppliedEntry(n.id, m.ref(i, n.st.log[i-1])))
		n.st.applied = i
	}
}

// send reports a message; like the core, it waits for durability first.
func (m *model) send(from *mNode, o Outgoing) {
	m.sync(from)
	o.From = from.id
	m.check(m.w.Sent(o))
}

// Raft.

func (m *model) config(n *mNode) raft.Membership {
	for i := len(n.st.log) - 1; i >= 0; i-- {
		if c := n.st.log[i].cfg; c != nil {
			return *c
		}
	}
	return m.initial
}

func (m *model) configIndex(n *mNode) raft.Index {
	for i := len(n.st.log) - 1; i >= 0; i-- {
		if n.st.log[i].cfg != nil {
			return raft.Index(i + 1)
		}
	}
	return 0
}

// quorum reports whether yes holds for a majority of each half of cfg.
func quorum(cfg raft.Membership, yes func(raft.NodeID) bool) bool {
	half := func(ids []raft.NodeID) bool {
		k := 0
		for _, id := range ids {
			if yes(id) {
				k++
			}
		}
		return 2*k > len(ids)
	}
	return half(cfg.Members) && (!cfg.IsJoint() || half(cfg.MembersAfterConsensus))
}

// adoptTerm moves n to a newer term, as a follower.
func (m *model) adoptTerm(n *mNode, t raft.Term) {
	if t > n.term() {
		m.saveHS(n, raft.HardState{CurrentTerm: t})
		n.role, n.match = raft.Follower, nil
	}
}

func upToDate(cand, voter raft.EntryID) bool {
	return cand.Term > voter.Term || (cand.Term == voter.Term && cand.Index >= voter.Index)
}

func (m *model) campaign(c *mNode, reach []bool) {
	cfg := m.config(c)
	if !c.up || !cfg.Contains(c.id) {
		return
	}
	term := c.term() + 1
	m.note("n%d campaigns for term %d (last %v)", c.id, term, c.st.last())
	m.saveHS(c, raft.HardState{CurrentTerm: term, VotedFor: c.id})
	c.role, c.match = raft.Candidate, nil
	granted := map[raft.NodeID]bool{c.id: true}
	for _, v := range m.nodes {
		if v == c || !v.up || !reach[v.id-1] {
			continue
		}
		m.send(c, Outgoing{To: v.id, Type: raft.MsgVote, Term: term})
		m.adoptTerm(v, term)
		ok := v.term() == term && (v.st.hs.VotedFor == raft.None || v.st.hs.VotedFor == c.id) &&
			(upToDate(c.st.last(), v.st.last()) || m.bugs.voteWithoutLogCheck)
		if ok {
			m.saveHS(v, raft.HardState{CurrentTerm: term, VotedFor: c.id})
			granted[v.id] = true
		}
		m.send(v, Outgoing{To: c.id, Type: raft.MsgVoteResp, Term: v.term(), Reject: !ok})
		m.observe(v)
	}
	m.observe(c)
	if quorum(cfg, func(id raft.NodeID) bool { return granted[id] }) {
		m.becomeLeader(c)
	}
}

func (m *model) becomeLeader(c *mNode) {
	m.note("n%d leads term %d", c.id, c.term())
	m.stats.elections++
	c.role = raft.Leader
	c.match = make([]raft.Index, len(m.nodes)+1)
	e := mEntry{term: c.term(), digest: DigestBlank()}
	if m.configIndex(c) == 0 {
		cfg := m.initial.Clone()
		e = mEntry{term: c.term(), digest: DigestConfig(cfg), cfg: &cfg}
	}
	m.appendEntry(c, e)
	m.leaderCommit(c)
}

func (m *model) propose(l *mNode) {
	if !l.up || l.role != raft.Leader {
		return
	}
	m.seq++
	m.appendEntry(l, mEntry{term: l.term(), digest: DigestNormal(m.seq)})
	m.note("n%d appends %d/%d", l.id, l.term(), len(l.st.log))
	m.leaderCommit(l)
}

// selfMatch is how far a leader counts itself: its durable log's agreement
// with its written one.
func (m *model) selfMatch(l *mNode) raft.Index {
	if !m.lagging {
		return raft.Index(len(l.st.log))
	}
	d, w := l.durable.log, l.st.log
	i := 0
	for i < len(d) && i < len(w) && d[i].term == w[i].term && d[i].digest == w[i].digest {
		i++
	}
	return raft.Index(i)
}

// leaderCommit advances a leader's commit index to the highest entry of its
// term a quorum matches, applies, and takes the next membership step.
func (m *model) leaderCommit(l *mNode) {
	cfg := m.config(l)
	self := m.selfMatch(l)
	for c := raft.Index(len(l.st.log)); c > l.commit && (l.st.term(c) == l.term() || m.bugs.commitPreviousTerm); c-- {
		if quorum(cfg, func(id raft.NodeID) bool {
			if id == l.id {
				return self >= c
			}
			return int(id) < len(l.match) && l.match[id] >= c
		}) {
			l.commit = c
			m.applyTo(l, c)
			m.stats.commits++
			m.note("n%d commits %d", l.id, c)
			break
		}
	}
	// The next membership step happens in the same step as the commit, as
	// in the core: a removed leader is observed already stepped down.
	if ci := m.configIndex(l); ci > 0 && ci <= l.commit {
		switch {
		case cfg.IsJoint():
			final := raft.Membership{Members: slices.Clone(cfg.MembersAfterConsensus)}
			m.appendEntry(l, mEntry{term: l.term(), digest: DigestConfig(final), cfg: &final})
			m.note("n%d appends final config %v", l.id, final)
		case !cfg.Contains(l.id):
			l.role, l.match = raft.Follower, nil
			m.note("n%d steps down: removed", l.id)
		}
	}
	m.observe(l)
}

// changeMembership starts a joint change to target, under the rules: the
// current configuration is committed and so is an entry of this term.
func (m *model) changeMembership(l *mNode, target raft.Membership) {
	if !l.up || l.role != raft.Leader {
		return
	}
	cfg := m.config(l)
	ci := m.configIndex(l)
	termStarted := false
	for i := raft.Index(1); i <= l.commit; i++ {
		if l.st.term(i) == l.term() {
			termStarted = true
			break
		}
	}
	if cfg.IsJoint() || ci > l.commit || !termStarted || slices.Equal(cfg.Members, target.Members) {
		return
	}
	joint := raft.Membership{Members: slices.Clone(cfg.Members), MembersAfterConsensus: slices.Clone(target.Members)}
	m.appendEntry(l, mEntry{term: l.term(), digest: DigestConfig(joint), cfg: &joint})
	m.note("n%d appends joint config %v", l.id, joint)
	m.stats.configs++
	m.leaderCommit(l)
}

// rejectStale answers a stale leader from f, which then steps down.
func (m *model) rejectStale(l, f *mNode) {
	m.send(f, Outgoing{To: l.id, Type: raft.MsgAppResp, Term: f.term(), Reject: true})
	m.adoptTerm(l, f.term())
	m.observe(l)
}

// replicateTo sends f what it lacks from l, up to k entries, or the
// snapshot when l compacted them. With ackLost the acknowledgement never
// leaves (and, with lagging durability, the writes stay unsynced).
func (m *model) replicateTo(l, f *mNode, k int, ackLost bool) {
	if !l.up || l.role != raft.Leader || !f.up || l == f {
		return
	}
	if f.term() > l.term() {
		m.rejectStale(l, f)
		return
	}
	m.adoptTerm(f, l.term())
	f.role = raft.Follower
	// Where the logs match: what probing with conflict hints finds.
	p := min(raft.Index(len(l.st.log)), raft.Index(len(f.st.log)))
	for p > 0 && l.st.term(p) != f.st.term(p) {
		p--
	}
	if p < l.st.purged {
		m.installSnapshot(l, f)
		return
	}
	m.send(l, Outgoing{To: f.id, Type: raft.MsgApp, Term: l.term(), Index: p})
	hi := min(raft.Index(len(l.st.log)), p+raft.Index(k))
	es := l.st.log[p:hi]
	j := 0
	for j < len(es) && p+1+raft.Index(j) <= raft.Index(len(f.st.log)) && f.st.term(p+1+raft.Index(j)) == es[j].term {
		j++
	}
	if j < len(es) {
		start := p + 1 + raft.Index(j)
		if start <= raft.Index(len(f.st.log)) {
			m.note("n%d truncates from %d", f.id, start)
			m.deleteFrom(f, start)
		}
		m.replicate(f, start, slices.Clone(es[j:]))
	}
	m.note("n%d replicates to n%d through %d (ack lost %v)", l.id, f.id, hi, ackLost)
	c := min(l.commit, hi)
	if m.bugs.uncappedFollowerCommit {
		c = min(l.commit, raft.Index(len(f.st.log)))
	}
	if c > f.commit {
		f.commit = c
		m.applyTo(f, c)
	}
	if !ackLost && m.bugs.ackBeforeSync {
		m.check(m.w.Sent(Outgoing{From: f.id, To: l.id, Type: raft.MsgAppResp, Term: f.term(), Index: hi}))
		l.match[f.id] = max(l.match[f.id], hi)
	} else if !ackLost {
		m.send(f, Outgoing{To: l.id, Type: raft.MsgAppResp, Term: f.term(), Index: hi})
		l.match[f.id] = max(l.match[f.id], hi)
	}
	m.observe(f)
	m.leaderCommit(l)
}

func (m *model) installSnapshot(l, f *mNode) {
	snap := l.st.snap
	m.send(l, Outgoing{To: f.id, Type: raft.MsgSnap, Term: l.term()})
	if snap.Index <= f.commit {
		m.send(f, Outgoing{To: l.id, Type: raft.MsgSnapResp, Term: f.term(), Index: f.commit})
		l.match[f.id] = max(l.match[f.id], f.commit)
		m.observe(f)
		m.leaderCommit(l)
		return
	}
	keep := f.st.term(snap.Index) == snap.Term
	log := slices.Clone(l.st.log[:snap.Index])
	if keep {
		log = append(log, f.st.log[snap.Index:]...)
	}
	f.st.log, f.st.purged, f.st.snap, f.st.applied = log, snap.Index, snap, snap.Index
	m.check(m.w.InstalledSnapshot(f.id, snap.Index, snap.Term, keep))
	m.wrote(f)
	m.stats.installs++
	m.note("n%d installs snapshot %v from n%d (keep %v)", f.id, snap, l.id, keep)
	f.commit = max(f.commit, snap.Index)
	m.send(f, Outgoing{To: l.id, Type: raft.MsgSnapResp, Term: f.term(), Index: snap.Index})
	l.match[f.id] = max(l.match[f.id], snap.Index)
	m.observe(f)
	m.leaderCommit(l)
}

func (m *model) heartbeat(l, f *mNode) {
	if !l.up || l.role != raft.Leader || !f.up || l == f {
		return
	}
	m.send(l, Outgoing{To: f.id, Type: raft.MsgHeartbeat, Term: l.term()})
	if f.term() > l.term() {
		m.rejectStale(l, f)
		return
	}
	m.adoptTerm(f, l.term())
	f.role = raft.Follower
	if c := min(l.commit, l.match[f.id], raft.Index(len(f.st.log))); c > f.commit {
		f.commit = c
		m.applyTo(f, c)
		m.note("n%d learns commit %d from n%d", f.id, c, l.id)
	}
	m.send(f, Outgoing{To: l.id, Type: raft.MsgHeartbeatResp, Term: f.term()})
	m.observe(f)
}

func (m *model) crash(n *mNode) {
	if !n.up {
		return
	}
	n.up, n.role, n.commit, n.match = false, raft.Follower, 0, nil
	if m.lagging {
		k := choose(m.t, len(n.pending)+1, "survivors")
		if k == 0 {
			n.st = n.durable.clone()
		} else {
			n.st = n.pending[k-1].clone()
			m.stats.survivors++
		}
		n.pending = nil
		// The state machine is rebuilt from the durable snapshot.
		n.st.applied = n.st.snap.Index
	}
	m.note("n%d crashes (log %v, snapshot %v)", n.id, n.st.last(), n.st.snap)
	m.stats.crashes++
	m.check(m.w.Crashed(n.id))
}

func (m *model) restart(n *mNode) {
	if n.up {
		return
	}
	n.up = true
	n.commit = n.st.applied
	if m.bugs.volatileCommitRestart {
		n.commit = raft.Index(len(n.st.log))
	}
	n.durable = n.st.clone()
	m.note("n%d restarts", n.id)
	m.check(m.w.Started(m.status(n)))
}

func (m *model) compact(n *mNode) {
	if !n.up || n.st.applied <= n.st.snap.Index {
		return
	}
	through := n.st.applied
	n.st.purged = max(n.st.purged, through)
	n.st.snap = raft.EntryID{Term: n.st.term(through), Index: through}
	m.check(m.w.Compacted(n.id, through, n.st.snap))
	m.wrote(n)
	m.stats.compactions++
	m.note("n%d compacts through %d", n.id, through)
	m.observe(n)
}

// choose draws uniformly from [0, n): rapid's integer ranges lean hard
// towards their low end, which would make the first action dominate.
func choose(t *rapid.T, n int, label string) int {
	return int(rapid.Uint64().Draw(t, label) % uint64(n))
}

func (m *model) step() {
	t := m.t
	pick := func(label string) *mNode { return m.nodes[choose(t, len(m.nodes), label)] }
	var leaders []*mNode
	for _, n := range m.nodes {
		if n.up && n.role == raft.Leader {
			leaders = append(leaders, n)
		}
	}
	a := choose(t, 100, "action")
	needsLeader := a < 64 || a >= 90
	if len(leaders) == 0 && needsLeader || a >= 93 && a < 96 {
		reach := make([]bool, len(m.nodes))
		for i := range reach {
			reach[i] = choose(t, 4, "reach") != 0
		}
		m.campaign(pick("candidate"), reach)
		return
	}
	leader := func() *mNode { return leaders[choose(t, len(leaders), "leader")] }
	switch {
	case a < 20:
		m.propose(leader())
	case a < 56:
		m.replicateTo(leader(), pick("follower"), choose(t, 5, "entries"), choose(t, 6, "ackLost") == 0)
	case a < 64:
		m.heartbeat(leader(), pick("follower"))
	case a < 69:
		m.crash(pick("crash"))
	case a < 78:
		m.restart(pick("restart"))
	case a < 84:
		m.compact(pick("compact"))
	case a < 90:
		if n := pick("sync"); n.up {
			m.sync(n)
		}
	case a < 93:
		bits := 1 + choose(t, 1<<len(m.nodes)-1, "members")
		var ids []raft.NodeID
		for i := range m.nodes {
			if bits&(1<<i) != 0 {
				ids = append(ids, raft.NodeID(i+1))
			}
		}
		m.changeMembership(leader(), raft.NewMembership(ids...))
	default:
		m.replicateTo(leader(), pick("follower"), choose(t, 5, "entries"), false)
	}
	for _, n := range m.nodes {
		if n.up {
			m.observe(n)
		}
	}
}

// TestWatchAcceptsValidHistories is the property: nothing a valid run does
// is reported. The generator's coverage is asserted too, so that a change
// that made it timid (no truncations, no snapshots) cannot pass unnoticed.
func TestWatchAcceptsValidHistories(t *testing.T) {
	var stats modelStats
	rapid.Check(t, func(t *rapid.T) {
		m := newModel(t, &stats)
		stats.runs++
		steps := 20 + choose(t, 300, "steps")
		for range steps {
			m.step()
		}
	})
	t.Logf("%+v", stats)
	if stats.runs < 50 {
		return // a short -rapid.checks run says little about coverage
	}
	assert.Positive(t, stats.elections)
	assert.Positive(t, stats.commits)
	assert.Positive(t, stats.truncations)
	assert.Positive(t, stats.installs)
	assert.Positive(t, stats.compactions)
	assert.Positive(t, stats.crashes)
	assert.Positive(t, stats.survivors)
	assert.Positive(t, stats.configs)
}

// TestWatchCatchesModelBugs runs the model with one known bug at a time
// over fixed seeds and expects the Watch to report it: the property above
// is not passing because the Watch looks away.
func TestWatchCatchesModelBugs(t *testing.T) {
	cases := []struct {
		name    string
		bugs    modelBugs
		lagging bool
		want    []Invariant
	}{
		{"vote without log check", modelBugs{voteWithoutLogCheck: true}, false,
			[]Invariant{LeaderCompleteness, CommittedNeverChanges, StateMachineSafety}},
		{"commit previous term", modelBugs{commitPreviousTerm: true}, false, []Invariant{CommittedOnQuorum}},
		{"ack before sync", modelBugs{ackBeforeSync: true}, true, []Invariant{DurableBeforeAck}},
		{"uncapped follower commit", modelBugs{uncappedFollowerCommit: true}, false,
			[]Invariant{CommittedNeverChanges, StateMachineSafety}},
		{"volatile commit restart", modelBugs{volatileCommitRestart: true}, false, []Invariant{CommitAppliedMonotonic}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var stats modelStats
			run := rapid.Custom(func(rt *rapid.T) (found *Violation) {
				defer func() {
					if r := recover(); r != nil {
						c, ok := r.(caught)
						if !ok {
							panic(r)
						}
						found = c.v
					}
				}()
				m := newModel(rt, &stats)
				m.bugs, m.collect = tc.bugs, true
				if tc.lagging != m.lagging {
					return nil
				}
				for range 300 {
					m.step()
				}
				return nil
			})
			for seed := range 500 {
				if v := run.Example(seed); v != nil {
					t.Logf("seed %d: %v", seed, v)
					assert.Contains(t, tc.want, v.Invariant)
					return
				}
			}
			t.Fatalf("no violation in 500 runs")
		})
	}
}

// TestWatchSurvivesNonsense feeds random, mostly impossible observations:
// the Watch may report anything, but it must never panic, since it runs
// inside the simulator where a panic would be blamed on the run.
func TestWatchSurvivesNonsense(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		w := NewWatchConfig(WatchConfig{LaggingDurability: rapid.Bool().Draw(t, "lagging")})
		small := func(label string) uint64 { return uint64(choose(t, 6, label)) }
		id := func() raft.NodeID { return raft.NodeID(1 + choose(t, 3, "node")) }
		ref := func() EntryRef {
			e := EntryRef{Index: raft.Index(small("index")), Term: raft.Term(small("term")), Digest: small("digest")}
			if choose(t, 8, "config") == 0 {
				m := raft.NewMembership(1, 2, 3)
				e.Membership = &m
			}
			return e
		}
		status := func() raft.Status {
			return raft.Status{
				ID:            id(),
				Role:          raft.Role(choose(t, 4, "role")),
				Term:          raft.Term(small("term")),
				Vote:          raft.NodeID(small("vote") % 4),
				Commit:        raft.Index(small("commit")),
				Applied:       raft.Index(small("applied")),
				Last:          raft.EntryID{Term: raft.Term(small("lastTerm")), Index: raft.Index(small("last"))},
				SnapshotIndex: raft.Index(small("snap")),
				Stopped:       choose(t, 8, "stopped") == 0,
			}
		}
		for range 200 {
			switch choose(t, 13, "op") {
			case 0:
				w.Started(status())
			case 1:
				w.Crashed(id())
			case 2:
				w.Observe(status())
			case 3:
				w.SavedHardState(id(), raft.HardState{CurrentTerm: raft.Term(small("term")), VotedFor: raft.NodeID(small("vote") % 4)})
			case 4:
				w.Appended(id(), ref())
			case 5:
				w.Replicated(id(), []EntryRef{ref(), ref()})
			case 6:
				stop := raft.Index(small("stop"))
				if choose(t, 2, "open") == 0 {
					w.Deleted(id(), raft.Index(small("start")), nil)
				} else {
					w.Deleted(id(), raft.Index(small("start")), &stop)
				}
			case 7:
				w.AppliedEntry(id(), ref())
			case 8:
				w.Compacted(id(), raft.Index(small("through")), raft.EntryID{Term: raft.Term(small("term")), Index: raft.Index(small("index"))})
			case 9:
				w.InstalledSnapshot(id(), raft.Index(small("index")), raft.Term(small("term")), choose(t, 2, "keep") == 0)
			case 10:
				w.Synced(id())
			case 11:
				w.Sent(Outgoing{From: id(), To: id(), Type: raft.MessageType(1 + choose(t, 11, "type")),
					Term: raft.Term(small("term")), Index: raft.Index(small("index")), Reject: choose(t, 2, "reject") == 0})
			default:
				w.Leader(id(), raft.Term(small("term")))
				w.Applied(id(), raft.Index(small("index")), small("digest"))
			}
		}
	})
}

// TestWatchSoleVoterReleadsLostTerm is the case TestWatchAcceptsValidHistories
// once found (n2 leading term 2 twice): n1 hands the cluster to n2 alone
// and steps down; n2, the sole voter, campaigns for term 2 and leads it
// without sending anything, so nothing forces its writes to disk; a crash
// loses its term-2 hard state and entries; it restarts at term 1, campaigns
// for term 2 again, and writes other entries at 2/4 and 2/5. Nothing of the
// first term 2 left n2 or was durable, so it never happened as far as Raft
// is concerned: the Watch once reported "log-matching: n2 and n2 hold 2/5
// with different histories" against the lost copy. Once the new entries
// are durable they are the only term-2 entries there are. The last part
// checks that a real conflict between durable copies is still reported.
func TestWatchSoleVoterReleadsLostTerm(t *testing.T) {
	r := newRig(t, lagging, 1, 2, 3)
	r.elect(1, 1, 2)
	toN2 := raft.Membership{Members: []raft.NodeID{1, 2, 3}, MembersAfterConsensus: []raft.NodeID{2}}
	onlyN2 := raft.NewMembership(2)
	es := []EntryRef{r.cfgEnt(1, 1, members3), r.cfgEnt(2, 1, toN2), r.cfgEnt(3, 1, onlyN2)}
	for i, e := range es {
		r.lead(1, e)
		r.replicate(1, 2, e)
		r.commitTo(1, raft.Index(i+1))
	}
	r.role[1] = raft.Follower // removed: steps down
	r.ok(r.observe(1))

	// The first term 2: written, never synced, never sent.
	r.ok(r.w.SavedHardState(2, raft.HardState{CurrentTerm: 2, VotedFor: 2}))
	r.role[2] = raft.Leader
	r.ok(r.observe(2))
	r.ok(r.w.Appended(2, EntryRef{Index: 4, Term: 2, Digest: DigestBlank()}))
	r.ok(r.w.Appended(2, r.ent(5, 2, 1)))
	r.ok(r.observe(2))
	r.ok(r.w.Crashed(2))
	r.role[2], r.commit[2] = raft.Follower, 0
	r.ok(r.w.Started(raft.Status{ID: 2, Term: 1, Vote: 1, Commit: 0, Applied: 0, Last: raft.EntryID{Term: 1, Index: 3}}))

	// The second term 2, with another entry at 2/5, made durable.
	r.ok(r.w.SavedHardState(2, raft.HardState{CurrentTerm: 2, VotedFor: 2}))
	r.role[2] = raft.Leader
	r.ok(r.observe(2))
	r.ok(r.w.Appended(2, EntryRef{Index: 4, Term: 2, Digest: DigestBlank()}))
	second := r.ent(5, 2, 2)
	r.ok(r.w.Appended(2, second))
	r.ok(r.w.Synced(2))
	r.ok(r.observe(2))

	// A durable copy of 2/5 with another history is still a violation.
	r.ok(r.w.Replicated(3, es))
	r.ok(r.w.Replicated(3, []EntryRef{{Index: 4, Term: 2, Digest: DigestBlank()}, r.ent(5, 2, 1)}))
	r.expect(r.w.Synced(3), LogMatching)
}
