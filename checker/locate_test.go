package checker

import (
	"fmt"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

// requireLocated checks what Locate promises: the set is the key's own
// operations, still illegal, and without any one of them either
// linearizable or no longer closed (a read its writes do not explain).
func requireLocated(t require.TestingT, h History, loc Located) {
	require.True(t, loc.Minimal, "minimal within the budget")
	require.NotEmpty(t, loc.Ops)
	keyOps := h.Resolve(nil).Ops
	for _, op := range loc.Ops {
		require.Equal(t, loc.Key, op.Input.Key)
		require.True(t, slices.Contains(keyOps, op), "%v is one of the history's operations", op)
	}
	require.Equal(t, NotLinearizable, CheckLinearizable(History{Ops: loc.Ops}, Limit{}).Verdict, "the set is illegal")
	for i := range loc.Ops {
		rest := slices.Delete(slices.Clone(loc.Ops), i, i+1)
		if len(unexplained(rest)) > len(unexplained(loc.Ops)) {
			continue
		}
		require.Equal(t, Linearizable, CheckLinearizable(History{Ops: rest}, Limit{}).Verdict,
			"without %v the rest is linearizable", loc.Ops[i])
	}
}

func TestLocateAStaleRead(t *testing.T) {
	var b builder
	b.ok(0, put("x", "1"), 0, 10, Output{})
	b.ok(1, get("x"), 20, 30, read("1"))
	b.ok(2, get("y"), 21, 31, read(""))
	b.ok(0, put("y", "2"), 40, 50, Output{})
	b.ok(1, get("x"), 60, 70, read("")) // stale: x was 1 since 10
	b.ok(2, appendTo("x", "a"), 80, 90, Output{})
	b.ok(0, get("x"), 100, 110, read("1a"))
	h := b.history()
	loc, err := Locate(h, "x", LocateOptions{})
	require.NoError(t, err)
	requireLocated(t, h, loc)
	assert.Equal(t, 5, loc.KeyOps)
	// The write and the stale read suffice: put x=1 returned before the
	// read that saw nothing was called.
	require.Len(t, loc.Ops, 2, "%v", loc.Ops)
	assert.Equal(t, put("x", "1"), loc.Ops[0].Input)
	assert.Equal(t, read(""), loc.Ops[1].Output)
}

func TestExplained(t *testing.T) {
	assert.True(t, buildable("", nil, nil))
	assert.True(t, buildable("1a;b;", []string{"1"}, []string{"b;", "a;"}))
	assert.True(t, buildable("a;a;", nil, []string{"a;"}), "from the initial value")
	assert.False(t, buildable("1a", []string{"2"}, []string{"a"}))
	assert.False(t, buildable("x1", []string{"1"}, nil))
	var b builder
	b.ok(0, put("x", "1"), 0, 10, Output{})
	b.ok(1, get("x"), 20, 30, read("1"))
	assert.Empty(t, unexplained(b.history().Ops))
	assert.Len(t, unexplained(b.history().Ops[1:]), 1, "a read of 1 without the put")
}

func TestLocateRefusesALinearizableKey(t *testing.T) {
	h, _ := genConcurrent(7, 60, 2, 4, 0)
	_, err := Locate(h, "k0", LocateOptions{})
	require.ErrorIs(t, err, ErrNotIllegal)
}

func TestLocateStopsAtItsBudget(t *testing.T) {
	h := corrupted(3, 200)
	loc, err := Locate(h, "k0", LocateOptions{MaxChecks: 3})
	require.NoError(t, err)
	assert.False(t, loc.Minimal)
	assert.LessOrEqual(t, loc.Checks, 3)
	assert.Equal(t, NotLinearizable, CheckLinearizable(History{Ops: loc.Ops}, Limit{}).Verdict, "what it has is still illegal")
}

// corrupted is a linearizable history of one key with one read's output
// replaced: by a value from nowhere, by the initial "", or by another
// value written to the key (a stale or early read). Usually illegal.
func corrupted(seed uint64, n int) History {
	h, _ := genConcurrent(seed, n, 1, 4, 10)
	rng := &splitmix{s: seed}
	var reads []int
	for i, op := range h.Ops {
		if op.Input.Kind == OpGet && op.Outcome == OutcomeOK && op.Output.Value != "" {
			reads = append(reads, i)
		}
	}
	if len(reads) == 0 {
		return h
	}
	i := reads[rng.intn(len(reads))]
	var written []string
	for _, op := range h.Ops {
		if op.Input.Kind == OpPut {
			written = append(written, op.Input.Value)
		}
	}
	switch n := rng.intn(4); {
	case n == 0:
		h.Ops[i].Output.Value = fmt.Sprintf("never-%d", rng.intn(3))
	case n == 1 || len(written) == 0:
		h.Ops[i].Output.Value = ""
	default:
		h.Ops[i].Output.Value = written[rng.intn(len(written))]
	}
	return h
}

// Locate on random illegal histories: the located set is always minimal,
// and Locate is deterministic.
func TestLocateIsMinimal(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		seed := rapid.Uint64().Draw(t, "seed")
		h := corrupted(seed, rapid.IntRange(5, 80).Draw(t, "ops"))
		if CheckLinearizable(h, Limit{}).Verdict != NotLinearizable {
			t.Skip("the corruption happens to be linearizable")
		}
		loc, err := Locate(h, "k0", LocateOptions{})
		require.NoError(t, err)
		requireLocated(t, h, loc)
		again, err := Locate(h, "k0", LocateOptions{})
		require.NoError(t, err)
		require.Equal(t, loc, again)
	})
}
