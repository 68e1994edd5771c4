package etcdloop

import (
	"strconv"
	"time"

	"github.com/raftsim/raftsim/sim"
)

// status is a node's answer to a client request.
type status uint8

const (
	statusOK        status = iota + 1
	statusNotLeader        // try the leader named in the reply
	statusRetry            // the proposal was dropped: retry
)

// noLeaderBackoff is how long a client waits after every node said it does
// not lead, as raftsim's clients do.
const noLeaderBackoff = 10 * time.Millisecond

// client is a closed-loop client with one put outstanding, sent to the
// node it believes leads, and redirected as raftsim's clients are.
type client struct {
	l    *Loop
	idx  int
	rand *sim.Rand

	seq     uint64
	attempt uint32
	busy    bool
	data    []byte // the current command, encoded
	target  int    // the node it believes leads
	// tried marks the nodes that turned the current command away this
	// round; when all did, the client pauses and starts a new round.
	tried uint64
}

func newClient(l *Loop, idx int) *client {
	return &client{l: l, idx: idx, rand: l.seed.Stream("client/" + strconv.Itoa(idx)), target: idx % len(l.nodes)}
}

// next starts the client's next command, unless enough completed.
func (c *client) next() {
	if c.l.stats.Commands >= c.l.cfg.StopAfterCommands {
		return
	}
	c.seq++
	key := "k" + strconv.Itoa(c.rand.Intn(c.l.cfg.Keys))
	value := strconv.Itoa(c.idx) + "." + strconv.FormatUint(c.seq, 10)
	c.data = command{client: c.idx, seq: c.seq, key: key, value: value}.encode()
	c.busy = true
	c.send()
}

// send sends the current command to the believed leader.
func (c *client) send() {
	c.attempt++
	c.l.kernel.After(c.l.cfg.Latency, event{kind: evRequest, target: int32(c.target), client: int32(c.idx), token: c.attempt, data: c.data})
	if c.l.cfg.ClientEvents {
		c.l.kernel.After(c.l.cfg.ClientTimeout, event{kind: evTimeout, target: int32(c.idx), token: c.attempt})
	}
}

func (c *client) receive(e event) {
	if !c.busy || e.token != c.attempt {
		return // an answer to an earlier attempt
	}
	switch e.status {
	case statusOK:
		c.complete()
	case statusNotLeader:
		c.moveOn(uint64(e.leader))
	default:
		c.moveOn(0)
	}
}

func (c *client) complete() {
	l := c.l
	c.busy = false
	c.tried = 0
	l.stats.Commands++
	if l.stats.Commands >= l.cfg.StopAfterCommands {
		l.done = true
		return
	}
	if l.cfg.ClientEvents {
		l.kernel.After(0, event{kind: evNext, target: int32(c.idx)})
		return
	}
	c.next()
}

// moveOn marks the current target as tried and picks the next: the hinted
// leader if not tried yet, else the next untried node; when every node was
// tried, it pauses and starts a new round.
func (c *client) moveOn(hint uint64) {
	n := len(c.l.nodes)
	c.tried |= 1 << uint(c.target)
	if h := int(hint) - 1; hint != 0 && h < n && c.tried&(1<<uint(h)) == 0 {
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

// retryAfter resends the current command after a pause, as a new attempt.
func (c *client) retryAfter(d time.Duration) {
	c.attempt++ // the old attempt's replies are now stale
	c.l.kernel.After(d, event{kind: evRetry, target: int32(c.idx), token: c.attempt})
}

func (c *client) retry(token uint32) {
	if c.busy && token == c.attempt {
		c.send()
	}
}

func (c *client) timeout(token uint32) {
	if c.busy && token == c.attempt {
		c.moveOn(0)
	}
}
