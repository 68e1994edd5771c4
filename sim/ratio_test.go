package sim

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

func TestParseRatio(t *testing.T) {
	ok := map[string]Ratio{
		"3/100":                 {3, 100},
		" 1 / 2 ":               {1, 2},
		"2/4":                   {2, 4}, // kept as written
		"5%":                    {5, 100},
		"100%":                  {100, 100},
		"0":                     Never,
		"1":                     Always,
		"0/7":                   {0, 7},
		"4294967295/4294967295": {4294967295, 4294967295},
	}
	for in, want := range ok {
		got, err := ParseRatio(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	bad := map[string]string{
		"":             "empty",
		"1/0":          "denominator is zero",
		"0/0":          "the zero Ratio is unset",
		"3/2":          "numerator exceeds denominator",
		"101%":         "numerator exceeds denominator",
		"0.5%":         "whole percentage",
		"0.5":          `want "num/den"`,
		"5":            `want "num/den"`,
		"x/2":          "numerator",
		"-1/2":         "numerator",
		"1/2/3":        "denominator",
		"1/x":          "denominator",
		"4294967296/1": "numerator",
	}
	for in, why := range bad {
		_, err := ParseRatio(in)
		require.Error(t, err, in)
		assert.True(t, errors.Is(err, ErrRatio), in)
		assert.Contains(t, err.Error(), why, in)
	}
}

func TestRatioValidate(t *testing.T) {
	assert.NoError(t, Never.Validate())
	assert.NoError(t, Always.Validate())
	assert.NoError(t, Percent(100).Validate())
	assert.NoError(t, OneIn(1000).Validate())

	err := Ratio{}.Validate()
	assert.ErrorIs(t, err, ErrRatio)
	assert.Contains(t, err.Error(), "ratio 0/0: denominator is zero")
	assert.Contains(t, err.Error(), "sim.Never")
	assert.ErrorContains(t, Ratio{Num: 5}.Validate(), "ratio 5/0: denominator is zero")
	assert.ErrorContains(t, Ratio{Num: 5, Den: 4}.Validate(), "ratio 5/4: numerator exceeds denominator")

	assert.Contains(t, panicMessage(t, func() { Percent(101) }), "Percent(101)")
	assert.Contains(t, panicMessage(t, func() { OneIn(0) }), "OneIn(0)")
	assert.True(t, Never.IsZero())
	assert.True(t, Ratio{}.IsZero())
	assert.False(t, OneIn(3).IsZero())
}

// validRatio generates any valid ratio, leaning toward small denominators.
var validRatio = rapid.Custom(func(t *rapid.T) Ratio {
	den := rapid.OneOf(rapid.Uint32Range(1, 1000), rapid.Uint32Min(1)).Draw(t, "den")
	return Ratio{Num: rapid.Uint32Range(0, den).Draw(t, "num"), Den: den}
})

func TestRatioRoundTrips(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		r := validRatio.Draw(t, "r")
		back, err := ParseRatio(r.String())
		require.NoError(t, err)
		require.Equal(t, r, back)

		b, err := json.Marshal(struct{ P Ratio }{r})
		require.NoError(t, err)
		require.JSONEq(t, `{"P":"`+r.String()+`"}`, string(b))
		var got struct{ P Ratio }
		require.NoError(t, json.Unmarshal(b, &got))
		require.Equal(t, r, got.P)
	})
	// Invalid values still round-trip through JSON; Validate judges them.
	rapid.Check(t, func(t *rapid.T) {
		r := Ratio{Num: rapid.Uint32().Draw(t, "num"), Den: rapid.Uint32().Draw(t, "den")}
		b, err := json.Marshal(r)
		require.NoError(t, err)
		var back Ratio
		require.NoError(t, json.Unmarshal(b, &back))
		require.Equal(t, r, back)
	})
	var r Ratio
	require.NoError(t, json.Unmarshal([]byte(`"5%"`), &r))
	assert.Equal(t, Percent(5), r)
	assert.ErrorIs(t, json.Unmarshal([]byte(`"half"`), &r), ErrRatio)
}

func TestChanceFrequency(t *testing.T) {
	r := NewRand(11)
	hits := 0
	for i := 0; i < 100_000; i++ {
		if r.Chance(Percent(30)) {
			hits++
		}
	}
	// Expect 30000, standard deviation about 145.
	assert.InDelta(t, 30_000, hits, 1_000)

	for i := 0; i < 10_000; i++ {
		require.False(t, r.Chance(Never))
		require.False(t, r.Chance(Ratio{Num: 0, Den: 12345}))
		require.True(t, r.Chance(Always))
		require.True(t, r.Chance(Ratio{Num: 77, Den: 77}))
	}
}

// Chance draws exactly one value whatever the ratio, and equal fractions
// decide identically.
func TestChanceDrawsOnce(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		seed := rapid.Uint64().Draw(t, "seed")
		p := validRatio.Draw(t, "p")
		r := NewRand(seed)
		got := r.Chance(p)
		require.Equal(t, advanced(seed, 1).Uint64(), r.Uint64(), "Chance(%v) drew more than once", p)

		k := rapid.Uint32Range(1, 1000).Draw(t, "k")
		if uint64(p.Den)*uint64(k) <= 1<<32-1 {
			scaled := Ratio{Num: p.Num * k, Den: p.Den * k}
			require.Equal(t, got, NewRand(seed).Chance(scaled), "%v and %v decide differently", p, scaled)
		}
	})
}
