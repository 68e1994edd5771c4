package harness

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftsim/raftsim/raft"
	"github.com/raftsim/raftsim/sim"
)

// Part C of the lab: persistence, and the long randomized tests.

// Persist 1: agreement survives every server restarting, the leader
// restarting, and a restarted server rejoining a cluster that moved on.
func TestLabPersist1(t *testing.T) {
	const servers = 3
	l := newLabT(t, LabConfig{Nodes: servers})
	one(t, l, 11, servers, true)

	for i := 1; i <= servers; i++ {
		restart(l, i)
	}
	for i := 1; i <= servers; i++ {
		l.Disconnect(i)
		l.Connect(i)
	}
	one(t, l, 12, servers, true)

	leader1 := oneLeader(t, l)
	l.Disconnect(leader1)
	restart(l, leader1)
	l.Connect(leader1)
	one(t, l, 13, servers, true)

	leader2 := oneLeader(t, l)
	l.Disconnect(leader2)
	index14 := one(t, l, 14, servers-1, true)
	restart(l, leader2)
	l.Connect(leader2)
	_, err := l.Wait(index14, servers, 0) // leader2 must rejoin before i3 goes
	require.NoError(t, err)

	i3 := ring(oneLeader(t, l), 1, servers)
	l.Disconnect(i3)
	one(t, l, 15, servers-1, true)
	restart(l, i3)
	l.Connect(i3)
	one(t, l, 16, servers, true)
}

// Persist 2: five rounds in which two servers miss a command, come back
// from a restart to form a majority with a third restarted one, and must
// agree with it on what was committed.
func TestLabPersist2(t *testing.T) {
	const servers = 5
	l := newLabT(t, LabConfig{Nodes: servers})
	index := 1
	for iter := 0; iter < 5; iter++ {
		one(t, l, 10+index, servers, true)
		index++

		leader1 := oneLeader(t, l)
		peer := func(k int) int { return ring(leader1, k, servers) }
		l.Disconnect(peer(1))
		l.Disconnect(peer(2))
		one(t, l, 10+index, servers-2, true)
		index++

		l.Disconnect(peer(0))
		l.Disconnect(peer(3))
		l.Disconnect(peer(4))
		restart(l, peer(1))
		restart(l, peer(2))
		l.Connect(peer(1))
		l.Connect(peer(2))
		l.Run(labElectionTimeout)

		restart(l, peer(3))
		l.Connect(peer(3))
		one(t, l, 10+index, servers-2, true)
		index++

		l.Connect(peer(4))
		l.Connect(peer(0))
	}
	one(t, l, 1000, servers, true)
}

// Persist 3: a server that was cut off, with the two that committed
// without it crashed, must not be able to lose the commit: one of them
// restarts and the two must agree on top of it.
func TestLabPersist3(t *testing.T) {
	const servers = 3
	l := newLabT(t, LabConfig{Nodes: servers})
	one(t, l, 101, servers, true)

	leader := oneLeader(t, l)
	peer := func(k int) int { return ring(leader, k, servers) }
	l.Disconnect(peer(2))
	one(t, l, 102, 2, true)

	crash(l, peer(0))
	crash(l, peer(1))
	l.Connect(peer(2))
	restart(l, peer(0))
	l.Connect(peer(0))
	one(t, l, 103, 2, true)

	restart(l, peer(1))
	l.Connect(peer(1))
	one(t, l, 104, servers, true)
}

// figure8 is the loop of both Figure 8 tests: each round offers a command
// to every server, waits a few milliseconds (now and then up to half an
// election timeout), and takes the leader away; unreliable, the leader
// only sometimes goes, by disconnection rather than crash. Whenever fewer
// than three servers remain, a random one returns. At the end all return.
func figure8(t *testing.T, l *Lab, r *sim.Rand, servers, iters int, unreliable bool) {
	t.Helper()
	nup := servers
	for iter := 0; iter < iters; iter++ {
		leader := 0
		for i := 1; i <= servers; i++ {
			if _, _, ok := l.Start(i, 1+r.Intn(10000)); ok && l.Connected(i) {
				leader = i
			}
		}
		if r.Intn(1000) < 100 {
			l.Run(r.Duration(0, labElectionTimeout/2))
		} else {
			l.Run(r.Duration(0, 13*time.Millisecond))
		}
		switch {
		case leader != 0 && !unreliable:
			crash(l, leader)
			nup--
		case leader != 0 && r.Intn(1000) < int(labElectionTimeout/time.Millisecond)/2:
			l.Disconnect(leader)
			nup--
		}
		if nup < 3 {
			if s := 1 + r.Intn(servers); !l.Connected(s) {
				l.Restart(s) // a no-op for a server that is up
				l.Connect(s)
				nup++
			}
		}
		require.NoError(t, l.Err(), "round %d", iter)
	}
	for i := 1; i <= servers; i++ {
		if !l.Connected(i) {
			l.Restart(i)
			l.Connect(i)
		}
	}
}

// Figure 8: leaders crash at random moments with entries half-replicated;
// no entry of an older term is counted committed by replication alone
// (the invariant checkers underneath see every step), and the cluster
// agrees on a new command once everyone is back.
func TestLabFigure8(t *testing.T) {
	const servers = 5
	l := newLabT(t, LabConfig{Nodes: servers})
	r := l.Rand("figure8")
	one(t, l, value(r), 1, true)
	figure8(t, l, r, servers, 1000, false)
	one(t, l, value(r), servers, true)
}

// Unreliable agreement: under loss and reordering, 50 rounds of five
// concurrent one() calls all commit, and, once the network is reliable,
// every server agrees on one more.
func TestLabUnreliableAgree(t *testing.T) {
	const servers = 5
	l := newLabT(t, LabConfig{Nodes: servers, Unreliable: true})
	callers := newLabCallers(l)
	for iter := 1; iter < 50; iter++ {
		for j := 0; j < 4; j++ {
			callers.start(100*iter + j)
		}
		one(t, l, iter, 1, true)
		require.NoError(t, callers.poll())
	}
	l.SetUnreliable(false)
	require.NoError(t, callers.wait())
	one(t, l, 100, servers, true)
}

// Figure 8 unreliable: the Figure 8 scenario over the unreliable network,
// where leaders are disconnected rather than crashed, and replies are
// held for up to 2.2s (the lab's long reordering, on from the start
// here); the cluster still agrees once everyone is back.
func TestLabFigure8Unreliable(t *testing.T) {
	const servers = 5
	l := newLabT(t, LabConfig{Nodes: servers, Unreliable: true})
	r := l.Rand("figure8-unreliable")
	one(t, l, 1+r.Intn(10000), 1, true)
	figure8(t, l, r, servers, 1000, true)
	one(t, l, 1+r.Intn(10000), servers, true)
}

// labCallers stands for goroutines that each run one(cmd, 1, true) while
// the test goes on: a command starts on whichever server leads, starts
// again if it has not committed two seconds later (or 50ms later if no
// server led), and must commit within ten seconds, as one() demands.
type labCallers struct {
	l     *Lab
	calls []*labCall
}

type labCall struct {
	cmd   int
	first sim.Time // the first Start: the ten seconds count from here
	last  sim.Time // the latest attempt
	index raft.Index
}

func newLabCallers(l *Lab) *labCallers { return &labCallers{l: l} }

func (c *labCallers) start(cmd int) {
	call := &labCall{cmd: cmd, first: c.l.Now()}
	c.attempt(call)
	c.calls = append(c.calls, call)
}

func (c *labCallers) attempt(call *labCall) {
	call.last, call.index = c.l.Now(), 0
	for i := 1; i <= len(c.l.connected); i++ {
		if !c.l.Connected(i) || !c.l.Up(i) {
			continue
		}
		if index, _, ok := c.l.Start(i, call.cmd); ok {
			call.index = index
			return
		}
	}
}

// poll drops the calls that committed and retries the overdue ones.
func (c *labCallers) poll() error {
	now := c.l.Now()
	pending := c.calls[:0]
	for _, call := range c.calls {
		if call.index != 0 {
			n, got, err := c.l.NCommitted(call.index)
			if err != nil {
				return err
			}
			if n >= 1 && got == call.cmd {
				continue
			}
		}
		if now.Sub(call.first) >= 10*time.Second {
			return fmt.Errorf("one(%d) failed to reach agreement in 10s", call.cmd)
		}
		retryAfter := 2 * time.Second
		if call.index == 0 {
			retryAfter = 50 * time.Millisecond
		}
		if now.Sub(call.last) >= retryAfter {
			c.attempt(call)
		}
		pending = append(pending, call)
	}
	c.calls = pending
	return nil
}

// wait polls until every call committed.
func (c *labCallers) wait() error {
	for len(c.calls) > 0 {
		c.l.Run(20 * time.Millisecond)
		if err := c.poll(); err != nil {
			return err
		}
	}
	return nil
}

// Reliable churn: three clients keep starting commands while servers
// crash, restart, disconnect and reconnect at random, 700ms apart; after
// healing, every server applied the same log, and every command a client
// saw committed is in it.
func TestLabReliableChurn(t *testing.T) { labChurn(t, false) }

// Unreliable churn: reliable churn over the unreliable network.
func TestLabUnreliableChurn(t *testing.T) { labChurn(t, true) }

func labChurn(t *testing.T, unreliable bool) {
	const servers, nclients, iters = 5, 3, 20
	l := newLabT(t, LabConfig{Nodes: servers, Unreliable: unreliable})
	r := l.Rand("churn")
	clients := make([]*churnClient, nclients)
	for i := range clients {
		clients[i] = &churnClient{me: i}
	}
	for iter := 0; iter < iters; iter++ {
		if r.Intn(1000) < 200 {
			l.Disconnect(1 + r.Intn(servers))
		}
		if r.Intn(1000) < 500 {
			i := 1 + r.Intn(servers)
			l.Restart(i) // a no-op for a server that is up
			l.Connect(i)
		}
		if r.Intn(1000) < 200 {
			crash(l, 1+r.Intn(servers))
		}
		// Often enough that the servers seldom settle between changes,
		// seldom enough that they can often catch up.
		runChurnClients(t, l, clients, labElectionTimeout*7/10)
	}
	runChurnClients(t, l, clients, labElectionTimeout)
	l.SetUnreliable(false)
	for i := 1; i <= servers; i++ {
		l.Restart(i)
		l.Connect(i)
	}
	// The clients stop; a command in flight may still commit, unseen.
	var values []int
	for _, c := range clients {
		values = append(values, c.values...)
	}
	l.Run(labElectionTimeout)

	last := one(t, l, value(r), servers, true)
	// Every server applied everything through last (it applies in order),
	// so an index holds a command on all of them or on none (a blank or
	// membership entry).
	committed := map[int]bool{}
	for index := raft.Index(1); index <= last; index++ {
		n, cmd, err := l.NCommitted(index)
		require.NoError(t, err)
		if n == 0 {
			continue
		}
		require.Equal(t, servers, n, "index %d applied on %d servers only", index, n)
		committed[cmd] = true
	}
	for i := 1; i <= servers; i++ {
		require.GreaterOrEqual(t, l.Status(i).Applied, last, "n%d", i)
	}
	require.NotEmpty(t, values, "no client saw a command commit: the churn test tested nothing")
	for _, v := range values {
		assert.True(t, committed[v], "value %d, seen committed by a client, is not in the log", v)
	}
	t.Logf("%d commands seen committed, %d in the log of %d entries", len(values), len(committed), last)
}

// churnClient is one of the churn test's clients: it starts a command on
// every server that is up, and if one took it, checks 0, 10, 30, 80 and
// 180ms later whether it committed at the index that server gave; if none
// took it, it waits 79+17*me ms before the next command.
type churnClient struct {
	me     int
	seq    int
	cmd    int
	index  raft.Index
	check  int      // checks done for cmd
	wake   sim.Time // when it acts next
	values []int    // commands seen committed
}

// churnChecks are the pauses between a client's checks of its command.
var churnChecks = []time.Duration{10 * time.Millisecond, 20 * time.Millisecond, 50 * time.Millisecond, 100 * time.Millisecond, 200 * time.Millisecond}

func (c *churnClient) act(l *Lab, servers int) error {
	if c.index == 0 {
		c.seq++
		c.cmd = (c.me+1)*1_000_000 + c.seq // unique across clients
		for i := 1; i <= servers; i++ {
			if index, _, ok := l.Start(i, c.cmd); ok {
				c.index = index
			}
		}
		if c.index == 0 {
			c.wake = l.Now().Add(time.Duration(79+c.me*17) * time.Millisecond)
			return nil
		}
		c.check = 0
	}
	if c.check == len(churnChecks) {
		c.index, c.wake = 0, l.Now() // waited long enough: the next command
		return nil
	}
	n, got, err := l.NCommitted(c.index)
	if err != nil {
		return err
	}
	if n > 0 {
		if got == c.cmd {
			c.values = append(c.values, c.cmd)
		}
		c.index, c.wake = 0, l.Now()
		return nil
	}
	c.wake = l.Now().Add(churnChecks[c.check])
	c.check++
	return nil
}

// runChurnClients advances the lab by d, letting each client act when
// it is due.
func runChurnClients(t *testing.T, l *Lab, clients []*churnClient, d time.Duration) {
	t.Helper()
	servers := len(l.connected)
	end := l.Now().Add(d)
	const maxActs = 1_000_000 // a bound on the loop; a client waits at least 10ms between checks
	for acts := 0; ; acts++ {
		require.Less(t, acts, maxActs, "churn clients spin")
		next := end
		for _, c := range clients {
			if c.wake < next {
				next = c.wake
			}
		}
		l.Run(next.Sub(l.Now()))
		require.NoError(t, l.Err())
		if next >= end {
			return
		}
		for _, c := range clients {
			if c.wake <= next {
				require.NoError(t, c.act(l, servers))
			}
		}
	}
}
