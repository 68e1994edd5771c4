package harness

import (
	"cmp"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftsim/raftsim/checker"
)

// With one writer per key, a key's writes never overlap in real time, even
// with contention (more clients than keys) and crashes that keep commands
// pending across leader changes: the order of a key's writes is fixed,
// which is what makes the history decidable by construction. Values are
// unique, so each read names the write it saw.
func TestOneWriterPerKeyOrdersWritesInRealTime(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Duration = 3e9
	cfg.Workload.Clients, cfg.Workload.Keys = 7, 3
	cfg.Workload.Mix = Mix{Get: 1, Put: 1, Append: 3, CAS: 1}
	cfg.Crashes.Interval = 500e6
	require.Equal(t, 1, cfg.Workload.WritersPerKey, "the default")
	overlapsWithout := 0
	for _, res := range runSeeds(t, cfg, 1, 9) {
		require.True(t, res.Passed(), "seed %v: %v %s", res.Seed, res.Failure, res.Inconclusive)
		assert.Zero(t, writeOverlaps(res.History), "seed %v", res.Seed)
		assert.Equal(t, checker.Linearizable, res.Linearizability.Verdict)
		values := map[string]bool{}
		for _, op := range res.History.Ops {
			if op.Input.Kind != checker.OpGet {
				assert.False(t, values[op.Input.Key+"="+op.Input.Value], "value %q written twice", op.Input.Value)
				values[op.Input.Key+"="+op.Input.Value] = true
			}
		}
	}
	unbounded := cfg
	unbounded.Workload.WritersPerKey = 0
	unbounded.CheckLinearizability = false
	for _, res := range runSeeds(t, unbounded, 1, 9) {
		overlapsWithout += writeOverlaps(res.History)
	}
	assert.Positive(t, overlapsWithout, "without the bound the same workload has concurrent writes: the test can see them")
}

// writeOverlaps counts pairs of consecutive writes of a key whose intervals
// overlap (an open-ended write overlaps everything after its call).
func writeOverlaps(h checker.History) int {
	byKey := map[string][]checker.Operation{}
	for _, op := range h.Ops {
		if op.Input.Kind != checker.OpGet {
			byKey[op.Input.Key] = append(byKey[op.Input.Key], op)
		}
	}
	n := 0
	for _, ops := range byKey {
		slices.SortFunc(ops, func(a, b checker.Operation) int { return cmp.Compare(a.Call, b.Call) })
		for i := 1; i < len(ops); i++ {
			if ops[i-1].Return > ops[i].Call {
				n++
			}
		}
	}
	return n
}
