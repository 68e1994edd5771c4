package faults

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/raftsim/raftsim/sim"
)

// NodeRef names the node a step acts on: a 1-based node ID (1..nodes), or a
// target the executor resolves when the step fires. Which forms a kind
// accepts is in the package comment's table.
//
// The zero NodeRef is invalid, so that a step whose node was left out is
// caught by Validate instead of silently meaning "the leader".
//
// In JSON a NodeRef is a number (3) or one of the strings "leader", "any",
// "all".
type NodeRef int

const (
	// Leader is the node that leads when the step fires: among the nodes
	// that are up and not paused, the one that believes it is leader with
	// the highest term. With no leader the step is skipped (and the
	// executor records that it was).
	Leader NodeRef = -1
	// AnyVoter (transfer-leader only) is the first voter after the leader
	// in ID order, wrapping around, that is up and not paused.
	AnyVoter NodeRef = -2
	// AllNodes (restart, resume and the disk kinds) is every node.
	AllNodes NodeRef = -3
)

// String is "n3", "leader", "any", "all", or "unset".
func (r NodeRef) String() string {
	switch {
	case r > 0:
		return "n" + strconv.Itoa(int(r))
	case r == Leader:
		return "leader"
	case r == AnyVoter:
		return "any"
	case r == AllNodes:
		return "all"
	case r == 0:
		return "unset"
	}
	return fmt.Sprintf("NodeRef(%d)", int(r))
}

// Step is one fault or heal at a virtual time. It is a flat struct: each
// kind reads the fields the package comment's table lists for it, and
// Validate requires every other field to be zero, so a parameter given to
// the wrong kind is reported rather than ignored.
//
// Node IDs are 1-based everywhere (n1 is the first node), as in traces.
type Step struct {
	// At is when the step fires, as an offset from the start of the run.
	// Steps at 0 are applied before the nodes boot. Example: 1500ms.
	At time.Duration
	// Kind says what the step does.
	Kind Kind
	// Node is the node acted on: isolate, bridge (the bridge node), the
	// node kinds, the clock kinds, the disk kinds and the membership
	// kinds.
	Node NodeRef
	// Groups are disjoint, non-empty sets of node IDs: partition and flap
	// (two or more groups), bridge (exactly two sides).
	Groups [][]int
	// Nodes is split's minority, fewer than half the cluster; empty means
	// a minority drawn by the executor with DrawMinority.
	Nodes []int
	// From and To select directed links, every link from a node in From
	// to a node in To (self-links included when a node is in both); an
	// empty set means every node. partition-oneway requires both, and
	// disjoint; link, capacity and clog default to every link.
	From, To []int
	// Interval is flap's half period: links are cut for Interval, then
	// connected for Interval, and so on. Example: 200ms.
	Interval time.Duration
	// For is how long a fault lasts before the executor undoes it: crash
	// (restart after For), pause (resume after For), clog (required).
	// Zero for crash and pause means "until a restart or resume step, or
	// the end of the chaos phase".
	For time.Duration
	// Latency is a link's new latency (link; unset Kind: unchanged) or a
	// disk's operation latency (disk-slow).
	Latency sim.Dist
	// Loss and Duplicate are a link's new loss and duplication
	// probabilities (link); the zero Ratio means unchanged.
	Loss, Duplicate sim.Ratio
	// BytesPerSecond is the links' capacity (capacity); 0 is unlimited.
	BytesPerSecond int64
	// Offset is clock-skew's new offset from true time (either sign), or
	// clock-jump's forward jump (positive). Example: 20ms.
	Offset time.Duration
	// PPM is clock-drift's rate error in parts per million: +100 runs
	// 100µs fast per second; 0 is an exact clock. Bounded by MaxDriftPPM.
	PPM int64
	// Disk is disk-faults' new fault rates and crash policy.
	Disk DiskRates
	// Clients turns link, capacity and clog onto the links between nodes
	// and clients: the replies of Node (or of every node) to every
	// client, or the requests of every client to Node (or to every
	// node). From and To are then empty; node-to-node links are
	// untouched.
	Clients ClientLinks
}

// ClientLinks names the client links a link, capacity or clog step acts on.
type ClientLinks uint8

const (
	// NoClientLinks: the step acts on links between nodes.
	NoClientLinks ClientLinks = iota
	// ClientReplies are the links from nodes to clients.
	ClientReplies
	// ClientRequests are the links from clients to nodes.
	ClientRequests
	clientLinksEnd
)

var clientLinksNames = [...]string{"", "replies", "requests"}

// String is "replies", "requests", or "" for none.
func (c ClientLinks) String() string {
	if c < clientLinksEnd {
		return clientLinksNames[c]
	}
	return fmt.Sprintf("client-links(%d)", uint8(c))
}

// MarshalText writes the name.
func (c ClientLinks) MarshalText() ([]byte, error) {
	if c >= clientLinksEnd {
		return nil, fmt.Errorf("faults: unknown client links %d: %w", uint8(c), ErrPlan)
	}
	return []byte(c.String()), nil
}

// UnmarshalText reads "replies" or "requests".
func (c *ClientLinks) UnmarshalText(b []byte) error {
	for i, n := range clientLinksNames {
		if i > 0 && n == string(b) {
			*c = ClientLinks(i)
			return nil
		}
	}
	return fmt.Errorf("unknown client links %q (want replies or requests)", b)
}

// MaxDriftPPM bounds a clock-drift rate either way: a clock 50% off is
// already far past any real one, and a bound keeps every simulated clock
// running forward.
const MaxDriftPPM = 500_000

// String is the step in one compact line, for traces and plan listings:
//
//	1.500s partition {n1,n2} | {n3,n4,n5}
//	3.000s crash leader for 500ms
func (s Step) String() string {
	var b strings.Builder
	b.WriteString(formatAt(s.At))
	b.WriteByte(' ')
	b.WriteString(s.Kind.String())
	if body := s.body(); body != "" {
		b.WriteByte(' ')
		b.WriteString(body)
	}
	return b.String()
}

// body is the kind-specific part of String.
func (s Step) body() string {
	switch s.Kind {
	case Partition:
		return groupsString(s.Groups, " | ")
	case PartitionOneWay:
		return nodeSet(s.From) + " -> " + nodeSet(s.To)
	case Split:
		if len(s.Nodes) == 0 {
			return "random minority | rest"
		}
		return nodeSet(s.Nodes) + " | rest"
	case Bridge:
		if len(s.Groups) == 2 {
			return nodeSet(s.Groups[0]) + " | " + s.Node.String() + " | " + nodeSet(s.Groups[1])
		}
		return groupsString(s.Groups, " | ") + " bridge " + s.Node.String()
	case Flap:
		return groupsString(s.Groups, " | ") + " every " + s.Interval.String()
	case Heal, ResetLinks:
		return ""
	case Link:
		return s.linkSelection() + s.linkChanges()
	case Capacity:
		if s.BytesPerSecond == 0 {
			return s.linkSelection() + " unlimited"
		}
		return s.linkSelection() + " " + strconv.FormatInt(s.BytesPerSecond, 10) + "B/s"
	case Clog:
		return s.linkSelection() + " for " + s.For.String()
	case Crash, Pause:
		if s.For > 0 {
			return s.Node.String() + " for " + s.For.String()
		}
		return s.Node.String()
	case ClockSkew, ClockJump:
		return s.Node.String() + " " + signed(s.Offset)
	case ClockDrift:
		return fmt.Sprintf("%v %+dppm", s.Node, s.PPM)
	case DiskFaults:
		return s.Node.String() + " " + s.Disk.String()
	case DiskSlow:
		return s.Node.String() + " " + s.Latency.String()
	}
	return s.Node.String() // the kinds with only a node, and unknown kinds
}

// linkSelection prints the links a link, capacity or clog step selects:
// "all", "{n1} -> {n2,n3}", "{n2,n3} -> leader", "leader -> clients",
// "clients -> all".
func (s Step) linkSelection() string {
	node := "all"
	if s.Node != 0 {
		node = s.Node.String()
	}
	switch {
	case s.Clients == ClientReplies:
		return node + " -> clients"
	case s.Clients == ClientRequests:
		return "clients -> " + node
	case s.Node != 0 && len(s.To) > 0:
		return node + " -> " + nodeSet(s.To)
	case s.Node != 0:
		return nodeSet(s.From) + " -> " + node
	}
	return linksString(s.From, s.To)
}

// linkChanges lists what a link step changes: " latency uniform(1ms..5ms)
// loss 1/10 dup 1/100".
func (s Step) linkChanges() string {
	var b strings.Builder
	if s.Latency != (sim.Dist{}) {
		b.WriteString(" latency " + s.Latency.String())
	}
	if s.Loss != (sim.Ratio{}) {
		b.WriteString(" loss " + s.Loss.String())
	}
	if s.Duplicate != (sim.Ratio{}) {
		b.WriteString(" dup " + s.Duplicate.String())
	}
	return b.String()
}

// formatAt prints a step time in seconds with three decimals ("1.500s"),
// or six or nine when the time has finer digits, so that listings line up
// and nothing is silently rounded.
func formatAt(d time.Duration) string {
	sign := ""
	u := uint64(d)
	if d < 0 {
		sign, u = "-", -u
	}
	sec, frac := u/1e9, u%1e9
	switch {
	case frac%1e6 == 0:
		return fmt.Sprintf("%s%d.%03ds", sign, sec, frac/1e6)
	case frac%1e3 == 0:
		return fmt.Sprintf("%s%d.%06ds", sign, sec, frac/1e3)
	}
	return fmt.Sprintf("%s%d.%09ds", sign, sec, frac)
}

// signed prints a duration with an explicit sign: "+20ms", "-1.5s", "+0s".
func signed(d time.Duration) string {
	if d < 0 {
		return d.String()
	}
	return "+" + d.String()
}

// nodeSet prints IDs as "{n1,n3}".
func nodeSet(ids []int) string {
	var b strings.Builder
	b.WriteByte('{')
	for i, id := range ids {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('n')
		b.WriteString(strconv.Itoa(id))
	}
	b.WriteByte('}')
	return b.String()
}

// groupsString prints groups joined by sep: "{n1,n2} | {n3}".
func groupsString(groups [][]int, sep string) string {
	parts := make([]string, len(groups))
	for i, g := range groups {
		parts[i] = nodeSet(g)
	}
	return strings.Join(parts, sep)
}

// linksString prints a link selection: "all", "{n1} -> all", "all -> {n2}",
// "{n1} -> {n2,n3}".
func linksString(from, to []int) string {
	if len(from) == 0 && len(to) == 0 {
		return "all"
	}
	side := func(ids []int) string {
		if len(ids) == 0 {
			return "all"
		}
		return nodeSet(ids)
	}
	return side(from) + " -> " + side(to)
}
