package faults

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/raftsim/raftsim/sim"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

// TestPlanJSONRoundTrips: every valid plan encodes, reads back equal, and
// is still valid.
func TestPlanJSONRoundTrips(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(3, 9).Draw(t, "nodes")
		p := genPlan(t, n)
		require.NoError(t, p.Validate(n))
		b, err := json.Marshal(p)
		require.NoError(t, err)
		var back Plan
		require.NoError(t, json.Unmarshal(b, &back), "%s", b)
		require.Equal(t, p, back, "%s", b)
		require.NoError(t, back.Validate(n))
	})
}

// TestStepJSONShape pins the wire form of each kind of step, as a person
// would write it.
func TestStepJSONShape(t *testing.T) {
	cases := []struct {
		step Step
		json string
	}{
		{Step{At: 1500 * time.Millisecond, Kind: Partition, Groups: [][]int{{1, 2}, {3, 4, 5}}},
			`{"at":"1.5s","kind":"partition","groups":[[1,2],[3,4,5]]}`},
		{Step{Kind: PartitionOneWay, From: []int{1}, To: []int{2, 3}},
			`{"at":"0s","kind":"partition-oneway","from":[1],"to":[2,3]}`},
		{Step{At: time.Second, Kind: Isolate, Node: Leader}, `{"at":"1s","kind":"isolate","node":"leader"}`},
		{Step{At: time.Second, Kind: Split}, `{"at":"1s","kind":"split"}`},
		{Step{At: time.Second, Kind: Bridge, Node: 3, Groups: [][]int{{1, 2}, {4, 5}}},
			`{"at":"1s","kind":"bridge","node":3,"groups":[[1,2],[4,5]]}`},
		{Step{At: time.Second, Kind: Flap, Groups: [][]int{{1}, {2, 3}}, Interval: 200 * time.Millisecond},
			`{"at":"1s","kind":"flap","groups":[[1],[2,3]],"interval":"200ms"}`},
		{Step{At: time.Second, Kind: Heal}, `{"at":"1s","kind":"heal"}`},
		{Step{At: time.Second, Kind: Link, Loss: sim.Percent(10), Latency: sim.UniformDist(time.Millisecond, 50*time.Millisecond)},
			`{"at":"1s","kind":"link","latency":{"kind":"uniform","min":"1ms","max":"50ms"},"loss":"10/100"}`},
		{Step{At: time.Second, Kind: Capacity, To: []int{2}}, `{"at":"1s","kind":"capacity","to":[2],"bytesPerSecond":0}`},
		{Step{At: time.Second, Kind: Clog, For: 300 * time.Millisecond}, `{"at":"1s","kind":"clog","for":"300ms"}`},
		{Step{At: time.Second, Kind: Restart, Node: AllNodes}, `{"at":"1s","kind":"restart","node":"all"}`},
		{Step{At: time.Second, Kind: ClockSkew, Node: 2}, `{"at":"1s","kind":"clock-skew","node":2,"offset":"0s"}`},
		{Step{At: time.Second, Kind: ClockDrift, Node: 2, PPM: -150}, `{"at":"1s","kind":"clock-drift","node":2,"ppm":-150}`},
		{Step{At: time.Second, Kind: DiskFaults, Node: 2, Disk: DiskRates{Corrupt: sim.OneIn(1000), CrashPolicy: CrashTear}},
			`{"at":"1s","kind":"disk-faults","node":2,"disk":{"corrupt":"1/1000","crashPolicy":"tear"}}`},
		{Step{At: time.Second, Kind: DiskFaults, Node: 2}, `{"at":"1s","kind":"disk-faults","node":2,"disk":{}}`},
		{Step{At: time.Second, Kind: TransferLeader, Node: AnyVoter}, `{"at":"1s","kind":"transfer-leader","node":"any"}`},
	}
	for _, c := range cases {
		b, err := json.Marshal(c.step)
		require.NoError(t, err)
		assert.Equal(t, c.json, string(b))
		var back Step
		require.NoError(t, json.Unmarshal(b, &back))
		assert.Equal(t, c.step, back, c.json)
	}
}

// TestLeaderAliases reads the shorthand kinds.
func TestLeaderAliases(t *testing.T) {
	for alias, kind := range map[string]Kind{"isolate-leader": Isolate, "crash-leader": Crash, "pause-leader": Pause} {
		var s Step
		require.NoError(t, json.Unmarshal([]byte(`{"at":"2s","kind":"`+alias+`"}`), &s))
		assert.Equal(t, Step{At: 2 * time.Second, Kind: kind, Node: Leader}, s)
	}
	var s Step
	require.NoError(t, json.Unmarshal([]byte(`{"at":"2s","kind":"crash-leader","for":"1s"}`), &s))
	assert.Equal(t, Step{At: 2 * time.Second, Kind: Crash, Node: Leader, For: time.Second}, s)
}

// TestPlanJSONErrors: decoding errors name the step, the field and what
// was wrong.
func TestPlanJSONErrors(t *testing.T) {
	cases := []struct{ in, want string }{
		{`{"steps":[{"at":"1s","kind":"heal","colour":"red"}]}`, `faults: plan: step 0 (at 1s, heal): json: unknown field "colour"`},
		{`{"stepz":[]}`, `faults: plan: json: unknown field "stepz"`},
		{`{"steps":[{"kind":"heal"}]}`, `step 0: field "at": missing (write "0s" for the start)`},
		{`{"steps":[{"at":"soon","kind":"heal"}]}`, `step 0: field "at": time: invalid duration "soon"`},
		{`{"steps":[{"at":1000,"kind":"heal"}]}`, `step 0: field "at": want a duration string such as "1.5s", got 1000`},
		{`{"steps":[{"at":"1s"}]}`, `step 0: field "kind": missing`},
		{`{"steps":[{"at":"1s","kind":7}]}`, `step 0: field "kind": want a string such as "partition", got 7`},
		{`{"steps":[{"at":"0s","kind":"heal"},{"at":"1s","kind":"explode"}]}`, `step 1: field "kind": faults: kind "explode": want one of partition, partition-oneway,`},
		{`{"steps":[{"at":"1s","kind":"partition"}]}`, `step 0 (at 1s, partition): field "groups": missing, and partition needs it`},
		{`{"steps":[{"at":"1s","kind":"partition","groups":[[1,"two"]]}]}`, `step 0 (at 1s, partition): field "groups": json: cannot unmarshal string`},
		{`{"steps":[{"at":"1s","kind":"crash"}]}`, `step 0 (at 1s, crash): field "node": missing, and crash needs it`},
		{`{"steps":[{"at":"1s","kind":"crash","node":"boss"}]}`, `step 0 (at 1s, crash): field "node": unknown node target "boss"`},
		{`{"steps":[{"at":"1s","kind":"crash","node":1.5}]}`, `step 0 (at 1s, crash): field "node": want a node ID such as 3`},
		{`{"steps":[{"at":"1s","kind":"crash-leader","node":2}]}`, `step 0 (at 1s, crash-leader): field "node": "crash-leader" already names the leader; write kind "crash" to name a node`},
		{`{"steps":[{"at":"1s","kind":"link","loss":"lots"}]}`, `step 0 (at 1s, link): field "loss": sim: ratio "lots"`},
		{`{"steps":[{"at":"1s","kind":"link","latency":{"kind":"uniform","min":"1ms"}}]}`, `step 0 (at 1s, link): field "latency": sim: latency: field "max": missing`},
		{`{"steps":[{"at":"1s","kind":"capacity"}]}`, `step 0 (at 1s, capacity): field "bytesPerSecond": missing, and capacity needs it`},
		{`{"steps":[{"at":"1s","kind":"clock-drift","node":1}]}`, `step 0 (at 1s, clock-drift): field "ppm": missing, and clock-drift needs it`},
		{`{"steps":[{"at":"1s","kind":"disk-faults","node":1,"disk":{"bitrot":"1/2"}}]}`, `step 0 (at 1s, disk-faults): field "disk": json: unknown field "bitrot"`},
		{`{"steps":[{"at":"1s","kind":"disk-faults","node":1,"disk":{"crashPolicy":"pray"}}]}`, `step 0 (at 1s, disk-faults): field "disk": unknown crash policy "pray"`},
	}
	for _, c := range cases {
		var p Plan
		err := json.Unmarshal([]byte(c.in), &p)
		require.Error(t, err, c.in)
		assert.True(t, errors.Is(err, ErrPlan), c.in)
		assert.Contains(t, err.Error(), c.want, c.in)
	}
}

// TestJSONKeepsOutOfPlaceFields: a field the kind does not use still reads
// back, so Validate (not the decoder) reports it.
func TestJSONKeepsOutOfPlaceFields(t *testing.T) {
	var p Plan
	require.NoError(t, json.Unmarshal([]byte(`{"steps":[{"at":"1s","kind":"heal","for":"2s"}]}`), &p))
	assert.EqualError(t, p.Validate(3),
		`faults: plan: step 0 (at 1s, heal): field "for" is not used by heal (it takes no parameters): invalid fault plan`)
	b, err := json.Marshal(p)
	require.NoError(t, err)
	assert.JSONEq(t, `{"steps":[{"at":"1s","kind":"heal","for":"2s"}]}`, string(b))
}

func TestPlanJSONEmptyAndNull(t *testing.T) {
	b, err := json.Marshal(Plan{})
	require.NoError(t, err)
	assert.Equal(t, `{"steps":[]}`, string(b))
	var p Plan
	require.NoError(t, json.Unmarshal(b, &p))
	assert.Nil(t, p.Steps)
	require.NoError(t, json.Unmarshal([]byte(`{}`), &p))
	require.NoError(t, json.Unmarshal([]byte(`null`), &p))

	_, err = json.Marshal(Step{Kind: kindEnd})
	assert.ErrorContains(t, err, "cannot encode unknown kind")
}
