package checker

import (
	"bytes"
	"cmp"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/anishathalye/porcupine"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

func TestVerdict(t *testing.T) {
	assert.Equal(t, "ok", Linearizable.String())
	assert.Equal(t, "illegal", NotLinearizable.String())
	assert.Equal(t, "inconclusive", Inconclusive.String())
	for _, v := range []Verdict{Linearizable, NotLinearizable, Inconclusive} {
		back, err := ParseVerdict(v.String())
		require.NoError(t, err)
		assert.Equal(t, v, back)
	}
	old, err := ParseVerdict("unknown")
	require.NoError(t, err)
	assert.Equal(t, Inconclusive, old, "files written before the rename say unknown")
	_, err = ParseVerdict("maybe")
	assert.ErrorContains(t, err, `unknown verdict "maybe"`)
	assert.Equal(t, "verdict(0)", Verdict(0).String())

	assert.True(t, LinearizabilityResult{Verdict: Linearizable}.Ok())
	assert.False(t, LinearizabilityResult{Verdict: NotLinearizable}.Ok())
	assert.False(t, LinearizabilityResult{Verdict: Inconclusive}.Ok(), "unknown is never a pass")
	assert.False(t, LinearizabilityResult{}.Ok(), "an unset result is not a pass")
}

func TestEmptyHistory(t *testing.T) {
	r := CheckLinearizable(History{}, Limit{})
	assert.Equal(t, Linearizable, r.Verdict)
	assert.Zero(t, r.Ops)
	assert.Zero(t, r.Keys)
	assert.Equal(t, "ok: 0 ops, 0 keys", r.String())
}

func TestCheckEachOpKind(t *testing.T) {
	cases := []struct {
		name string
		b    *builder
		want Verdict
	}{
		{"get of a missing key reads empty", (&builder{}).ok(1, get("x"), 0, 1, read("")), Linearizable},
		{"get of a missing key reads a value", (&builder{}).ok(1, get("x"), 0, 1, read("a")), NotLinearizable},
		{"put then get", (&builder{}).ok(1, put("x", "a"), 0, 1, Output{}).ok(2, get("x"), 2, 3, read("a")), Linearizable},
		{"stale read", (&builder{}).ok(1, put("x", "a"), 0, 1, Output{}).ok(2, get("x"), 2, 3, read("")), NotLinearizable},
		{"put overwrites", (&builder{}).ok(1, put("x", "a"), 0, 1, Output{}).ok(1, put("x", "b"), 2, 3, Output{}).
			ok(2, get("x"), 4, 5, read("b")), Linearizable},
		{"read of an overwritten value", (&builder{}).ok(1, put("x", "a"), 0, 1, Output{}).ok(1, put("x", "b"), 2, 3, Output{}).
			ok(2, get("x"), 4, 5, read("a")), NotLinearizable},
		{"append concatenates", (&builder{}).ok(1, put("x", "a"), 0, 1, Output{}).ok(1, appendTo("x", "b"), 2, 3, Output{}).
			ok(2, get("x"), 4, 5, read("ab")), Linearizable},
		{"append order", (&builder{}).ok(1, appendTo("x", "a"), 0, 1, Output{}).ok(1, appendTo("x", "b"), 2, 3, Output{}).
			ok(2, get("x"), 4, 5, read("ba")), NotLinearizable},
		{"append to a missing key", (&builder{}).ok(1, appendTo("x", "b"), 0, 1, Output{}).ok(2, get("x"), 2, 3, read("b")), Linearizable},
		{"cas on a missing key expects empty", (&builder{}).ok(1, cas("x", "", "a"), 0, 1, swapped(true)).
			ok(2, get("x"), 2, 3, read("a")), Linearizable},
		{"cas on a missing key claims no swap", (&builder{}).ok(1, cas("x", "", "a"), 0, 1, swapped(false)), NotLinearizable},
		{"cas mismatch does not swap", (&builder{}).ok(1, put("x", "a"), 0, 1, Output{}).ok(1, cas("x", "z", "b"), 2, 3, swapped(false)).
			ok(2, get("x"), 4, 5, read("a")), Linearizable},
		{"cas mismatch claims swap", (&builder{}).ok(1, put("x", "a"), 0, 1, Output{}).ok(1, cas("x", "z", "b"), 2, 3, swapped(true)), NotLinearizable},
		{"cas match swaps", (&builder{}).ok(1, put("x", "a"), 0, 1, Output{}).ok(1, cas("x", "a", "b"), 2, 3, swapped(true)).
			ok(2, get("x"), 4, 5, read("b")), Linearizable},
		{"cas swap not visible", (&builder{}).ok(1, put("x", "a"), 0, 1, Output{}).ok(1, cas("x", "a", "b"), 2, 3, swapped(true)).
			ok(2, get("x"), 4, 5, read("a")), NotLinearizable},
		{"two cas racing, one wins", (&builder{}).ok(1, cas("x", "", "a"), 0, 10, swapped(true)).ok(2, cas("x", "", "b"), 0, 10, swapped(false)).
			ok(3, get("x"), 11, 12, read("a")), Linearizable},
		{"two cas racing, both win", (&builder{}).ok(1, cas("x", "", "a"), 0, 10, swapped(true)).ok(2, cas("x", "", "b"), 0, 10, swapped(true)), NotLinearizable},
		{"keys are independent", (&builder{}).ok(1, put("x", "a"), 0, 1, Output{}).ok(2, get("y"), 2, 3, read("")), Linearizable},
		{"touching intervals are concurrent", (&builder{}).ok(1, put("x", "a"), 0, 5, Output{}).ok(2, get("x"), 5, 6, read("")), Linearizable},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			assert.Equal(t, c.want, checkVerdict(t, c.b.history()))
		})
	}
}

func TestConcurrentEitherOrder(t *testing.T) {
	for _, v := range []string{"1", "2"} {
		h := (&builder{}).
			ok(1, put("x", "1"), 0, 10, Output{}).
			ok(2, put("x", "2"), 0, 10, Output{}).
			ok(3, get("x"), 20, 30, read(v)).
			history()
		assert.Equal(t, Linearizable, checkVerdict(t, h), "last write %s", v)
	}
	h := (&builder{}).ok(1, put("x", "1"), 0, 10, Output{}).ok(2, put("x", "2"), 0, 10, Output{}).
		ok(3, get("x"), 20, 30, read("1")).ok(3, get("x"), 40, 50, read("2")).history()
	assert.Equal(t, NotLinearizable, checkVerdict(t, h), "the order flips after both returned")
	h = (&builder{}).ok(1, put("x", "1"), 0, 100, Output{}).
		ok(2, get("x"), 10, 20, read("")).ok(2, get("x"), 30, 40, read("1")).ok(3, get("x"), 50, 60, read("1")).history()
	assert.Equal(t, Linearizable, checkVerdict(t, h), "a read during a write sees it before or after")
}

func TestUnknownWriteMayOrMayNotHaveHappened(t *testing.T) {
	for _, v := range []string{"", "1"} {
		h := (&builder{}).unknown(1, put("x", "1"), 0).ok(2, get("x"), 10, 20, read(v)).history()
		assert.Equal(t, Linearizable, checkVerdict(t, h), "read %q", v)
	}
	h := (&builder{}).unknown(1, put("x", "1"), 0).
		ok(2, get("x"), 10, 20, read("")).ok(2, get("x"), 30, 40, read("1")).ok(3, get("x"), 50, 60, read("1")).history()
	assert.Equal(t, Linearizable, checkVerdict(t, h), "it took effect late")
	h = (&builder{}).unknown(1, put("x", "1"), 0).ok(2, get("x"), 10, 20, read("1")).ok(2, get("x"), 30, 40, read("")).history()
	assert.Equal(t, NotLinearizable, checkVerdict(t, h), "once seen, it cannot unhappen")
	h = (&builder{}).unknown(1, put("x", "1"), 10).ok(2, get("x"), 0, 5, read("1")).history()
	assert.Equal(t, NotLinearizable, checkVerdict(t, h), "it cannot take effect before its call")
	h = (&builder{}).unknown(1, appendTo("x", "a"), 0).unknown(1, appendTo("x", "b"), 1).
		ok(2, get("x"), 10, 20, read("b")).history()
	assert.Equal(t, Linearizable, checkVerdict(t, h), "any subset of unknown writes may have happened")
}

func TestUnknownCAS(t *testing.T) {
	// put x=a; an unknown cas(a -> b); then put x=c. The cas can swap only
	// before put c lands, and then put c overwrites it.
	base := func() *builder {
		return (&builder{}).ok(1, put("x", "a"), 0, 1, Output{}).unknown(2, cas("x", "a", "b"), 2)
	}
	cases := []struct {
		name string
		b    *builder
		want Verdict
	}{
		{"swapped", base().ok(3, get("x"), 10, 11, read("b")), Linearizable},
		{"not swapped (yet, or never)", base().ok(3, get("x"), 10, 11, read("a")), Linearizable},
		{"no such value", base().ok(3, get("x"), 10, 11, read("z")), NotLinearizable},
		{"swapped, then overwritten", base().ok(3, get("x"), 3, 4, read("b")).ok(1, put("x", "c"), 5, 6, Output{}).
			ok(3, get("x"), 10, 11, read("c")), Linearizable},
		{"swap after the overwrite is impossible", base().ok(1, put("x", "c"), 5, 6, Output{}).
			ok(3, get("x"), 10, 11, read("b")), NotLinearizable},
		{"expected never held", (&builder{}).ok(1, put("x", "a"), 0, 1, Output{}).unknown(2, cas("x", "z", "b"), 2).
			ok(3, get("x"), 10, 11, read("b")), NotLinearizable},
		{"missing key holds empty", (&builder{}).unknown(2, cas("x", "", "b"), 2).ok(3, get("x"), 10, 11, read("b")), Linearizable},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			assert.Equal(t, c.want, checkVerdict(t, c.b.history()))
		})
	}
}

func TestUnknownReadDropped(t *testing.T) {
	h := (&builder{}).ok(1, put("x", "a"), 0, 1, Output{}).unknown(2, get("x"), 2).unknown(3, get("y"), 3).history()
	h.Ops[1].Output = read("nonsense") // never learned; must not count
	r := CheckLinearizable(h, Limit{})
	assert.Equal(t, Linearizable, r.Verdict)
	assert.Equal(t, 1, r.Ops)
	assert.Equal(t, 1, r.Keys, "y only had an unknown read")
	assert.Equal(t, r.Ops, CheckLinearizable(h.Resolve(nil), Limit{}).Ops)
}

// A stale read that an unresolved write excuses (the write may land after
// it) is caught once the log says when the write applied.
func TestResolveCatchesStaleRead(t *testing.T) {
	h := (&builder{}).unknown(1, put("x", "1"), 0).ok(2, get("x"), 200, 210, read("")).history()
	assert.Equal(t, Linearizable, checkVerdict(t, h))
	assert.Equal(t, Linearizable, checkVerdict(t, h.Resolve(nil)))

	resolved := h.Resolve(func(client int, seq uint64) (Output, int64, bool) {
		return Output{}, 50, client == 1 && seq == 1
	})
	r := CheckLinearizable(resolved, Limit{})
	assert.Equal(t, NotLinearizable, r.Verdict)
	assert.Equal(t, []string{"x"}, r.FailingKeys)

	// Applied after the read: the read is not stale.
	late := h.Resolve(func(int, uint64) (Output, int64, bool) { return Output{}, 300, true })
	assert.Equal(t, Linearizable, checkVerdict(t, late))
}

func TestResolvedCASOutputIsChecked(t *testing.T) {
	h := (&builder{}).ok(1, put("x", "a"), 0, 1, Output{}).unknown(2, cas("x", "a", "b"), 2).history()
	says := func(s bool) func(int, uint64) (Output, int64, bool) {
		return func(int, uint64) (Output, int64, bool) { return swapped(s), 5, true }
	}
	assert.Equal(t, Linearizable, checkVerdict(t, h.Resolve(says(true))))
	assert.Equal(t, NotLinearizable, checkVerdict(t, h.Resolve(says(false))), "the log's output must fit too")
}

func TestFailingKeysSorted(t *testing.T) {
	h := (&builder{}).
		ok(1, put("b", "1"), 0, 1, Output{}).ok(2, get("b"), 2, 3, read("")).
		ok(1, put("c", "1"), 4, 5, Output{}).ok(2, get("c"), 6, 7, read("1")).
		ok(1, put("a", "1"), 8, 9, Output{}).ok(2, get("a"), 10, 11, read("2")).
		history()
	r := CheckLinearizable(h, Limit{})
	assert.Equal(t, NotLinearizable, r.Verdict)
	assert.Equal(t, []string{"a", "b"}, r.FailingKeys)
	assert.Equal(t, 6, r.Ops)
	assert.Equal(t, 3, r.Keys)
	assert.Equal(t, "illegal: 6 ops, 3 keys, failing keys [a b]", r.String())
	assert.Empty(t, r.UndecidedKeys, "small keys are all decided in the first round")
}

func TestCheckPanicsOnInvalidHistory(t *testing.T) {
	h := History{Ops: []Operation{{Client: 1, Seq: 1, Input: Input{Key: "x"}, Outcome: OutcomeOK}}}
	assert.PanicsWithValue(t, "checker: CheckLinearizable: history: op 0: op kind 0 is not one of get, put, append, cas",
		func() { CheckLinearizable(h, Limit{}) })
}

// A step budget far too small for the history: the check is inconclusive,
// names the keys it did not decide, and says which limit it reached.
func TestTinyStepLimitIsInconclusive(t *testing.T) {
	h, _ := genConcurrent(7, 2000, 5, 8, 10)
	r := CheckLinearizable(h, Limit{Steps: 100})
	assert.Equal(t, Inconclusive, r.Verdict)
	assert.False(t, r.Ok())
	assert.Empty(t, r.FailingKeys)
	assert.Equal(t, []string{"k0", "k1", "k2", "k3", "k4"}, r.UndecidedKeys, "100 steps reach none of the ends")
	assert.Equal(t, uint64(100), r.Steps)
	assert.False(t, r.OutOfMemory)
	assert.Contains(t, r.String(), "at the step limit (100 steps)")

	full := CheckLinearizable(h, Limit{})
	require.Equal(t, Linearizable, full.Verdict)
	assert.Greater(t, full.Steps, uint64(100))
}

// A memo limit below what the search needs: inconclusive, out of memory,
// and the memo never held more than the limit and one step's charges.
func TestTinyMemoryLimitIsInconclusive(t *testing.T) {
	h, _ := genConcurrent(7, 2000, 5, 8, 10)
	r := CheckLinearizable(h, Limit{MemoryBytes: 4096})
	assert.Equal(t, Inconclusive, r.Verdict)
	assert.True(t, r.OutOfMemory)
	assert.LessOrEqual(t, r.MemoryBytes, uint64(4096+512))
	assert.NotEmpty(t, r.UndecidedKeys)
	assert.Contains(t, r.String(), "at the memory limit (4096 memo bytes)")
}

// porcupine's test_data/kv histories: those named "bad" are not
// linearizable, the "ok" ones are (porcupine's own tests assert the same).
func TestPorcupineGroundTruth(t *testing.T) {
	cases := []struct {
		name    string
		want    Verdict
		ops     int
		keys    int
		failing []string // the keys proven illegal in the round that found the first
	}{
		{"c01-ok", Linearizable, 58, 10, nil},
		// key 7: append "x 0 0 y", append "x 0 3 y", then a read of the first only
		{"c01-bad", NotLinearizable, 38, 8, []string{"7"}},
		{"c10-ok", Linearizable, 337, 10, nil},
		{"c10-bad", NotLinearizable, 405, 10, []string{"0", "1", "2", "3", "5", "6", "7", "9"}},
		{"c50-ok", Linearizable, 1712, 10, nil},
		// Keys 0, 5, 7 and 9 take porcupine minutes to exhaust; keys 3
		// and 4 are proven illegal within the first rounds, and the search
		// stops there.
		{"c50-bad", NotLinearizable, 2024, 10, []string{"3", "4"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, err := os.Open(porcupineKVFile(t, c.name))
			require.NoError(t, err)
			defer f.Close()
			h, err := ReadPorcupineKV(f)
			require.NoError(t, err)
			require.Len(t, h.Ops, c.ops)

			r := CheckLinearizable(h, Limit{})
			t.Logf("%v: %d steps, %d memo bytes, undecided %v", r, r.Steps, r.MemoryBytes, r.UndecidedKeys)
			assert.Equal(t, c.want, r.Verdict)
			assert.Equal(t, c.ops, r.Ops)
			assert.Equal(t, c.keys, r.Keys)
			assert.Equal(t, c.want == Linearizable, r.Ok())
			assert.Equal(t, c.failing, r.FailingKeys)

			// Cross-check the model through porcupine's event API, which
			// exercises PartitionEvent.
			assert.Equal(t, c.want == Linearizable, porcupine.CheckEvents(KVModel(), historyEvents(h)))
		})
	}
}

// historyEvents turns a history into porcupine events in time order, calls
// before returns at equal times (intervals are closed).
func historyEvents(h History) []porcupine.Event {
	type stamped struct {
		at  int64
		ret bool
		e   porcupine.Event
	}
	var all []stamped
	for id, op := range porcupineOps(h.Resolve(nil)) {
		all = append(all,
			stamped{op.Call, false, porcupine.Event{ClientId: op.ClientId, Kind: porcupine.CallEvent, Value: op.Input, Id: id}},
			stamped{op.Return, true, porcupine.Event{ClientId: op.ClientId, Kind: porcupine.ReturnEvent, Value: op.Output, Id: id}})
	}
	slices.SortStableFunc(all, func(a, b stamped) int {
		if a.ret != b.ret && a.at == b.at {
			if a.ret {
				return 1
			}
			return -1
		}
		return cmp.Compare(a.at, b.at)
	})
	events := make([]porcupine.Event, len(all))
	for i, s := range all {
		events[i] = s.e
	}
	return events
}

// drawSequential executes random operations one after another against a
// reference map; each starts strictly after the previous one returned.
func drawSequential(t *rapid.T) History {
	keys := []string{"x", "y", "z"}
	values := []string{"", "a", "b", "c"}
	state := map[string]string{}
	seqs := map[int]uint64{}
	var h History
	now := int64(0)
	n := rapid.IntRange(0, 40).Draw(t, "n")
	for range n {
		kind := OpKind(rapid.IntRange(int(OpGet), int(OpCAS)).Draw(t, "kind"))
		key := rapid.SampledFrom(keys).Draw(t, "key")
		in := Input{Kind: kind, Key: key}
		var out Output
		switch kind {
		case OpGet:
			out.Value = state[key]
		case OpPut:
			in.Value = rapid.SampledFrom(values).Draw(t, "value")
			state[key] = in.Value
		case OpAppend:
			in.Value = rapid.SampledFrom(values).Draw(t, "value")
			state[key] += in.Value
		case OpCAS:
			in.Expected = rapid.SampledFrom(values).Draw(t, "expected")
			in.Value = rapid.SampledFrom(values).Draw(t, "value")
			out.Swapped = state[key] == in.Expected
			if out.Swapped {
				state[key] = in.Value
			}
		}
		client := rapid.IntRange(0, 3).Draw(t, "client")
		seqs[client]++
		call := now + rapid.Int64Range(1, 100).Draw(t, "gap")
		ret := call + rapid.Int64Range(0, 100).Draw(t, "latency")
		now = ret
		h.Ops = append(h.Ops, Operation{Client: client, Seq: seqs[client], Input: in,
			Call: call, Return: ret, Outcome: OutcomeOK, Output: out})
	}
	return h
}

func TestPropertySequentialIsLinearizable(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		h := drawSequential(t)
		if r := CheckLinearizable(h, Limit{}); r.Verdict != Linearizable {
			t.Fatalf("sequential history judged %v", r)
		}
	})
}

func TestPropertyMutatedReadIsNotLinearizable(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		h := drawSequential(t)
		var reads []int
		for i, op := range h.Ops {
			if op.Input.Kind == OpGet {
				reads = append(reads, i)
			}
		}
		if len(reads) == 0 {
			last := int64(0)
			if n := len(h.Ops); n > 0 {
				last = h.Ops[n-1].Return
			}
			h.Ops = append(h.Ops, Operation{Client: 9, Seq: 1, Input: get("x"), Call: last + 1, Return: last + 2, Outcome: OutcomeOK})
			reads = append(reads, len(h.Ops)-1)
		}
		i := rapid.SampledFrom(reads).Draw(t, "read")
		h.Ops[i].Output.Value = "never written" // values are drawn from "", a, b, c
		r := CheckLinearizable(h, Limit{})
		if r.Verdict != NotLinearizable {
			t.Fatalf("mutated read %v judged %v", h.Ops[i], r)
		}
		if !slices.Equal(r.FailingKeys, []string{h.Ops[i].Input.Key}) {
			t.Fatalf("failing keys %v, want [%s]", r.FailingKeys, h.Ops[i].Input.Key)
		}
	})
}

func TestPropertyFlippedCASIsNotLinearizable(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		h := drawSequential(t)
		var cases []int
		for i, op := range h.Ops {
			if op.Input.Kind == OpCAS {
				cases = append(cases, i)
			}
		}
		if len(cases) == 0 {
			t.Skip("no cas drawn")
		}
		i := rapid.SampledFrom(cases).Draw(t, "cas")
		h.Ops[i].Output.Swapped = !h.Ops[i].Output.Swapped
		if r := CheckLinearizable(h, Limit{}); r.Verdict != NotLinearizable {
			t.Fatalf("flipped %v judged %v", h.Ops[i], r)
		}
	})
}

// Forgetting outcomes never makes a linearizable history illegal, and
// resolving them with the truth keeps it linearizable.
func TestPropertyConcurrentWithUnknowns(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		seed := rapid.Uint64().Draw(t, "seed")
		n := rapid.IntRange(0, 300).Draw(t, "ops")
		keys := rapid.IntRange(1, 5).Draw(t, "keys")
		clients := rapid.IntRange(1, 6).Draw(t, "clients")
		unknownPct := rapid.IntRange(0, 30).Draw(t, "unknown%")
		h, applied := genConcurrent(seed, n, keys, clients, unknownPct)
		if err := h.Validate(); err != nil {
			t.Fatalf("generator: %v", err)
		}
		if r := CheckLinearizable(h, Limit{}); r.Verdict != Linearizable {
			t.Fatalf("unresolved: %v", r)
		}
		if r := CheckLinearizable(h.Resolve(appliedFrom(applied)), Limit{}); r.Verdict != Linearizable {
			t.Fatalf("resolved: %v", r)
		}
	})
}

func TestVisualization(t *testing.T) {
	h := (&builder{}).
		ok(0, put("apple", "1"), 0, 10, Output{}).
		ok(1, get("apple"), 20, 30, read("")).
		ok(1, put("banana", "2"), 40, 50, Output{}).
		unknown(2, cas("banana", "2", "3"), 45).
		history()
	r := CheckLinearizable(h, Limit{})
	require.Equal(t, NotLinearizable, r.Verdict)
	var buf bytes.Buffer
	err := WriteVisualization(&buf, h, r, []Annotation{
		{Client: -1, Start: 5, End: 35, Description: "partition {1} {2 3}", BackgroundColor: "#efaefc"},
		{Client: 1, Start: 15, Description: "timeout"},
		{Tag: "node 2", Start: 25, Description: "became leader", Details: "term 3"},
	})
	require.NoError(t, err)
	html := buf.String()
	assert.True(t, strings.HasPrefix(strings.TrimSpace(html), "<!DOCTYPE html>") || strings.Contains(html, "<html"))
	for _, s := range []string{"apple", "banana", "partition {1} {2 3}", "became leader", "node 2", "history", "c2#1 (outcome unknown)"} {
		assert.Contains(t, html, s)
	}

	other := CheckLinearizable(History{Ops: h.Ops[:2]}, Limit{})
	assert.ErrorContains(t, WriteVisualization(&buf, h, other, nil), "the result checked 2 ops, the history has 4")
	assert.ErrorContains(t, WriteVisualization(&buf, h, r, []Annotation{{Client: -2}}), "annotation 0: client -2")

	// A passing check keeps no info; the picture searches again.
	pass := (&builder{}).ok(0, put("cherry", "1"), 0, 10, Output{}).ok(1, get("cherry"), 20, 30, read("1")).history()
	pr := CheckLinearizable(pass, Limit{})
	require.True(t, pr.Ok())
	buf.Reset()
	require.NoError(t, WriteVisualization(&buf, pass, pr, nil))
	assert.Contains(t, buf.String(), "cherry")

	buf.Reset()
	require.NoError(t, WriteVisualization(&buf, History{}, CheckLinearizable(History{}, Limit{}),
		[]Annotation{{Client: -1, Start: 1, Description: "nothing happened"}}))
	assert.Contains(t, buf.String(), "nothing happened")
}

// BenchmarkCheckLinearizable checks a 10,000-operation history over 100 keys
// from 4 concurrent clients, 5% of whose operations have unknown outcomes.
func BenchmarkCheckLinearizable(b *testing.B) {
	for _, bc := range []struct {
		name     string
		resolved bool
	}{{"unresolved", false}, {"resolved", true}} {
		b.Run(bc.name, func(b *testing.B) {
			h, applied := genConcurrent(42, 10_000, 100, 4, 5)
			if bc.resolved {
				h = h.Resolve(appliedFrom(applied))
			}
			b.ResetTimer()
			for b.Loop() {
				if r := CheckLinearizable(h, Limit{}); !r.Ok() {
					b.Fatalf("generated history judged %v", r)
				}
			}
		})
	}
}

func BenchmarkCheckLinearizableIllegal(b *testing.B) {
	h, _ := genConcurrent(42, 10_000, 100, 4, 0)
	for i := range h.Ops {
		if h.Ops[i].Input.Kind == OpGet && h.Ops[i].Call > h.Ops[len(h.Ops)/2].Call {
			h.Ops[i].Output.Value = "never written"
			break
		}
	}
	b.ResetTimer()
	for b.Loop() {
		if r := CheckLinearizable(h, Limit{}); r.Verdict != NotLinearizable || len(r.FailingKeys) != 1 {
			b.Fatalf("mutated history judged %v", r)
		}
	}
}
