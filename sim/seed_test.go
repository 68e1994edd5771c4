package sim

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSeedStreamsAreNamed(t *testing.T) {
	s := Seed(42)
	assert.NotEqual(t, s.Stream("network").Uint64(), s.Stream("clients").Uint64())
	assert.Equal(t, s.Stream("network").Uint64(), s.Stream("network").Uint64())
	assert.NotEqual(t, s.Stream("network").Uint64(), Seed(43).Stream("network").Uint64())
	assert.Equal(t, NewRand(uint64(s.Derive("disk/2"))).Uint64(), s.Stream("disk/2").Uint64())

	// Many similar names all get distinct seeds.
	seen := map[Seed]string{}
	for i := 0; i < 1000; i++ {
		name := fmt.Sprintf("node/%d/timeouts", i)
		d := s.Derive(name)
		prev, dup := seen[d]
		require.False(t, dup, "%s and %s derive the same seed", prev, name)
		seen[d] = name
	}
}

// Pinned: changing the derivation invalidates every saved failure file.
func TestSeedDeriveGolden(t *testing.T) {
	assert.Equal(t, Seed(18154443593216555637), Seed(1).Derive("network"))
	assert.Equal(t, Seed(5717570804541960378), Seed(42).Derive("node/3/timeouts"))
	assert.Equal(t, Seed(12591593934349417548), Seed(0).Derive(""))
}

func TestParseSeed(t *testing.T) {
	ok := map[string]Seed{
		"0":                    0,
		"42":                   42,
		"0x2a":                 42,
		"0X2A":                 42,
		"18446744073709551615": 18446744073709551615,
		"0xffffffffffffffff":   18446744073709551615,
	}
	for in, want := range ok {
		got, err := ParseSeed(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	bad := map[string]string{
		"":                     "empty",
		"-1":                   "want a decimal or 0x-hex",
		"abc":                  "want a decimal or 0x-hex",
		"0x":                   "want a decimal or 0x-hex",
		"1.5":                  "want a decimal or 0x-hex",
		" 42":                  "want a decimal or 0x-hex",
		"18446744073709551616": "out of range",
		"0x1ffffffffffffffff":  "out of range",
	}
	for in, why := range bad {
		_, err := ParseSeed(in)
		require.Error(t, err, in)
		assert.True(t, errors.Is(err, ErrSeed), in)
		assert.Contains(t, err.Error(), why, in)
		assert.Contains(t, err.Error(), fmt.Sprintf("%q", in), in)
	}
}

func TestSeedText(t *testing.T) {
	s := Seed(18446744073709551615)
	assert.Equal(t, "18446744073709551615", s.String())
	b, err := json.Marshal(struct{ Seed Seed }{s})
	require.NoError(t, err)
	assert.JSONEq(t, `{"Seed":"18446744073709551615"}`, string(b))
	var back struct{ Seed Seed }
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Equal(t, s, back.Seed)
	assert.ErrorIs(t, json.Unmarshal([]byte(`{"Seed":"nope"}`), &back), ErrSeed)
}
