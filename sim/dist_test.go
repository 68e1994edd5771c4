package sim

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

const ms = time.Millisecond

// validDist generates a valid distribution of any kind.
var validDist = rapid.Custom(func(t *rapid.T) Dist {
	span := func(label string) (time.Duration, time.Duration) {
		lo := time.Duration(rapid.Int64Range(0, int64(time.Hour)).Draw(t, label+"Min"))
		hi := lo + time.Duration(rapid.Int64Range(0, int64(time.Hour)).Draw(t, label+"Span"))
		return lo, hi
	}
	lo, hi := span("")
	switch rapid.IntRange(0, 3).Draw(t, "kind") {
	case 0:
		return FixedDist(lo)
	case 1:
		return UniformDist(lo, hi)
	case 2:
		return NormalishDist(lo, hi)
	}
	tailLo, tailHi := span("tail")
	return LongTailDist(lo, hi, validRatio.Draw(t, "tail"), tailLo, tailHi)
})

func TestDistSamplesWithinBounds(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		d := validDist.Draw(t, "d")
		require.NoError(t, d.Validate())
		seed := rapid.Uint64().Draw(t, "seed")
		r := NewRand(seed)
		v := d.Sample(r)
		require.Equal(t, advanced(seed, DistDraws).Uint64(), r.Uint64(), "%v did not draw exactly DistDraws values", d)
		require.LessOrEqual(t, v, d.MaxDelay())
		inBody := v >= d.Min && v <= d.Max
		inTail := d.Kind == LongTail && v >= d.TailMin && v <= d.TailMax
		require.True(t, inBody || inTail, "%v sampled %v", d, v)
		if d.Kind == Fixed {
			require.Equal(t, d.Min, v)
		}
	})
}

func TestDistEndpointsAreReachable(t *testing.T) {
	r := NewRand(5)
	for _, d := range []Dist{UniformDist(ms, ms+2), NormalishDist(0, 3)} {
		seen := map[time.Duration]int{}
		for i := 0; i < 20_000; i++ {
			seen[d.Sample(r)]++
		}
		assert.Contains(t, seen, d.Min, d.String())
		assert.Contains(t, seen, d.Max, d.String())
	}
}

func TestDistLongTail(t *testing.T) {
	r := NewRand(8)
	never := LongTailDist(ms, 2*ms, Never, time.Second, 2*time.Second)
	always := LongTailDist(ms, 2*ms, Always, time.Second, 2*time.Second)
	sometimes := LongTailDist(ms, 2*ms, Percent(10), time.Second, 2*time.Second)
	tails := 0
	for i := 0; i < 10_000; i++ {
		require.LessOrEqual(t, never.Sample(r), 2*ms)
		require.GreaterOrEqual(t, always.Sample(r), time.Second)
		if sometimes.Sample(r) >= time.Second {
			tails++
		}
	}
	assert.InDelta(t, 1000, tails, 200)
	assert.Equal(t, 2*time.Second, always.MaxDelay())
	assert.Equal(t, 2*ms, never.MaxDelay(), "a tail that never happens does not count")
}

func TestDistNormalishIsBellShaped(t *testing.T) {
	r := NewRand(9)
	d := NormalishDist(0, 1000*ms)
	var sum time.Duration
	middle := 0
	const n = 20_000
	for i := 0; i < n; i++ {
		v := d.Sample(r)
		sum += v
		if v >= 250*ms && v <= 750*ms {
			middle++
		}
	}
	assert.InDelta(t, float64(500*ms), float64(sum/n), float64(10*ms))
	// Irwin-Hall(4) puts about 83% in the middle half; uniform would put 50%.
	assert.Greater(t, middle, n*3/4)
}

func TestDistValidate(t *testing.T) {
	for _, d := range []Dist{FixedDist(0), FixedDist(ms), UniformDist(ms, ms), NormalishDist(0, ms),
		LongTailDist(ms, 5*ms, OneIn(100), 50*ms, 200*ms)} {
		assert.NoError(t, d.Validate(), d.String())
	}
	bad := map[string]Dist{
		"kind is unset":                 {},
		"unknown kind 9":                {Kind: 9},
		"min -1ms is negative":          UniformDist(-ms, ms),
		"max 1ms differs from min 2ms":  {Kind: Fixed, Min: 2 * ms, Max: ms},
		"max 1ms is below min 2ms":      UniformDist(2*ms, ms),
		"only longtail uses them":       {Kind: Uniform, Max: ms, Tail: OneIn(2)},
		"tail 0/0: denominator is zero": LongTailDist(0, ms, Ratio{}, 0, ms),
		"tail 3/2: numerator exceeds":   LongTailDist(0, ms, Ratio{3, 2}, 0, ms),
		"tailMin -1ms is negative":      LongTailDist(0, ms, Always, -ms, ms),
		"tailMax 1ms is below tailMin":  LongTailDist(0, ms, Always, 2*ms, ms),
	}
	for why, d := range bad {
		err := d.Validate()
		require.Error(t, err, why)
		assert.True(t, errors.Is(err, ErrDist), why)
		assert.Contains(t, err.Error(), why)
	}
}

func TestDistString(t *testing.T) {
	assert.Equal(t, "fixed(1ms)", FixedDist(ms).String())
	assert.Equal(t, "uniform(1ms..5ms)", UniformDist(ms, 5*ms).String())
	assert.Equal(t, "normalish(1ms..5ms)", NormalishDist(ms, 5*ms).String())
	assert.Equal(t, "longtail(1ms..5ms, 1/100 -> 50ms..200ms)",
		LongTailDist(ms, 5*ms, OneIn(100), 50*ms, 200*ms).String())
}

func TestDistJSON(t *testing.T) {
	cases := map[string]Dist{
		`{"kind":"fixed","min":"1ms"}`:                                                                  FixedDist(ms),
		`{"kind":"uniform","min":"1ms","max":"5ms"}`:                                                    UniformDist(ms, 5*ms),
		`{"kind":"normalish","min":"0s","max":"1.5s"}`:                                                  NormalishDist(0, 1500*ms),
		`{"kind":"longtail","min":"1ms","max":"5ms","tail":"1/100","tailMin":"50ms","tailMax":"200ms"}`: LongTailDist(ms, 5*ms, OneIn(100), 50*ms, 200*ms),
	}
	for text, d := range cases {
		b, err := json.Marshal(d)
		require.NoError(t, err)
		assert.JSONEq(t, text, string(b))
		var back Dist
		require.NoError(t, json.Unmarshal([]byte(text), &back), text)
		assert.Equal(t, d, back)
	}
	// Every Dist round-trips, valid or not.
	rapid.Check(t, func(t *rapid.T) {
		d := Dist{
			Kind:    DistKind(rapid.IntRange(0, 4).Draw(t, "kind")),
			Min:     time.Duration(rapid.Int64().Draw(t, "min")),
			Max:     time.Duration(rapid.Int64().Draw(t, "max")),
			Tail:    Ratio{rapid.Uint32().Draw(t, "num"), rapid.Uint32().Draw(t, "den")},
			TailMin: time.Duration(rapid.Int64().Draw(t, "tailMin")),
			TailMax: time.Duration(rapid.Int64().Draw(t, "tailMax")),
		}
		if rapid.Bool().Draw(t, "valid") {
			d = validDist.Draw(t, "d")
		}
		b, err := json.Marshal(d)
		require.NoError(t, err)
		var back Dist
		require.NoError(t, json.Unmarshal(b, &back), string(b))
		require.Equal(t, d, back, string(b))
	})
}

func TestDistJSONErrorsNameTheField(t *testing.T) {
	bad := map[string]string{
		`{"kind":"gaussian","min":"1ms"}`:                  `field "kind": unknown kind "gaussian"`,
		`{"kind":3}`:                                       `field "kind": want a string`,
		`{"min":"1ms"}`:                                    `field "kind": missing`,
		`{"kind":"uniform","min":1000,"max":"5ms"}`:        `field "min": want a duration string`,
		`{"kind":"uniform","min":"1ms","max":"5 ms"}`:      `field "max": time: unknown unit`,
		`{"kind":"uniform","min":"1ms"}`:                   `field "max": missing, and uniform needs it`,
		`{"kind":"uniform","min":"1ms","max":"2ms","x":1}`: `unknown field "x"`,
		`{"kind":"longtail","min":"1ms","max":"2ms","tail":"1/100","tailMin":"1s"}`:                `field "tailMax": missing`,
		`{"kind":"longtail","min":"1ms","max":"2ms","tail":"often","tailMin":"1s","tailMax":"2s"}`: `field "tail"`,
		`{"kind":"longtail","min":"1ms","max":"2ms","tail":0.01,"tailMin":"1s","tailMax":"2s"}`:    `field "tail"`,
		`[1]`: `sim: latency`,
	}
	for text, why := range bad {
		var d Dist
		err := json.Unmarshal([]byte(text), &d)
		require.Error(t, err, text)
		assert.True(t, errors.Is(err, ErrDist), "%s: %v", text, err)
		assert.Contains(t, err.Error(), why, text)
	}
	// null leaves the value alone, as encoding/json does for other types.
	d := FixedDist(ms)
	require.NoError(t, json.Unmarshal([]byte(`null`), &d))
	assert.Equal(t, FixedDist(ms), d)
}
