package harness

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/raftsim/raftsim/checker"
	"github.com/raftsim/raftsim/faults"
	"github.com/raftsim/raftsim/internal/zoo"
	"github.com/raftsim/raftsim/raft"
	"github.com/raftsim/raftsim/sim"
)

// ReadPath chooses how the servers answer Get.
type ReadPath uint8

const (
	// ReadIndexPath confirms each read with Raft's ReadIndex (or the
	// lease, per the Raft config) and answers from the leader's state
	// machine. Linearizable.
	ReadIndexPath ReadPath = iota
	// ReadLogPath puts reads in the log like writes. Linearizable, slow.
	ReadLogPath
	// ReadLocalUnsafe answers from whichever node the client reached,
	// from its local state, at once. Deliberately wrong: it exists to show
	// that the checker catches stale reads.
	ReadLocalUnsafe
)

var readPathNames = [...]string{"read-index", "log", "local-unsafe"}

func (p ReadPath) String() string {
	if int(p) < len(readPathNames) {
		return readPathNames[p]
	}
	return fmt.Sprintf("read-path(%d)", p)
}

// ParseReadPath parses a ReadPath's String form.
func ParseReadPath(s string) (ReadPath, error) {
	for i, n := range readPathNames {
		if n == s {
			return ReadPath(i), nil
		}
	}
	return 0, fmt.Errorf("unknown read path %q (want read-index, log or local-unsafe)", s)
}

func (p ReadPath) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

func (p *ReadPath) UnmarshalText(b []byte) error {
	v, err := ParseReadPath(string(b))
	*p = v
	return err
}

// Mix weighs the operations a client draws; weights are relative.
type Mix struct {
	Get    int `json:"get"`
	Put    int `json:"put"`
	Append int `json:"append"`
	CAS    int `json:"cas"`
}

func (m Mix) total() int { return m.Get + m.Put + m.Append + m.CAS }

// Workload is what the clients do.
type Workload struct {
	// Clients is the number of closed-loop clients, each with one
	// command outstanding (one session each).
	Clients int `json:"clients"`
	// Keys is the size of the key space; fewer keys, more contention.
	Keys int `json:"keys"`
	Mix  Mix `json:"mix"`
	// Timeout is how long a client waits for an answer before it retries
	// the same command elsewhere. Example: 500ms.
	Timeout time.Duration `json:"timeout"`
	// ThinkMax bounds the pause a client takes between commands, drawn
	// uniformly from [0, ThinkMax]. 0 means none.
	ThinkMax time.Duration `json:"thinkMax"`
	// WritersPerKey bounds the clients with a write (put, append, CAS) in
	// flight on one key; 0 means no bound. With 1 the writes of a key are
	// ordered in real time, so the linearizability search is linear in
	// the history (see client.drawInput). Example: 1.
	WritersPerKey int `json:"writersPerKey,omitempty"`
	// ReadPath chooses how Gets are served.
	ReadPath ReadPath `json:"readPath"`
	// OpenLoop, when set, makes the clients open-loop: see OpenLoop.
	OpenLoop OpenLoop `json:"openLoop,omitempty"`
	// Sticky is how many times, during the chaos phase, a client resends
	// a command that timed out to the node it believes leads before it
	// tries another (0: it moves on at the first timeout). A sticky
	// client keeps reading from a leader that was cut off, or whose
	// answers are slow, for as long as that node may still believe it
	// leads. An answer (a "not leader" with its hint included) is always
	// followed; the liveness phase is never sticky, so its bound holds.
	// Example: 3.
	Sticky int `json:"sticky,omitempty"`
	// ReadAnywhere is the share of reads a client first sends to a node
	// drawn at random instead of the one it believes leads: followers
	// answer "not leader" with their hint, as servers do, so reads also
	// follow stale hints toward deposed leaders. Zero: never. Example:
	// "1/4".
	ReadAnywhere sim.Ratio `json:"readAnywhere,omitempty"`
	// Script, when set, replaces the drawn commands: client i issues
	// Script[i] in order and then stops. Shrinking materializes a run's
	// commands into a script (ScriptFromHistory) to remove them one by
	// one. Clients still make the draws they would have made, so a
	// script of exactly the drawn commands replays the same run.
	Script [][]checker.Input `json:"script,omitempty"`
}

// OpenLoop groups the clients into open-loop clients. An open-loop client
// is Sessions consecutive clients (sessions): at arrival times drawn from
// its own stream, gaps uniform in [Arrival/2, 3*Arrival/2], it starts a
// command on one of its sessions that is idle, without waiting for the
// others' answers, so it has up to Sessions commands in flight; an arrival
// that finds every session busy is dropped (the load is bounded). Each
// session is a client of its own to everything else (its own history
// client, KV session and sequence numbers), so applied-once semantics and
// Workload.WritersPerKey hold as for closed-loop clients. The zero value
// is closed-loop: every client waits for its answer (and ThinkMax) before
// its next command.
type OpenLoop struct {
	// Sessions is the commands one open-loop client may have in flight,
	// at least 2. Workload.Clients counts sessions; a last group may be
	// smaller. Example: 4.
	Sessions int `json:"sessions"`
	// Arrival is the mean gap between one open-loop client's arrivals.
	// Example: 5ms.
	Arrival time.Duration `json:"arrival"`
}

// On reports whether the clients are open-loop.
func (o OpenLoop) On() bool { return o != OpenLoop{} }

// ScriptFromHistory returns the commands each of clients issued in a
// history, in order: the workload of that run as data.
func ScriptFromHistory(h checker.History, clients int) [][]checker.Input {
	script := make([][]checker.Input, clients)
	for _, op := range h.Ops {
		if op.Client >= 0 && op.Client < clients {
			script[op.Client] = append(script[op.Client], op.Input)
		}
	}
	for i := range script {
		if script[i] == nil {
			script[i] = []checker.Input{}
		}
	}
	return script
}

// Operations counts the commands a script holds.
func (w Workload) Operations() int {
	n := 0
	for _, s := range w.Script {
		n += len(s)
	}
	return n
}

// Crashes describes random crashes generatively: Materialize turns them
// into crash steps of the plan, drawn from the seed, never taking down a
// majority at once. It is a convenience for scenarios; everything that
// reaches a run is plan data.
type Crashes struct {
	// Interval is the mean time between crashes, drawn uniformly from
	// [Interval/2, 3*Interval/2]. 0 means no crashes.
	Interval time.Duration `json:"interval"`
	// DownMin and DownMax bound how long a crashed node stays down.
	DownMin time.Duration `json:"downMin"`
	DownMax time.Duration `json:"downMax"`
}

// Config describes one simulated cluster run. It is plain data so that it
// can be printed and saved with a failure.
type Config struct {
	// Nodes is the initial cluster size. Example: 3 or 5.
	Nodes int `json:"nodes"`
	// Spares are extra nodes, numbered after the initial ones, that start
	// pristine and join only when a membership change adds them.
	Spares int `json:"spares,omitempty"`
	// Duration is the chaos phase in virtual time. Example: 10s.
	Duration time.Duration `json:"duration"`
	// LivenessBound is how long the healed cluster has, after the chaos
	// phase, to elect a stable leader, finish every client command and
	// converge (see liveness.go). 0 derives it at the heal from the work
	// that remains: elections, entries and snapshot chunks to ship at the
	// configured sizes and latencies, clients to answer (livebound.go).
	LivenessBound time.Duration `json:"livenessBound,omitempty"`
	// Network is every link's behaviour during the chaos phase.
	Network sim.LinkConfig `json:"network"`
	// Plan is the fault plan of the chaos phase: data, applied step by
	// step (see package faults for each kind's semantics).
	Plan faults.Plan `json:"plan"`
	// Crashes adds random crashes to the plan (see Materialize).
	Crashes Crashes `json:"crashes"`
	// Budget says whether the faults stay within what Raft survives
	// (Survivable: the run ends with a liveness phase) or not (Unbounded:
	// safety only).
	Budget faults.Budget `json:"budget"`
	// Shape, when the run was drawn by swarm testing, is the drawn shape:
	// every parameter, for printing first and saving with a failure.
	Shape *faults.Shape `json:"shape,omitempty"`
	// Workload is what the clients do.
	Workload Workload `json:"workload"`
	// Storage names the store nodes persist through (RegisterStore): the
	// built-in "disk" (the default) or "memory", or a user's.
	Storage StorageKind `json:"storage"`
	// Disk is every node's simulated disk, for a store on the device.
	Disk DiskConfig `json:"disk"`
	// Raft is the template of every node's Raft configuration (ID is set
	// per node).
	Raft raft.Config `json:"raft"`
	// Bugs switches on known Raft bugs in every node (the bug zoo, package
	// internal/zoo), for measuring the harness; none in a correct run.
	Bugs zoo.Bugs `json:"bugs,omitempty"`
	// StopAfterCommands ends the run once this many client commands
	// completed (0: run for Duration). For throughput benchmarks.
	StopAfterCommands int `json:"stopAfterCommands,omitempty"`
	// MaxSteps bounds the events of a run, so no run can hang.
	MaxSteps uint64 `json:"maxSteps"`
	// CheckLinearizability checks the history for linearizability at the end.
	CheckLinearizability bool `json:"checkLinearizability"`
	// CheckLimit bounds that check by counts (search steps and memo
	// bytes), never by wall time, so the verdict is a function of config
	// and seed; reaching it gives an inconclusive verdict, which is never a
	// pass. Zero fields take checker.DefaultLimit's. Example:
	// {"steps": 50000000, "memoryBytes": 134217728}.
	CheckLimit checker.Limit `json:"checkLimit"`
	// KeepStepHashes records a hash per step, so that two runs can be
	// compared step by step (costs 8 bytes per step).
	KeepStepHashes bool `json:"-"`
}

// DefaultConfig is the built-in scenario: 3 nodes, 1-5ms links with 1%
// loss, a crash every two seconds, five clients on ten keys for 10s.
func DefaultConfig() Config {
	rc := raft.DefaultConfig(1)
	rc.ID = 0
	return Config{
		Nodes:    3,
		Duration: 10 * time.Second,
		Network: sim.LinkConfig{
			Latency: sim.UniformDist(time.Millisecond, 5*time.Millisecond),
			Loss:    sim.Percent(1), Duplicate: sim.Never,
		},
		Crashes: Crashes{Interval: 2 * time.Second, DownMin: 100 * time.Millisecond, DownMax: time.Second},
		Workload: Workload{
			Clients: 5, Keys: 10,
			Mix:     Mix{Get: 40, Put: 30, Append: 20, CAS: 10},
			Timeout: 500 * time.Millisecond, ThinkMax: 10 * time.Millisecond,
			WritersPerKey: 1,
		},
		Storage:              StorageDisk,
		Disk:                 DefaultDisk(),
		Raft:                 rc,
		MaxSteps:             50_000_000,
		CheckLinearizability: true,
		CheckLimit:           checker.DefaultLimit,
	}
}

// ThroughputConfig is the no-fault workload of docs/performance.md: three
// nodes, 1ms one-way latency, no disk latency, 16 closed-loop clients
// writing without pause, until 100,000 commands completed.
func ThroughputConfig() Config {
	cfg := DefaultConfig()
	cfg.Network = sim.ReliableLink(sim.FixedDist(time.Millisecond))
	cfg.Crashes = Crashes{}
	cfg.Storage = StorageMemory // zero disk latency: the reference store
	cfg.Workload = Workload{Clients: 16, Keys: 1000, Mix: Mix{Put: 1}, Timeout: time.Second}
	cfg.Duration = time.Hour
	cfg.StopAfterCommands = 100_000
	cfg.MaxSteps = 100_000_000
	cfg.CheckLinearizability = false
	return cfg
}

// ErrConfig is wrapped by every configuration error.
var ErrConfig = errors.New("invalid harness config")

// Validate reports the first field that makes no sense, naming it.
func (c Config) Validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("harness: config: %s: %w", fmt.Sprintf(format, args...), ErrConfig)
	}
	w := c.Workload
	switch {
	case c.Nodes < 1 || c.Nodes > 9:
		return bad("nodes %d: want 1 to 9", c.Nodes)
	case c.Spares < 0 || c.Nodes+c.Spares > 9:
		return bad("spares %d: want 0 to %d (at most 9 nodes in all)", c.Spares, 9-c.Nodes)
	case c.Duration <= 0:
		return bad("duration %v: must be positive", c.Duration)
	case c.LivenessBound < 0:
		return bad("livenessBound %v: must not be negative", c.LivenessBound)
	case c.MaxSteps == 0:
		return bad("maxSteps must be positive: a run without a step budget could hang")
	case w.Clients < 0 || w.Clients > 1000:
		return bad("workload.clients %d: want 0 to 1000", w.Clients)
	case w.Clients > 0 && w.Keys < 1:
		return bad("workload.keys %d: want at least 1", w.Keys)
	case w.Clients > 0 && w.Mix.total() <= 0:
		return bad("workload.mix %+v: weights must add up to more than 0", w.Mix)
	case w.Mix.Get < 0 || w.Mix.Put < 0 || w.Mix.Append < 0 || w.Mix.CAS < 0:
		return bad("workload.mix %+v: weights must not be negative", w.Mix)
	case w.Clients > 0 && w.Timeout <= 0:
		return bad("workload.timeout %v: must be positive", w.Timeout)
	case w.WritersPerKey < 0:
		return bad("workload.writersPerKey %d: must not be negative (0: no bound)", w.WritersPerKey)
	case w.ThinkMax < 0:
		return bad("workload.thinkMax %v: must not be negative", w.ThinkMax)
	case w.OpenLoop.On() && (w.OpenLoop.Sessions < 2 || w.OpenLoop.Sessions > 64 || w.OpenLoop.Arrival <= 0):
		return bad("workload.openLoop %+v: want 2 to 64 sessions and a positive arrival", w.OpenLoop)
	case w.Sticky < 0 || w.Sticky > 100:
		return bad("workload.sticky %d: want 0 to 100", w.Sticky)
	case w.ReadAnywhere != (sim.Ratio{}) && w.ReadAnywhere.Validate() != nil:
		return bad("workload.readAnywhere: %v", w.ReadAnywhere.Validate())
	case w.ReadPath > ReadLocalUnsafe:
		return bad("workload.readPath %d: unknown", w.ReadPath)
	case w.Script != nil && len(w.Script) != w.Clients:
		return bad("workload.script has %d clients' commands, workload.clients is %d", len(w.Script), w.Clients)
	case c.Crashes.Interval < 0:
		return bad("crashes.interval %v: must not be negative", c.Crashes.Interval)
	case c.Crashes.Interval > 0 && (c.Crashes.DownMin <= 0 || c.Crashes.DownMax < c.Crashes.DownMin):
		return bad("crashes.downMin %v, downMax %v: want 0 < min <= max", c.Crashes.DownMin, c.Crashes.DownMax)
	case c.StopAfterCommands < 0:
		return bad("stopAfterCommands %d: must not be negative", c.StopAfterCommands)
	}
	if err := c.Network.Validate(); err != nil {
		return fmt.Errorf("harness: config: network: %w", err)
	}
	if _, err := LookupStore(string(c.Storage)); err != nil {
		return bad("storage: %v", err)
	}
	if c.Storage.UsesDevice() {
		if err := c.Disk.Device.Validate(); err != nil {
			return fmt.Errorf("harness: config: disk.device: %w", err)
		}
		if err := c.Disk.CrashPolicy.Validate(); err != nil {
			return fmt.Errorf("harness: config: disk.crashPolicy: %w", err)
		}
	}
	if err := c.Plan.Validate(c.Nodes + c.Spares); err != nil {
		return fmt.Errorf("harness: config: %w", err)
	}
	if c.Budget == faults.Survivable {
		if err := c.Plan.WithinBudget(c.Nodes+c.Spares, c.Budget); err != nil {
			return fmt.Errorf("harness: config: %w (set budget to unbounded to allow it)", err)
		}
	}
	rc := c.Raft
	rc.ID = 1
	if err := rc.Validate(); err != nil {
		return fmt.Errorf("harness: config: %w", err)
	}
	return nil
}

// Materialize returns the config with its generative faults (Crashes)
// drawn from the seed and folded into the plan, in time order. The result
// runs exactly like c, and every fault in it is a plan step that can be
// saved, read and removed one by one.
func (c Config) Materialize(seed sim.Seed) Config {
	if c.Crashes.Interval <= 0 {
		return c
	}
	r := seed.Stream("crashes")
	steps := slices.Clone(c.Plan.Steps)
	downUntil := make([]time.Duration, c.Nodes)
	for t := r.Duration(c.Crashes.Interval/2, c.Crashes.Interval+c.Crashes.Interval/2); t < c.Duration; t += r.Duration(c.Crashes.Interval/2, c.Crashes.Interval+c.Crashes.Interval/2) {
		pick := r.Intn(c.Nodes)
		down := r.Duration(c.Crashes.DownMin, c.Crashes.DownMax)
		stillUp := 0
		for _, u := range downUntil {
			if u <= t {
				stillUp++
			}
		}
		// Keep a majority up, so the chaos phase keeps making progress.
		if downUntil[pick] > t || stillUp-1 < c.Nodes/2+1 {
			continue
		}
		downUntil[pick] = t + down
		steps = append(steps, faults.Step{At: t, Kind: faults.Crash, Node: faults.NodeRef(pick + 1), For: down})
	}
	slices.SortStableFunc(steps, func(a, b faults.Step) int { return cmp.Compare(a.At, b.At) })
	c.Plan = faults.Plan{Steps: steps}
	c.Crashes = Crashes{}
	return c
}
