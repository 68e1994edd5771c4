package sim

import (
	"fmt"
	"math"
	"math/bits"
	"time"
)

// RouteDraws is how many values every Route call consumes from the network's
// stream, whatever the link's configuration, cuts and clogs: one for loss,
// one for duplication, then DistDraws for each of the two copies' latencies,
// in that order. The stream's position therefore depends only on how many
// messages were routed, so a partition, a heal or a changed loss rate never
// shifts the draws of later messages.
const RouteDraws = 2 + 2*DistDraws

// Network is a simulated network over dense endpoint indices 0..n-1. It
// decides each message's fate but does not hold messages: the caller
// schedules deliveries in its own queue, so the network needs no knowledge of
// message types.
//
// Cuts and clogs affect messages routed after they are set; a message already
// routed keeps its fate (it is already on the wire). A harness that wants a
// partition to also drop messages in flight can check Blocked at delivery.
// Self-sends (from == to) use the link (i, i) like any other, so a self-send
// has latency and can be lost; Isolate leaves that link alone.
type Network struct {
	n     int
	def   LinkConfig
	rng   *Rand
	links []link // n*n, row-major: links[from*n+to]
	stats NetStats
	group []int // scratch for Partition, one entry per endpoint
}

// link is the state of one directed link.
type link struct {
	cfg     LinkConfig
	blocked bool
	// clogUntil: messages sent before it leave no earlier than it.
	clogUntil Time
	// busyUntil: when the link finishes transmitting its backlog; used
	// only while cfg.BytesPerSecond > 0.
	busyUntil Time
	stats     NetStats
}

// NewNetwork returns a network of endpoints endpoints, every link set to def,
// drawing from rng (conventionally seed.Stream("network")). Panics if
// endpoints is not positive, def is invalid or rng is nil: all harness bugs.
func NewNetwork(endpoints int, def LinkConfig, rng *Rand) *Network {
	if endpoints <= 0 {
		panic(fmt.Sprintf("sim: NewNetwork: endpoints must be positive, got %d", endpoints))
	}
	if err := def.Validate(); err != nil {
		panic(fmt.Sprintf("sim: NewNetwork: default link: %v", err))
	}
	if rng == nil {
		panic("sim: NewNetwork: nil Rand (pass seed.Stream(\"network\"))")
	}
	nw := &Network{
		n:     endpoints,
		def:   def,
		rng:   rng,
		links: make([]link, endpoints*endpoints),
		group: make([]int, endpoints),
	}
	for i := range nw.links {
		nw.links[i].cfg = def
	}
	return nw
}

// Endpoints returns the number of endpoints.
func (nw *Network) Endpoints() int { return nw.n }

// at returns the link from -> to, panicking on an endpoint out of range.
func (nw *Network) at(op string, from, to int) *link {
	if uint(from) >= uint(nw.n) || uint(to) >= uint(nw.n) {
		panic(fmt.Sprintf("sim: Network.%s(%d, %d): endpoint out of range 0..%d", op, from, to, nw.n-1))
	}
	return &nw.links[from*nw.n+to]
}

// Route decides the fate of a message of size bytes sent at now from -> to.
//
// It draws exactly RouteDraws values, then decides in this order: a cut link
// drops the message (Partitioned) and consumes no capacity; otherwise the
// message leaves at the latest of now, the link's clog and, on a limited
// link, the end of the link's backlog, occupying the link for
// ceil(size*1e9/BytesPerSecond) ns; then Loss drops it in flight (Lost); then
// Duplicate gives it a second copy. Each copy arrives at departure plus
// transmission plus its own latency draw.
func (nw *Network) Route(now Time, from, to int, size int) Fate {
	l := nw.at("Route", from, to)
	if size < 0 {
		panic(fmt.Sprintf("sim: Network.Route(%d, %d): negative size %d", from, to, size))
	}
	lossDraw, dupDraw := nw.rng.Uint64(), nw.rng.Uint64()
	lat0 := l.cfg.Latency.Sample(nw.rng)
	lat1 := l.cfg.Latency.Sample(nw.rng)

	var f Fate
	switch {
	case l.blocked:
		f.Reason = Partitioned
	default:
		sent := l.depart(now, size)
		switch {
		case hit(lossDraw, l.cfg.Loss):
			f.Reason = Lost
		case hit(dupDraw, l.cfg.Duplicate):
			f.Copies = 2
			f.At = [2]Time{sent.Add(lat0), sent.Add(lat1)}
		default:
			f.Copies = 1
			f.At[0] = sent.Add(lat0)
		}
	}
	l.stats.add(f, size)
	nw.stats.add(f, size)
	return f
}

// depart returns when a message of size bytes offered at now has finished
// leaving the link, and books the link for it.
func (l *link) depart(now Time, size int) Time {
	start := max(now, l.clogUntil)
	bps := l.cfg.BytesPerSecond
	if bps == 0 {
		return start
	}
	start = max(start, l.busyUntil)
	l.busyUntil = start.Add(transmitTime(size, bps))
	return l.busyUntil
}

// transmitTime is ceil(size * 1e9 / bps) nanoseconds, in 128-bit arithmetic
// so that no size overflows.
func transmitTime(size int, bps int64) time.Duration {
	hi, lo := bits.Mul64(uint64(size), uint64(time.Second))
	if hi >= uint64(bps) {
		panic(fmt.Sprintf("sim: Network.Route: %d bytes at %d B/s takes longer than a Time can hold", size, bps))
	}
	q, r := bits.Div64(hi, lo, uint64(bps))
	if r != 0 {
		q++
	}
	if q > math.MaxInt64 {
		panic(fmt.Sprintf("sim: Network.Route: %d bytes at %d B/s takes longer than a Time can hold", size, bps))
	}
	return time.Duration(q)
}

// SetLink sets the configuration of the link from -> to. Panics if c is
// invalid: fault plans are validated before they are applied.
func (nw *Network) SetLink(from, to int, c LinkConfig) {
	l := nw.at("SetLink", from, to)
	if err := c.Validate(); err != nil {
		panic(fmt.Sprintf("sim: Network.SetLink(%d, %d): %v", from, to, err))
	}
	l.cfg = c
}

// Link returns the configuration of the link from -> to.
func (nw *Network) Link(from, to int) LinkConfig { return nw.at("Link", from, to).cfg }

// SetAllLinks sets every link, self-links included, to c. Panics if c is
// invalid.
func (nw *Network) SetAllLinks(c LinkConfig) {
	if err := c.Validate(); err != nil {
		panic(fmt.Sprintf("sim: Network.SetAllLinks: %v", err))
	}
	for i := range nw.links {
		nw.links[i].cfg = c
	}
}

// ResetLinks sets every link back to the default configuration. Cuts, clogs
// and backlogs are state, not configuration, and stay.
func (nw *Network) ResetLinks() {
	for i := range nw.links {
		nw.links[i].cfg = nw.def
	}
}

// Block cuts the link from -> to, one way: to can still reach from.
func (nw *Network) Block(from, to int) { nw.at("Block", from, to).blocked = true }

// Unblock restores the link from -> to, one way.
func (nw *Network) Unblock(from, to int) { nw.at("Unblock", from, to).blocked = false }

// Blocked reports whether the link from -> to is cut.
func (nw *Network) Blocked(from, to int) bool { return nw.at("Blocked", from, to).blocked }

// Partition cuts, both ways, every link between endpoints in different
// groups. Endpoints named in no group keep their links, and existing cuts
// stay (cuts only accumulate; Heal removes them). Panics if an endpoint is
// out of range or named twice.
func (nw *Network) Partition(groups ...[]int) {
	const none = -1
	for i := range nw.group {
		nw.group[i] = none
	}
	for g, members := range groups {
		for _, e := range members {
			if uint(e) >= uint(nw.n) {
				panic(fmt.Sprintf("sim: Network.Partition: endpoint %d out of range 0..%d", e, nw.n-1))
			}
			if nw.group[e] != none {
				panic(fmt.Sprintf("sim: Network.Partition: endpoint %d named in groups %d and %d", e, nw.group[e], g))
			}
			nw.group[e] = g
		}
	}
	for from, gf := range nw.group {
		for to, gt := range nw.group {
			if gf != none && gt != none && gf != gt {
				nw.links[from*nw.n+to].blocked = true
			}
		}
	}
}

// Isolate cuts node off from every other endpoint, both ways. Its self-link
// stays: a node cut off from the network can still talk to itself.
func (nw *Network) Isolate(node int) {
	nw.at("Isolate", node, node)
	for other := 0; other < nw.n; other++ {
		if other != node {
			nw.links[node*nw.n+other].blocked = true
			nw.links[other*nw.n+node].blocked = true
		}
	}
}

// Clog stalls the link from -> to until the given time: messages routed on
// it leave no earlier than until, so they arrive late rather than not at all.
// A clog never shortens an earlier, longer clog on the same link; Heal
// removes it.
func (nw *Network) Clog(from, to int, until Time) {
	l := nw.at("Clog", from, to)
	l.clogUntil = max(l.clogUntil, until)
}

// Heal removes every cut and every clog. Link configurations and backlogs on
// limited links stay.
func (nw *Network) Heal() {
	for i := range nw.links {
		nw.links[i].blocked = false
		nw.links[i].clogUntil = 0
	}
}

// Stats returns the totals over all links.
func (nw *Network) Stats() NetStats { return nw.stats }

// LinkStats returns the counters of the link from -> to.
func (nw *Network) LinkStats(from, to int) NetStats { return nw.at("LinkStats", from, to).stats }
