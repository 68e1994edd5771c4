package faults

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/raftsim/raftsim/sim"
)

// Shape is every parameter that defines a run's shape, drawn once per seed
// by DrawShape (swarm testing: a seed turns each fault family on or off and
// draws its rates, so some runs have no partitions and others have little
// else). DrawPlan then draws the run's plan from it. A Shape is data: Params
// prints it first in a run and a failure file saves it.
//
// A fault family is off when its Every is 0; its other fields are then
// ignored (and zero when drawn). Gaps between a family's faults are drawn
// uniformly from [Every/2, 3*Every/2], and a fault that lasts lasts
// uniformly [For/4, For].
type Shape struct {
	// Budget is what DrawPlan keeps the plan within.
	Budget Budget `json:"budget"`
	// Nodes is the cluster size. Example: 5.
	Nodes int `json:"nodes"`
	// Latency, Loss and Duplicate are every link's default configuration.
	Latency   sim.Dist  `json:"latency"`
	Loss      sim.Ratio `json:"loss"`
	Duplicate sim.Ratio `json:"duplicate"`
	// Workload is what the clients do.
	Workload Workload `json:"workload"`
	// Crash and Pause are node crashes and stalls.
	Crash NodeFaultShape `json:"crash"`
	Pause NodeFaultShape `json:"pause"`
	// Cuts are network partitions of every mode, one at a time, each
	// ended by a heal.
	Cuts CutShape `json:"cuts"`
	// Links are degraded links: loss, latency, duplication, capacity,
	// clogs, each ended by a reset-links (a clog ends by itself).
	Links LinkShape `json:"links"`
	// Clock is skew, drift and jumps of node clocks.
	Clock ClockShape `json:"clock"`
	// Disk is disk fault windows, each ended by a disk-heal.
	Disk DiskShape `json:"disk"`
	// Membership is member removal (and re-addition) and leadership
	// transfer.
	Membership MemberShape `json:"membership"`
	// Off are kinds DrawPlan never emits, copied from ShapeLimits. A
	// family whose kinds are all off is drawn off; with an undo kind off
	// (restart, resume, heal, reset-links, disk-heal, add-member) faults
	// undo by their For where they have one, or last until the liveness
	// phase.
	Off []Kind `json:"off"`
}

// Workload is what the clients do; the harness maps it to its own
// configuration (harness.Workload documents each knob's behaviour).
type Workload struct {
	// Clients is the number of clients (sessions, when open-loop).
	Clients int `json:"clients"`
	// Keys is the size of the key space; fewer keys, more contention.
	Keys int `json:"keys"`
	// Mix weighs the operations clients draw.
	Mix Mix `json:"mix"`
	// Sessions, when 2 or more, makes the clients open-loop: groups of
	// Sessions clients, each group starting commands at arrivals about
	// Arrival apart without waiting for answers. 0: closed-loop.
	Sessions int           `json:"sessions"`
	Arrival  time.Duration `json:"arrival"`
	// ThinkMax bounds a closed-loop client's pause between commands; 0
	// means none.
	ThinkMax time.Duration `json:"thinkMax"`
	// Sticky is how many times a client resends a timed-out command to
	// the node it believes leads before it tries another.
	Sticky int `json:"sticky"`
	// ReadAnywhere is the share of reads first sent to a random node;
	// unset: never.
	ReadAnywhere sim.Ratio `json:"readAnywhere"`
	// Reads is how reads are served: ReadIndex, ReadLog or ReadLease.
	Reads ReadPath `json:"reads"`
}

// ReadPath is how a shape's reads are served.
type ReadPath uint8

const (
	// ReadIndex confirms each read with a heartbeat round (Raft's
	// ReadIndex).
	ReadIndex ReadPath = iota
	// ReadLog puts reads in the log.
	ReadLog
	// ReadLease serves reads on the leader's lease: drawn only when the
	// shape's clocks neither skew nor jump, so that they drift apart
	// within the lease's allowance (ShapeLimits.DriftMaxPPM).
	ReadLease
	readPathEnd
)

var readPathNames = [...]string{"read-index", "log", "lease"}

func (r ReadPath) String() string {
	if r < readPathEnd {
		return readPathNames[r]
	}
	return fmt.Sprintf("read-path(%d)", uint8(r))
}

// MarshalText writes the name.
func (r ReadPath) MarshalText() ([]byte, error) {
	if r >= readPathEnd {
		return nil, fmt.Errorf("faults: unknown read path %d: %w", uint8(r), ErrShape)
	}
	return []byte(r.String()), nil
}

// UnmarshalText reads "read-index", "log" or "lease".
func (r *ReadPath) UnmarshalText(b []byte) error {
	for i, n := range readPathNames {
		if n == string(b) {
			*r = ReadPath(i)
			return nil
		}
	}
	return fmt.Errorf("unknown read path %q (want read-index, log or lease)", b)
}

// Mix weighs the operations a client draws; weights are relative, and
// their sum is positive.
type Mix struct {
	Get    int `json:"get"`
	Put    int `json:"put"`
	Append int `json:"append"`
	CAS    int `json:"cas"`
}

// NodeFaultShape is how often nodes crash, or pause, and for how long.
type NodeFaultShape struct {
	// Every is the mean gap between faults; 0 turns the family off.
	// Faults may overlap (several nodes down at once).
	Every time.Duration `json:"every"`
	// For bounds how long a node stays down or paused.
	For time.Duration `json:"for"`
	// Leader is the share of faults aimed at the leader.
	Leader sim.Ratio `json:"leader"`
	// Undo is the share of the other faults undone by a separate restart
	// or resume step instead of the fault's own For.
	Undo sim.Ratio `json:"undo"`
}

// CutShape is how often the network is cut, how, and for how long.
type CutShape struct {
	// Every is the mean gap between one cut's heal and the next cut; 0
	// turns cuts off.
	Every time.Duration `json:"every"`
	// For bounds how long a cut lasts before its heal.
	For time.Duration `json:"for"`
	// FlapInterval is a flap's half period.
	FlapInterval time.Duration `json:"flapInterval"`
	// Weights chooses among the modes; 0 turns a mode off.
	Weights CutWeights `json:"weights"`
}

// CutWeights weighs the partition modes. Modes a cluster is too small for
// (split and bridge need 3 nodes, every mode needs 2) are skipped.
type CutWeights struct {
	Partition     int `json:"partition"`
	OneWay        int `json:"oneWay"`
	Isolate       int `json:"isolate"`
	IsolateLeader int `json:"isolateLeader"`
	Split         int `json:"split"`
	Bridge        int `json:"bridge"`
	Flap          int `json:"flap"`
}

// LinkShape is how often links degrade, how, and for how long.
type LinkShape struct {
	// Every is the mean gap between one link fault's end and the next;
	// 0 turns link faults off.
	Every time.Duration `json:"every"`
	// For bounds how long a link fault lasts.
	For time.Duration `json:"for"`
	// Weights chooses among link, capacity and clog faults.
	Weights LinkWeights `json:"weights"`
	// Latency, Loss and Duplicate are what a link fault sets; each one
	// left unset (zero) is never set, and a link fault sets a random
	// non-empty subset of the others.
	Latency   sim.Dist  `json:"latency"`
	Loss      sim.Ratio `json:"loss"`
	Duplicate sim.Ratio `json:"duplicate"`
	// BytesPerSecond is a capacity fault's limit.
	BytesPerSecond int64 `json:"bytesPerSecond"`
	// Leader is the share of link faults aimed at the leader when they
	// fire, in one direction: its peers' answers to it (from -> leader)
	// or its own messages (leader -> to), so that one way is slow while
	// the other is fast. Unset: never.
	Leader sim.Ratio `json:"leader"`
	// Clients is the share of link faults on client links instead: the
	// replies of a node, the leader or every node to the clients, or the
	// clients' requests to them. Unset: never.
	Clients sim.Ratio `json:"clients"`
}

// LinkWeights weighs the link fault modes.
type LinkWeights struct {
	Link     int `json:"link"`
	Capacity int `json:"capacity"`
	Clog     int `json:"clog"`
}

// ClockShape is how often clocks misbehave and how much. Each of skew,
// jump and drift is on when its maximum is positive.
type ClockShape struct {
	// Every is the mean gap between clock faults; 0 turns them off.
	Every time.Duration `json:"every"`
	// SkewMax bounds how far one clock-skew moves a node's offset.
	SkewMax time.Duration `json:"skewMax"`
	// JumpMax bounds a clock-jump.
	JumpMax time.Duration `json:"jumpMax"`
	// DriftMaxPPM bounds a clock-drift rate, either way.
	DriftMaxPPM int64 `json:"driftMaxPPM"`
}

// DiskShape is how often disks misbehave and how.
type DiskShape struct {
	// Every is the mean gap between one disk fault window's end and the
	// next; 0 turns disk faults off.
	Every time.Duration `json:"every"`
	// For bounds a window, ended by a disk-heal.
	For time.Duration `json:"for"`
	// Damaged is how many nodes may get the damaging rates (corrupt,
	// latentSector); every other node gets the rest only. Under the
	// survivable budget it is a minority.
	Damaged int `json:"damaged"`
	// Rates are a window's fault rates; Rates.CrashPolicy is also every
	// disk's crash policy for the whole run (the harness sets it at the
	// start).
	Rates DiskRates `json:"rates"`
	// Slow is a slow window's operation latency; unset means disks are
	// never slowed.
	Slow sim.Dist `json:"slow"`
}

// MemberShape is how often membership changes.
type MemberShape struct {
	// Every is the mean gap between changes; 0 turns them off.
	Every time.Duration `json:"every"`
	// For bounds how long a removed node stays out before it is added
	// back.
	For time.Duration `json:"for"`
	// Transfer is the share of changes that are leadership transfers
	// rather than a removal.
	Transfer sim.Ratio `json:"transfer"`
}

// ErrShape is wrapped by every shape and limits validation error.
var ErrShape = errors.New("invalid shape")

// maxNodes is the largest cluster a shape describes, as the harness allows.
const maxNodes = 9

// Validate reports the first field that makes s unusable, naming it by its
// JSON path ("crash.for").
func (s Shape) Validate() error {
	if why := s.problem(); why != "" {
		return fmt.Errorf("faults: shape: %s: %w", why, ErrShape)
	}
	return nil
}

func (s Shape) problem() string {
	switch {
	case s.Budget >= budgetEnd:
		return fmt.Sprintf("budget %d: unknown", uint8(s.Budget))
	case s.Nodes < 1 || s.Nodes > maxNodes:
		return fmt.Sprintf("nodes %d: want 1 to %d", s.Nodes, maxNodes)
	}
	if err := s.Latency.Validate(); err != nil {
		return fmt.Sprintf("latency: %v", err)
	}
	for _, r := range []struct {
		name string
		r    sim.Ratio
	}{{"loss", s.Loss}, {"duplicate", s.Duplicate}} {
		if err := r.r.Validate(); err != nil {
			return fmt.Sprintf("%s: %v", r.name, err)
		}
	}
	for _, check := range []func() string{
		s.Workload.problem,
		func() string { return s.Crash.problem("crash") },
		func() string { return s.Pause.problem("pause") },
		s.Cuts.problem,
		s.Links.problem,
		s.Clock.problem,
		func() string { return s.Disk.problem(s.Nodes, s.Budget) },
		s.Membership.problem,
	} {
		if why := check(); why != "" {
			return why
		}
	}
	for _, k := range s.Off {
		if !k.valid() {
			return fmt.Sprintf("off: unknown kind %d", uint8(k))
		}
	}
	return ""
}

func (w Workload) problem() string {
	m := w.Mix
	switch {
	case w.Clients < 0:
		return fmt.Sprintf("workload.clients %d: must not be negative", w.Clients)
	case w.Clients > 0 && w.Keys < 1:
		return fmt.Sprintf("workload.keys %d: want at least 1", w.Keys)
	case m.Get < 0 || m.Put < 0 || m.Append < 0 || m.CAS < 0:
		return fmt.Sprintf("workload.mix %+v: weights must not be negative", m)
	case w.Clients > 0 && m.Get+m.Put+m.Append+m.CAS == 0:
		return fmt.Sprintf("workload.mix %+v: weights must add up to more than 0", m)
	case w.Sessions == 1 || w.Sessions < 0 || w.Sessions > 64:
		return fmt.Sprintf("workload.sessions %d: want 0 (closed-loop) or 2 to 64", w.Sessions)
	case w.Sessions > 0 && w.Arrival <= 0:
		return fmt.Sprintf("workload.arrival %v: must be positive when workload.sessions is set", w.Arrival)
	case w.Sessions == 0 && w.Arrival != 0:
		return fmt.Sprintf("workload.arrival %v: set only with workload.sessions", w.Arrival)
	case w.ThinkMax < 0:
		return fmt.Sprintf("workload.thinkMax %v: must not be negative", w.ThinkMax)
	case w.Sticky < 0 || w.Sticky > 100:
		return fmt.Sprintf("workload.sticky %d: want 0 to 100", w.Sticky)
	case w.Reads >= readPathEnd:
		return fmt.Sprintf("workload.reads %d: unknown", uint8(w.Reads))
	}
	if w.ReadAnywhere != (sim.Ratio{}) {
		return ratioProblem("workload.readAnywhere", w.ReadAnywhere)
	}
	return ""
}

// rateProblem checks the Every and For of a family.
func rateProblem(family string, every, forMax time.Duration) string {
	switch {
	case every < 0:
		return fmt.Sprintf("%s.every %v: must not be negative (0 is off)", family, every)
	case every > 0 && forMax <= 0:
		return fmt.Sprintf("%s.for %v: must be positive when %s.every is set", family, forMax, family)
	}
	return ""
}

func ratioProblem(name string, r sim.Ratio) string {
	if err := r.Validate(); err != nil {
		return fmt.Sprintf("%s: %v", name, err)
	}
	return ""
}

func (f NodeFaultShape) problem(family string) string {
	if why := rateProblem(family, f.Every, f.For); why != "" || f.Every == 0 {
		return why
	}
	if why := ratioProblem(family+".leader", f.Leader); why != "" {
		return why
	}
	return ratioProblem(family+".undo", f.Undo)
}

func (c CutShape) problem() string {
	if why := rateProblem("cuts", c.Every, c.For); why != "" || c.Every == 0 {
		return why
	}
	w := c.Weights
	ws := []int{w.Partition, w.OneWay, w.Isolate, w.IsolateLeader, w.Split, w.Bridge, w.Flap}
	switch {
	case slices.Min(ws) < 0:
		return fmt.Sprintf("cuts.weights %+v: must not be negative", w)
	case sum(ws) == 0:
		return fmt.Sprintf("cuts.weights %+v: all zero while cuts.every is set", w)
	case w.Flap > 0 && c.FlapInterval <= 0:
		return fmt.Sprintf("cuts.flapInterval %v: must be positive when flaps are on", c.FlapInterval)
	}
	return ""
}

func (l LinkShape) problem() string {
	if why := rateProblem("links", l.Every, l.For); why != "" || l.Every == 0 {
		return why
	}
	w := l.Weights
	switch {
	case min(w.Link, w.Capacity, w.Clog) < 0:
		return fmt.Sprintf("links.weights %+v: must not be negative", w)
	case w.Link+w.Capacity+w.Clog == 0:
		return fmt.Sprintf("links.weights %+v: all zero while links.every is set", w)
	case w.Capacity > 0 && l.BytesPerSecond <= 0:
		return fmt.Sprintf("links.bytesPerSecond %d: must be positive when capacity faults are on", l.BytesPerSecond)
	case w.Link > 0 && l.Latency == (sim.Dist{}) && l.Loss == (sim.Ratio{}) && l.Duplicate == (sim.Ratio{}):
		return "links.weights.link is set but links.latency, loss and duplicate are all unset"
	}
	if l.Latency != (sim.Dist{}) {
		if err := l.Latency.Validate(); err != nil {
			return fmt.Sprintf("links.latency: %v", err)
		}
	}
	for _, r := range []struct {
		name string
		r    sim.Ratio
	}{{"links.loss", l.Loss}, {"links.duplicate", l.Duplicate}, {"links.leader", l.Leader}, {"links.clients", l.Clients}} {
		if r.r != (sim.Ratio{}) {
			if why := ratioProblem(r.name, r.r); why != "" {
				return why
			}
		}
	}
	return ""
}

func (c ClockShape) problem() string {
	switch {
	case c.Every < 0:
		return fmt.Sprintf("clock.every %v: must not be negative (0 is off)", c.Every)
	case c.Every == 0:
		return ""
	case c.SkewMax < 0 || c.JumpMax < 0 || c.DriftMaxPPM < 0:
		return fmt.Sprintf("clock %+v: maxima must not be negative", c)
	case c.SkewMax == 0 && c.JumpMax == 0 && c.DriftMaxPPM == 0:
		return "clock.every is set but skewMax, jumpMax and driftMaxPPM are all 0"
	case c.DriftMaxPPM > MaxDriftPPM:
		return fmt.Sprintf("clock.driftMaxPPM %d: at most %d", c.DriftMaxPPM, MaxDriftPPM)
	}
	return ""
}

func (d DiskShape) problem(nodes int, b Budget) string {
	if why := rateProblem("disk", d.Every, d.For); why != "" || d.Every == 0 {
		return why
	}
	if why := d.Rates.problem(); why != "" {
		return "disk.rates: " + why
	}
	if d.Slow != (sim.Dist{}) {
		if err := d.Slow.Validate(); err != nil {
			return fmt.Sprintf("disk.slow: %v", err)
		}
	}
	switch {
	case d.Rates == (DiskRates{CrashPolicy: d.Rates.CrashPolicy}) && d.Slow == (sim.Dist{}):
		return "disk.every is set but no rate is set and disk.slow is unset"
	case d.Damaged < 0 || d.Damaged > nodes:
		return fmt.Sprintf("disk.damaged %d: want 0 to %d", d.Damaged, nodes)
	case b == Survivable && d.Rates.Silent():
		return "disk.rates: lostWrite and misdirectedWrite are outside the survivable budget"
	case b == Survivable && d.Damaged > (nodes-1)/2:
		return fmt.Sprintf("disk.damaged %d: the survivable budget allows a minority, at most %d of %d", d.Damaged, (nodes-1)/2, nodes)
	}
	return ""
}

func (m MemberShape) problem() string {
	if why := rateProblem("membership", m.Every, m.For); why != "" || m.Every == 0 {
		return why
	}
	return ratioProblem("membership.transfer", m.Transfer)
}

func sum(xs []int) int {
	t := 0
	for _, x := range xs {
		t += x
	}
	return t
}
