package faults

import (
	"fmt"
	"strconv"

	"github.com/raftsim/raftsim/sim"
)

// Param is one drawn parameter, named by its JSON path in Shape.
type Param struct {
	Name, Value string
}

// String is "name=value".
func (p Param) String() string { return p.Name + "=" + p.Value }

// Params lists every field of s, in declaration order, named by its JSON
// path ("crash.every") with its value as text: what a run prints first and
// a failure file saves. A test keeps it in step with the struct.
func (s Shape) Params() []Param {
	var ps []Param
	add := func(name string, v any) {
		ps = append(ps, Param{name, paramText(v)})
	}
	add("budget", s.Budget)
	add("nodes", s.Nodes)
	add("latency", s.Latency)
	add("loss", s.Loss)
	add("duplicate", s.Duplicate)
	w := s.Workload
	add("workload.clients", w.Clients)
	add("workload.keys", w.Keys)
	add("workload.mix.get", w.Mix.Get)
	add("workload.mix.put", w.Mix.Put)
	add("workload.mix.append", w.Mix.Append)
	add("workload.mix.cas", w.Mix.CAS)
	add("workload.sessions", w.Sessions)
	add("workload.arrival", w.Arrival)
	add("workload.thinkMax", w.ThinkMax)
	add("workload.sticky", w.Sticky)
	add("workload.readAnywhere", w.ReadAnywhere)
	add("workload.reads", w.Reads)
	for _, f := range []struct {
		name string
		f    NodeFaultShape
	}{{"crash", s.Crash}, {"pause", s.Pause}} {
		add(f.name+".every", f.f.Every)
		add(f.name+".for", f.f.For)
		add(f.name+".leader", f.f.Leader)
		add(f.name+".undo", f.f.Undo)
	}
	c := s.Cuts
	add("cuts.every", c.Every)
	add("cuts.for", c.For)
	add("cuts.flapInterval", c.FlapInterval)
	add("cuts.weights.partition", c.Weights.Partition)
	add("cuts.weights.oneWay", c.Weights.OneWay)
	add("cuts.weights.isolate", c.Weights.Isolate)
	add("cuts.weights.isolateLeader", c.Weights.IsolateLeader)
	add("cuts.weights.split", c.Weights.Split)
	add("cuts.weights.bridge", c.Weights.Bridge)
	add("cuts.weights.flap", c.Weights.Flap)
	l := s.Links
	add("links.every", l.Every)
	add("links.for", l.For)
	add("links.weights.link", l.Weights.Link)
	add("links.weights.capacity", l.Weights.Capacity)
	add("links.weights.clog", l.Weights.Clog)
	add("links.latency", l.Latency)
	add("links.loss", l.Loss)
	add("links.duplicate", l.Duplicate)
	add("links.bytesPerSecond", l.BytesPerSecond)
	add("links.leader", l.Leader)
	add("links.clients", l.Clients)
	add("clock.every", s.Clock.Every)
	add("clock.skewMax", s.Clock.SkewMax)
	add("clock.jumpMax", s.Clock.JumpMax)
	add("clock.driftMaxPPM", s.Clock.DriftMaxPPM)
	d := s.Disk
	add("disk.every", d.Every)
	add("disk.for", d.For)
	add("disk.damaged", d.Damaged)
	for _, f := range diskRateFields {
		add("disk.rates."+f.name, *f.get(&d.Rates))
	}
	add("disk.rates.crashPolicy", d.Rates.CrashPolicy)
	add("disk.slow", d.Slow)
	add("membership.every", s.Membership.Every)
	add("membership.for", s.Membership.For)
	add("membership.transfer", s.Membership.Transfer)
	add("off", s.Off)
	return ps
}

// paramText formats one parameter: durations and ratios as they print,
// unset distributions and ratios as "unset", kinds as a list "[heal crash]".
func paramText(v any) string {
	switch v := v.(type) {
	case int:
		return strconv.Itoa(v)
	case int64:
		return strconv.FormatInt(v, 10)
	case sim.Ratio:
		if v == (sim.Ratio{}) {
			return "unset"
		}
	case sim.Dist:
		if v == (sim.Dist{}) {
			return "unset"
		}
	}
	return fmt.Sprint(v)
}
