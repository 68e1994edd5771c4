package checker

import (
	"cmp"
	"fmt"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// Inputs, short enough to read a history at a glance.
func get(key string) Input            { return Input{Kind: OpGet, Key: key} }
func put(key, value string) Input     { return Input{Kind: OpPut, Key: key, Value: value} }
func appendTo(key, tail string) Input { return Input{Kind: OpAppend, Key: key, Value: tail} }
func cas(key, expected, value string) Input {
	return Input{Kind: OpCAS, Key: key, Expected: expected, Value: value}
}

func read(v string) Output  { return Output{Value: v} }
func swapped(b bool) Output { return Output{Swapped: b} }

// builder assembles hand-made histories; ops may be added in any order and
// are put in invocation order by history().
type builder struct {
	ops  []Operation
	seqs map[int]uint64
}

func (b *builder) add(client int, in Input, call, ret int64, outcome Outcome, out Output) *builder {
	if b.seqs == nil {
		b.seqs = map[int]uint64{}
	}
	b.seqs[client]++
	b.ops = append(b.ops, Operation{Client: client, Seq: b.seqs[client], Input: in,
		Call: call, Return: ret, Outcome: outcome, Output: out})
	return b
}

// ok adds an operation whose reply the client received.
func (b *builder) ok(client int, in Input, call, ret int64, out Output) *builder {
	return b.add(client, in, call, ret, OutcomeOK, out)
}

// unknown adds an operation whose client never learned the result.
func (b *builder) unknown(client int, in Input, call int64) *builder {
	return b.add(client, in, call, 0, OutcomeUnknown, Output{})
}

func (b *builder) history() History {
	ops := slices.Clone(b.ops)
	slices.SortStableFunc(ops, func(x, y Operation) int { return cmp.Compare(x.Call, y.Call) })
	return History{Ops: ops}
}

func checkVerdict(t *testing.T, h History) Verdict {
	t.Helper()
	return CheckLinearizable(h, Limit{}).Verdict
}

// splitmix is the tests' own seeded generator (SplitMix64), so generated
// histories do not depend on math/rand's algorithms or global state.
type splitmix struct{ s uint64 }

func (r *splitmix) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	z := r.s
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

func (r *splitmix) intn(n int) int { return int(r.next() % uint64(n)) }

// applyInfo is what the committed log would say about a command.
type applyInfo struct {
	out Output
	at  int64
}

// genConcurrent runs a workload against a reference map: clients issue
// operations back to back, each takes effect at a point strictly inside its
// interval, and outputs come from applying them in that order. So the
// history is linearizable by construction. unknownPct percent of the
// operations are recorded as unknown; a third of those never took effect,
// the rest are in applied with their true effect time and output.
func genConcurrent(seed uint64, nOps, nKeys, nClients, unknownPct int) (History, map[command]applyInfo) {
	rng := &splitmix{s: seed}
	type genOp struct {
		op    Operation
		at    int64 // effect time, strictly inside [Call, Return]
		lost  bool  // never took effect
		index int
	}
	ops := make([]genOp, 0, nOps)
	clock := make([]int64, nClients)
	seqs := make([]uint64, nClients)
	recent := make(map[string][]string) // key -> values written, to aim CAS at
	for i := range nOps {
		c := 0
		for j := range clock {
			if clock[j] < clock[c] {
				c = j
			}
		}
		seqs[c]++
		key := fmt.Sprintf("k%d", rng.intn(nKeys))
		value := fmt.Sprintf("%d.%d;", c, seqs[c])
		var in Input
		switch n := rng.intn(10); {
		case n < 4:
			in = get(key)
		case n < 6:
			in = put(key, value)
		case n < 8:
			in = appendTo(key, value)
		default:
			expected := ""
			if vs := recent[key]; len(vs) > 0 && rng.intn(4) > 0 {
				expected = vs[len(vs)-1-rng.intn(min(len(vs), 3))]
			}
			in = cas(key, expected, value)
		}
		if in.Kind == OpPut || in.Kind == OpCAS {
			recent[key] = append(recent[key], in.Value)
		}
		call := clock[c] + 1 + int64(rng.intn(50))
		at := call + 1 + int64(rng.intn(100))
		ret := at + 1 + int64(rng.intn(100))
		clock[c] = ret
		g := genOp{op: Operation{Client: c, Seq: seqs[c], Input: in, Call: call, Return: ret, Outcome: OutcomeOK},
			at: at, index: i}
		if rng.intn(100) < unknownPct {
			g.op.Outcome = OutcomeUnknown
			g.lost = rng.intn(3) == 0
		}
		ops = append(ops, g)
	}
	slices.SortStableFunc(ops, func(x, y genOp) int { return cmp.Compare(x.at, y.at) })
	state := make(map[string]string)
	applied := make(map[command]applyInfo)
	for i := range ops {
		g := &ops[i]
		if g.lost {
			continue
		}
		in := g.op.Input
		v := state[in.Key]
		switch in.Kind {
		case OpGet:
			g.op.Output = read(v)
		case OpPut:
			state[in.Key] = in.Value
		case OpAppend:
			state[in.Key] = v + in.Value
		case OpCAS:
			g.op.Output = swapped(v == in.Expected)
			if v == in.Expected {
				state[in.Key] = in.Value
			}
		}
		if g.op.Outcome == OutcomeUnknown {
			applied[command{g.op.Client, g.op.Seq}] = applyInfo{out: g.op.Output, at: g.at}
			g.op.Output = Output{}
		}
	}
	slices.SortStableFunc(ops, func(x, y genOp) int {
		return cmp.Or(cmp.Compare(x.op.Call, y.op.Call), cmp.Compare(x.index, y.index))
	})
	h := History{Ops: make([]Operation, len(ops))}
	for i, g := range ops {
		h.Ops[i] = g.op
	}
	return h, applied
}

func appliedFrom(m map[command]applyInfo) func(int, uint64) (Output, int64, bool) {
	return func(client int, seq uint64) (Output, int64, bool) {
		a, ok := m[command{client, seq}]
		return a.out, a.at, ok
	}
}

var porcupineDirOnce = sync.OnceValues(func() (string, error) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/anishathalye/porcupine").Output()
	return strings.TrimSpace(string(out)), err
})

// porcupineKVFile is the path of one of porcupine's test_data/kv histories,
// read from the module cache (they are porcupine's, not copied here).
func porcupineKVFile(t testing.TB, name string) string {
	t.Helper()
	dir, err := porcupineDirOnce()
	require.NoError(t, err, "locating porcupine's module directory")
	require.NotEmpty(t, dir)
	return filepath.Join(dir, "test_data", "kv", name+".txt")
}
