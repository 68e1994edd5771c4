package harness

import (
	"fmt"
	"strconv"
	"time"

	"github.com/raftsim/raftsim/checker"
	"github.com/raftsim/raftsim/raft"
	"github.com/raftsim/raftsim/sim"
)

// clientStatus is a server's answer to a client request.
type clientStatus uint8

const (
	statusOK        clientStatus = iota + 1
	statusNotLeader              // try the leader named in the reply
	statusRetry                  // outcome unknown: retry the same command
)

// clientMsg is a client request or a server's reply to one.
type clientMsg struct {
	reply   bool
	from    raft.NodeID // the replying node
	client  int         // client index
	seq     uint64
	attempt uint32
	cmd     Command
	status  clientStatus
	out     checker.Output
	leader  raft.NodeID
}

func (m *clientMsg) describe() string {
	switch m.status {
	case statusOK:
		return fmt.Sprintf("ok %+v", m.out)
	case statusNotLeader:
		return "not leader, try " + m.leader.String()
	}
	return "retry"
}

// clientMsgSize is the bytes a client message takes on the wire.
const clientMsgSize = 64

// noLeaderBackoff is how long a client waits before retrying when nobody
// knows a leader, so that an election in progress is not flooded.
const noLeaderBackoff = 10 * time.Millisecond

// client is a closed-loop client: one command at a time, retried with the
// same sequence number until some server answers it. The history records
// the command from its first send to the answer.
type client struct {
	w        *World
	idx      int
	endpoint int
	rand     *sim.Rand

	seq     uint64
	busy    bool
	cmd     Command
	op      checker.OpID
	attempt uint32
	target  int // the node it believes leads
	// tried marks the nodes that failed the current command this round
	// (said "not leader", or timed out). A hint toward a node already
	// tried is not followed: a removed or cut-off node can keep naming a
	// leader that is long gone, and two such nodes can point at each
	// other forever. When every node was tried, the round starts over
	// after a pause.
	tried uint64
	// scripted counts the script's commands issued (Workload.Script).
	scripted int
	// seen is the last value the client read or wrote per key, for CAS.
	seen map[string]string
	// writing is the key index of the drawn write in flight, or -1: it
	// holds one of the key's Workload.WritersPerKey places.
	writing int
	// stuck counts the timeouts of the current command resent to the
	// same node (Workload.Sticky).
	stuck int
	// group is the open-loop client this session belongs to, or nil for
	// a closed-loop client (Workload.OpenLoop).
	group *clientGroup
}

func newClient(w *World, idx int) *client {
	return &client{
		w: w, idx: idx, endpoint: len(w.nodes) + idx,
		rand:    w.seed.Stream("client/" + strconv.Itoa(idx)),
		target:  idx % len(w.nodes),
		seen:    map[string]string{},
		writing: -1,
	}
}

// next starts the client's next command, unless the run is winding down.
func (c *client) next() {
	w := c.w
	if !w.chaos || (w.cfg.StopAfterCommands > 0 && w.stats.OpsCompleted >= w.cfg.StopAfterCommands) {
		return
	}
	c.seq++
	in, key := c.drawInput()
	if script := w.cfg.Workload.Script; script != nil {
		if c.scripted >= len(script[c.idx]) {
			return // the script is done
		}
		in, key = script[c.idx][c.scripted], -1
		c.scripted++
	}
	if key >= 0 && in.Kind != checker.OpGet {
		c.writing = key
		w.writers[key]++
	}
	c.cmd = Command{Client: c.idx, Seq: c.seq, Input: in}
	c.op = w.rec.Invoke(c.idx, c.seq, c.cmd.Input, w.now())
	c.busy = true
	c.stuck = 0
	c.spreadRead()
	c.send()
}

// spreadRead sends a read to a node drawn at random instead of the
// believed leader, for Workload.ReadAnywhere of the reads. It draws two
// values whenever the ratio is set, whatever the command, so that a script
// of the drawn commands replays the same run; it draws none otherwise, so
// closed-loop runs without it are unchanged.
func (c *client) spreadRead() {
	r := c.w.cfg.Workload.ReadAnywhere
	if r == (sim.Ratio{}) {
		return
	}
	spread, node := c.rand.Chance(r), c.rand.Intn(len(c.w.nodes))
	if spread && c.cmd.Input.Kind == checker.OpGet {
		c.target = node
	}
}

// exhausted reports whether the client's script is done.
func (c *client) exhausted() bool {
	script := c.w.cfg.Workload.Script
	return script != nil && c.scripted >= len(script[c.idx])
}

// drawInput draws the next command and returns it with its key's index.
//
// Histories are decidable by construction. Every written value is unique
// (client and sequence number), and with Workload.WritersPerKey set, a
// write drawn for a key that already has that many writers in flight goes
// to the next key that has room, or becomes a read of the drawn key when
// none has. With one writer per key, a key's writes are ordered in real
// time: the checker has one order of writes to follow and, for each read,
// only the states around it to match, instead of every interleaving of
// concurrent appends (each a distinct state), which grows exponentially
// between two reads. The remapping draws nothing, so the streams stay
// aligned.
func (c *client) drawInput() (checker.Input, int) {
	wl := c.w.cfg.Workload
	k := c.rand.Intn(wl.Keys)
	value := strconv.Itoa(c.idx) + "." + strconv.FormatUint(c.seq, 10)
	pick := c.rand.Intn(wl.Mix.total())
	kind := checker.OpCAS
	switch {
	case pick < wl.Mix.Get:
		kind = checker.OpGet
	case pick < wl.Mix.Get+wl.Mix.Put:
		kind = checker.OpPut
	case pick < wl.Mix.Get+wl.Mix.Put+wl.Mix.Append:
		kind = checker.OpAppend
	}
	if kind != checker.OpGet && wl.WritersPerKey > 0 {
		if free, ok := c.w.keyForWrite(k); ok {
			k = free
		} else {
			kind = checker.OpGet
		}
	}
	key := "k" + strconv.Itoa(k)
	switch kind {
	case checker.OpGet:
		return checker.Input{Kind: checker.OpGet, Key: key}, k
	case checker.OpPut:
		return checker.Input{Kind: checker.OpPut, Key: key, Value: value}, k
	case checker.OpAppend:
		return checker.Input{Kind: checker.OpAppend, Key: key, Value: value + ";"}, k
	}
	return checker.Input{Kind: checker.OpCAS, Key: key, Expected: c.seen[key], Value: value}, k
}

// keyForWrite is the first key from k on (wrapping around) with fewer than
// Workload.WritersPerKey writes in flight.
func (w *World) keyForWrite(k int) (int, bool) {
	keys := len(w.writers)
	for i := 0; i < keys; i++ {
		if next := (k + i) % keys; w.writers[next] < w.cfg.Workload.WritersPerKey {
			return next, true
		}
	}
	return 0, false
}

// release gives up the client's place among its key's writers.
func (c *client) release() {
	if c.writing >= 0 {
		c.w.writers[c.writing]--
		c.writing = -1
	}
}

// send sends the current command to the believed leader and arms a timeout.
func (c *client) send() {
	c.attempt++
	m := &clientMsg{client: c.idx, seq: c.seq, attempt: c.attempt, cmd: c.cmd}
	now := c.w.kernel.Now()
	fate := c.w.net.Route(now, c.endpoint, c.target, clientMsgSize)
	for i := 0; i < fate.Copies; i++ {
		c.w.kernel.At(fate.At[i], event{kind: evClientMsg, target: int32(c.target), sent: now, cmsg: m})
	}
	c.w.kernel.After(c.w.cfg.Workload.Timeout, event{kind: evClientTimeout, target: int32(c.idx), token: c.attempt})
}

// retryAfter resends the current command after a pause, as a new attempt.
func (c *client) retryAfter(d time.Duration) {
	c.attempt++ // the old attempt's timeout and replies are now stale
	c.w.kernel.After(d, event{kind: evClientRetry, target: int32(c.idx), token: c.attempt})
}

func (c *client) retry(token uint32) {
	if c.busy && token == c.attempt {
		c.send()
	}
}

func (c *client) receive(m *clientMsg) {
	if !c.busy || m.seq != c.seq || m.attempt != c.attempt {
		return // an answer to an earlier attempt or command
	}
	if c.w.tracing() {
		c.w.emit(TraceEvent{Kind: TraceReply, Node: m.from, Client: c.idx + 1,
			Text: fmt.Sprintf("client %d: %v: %v", c.idx, c.cmd, m.describe())})
	}
	switch m.status {
	case statusOK:
		c.tried = 0
		c.stuck = 0
		c.complete(m.out)
	case statusNotLeader:
		c.moveOn(m.leader)
	case statusRetry:
		c.moveOn(raft.None)
	}
}

// moveOn marks the current target as tried and picks the next one: the
// hinted leader if it was not tried yet, else the next untried node; when
// all were tried, it pauses and starts a new round.
func (c *client) moveOn(hint raft.NodeID) {
	n := len(c.w.nodes)
	c.stuck = 0
	c.tried |= 1 << uint(c.target)
	if h := int(hint) - 1; hint != raft.None && h < n && c.tried&(1<<uint(h)) == 0 {
		c.target = h
		c.retryAfter(0)
		return
	}
	for k := 1; k <= n; k++ {
		if next := (c.target + k) % n; c.tried&(1<<uint(next)) == 0 {
			c.target = next
			c.retryAfter(0)
			return
		}
	}
	c.tried = 0
	c.target = (c.target + 1) % n
	c.retryAfter(noLeaderBackoff)
}

func (c *client) complete(out checker.Output) {
	w := c.w
	w.rec.Complete(c.op, out, w.now())
	w.stats.OpsCompleted++
	c.busy = false
	c.release()
	if w.cfg.StopAfterCommands > 0 && w.stats.OpsCompleted >= w.cfg.StopAfterCommands {
		w.done = true
		return
	}
	in := c.cmd.Input
	switch {
	case w.cfg.Workload.Mix.CAS == 0:
		// Only CAS uses what the client saw.
	case in.Kind == checker.OpGet:
		c.seen[in.Key] = out.Value
	case in.Kind == checker.OpPut || (in.Kind == checker.OpCAS && out.Swapped):
		c.seen[in.Key] = in.Value
	}
	if c.group != nil {
		return // an open-loop session waits for its client's next arrival
	}
	think := time.Duration(0)
	if w.cfg.Workload.ThinkMax > 0 {
		think = c.rand.Duration(0, w.cfg.Workload.ThinkMax)
	}
	w.kernel.After(think, event{kind: evClientNext, target: int32(c.idx)})
}

// timeout gives up on the current attempt: it resends to the same node
// while the client is sticky (Workload.Sticky, chaos phase only), and
// tries another node otherwise.
func (c *client) timeout(token uint32) {
	if !c.busy || token != c.attempt {
		return
	}
	if c.w.chaos && c.stuck < c.w.cfg.Workload.Sticky {
		c.stuck++
		c.send()
		return
	}
	c.moveOn(raft.None)
}

// abandon marks a command the client never learned the outcome of.
func (c *client) abandon() {
	if c.busy {
		c.w.rec.Fail(c.op)
		c.w.stats.OpsUnknown++
		c.busy = false
		c.release()
	}
}

// clientGroup is an open-loop client (Workload.OpenLoop): sessions that
// take its arrivals, one command each at a time.
type clientGroup struct {
	w        *World
	idx      int
	rand     *sim.Rand
	sessions []*client
	// turn is where the search for an idle session starts, so that
	// arrivals spread over the sessions.
	turn int
}

// newClientGroups groups the world's clients into open-loop clients of
// Workload.OpenLoop.Sessions consecutive sessions each.
func newClientGroups(w *World) []*clientGroup {
	k := w.cfg.Workload.OpenLoop.Sessions
	var groups []*clientGroup
	for i := 0; i < len(w.clients); i += k {
		g := &clientGroup{w: w, idx: len(groups), rand: w.seed.Stream("client-group/" + strconv.Itoa(len(groups)))}
		g.sessions = w.clients[i:min(i+k, len(w.clients))]
		for _, c := range g.sessions {
			c.group = g
		}
		groups = append(groups, g)
	}
	return groups
}

// arrive is one arrival: the next is scheduled, and the command starts on
// an idle session; with none idle the arrival is dropped, so the load
// stays bounded by the sessions.
func (g *clientGroup) arrive() {
	w := g.w
	if !w.chaos || w.done {
		return
	}
	a := w.cfg.Workload.OpenLoop.Arrival
	w.kernel.After(g.rand.Duration(a/2, a+a/2), event{kind: evClientArrive, target: int32(g.idx)})
	for k := range g.sessions {
		c := g.sessions[(g.turn+k)%len(g.sessions)]
		if !c.busy && !c.exhausted() {
			g.turn = (g.turn + k + 1) % len(g.sessions)
			c.next()
			return
		}
	}
}
