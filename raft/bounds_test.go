package raft

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Contracts at their exact boundaries, which no campaign reaches: the
// largest configuration the quorum arithmetic supports, the clock-drift
// rule of Config.Validate, and configuration equality. Each case sits on
// one side of a bound, so that moving the bound by one fails a case.

// quorumValue supports exactly maxQuorumGroup voters (plus extra values)
// and refuses one more, whichever side the extra one is on.
func TestQuorumValueAtMaxGroup(t *testing.T) {
	members := func(n int) []NodeID {
		out := make([]NodeID, n)
		for i := range out {
			out[i] = NodeID(i + 1)
		}
		return out
	}
	value := func(id NodeID) uint64 { return uint64(id) }
	for _, c := range []struct {
		name    string
		members int
		extra   []uint64
		want    uint64 // the majority's value, when it does not panic
		panics  bool
	}{
		// 64 voters with values 1..64: a majority is 33, and 33 of them
		// have at least 32.
		{"exactly maxQuorumGroup voters", maxQuorumGroup, nil, 32, false},
		{"one voter fewer", maxQuorumGroup - 1, nil, 32, false},
		// 62 voters and two extra values counted without growing the
		// majority of 62, 32: 100, 100 and 62..33 are 32 values.
		{"maxQuorumGroup with the extra values", maxQuorumGroup - 2, []uint64{100, 100}, 33, false},
		{"one voter more", maxQuorumGroup + 1, nil, 0, true},
		{"one extra value more", maxQuorumGroup, []uint64{100}, 0, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			ms := members(c.members)
			if c.panics {
				assert.Panics(t, func() { quorumValue(ms, value, c.extra) })
				return
			}
			var got uint64
			require.NotPanics(t, func() { got = quorumValue(ms, value, c.extra) })
			assert.Equal(t, c.want, got)
		})
	}
}

// A lease needs MaxClockDrift below ElectionTimeoutMin, or no lease is
// left; ReadIndex never uses the drift, so any drift is accepted with it.
func TestValidateClockDriftOnlyBoundsLeases(t *testing.T) {
	min := DefaultConfig(1).ElectionTimeoutMin
	for _, c := range []struct {
		name  string
		mode  ReadMode
		drift time.Duration
		ok    bool
	}{
		{"read-index, drift past the timeout", ReadIndex, 2 * min, true},
		{"read-index, drift at the timeout", ReadIndex, min, true},
		{"lease, default drift", ReadLease, DefaultConfig(1).MaxClockDrift, true},
		{"lease, drift just under the timeout", ReadLease, min - time.Nanosecond, true},
		{"lease, drift at the timeout", ReadLease, min, false},
		{"lease, drift past the timeout", ReadLease, 2 * min, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := DefaultConfig(1)
			cfg.ReadMode, cfg.MaxClockDrift = c.mode, c.drift
			err := cfg.Validate()
			if c.ok {
				assert.NoError(t, err)
				return
			}
			assert.ErrorIs(t, err, ErrConfig)
			assert.ErrorContains(t, err, "MaxClockDrift")
		})
	}
}

// Two configurations are equal when both halves are: the voters, whether
// the configuration is joint, and the voters after consensus.
func TestMembershipEqual(t *testing.T) {
	for _, c := range []struct {
		name string
		a, b Membership
		want bool
	}{
		{"same voters", NewMembership(1, 2, 3), NewMembership(1, 2, 3), true},
		{"different voters", NewMembership(1, 2, 3), NewMembership(1, 2, 4), false},
		{"one voter more", NewMembership(1, 2, 3), NewMembership(1, 2, 3, 4), false},
		{"joint and simple, same voters", joint(ids(1, 2, 3), ids(1, 2)), NewMembership(1, 2, 3), false},
		{"simple and joint, same voters", NewMembership(1, 2, 3), joint(ids(1, 2, 3), ids(1, 2)), false},
		{"same joint", joint(ids(1, 2, 3), ids(2, 3, 4)), joint(ids(1, 2, 3), ids(2, 3, 4)), true},
		{"joint, different voters after", joint(ids(1, 2, 3), ids(2, 3, 4)), joint(ids(1, 2, 3), ids(2, 3, 5)), false},
		{"joint, different voters before", joint(ids(1, 2, 3), ids(2, 3, 4)), joint(ids(1, 2, 5), ids(2, 3, 4)), false},
		{"a clone", joint(ids(1, 2, 3), ids(2, 3, 4)), joint(ids(1, 2, 3), ids(2, 3, 4)).Clone(), true},
	} {
		t.Run(c.name, func(t *testing.T) {
			assert.Equal(t, c.want, c.a.Equal(c.b), "%v vs %v", c.a, c.b)
			assert.Equal(t, c.want, c.b.Equal(c.a), "symmetric: %v vs %v", c.b, c.a)
		})
	}
}
