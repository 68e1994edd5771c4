package bench

import (
	"fmt"
	"runtime"
	"time"

	"github.com/raftsim/raftsim/bench/etcdloop"
	"github.com/raftsim/raftsim/harness"
	"github.com/raftsim/raftsim/sim"
)

// RaftsimConfig is raftsim's workload (a), harness.ThroughputConfig,
// ending after the given number of commands.
func RaftsimConfig(commands int) harness.Config {
	cfg := harness.ThroughputConfig()
	cfg.StopAfterCommands = commands
	return cfg
}

// EtcdConfig is the etcd-raft loop on workload (a) ending after the given
// number of commands.
func EtcdConfig(commands int) etcdloop.Config {
	cfg := etcdloop.Throughput()
	cfg.StopAfterCommands = commands
	return cfg
}

// Measurement is one timed run of one side.
type Measurement struct {
	Side     string        `json:"side"`
	Round    int           `json:"round"`
	Seed     sim.Seed      `json:"seed"`
	Events   uint64        `json:"events"`
	Messages uint64        `json:"messages"`
	Commands int           `json:"commands"`
	Virtual  time.Duration `json:"virtual"`
	Wall     time.Duration `json:"wall"`
	// CPU is the process's CPU time during the run, every thread (the
	// garbage collector's too): unlike Wall, it does not grow when other
	// processes take the machine's cores.
	CPU time.Duration `json:"cpu"`
	// Mallocs and AllocBytes are the heap allocations of the run.
	Mallocs    uint64 `json:"mallocs"`
	AllocBytes uint64 `json:"allocBytes"`
}

func (m Measurement) EventsPerSec() float64 { return float64(m.Events) / m.Wall.Seconds() }
func (m Measurement) CmdsPerSec() float64   { return float64(m.Commands) / m.Wall.Seconds() }
func (m Measurement) VsecPerSec() float64   { return m.Virtual.Seconds() / m.Wall.Seconds() }

// CmdsPerCPUSec is commands per CPU-second (0 where CPU time is unknown).
func (m Measurement) CmdsPerCPUSec() float64 {
	if m.CPU <= 0 {
		return 0
	}
	return float64(m.Commands) / m.CPU.Seconds()
}

// measure times run, starting from a collected heap so that the garbage of
// the previous run (the other side's, in a comparison) is not charged to
// this one.
func measure(side string, run func() (Measurement, error)) (Measurement, error) {
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	cpu := processCPU()
	start := time.Now()
	m, err := run()
	m.Wall = time.Since(start)
	m.CPU = processCPU() - cpu
	runtime.ReadMemStats(&after)
	m.Side = side
	m.Mallocs = after.Mallocs - before.Mallocs
	m.AllocBytes = after.TotalAlloc - before.TotalAlloc
	return m, err
}

// RunRaftsim runs raftsim's workload (a) once, timed: harness.Run, every
// invariant checker on, the linearizability check off.
func RunRaftsim(cfg harness.Config, seed sim.Seed) (Measurement, error) {
	return measure(SideRaftsim, func() (Measurement, error) { return runRaftsim(cfg, seed) })
}

func runRaftsim(cfg harness.Config, seed sim.Seed) (Measurement, error) {
	res, err := harness.Run(cfg, seed)
	if err != nil {
		return Measurement{}, fmt.Errorf("bench: raftsim seed %v: %w", seed, err)
	}
	if !res.Passed() {
		return Measurement{}, fmt.Errorf("bench: raftsim seed %v failed: %v", seed, res.Failure)
	}
	s := res.Stats
	return Measurement{Side: SideRaftsim, Seed: seed, Events: s.Steps, Messages: s.Messages, Commands: s.OpsCompleted,
		Virtual: time.Duration(s.VirtualTime)}, nil
}

// RunEtcd runs the etcd-raft loop once, timed.
func RunEtcd(side string, cfg etcdloop.Config, seed sim.Seed) (Measurement, error) {
	return measure(side, func() (Measurement, error) { return runEtcd(cfg, seed) })
}

func runEtcd(cfg etcdloop.Config, seed sim.Seed) (Measurement, error) {
	l, err := etcdloop.New(cfg, seed)
	if err != nil {
		return Measurement{}, err
	}
	res, err := l.Run()
	if err != nil {
		return Measurement{}, err
	}
	s := res.Stats
	return Measurement{Seed: seed, Events: s.Events, Messages: s.Messages, Commands: s.Commands, Virtual: s.VirtualTime}, nil
}

// The sides of a comparison. SideEtcdClients is the etcd-raft loop with
// raftsim's client events (etcdloop.Config.ClientEvents): the same events
// around each command, and with them the same order of simultaneous
// events, which on a fixed 1ms latency decides how appends batch.
const (
	SideRaftsim     = "raftsim"
	SideEtcd        = "etcd-raft"
	SideEtcdClients = "etcd-raft+client-events"
)
