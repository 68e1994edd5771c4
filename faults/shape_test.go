package faults

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/raftsim/raftsim/sim"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

// leafPaths lists the JSON paths of every leaf field of t, in declaration
// order. Types that encode themselves (Dist, Ratio, DiskRates' parts) are
// leaves; other structs are walked.
func leafPaths(t reflect.Type, prefix string) []string {
	var out []string
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" {
			panic("field " + f.Name + " has no JSON name")
		}
		path := prefix + name
		ft := f.Type
		leaf := ft.Kind() != reflect.Struct ||
			ft == reflect.TypeFor[sim.Dist]() || ft == reflect.TypeFor[sim.Ratio]()
		if leaf {
			out = append(out, path)
		} else {
			out = append(out, leafPaths(ft, path+".")...)
		}
	}
	return out
}

// TestParamsCoverEveryField: Params names every leaf of Shape by its JSON
// path, in declaration order, so a new field cannot be left out of what a
// run prints and a failure file saves.
func TestParamsCoverEveryField(t *testing.T) {
	want := leafPaths(reflect.TypeFor[Shape](), "")
	shape := DrawShape(sim.NewRand(42), DefaultLimits())
	var got []string
	for _, p := range shape.Params() {
		got = append(got, p.Name)
		assert.NotEmpty(t, p.Value, p.Name)
	}
	assert.Equal(t, want, got)
	assert.Contains(t, want, "disk.rates.crashPolicy")
	assert.Contains(t, want, "workload.mix.cas")
}

// TestParamsShowValues: values print as people read them.
func TestParamsShowValues(t *testing.T) {
	s := Shape{Nodes: 5, Latency: sim.UniformDist(time.Millisecond, 5*time.Millisecond), Loss: sim.Percent(1),
		Off: []Kind{Heal, DiskFaults}, Crash: NodeFaultShape{Every: 1500 * time.Millisecond}}
	values := map[string]string{}
	for _, p := range s.Params() {
		values[p.Name] = p.Value
	}
	assert.Equal(t, "survivable", values["budget"])
	assert.Equal(t, "5", values["nodes"])
	assert.Equal(t, "uniform(1ms..5ms)", values["latency"])
	assert.Equal(t, "1/100", values["loss"])
	assert.Equal(t, "unset", values["duplicate"])
	assert.Equal(t, "1.5s", values["crash.every"])
	assert.Equal(t, "unset", values["disk.slow"])
	assert.Equal(t, "default", values["disk.rates.crashPolicy"])
	assert.Equal(t, "[heal disk-faults]", values["off"])
	assert.Equal(t, "nodes=5", Param{"nodes", "5"}.String())
}

// TestShapeJSONRoundTrips: drawn shapes save and read back exactly.
func TestShapeJSONRoundTrips(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		limits := DefaultLimits()
		if rapid.Bool().Draw(t, "vary") {
			limits = genLimits.Draw(t, "limits")
		}
		shape := DrawShape(sim.NewRand(rapid.Uint64().Draw(t, "seed")), limits)
		b, err := json.Marshal(shape)
		require.NoError(t, err)
		var back Shape
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		require.NoError(t, dec.Decode(&back), "%s", b)
		if len(shape.Off) == 0 {
			back.Off = shape.Off // nil and [] read the same
		}
		require.Equal(t, shape, back, "%s", b)
		require.NoError(t, back.Validate())

		lb, err := json.Marshal(limits)
		require.NoError(t, err)
		var lback ShapeLimits
		require.NoError(t, json.Unmarshal(lb, &lback))
		if len(limits.Off) == 0 {
			lback.Off = limits.Off
		}
		require.Equal(t, limits, lback)
	})
}

func TestShapeValidate(t *testing.T) {
	good := func() Shape {
		return Shape{
			Nodes: 5, Latency: sim.FixedDist(time.Millisecond), Loss: sim.Never, Duplicate: sim.Never,
			Workload: Workload{Clients: 1, Keys: 1, Mix: Mix{Put: 1}},
		}
	}
	require.NoError(t, good().Validate())
	cases := []struct {
		edit func(*Shape)
		want string
	}{
		{func(s *Shape) { s.Budget = 5 }, "budget 5: unknown"},
		{func(s *Shape) { s.Nodes = 10 }, "nodes 10: want 1 to 9"},
		{func(s *Shape) { s.Latency = sim.Dist{} }, "latency: sim: latency unset"},
		{func(s *Shape) { s.Loss = sim.Ratio{} }, "loss: sim: ratio 0/0"},
		{func(s *Shape) { s.Workload.Keys = 0 }, "workload.keys 0: want at least 1"},
		{func(s *Shape) { s.Workload.Mix = Mix{} }, "workload.mix {Get:0 Put:0 Append:0 CAS:0}: weights must add up to more than 0"},
		{func(s *Shape) { s.Workload.Mix.Get = -1 }, "weights must not be negative"},
		{func(s *Shape) { s.Workload.Clients = -1 }, "workload.clients -1"},
		{func(s *Shape) { s.Workload.Sessions = 1 }, "workload.sessions 1: want 0 (closed-loop) or 2 to 64"},
		{func(s *Shape) { s.Workload.Sessions = 2 }, "workload.arrival 0s: must be positive when workload.sessions is set"},
		{func(s *Shape) { s.Workload.Arrival = ms }, "workload.arrival 1ms: set only with workload.sessions"},
		{func(s *Shape) { s.Workload.Sticky = -1 }, "workload.sticky -1: want 0 to 100"},
		{func(s *Shape) { s.Workload.ThinkMax = -1 }, "workload.thinkMax -1ns: must not be negative"},
		{func(s *Shape) { s.Workload.Reads = 9 }, "workload.reads 9: unknown"},
		{func(s *Shape) { s.Workload.ReadAnywhere = sim.Ratio{Num: 2, Den: 1} }, "workload.readAnywhere: sim: ratio 2/1"},
		{func(s *Shape) { s.Crash = NodeFaultShape{Every: time.Second} }, "crash.for 0s: must be positive when crash.every is set"},
		{func(s *Shape) { s.Pause = NodeFaultShape{Every: time.Second, For: time.Second, Leader: sim.Never} }, "pause.undo: sim: ratio 0/0"},
		{func(s *Shape) { s.Pause = NodeFaultShape{Every: -1} }, "pause.every -1ns: must not be negative (0 is off)"},
		{func(s *Shape) { s.Cuts = CutShape{Every: time.Second, For: time.Second} }, "cuts.weights {Partition:0 OneWay:0 Isolate:0 IsolateLeader:0 Split:0 Bridge:0 Flap:0}: all zero"},
		{func(s *Shape) { s.Cuts = CutShape{Every: time.Second, For: time.Second, Weights: CutWeights{Flap: 1}} }, "cuts.flapInterval 0s: must be positive when flaps are on"},
		{func(s *Shape) {
			s.Cuts = CutShape{Every: time.Second, For: time.Second, Weights: CutWeights{Split: -1, Bridge: 2}}
		}, "must not be negative"},
		{func(s *Shape) { s.Links = LinkShape{Every: time.Second, For: time.Second} }, "links.weights {Link:0 Capacity:0 Clog:0}: all zero"},
		{func(s *Shape) {
			s.Links = LinkShape{Every: time.Second, For: time.Second, Weights: LinkWeights{Capacity: 1}}
		}, "links.bytesPerSecond 0: must be positive"},
		{func(s *Shape) {
			s.Links = LinkShape{Every: time.Second, For: time.Second, Weights: LinkWeights{Link: 1}}
		}, "links.weights.link is set but links.latency, loss and duplicate are all unset"},
		{func(s *Shape) {
			s.Links = LinkShape{Every: time.Second, For: time.Second, Weights: LinkWeights{Link: 1}, Loss: sim.Ratio{Num: 2, Den: 1}}
		}, "links.loss: sim: ratio 2/1"},
		{func(s *Shape) { s.Clock = ClockShape{Every: time.Second} }, "clock.every is set but skewMax, jumpMax and driftMaxPPM are all 0"},
		{func(s *Shape) { s.Clock = ClockShape{Every: time.Second, DriftMaxPPM: MaxDriftPPM + 1} }, "clock.driftMaxPPM 500001: at most 500000"},
		{func(s *Shape) { s.Clock = ClockShape{Every: time.Second, SkewMax: -1} }, "maxima must not be negative"},
		{func(s *Shape) { s.Disk = DiskShape{Every: time.Second, For: time.Second} }, "disk.every is set but no rate is set and disk.slow is unset"},
		{func(s *Shape) {
			s.Disk = DiskShape{Every: time.Second, For: time.Second, Rates: DiskRates{LostWrite: sim.OneIn(9)}}
		}, "disk.rates: lostWrite and misdirectedWrite are outside the survivable budget"},
		{func(s *Shape) {
			s.Disk = DiskShape{Every: time.Second, For: time.Second, Damaged: 3, Rates: DiskRates{Corrupt: sim.OneIn(9)}}
		}, "disk.damaged 3: the survivable budget allows a minority, at most 2 of 5"},
		{func(s *Shape) {
			s.Disk = DiskShape{Every: time.Second, For: time.Second, Damaged: 6, Rates: DiskRates{Corrupt: sim.OneIn(9)}}
		}, "disk.damaged 6: want 0 to 5"},
		{func(s *Shape) {
			s.Disk = DiskShape{Every: time.Second, For: time.Second, Slow: sim.Dist{Kind: sim.Fixed, Max: 1}}
		}, "disk.slow: sim: latency"},
		{func(s *Shape) {
			s.Disk = DiskShape{Every: time.Second, For: time.Second, Rates: DiskRates{Corrupt: sim.Ratio{Num: 1}}}
		}, "disk.rates: disk.corrupt 1/0"},
		{func(s *Shape) { s.Membership = MemberShape{Every: time.Second, For: time.Second} }, "membership.transfer: sim: ratio 0/0"},
		{func(s *Shape) { s.Off = []Kind{0} }, "off: unknown kind 0"},
	}
	for _, c := range cases {
		s := good()
		c.edit(&s)
		err := s.Validate()
		require.Error(t, err, c.want)
		assert.True(t, errors.Is(err, ErrShape))
		assert.True(t, strings.HasPrefix(err.Error(), "faults: shape: "), err.Error())
		assert.Contains(t, err.Error(), c.want)
	}
	unbounded := good()
	unbounded.Budget = Unbounded
	unbounded.Disk = DiskShape{Every: time.Second, For: time.Second, Damaged: 5, Rates: DiskRates{LostWrite: sim.OneIn(9), Corrupt: sim.OneIn(9)}}
	assert.NoError(t, unbounded.Validate())
}

func TestShapeLimitsValidate(t *testing.T) {
	require.NoError(t, DefaultLimits().Validate())
	cases := []struct {
		edit func(*ShapeLimits)
		want string
	}{
		{func(l *ShapeLimits) { l.Budget = 3 }, "budget 3: unknown"},
		{func(l *ShapeLimits) { l.NodesMin = 8 }, "nodesMin 8, nodesMax 7: want 1 <= min <= max <= 9"},
		{func(l *ShapeLimits) { l.NodesMax = 10 }, "nodesMin 3, nodesMax 10"},
		{func(l *ShapeLimits) { l.LatencyMax = 0 }, "latencyMax 0s: want at least 1µs"},
		{func(l *ShapeLimits) { l.KeysMax = 0 }, "clientsMax 8, keysMax 0: want at least 1"},
		{func(l *ShapeLimits) { l.DriftMaxPPM = -1 }, "driftMaxPPM -1: want 0 to 500000"},
		{func(l *ShapeLimits) { l.Off = []Kind{Heal, 200} }, "off: unknown kind 200"},
	}
	for _, c := range cases {
		l := DefaultLimits()
		c.edit(&l)
		err := l.Validate()
		assert.ErrorIs(t, err, ErrShape)
		assert.ErrorContains(t, err, "faults: shape limits: "+c.want)
	}
}

// TestOffKindsSwitchFamiliesOff: a family whose kinds are all off prints
// as off, and undo kinds that are off fall back as documented.
func TestOffKindsSwitchFamiliesOff(t *testing.T) {
	limits := DefaultLimits()
	limits.Off = []Kind{Crash, Pause, Partition, PartitionOneWay, Isolate, Split, Bridge, Flap,
		Link, Capacity, Clog, ClockSkew, ClockJump, ClockDrift, DiskFaults, DiskSlow, RemoveMember, TransferLeader}
	for seed := range uint64(50) {
		s := DrawShape(sim.NewRand(seed), limits)
		assert.Zero(t, s.Crash)
		assert.Zero(t, s.Pause)
		assert.Zero(t, s.Cuts)
		assert.Zero(t, s.Links)
		assert.Zero(t, s.Clock)
		assert.Zero(t, s.Disk.Every)
		assert.Zero(t, s.Membership)
		assert.Empty(t, s.DrawPlan(sim.NewRand(seed), 30*time.Second).Steps)
	}
	limits.Off = []Kind{Restart, Resume, RemoveMember}
	for seed := range uint64(50) {
		s := DrawShape(sim.NewRand(seed), limits)
		if s.Crash.Every > 0 {
			assert.Equal(t, sim.Never, s.Crash.Undo)
		}
		if s.Pause.Every > 0 {
			assert.Equal(t, sim.Never, s.Pause.Undo)
		}
		if s.Membership.Every > 0 {
			assert.Equal(t, sim.Always, s.Membership.Transfer)
		}
	}
}
