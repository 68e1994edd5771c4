package checker

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// porcupine's bundled histories, read from its module directory: the kv
// ones with ReadPorcupineKV, the Jepsen etcd register ones with
// readJepsenEtcd. The verdict each must get is read from porcupine's own
// porcupine_test.go (checkKv(t, "c01-ok", true, ...), checkJepsen(t, 0,
// false)), so this test asserts exactly what porcupine's tests do.

type bundled struct {
	name string // "kv/c01-ok" or "jepsen/etcd_000"
	path string
	want Verdict
}

func bundledHistories(t testing.TB) []bundled {
	t.Helper()
	dir, err := porcupineDirOnce()
	require.NoError(t, err, "locating porcupine's module directory")
	src, err := os.ReadFile(filepath.Join(dir, "porcupine_test.go"))
	require.NoError(t, err)
	verdict := map[string]Verdict{"true": Linearizable, "false": NotLinearizable}
	var out []bundled
	seen := map[string]bool{}
	for _, m := range regexp.MustCompile(`checkKv\(t, "([\w-]+)", (true|false), true\)`).FindAllStringSubmatch(string(src), -1) {
		out = append(out, bundled{"kv/" + m[1], filepath.Join(dir, "test_data", "kv", m[1]+".txt"), verdict[m[2]]})
	}
	for _, m := range regexp.MustCompile(`checkJepsen\(t, (\d+), (true|false)\)`).FindAllStringSubmatch(string(src), -1) {
		n, _ := strconv.Atoi(m[1])
		name := fmt.Sprintf("etcd_%03d", n)
		if seen[name] {
			continue
		}
		seen[name] = true
		out = append(out, bundled{"jepsen/" + name, filepath.Join(dir, "test_data", "jepsen", name+".log"), verdict[m[2]]})
	}
	require.Equal(t, 6+102, len(out), "porcupine's tests name 6 kv and 102 etcd histories (not etcd_095: "+
		"its cluster failed to start)")
	return out
}

func (b bundled) read(t testing.TB) History {
	t.Helper()
	f, err := os.Open(b.path)
	require.NoError(t, err)
	defer f.Close()
	var h History
	if strings.HasPrefix(b.name, "kv/") {
		h, err = ReadPorcupineKV(f)
	} else {
		h, err = readJepsenEtcd(f)
	}
	require.NoError(t, err, b.path)
	return h
}

// TestPorcupineBundledHistories: every bundled history gets the verdict
// porcupine's own tests expect, within the default limit.
func TestPorcupineBundledHistories(t *testing.T) {
	for _, b := range bundledHistories(t) {
		t.Run(b.name, func(t *testing.T) {
			h := b.read(t)
			r := CheckLinearizable(h, Limit{})
			assert.Equal(t, b.want, r.Verdict, "%v", r)
		})
	}
}

// readJepsenEtcd reads the Jepsen etcd register logs of porcupine's
// test_data/jepsen ("INFO  jepsen.util - 3\t:invoke\t:write\t4") as a
// history over the one key "r": read, write and cas of integers, a nil
// read being "". A :fail :cas did not swap; a :fail :read :timed-out is a
// read whose outcome is unknown; an :info, or no reply at all, leaves the
// operation unknown. Line numbers are the virtual time. Written for this
// test from the log's shape, as porcupine's own test parses it.
func readJepsenEtcd(f *os.File) (History, error) {
	line := regexp.MustCompile(`^INFO\s+jepsen\.util\s+-\s+(\d+)\s+:(invoke|ok|fail|info)\s+:(read|write|cas)\s+(.*)$`)
	cas := regexp.MustCompile(`^\[(\d+)\s+(\d+)\]$`)
	var h History
	pending := map[int]int{} // process -> op index; lookups only
	seqs := map[int]uint64{}
	sc := bufio.NewScanner(f)
	for n := int64(1); sc.Scan(); n++ {
		m := line.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		proc, _ := strconv.Atoi(m[1])
		typ, f, arg := m[2], m[3], strings.TrimSpace(m[4])
		if typ == "invoke" {
			in := Input{Key: "r"}
			switch f {
			case "read":
				in.Kind = OpGet
			case "write":
				in.Kind, in.Value = OpPut, arg
			case "cas":
				c := cas.FindStringSubmatch(arg)
				if c == nil {
					return History{}, fmt.Errorf("line %d: cas argument %q", n, arg)
				}
				in.Kind, in.Expected, in.Value = OpCAS, c[1], c[2]
			}
			seqs[proc]++
			pending[proc] = len(h.Ops)
			h.Ops = append(h.Ops, Operation{Client: proc, Seq: seqs[proc], Input: in, Call: n,
				Return: Never, Outcome: OutcomeUnknown})
			continue
		}
		i, ok := pending[proc]
		if !ok {
			return History{}, fmt.Errorf("line %d: reply of process %d, which has no pending op", n, proc)
		}
		delete(pending, proc)
		op := &h.Ops[i]
		switch {
		case typ == "info", typ == "fail" && f == "read":
			// unknown: it may or may not have happened
		case typ == "fail" && f == "cas":
			op.Outcome, op.Return, op.Output.Swapped = OutcomeOK, n, false
		case typ == "ok":
			op.Outcome, op.Return = OutcomeOK, n
			switch f {
			case "read":
				if arg != "nil" {
					op.Output.Value = arg
				}
			case "cas":
				op.Output.Swapped = true
			}
		default:
			return History{}, fmt.Errorf("line %d: :%s :%s", n, typ, f)
		}
	}
	if err := sc.Err(); err != nil {
		return History{}, err
	}
	return h, h.Validate()
}

// BenchmarkPorcupineBundled times each of porcupine's bundled kv histories
// and a sample of the etcd ones, checked by CheckLinearizable and by
// porcupine's CheckOperations on the same operations in the same process,
// and reports ours/porcupine per file (goal: at most 2).
//
//	go test ./checker -run XXX -bench PorcupineBundled -benchtime 5x
func BenchmarkPorcupineBundled(b *testing.B) {
	for _, h := range bundledHistories(b) {
		if !strings.HasPrefix(h.name, "kv/") && !strings.HasSuffix(h.name, "0") {
			continue // every tenth etcd history is enough for a ratio
		}
		b.Run(h.name, func(b *testing.B) {
			hist := h.read(b)
			ops := porcupineOps(hist.Resolve(nil))
			var ours, theirs time.Duration
			for b.Loop() {
				start := time.Now()
				r := CheckLinearizable(hist, Limit{})
				ours += time.Since(start)
				start = time.Now()
				res := porcupine.CheckOperations(KVModel(), ops)
				theirs += time.Since(start)
				if r.Verdict != h.want || res != (h.want == Linearizable) {
					b.Fatalf("%s: ours %v, porcupine %v, want %v", h.name, r.Verdict, res, h.want)
				}
			}
			b.ReportMetric(float64(ours.Nanoseconds())/float64(b.N), "ours-ns/op")
			b.ReportMetric(float64(theirs.Nanoseconds())/float64(b.N), "porcupine-ns/op")
			b.ReportMetric(float64(ours)/float64(theirs), "ours/porcupine")
		})
	}
}
