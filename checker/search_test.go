package checker

import (
	"os"
	"runtime"
	"slices"
	"sync"
	"testing"

	"github.com/anishathalye/porcupine"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

// drawConcurrent draws a small history of overlapping operations with
// arbitrary outputs, linearizable or not, some outcomes unknown.
func drawConcurrent(t *rapid.T) History {
	values := []string{"", "a", "b", "ab"}
	n := rapid.IntRange(0, 10).Draw(t, "n")
	var h History
	call := int64(0)
	seqs := map[int]uint64{}
	for range n {
		call += rapid.Int64Range(0, 3).Draw(t, "gap")
		kind := OpKind(rapid.IntRange(int(OpGet), int(OpCAS)).Draw(t, "kind"))
		in := Input{Kind: kind, Key: rapid.SampledFrom([]string{"x", "y"}).Draw(t, "key")}
		if kind != OpGet {
			in.Value = rapid.SampledFrom(values).Draw(t, "value")
		}
		if kind == OpCAS {
			in.Expected = rapid.SampledFrom(values).Draw(t, "expected")
		}
		client := rapid.IntRange(0, 4).Draw(t, "client")
		seqs[client]++
		op := Operation{Client: client, Seq: seqs[client], Input: in, Call: call, Outcome: OutcomeOK,
			Return: call + rapid.Int64Range(0, 8).Draw(t, "latency")}
		op.Output = Output{Value: rapid.SampledFrom(values).Draw(t, "read"), Swapped: rapid.Bool().Draw(t, "swapped")}
		if rapid.IntRange(0, 5).Draw(t, "unknown?") == 0 {
			op.Outcome, op.Return, op.Output = OutcomeUnknown, 0, Output{}
		}
		h.Ops = append(h.Ops, op)
	}
	return h
}

// Our search and porcupine's agree on every small history, verdict and
// failing keys alike (every key of a small history is decided in the first
// round, so FailingKeys lists every illegal key).
func TestPropertySameVerdictAsPorcupine(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		h := drawConcurrent(t)
		r := CheckLinearizable(h, Limit{Steps: 1 << 30})
		ops := porcupineOps(h.Resolve(nil))
		want := Linearizable
		if !porcupine.CheckOperations(KVModel(), ops) {
			want = NotLinearizable
		}
		if r.Verdict != want {
			t.Fatalf("ours %v, porcupine %v, history %v", r, want, h.Ops)
		}
		keys, groups := groupByKey(ops, opKey)
		var failing []string
		for i, g := range groups {
			if !porcupine.CheckOperations(KVModel(), g) {
				failing = append(failing, keys[i])
			}
		}
		if !slices.Equal(failing, r.FailingKeys) {
			t.Fatalf("failing keys: ours %v, porcupine %v", r.FailingKeys, failing)
		}
	})
}

// The verdict, and every other field of the result, is a function of the
// history and the limit: not of GOMAXPROCS, nor of the load of the machine
// (a busy goroutine competes for the CPU), nor of how often it is run.
// Limits just below and at the steps a check needs bracket the verdict.
func TestVerdictIndependentOfMachine(t *testing.T) {
	h, _ := genConcurrent(11, 3000, 4, 12, 10)
	first := CheckLinearizable(h, Limit{})
	require.Equal(t, Linearizable, first.Verdict)

	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	var stop sync.WaitGroup
	done := make(chan struct{})
	stop.Add(1)
	go func() { // load
		defer stop.Done()
		x := uint64(1)
		for {
			select {
			case <-done:
				return
			default:
				x = mix64(x)
			}
		}
	}()
	for _, procs := range []int{1, 2, 8} {
		runtime.GOMAXPROCS(procs)
		again := CheckLinearizable(h, Limit{})
		assert.Equal(t, first, again, "GOMAXPROCS %d", procs)
	}
	close(done)
	stop.Wait()

	short := CheckLinearizable(h, Limit{Steps: first.Steps - 1})
	assert.Equal(t, Inconclusive, short.Verdict, "one step short of what the check took")
	exact := CheckLinearizable(h, Limit{Steps: first.Steps})
	assert.Equal(t, Linearizable, exact.Verdict)
	assert.Equal(t, first.Steps, exact.Steps)
}

// The search explores in porcupine's order: on a linearizable key both end
// with the same linearization, which is what makes the picture's second
// search (porcupine's) cost what the check did.
func TestSearchOrderIsPorcupines(t *testing.T) {
	for _, name := range []string{"c01-ok", "c10-ok", "c50-ok"} {
		f, err := os.Open(porcupineKVFile(t, name))
		require.NoError(t, err)
		h, err := ReadPorcupineKV(f)
		f.Close()
		require.NoError(t, err)
		ops := checkedOps(h)
		_, groups := groupByKey(ops, func(op Operation) string { return op.Input.Key })
		_, info := porcupine.CheckOperationsVerbose(KVModel(), porcupineOps(h.Resolve(nil)), 0)
		partials := info.PartialLinearizations()
		require.Len(t, partials, len(groups))
		for i, g := range groups {
			s := newKeySearch(g)
			var memory uint64
			s.run(1<<40, &memory, 1<<40)
			require.Equal(t, searchOK, s.outcome)
			var ours []int
			for _, op := range s.linearization() {
				ours = append(ours, int(op))
			}
			require.Len(t, partials[i], 1, "a linearizable key has one complete linearization")
			assert.Equal(t, partials[i][0], ours, "%s key %d", name, i)
		}
	}
}
