package harness

import (
	"flag"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Measuring what FuzzWorld explores (docs/performance.md): the probes the
// inputs of a fuzzing corpus reach, against random inputs run for the same
// wall time. Both only print; neither runs without its flag.
var (
	fuzzCorpus = flag.String("fuzz.corpus", "", "TestFuzzWorldReach: print the probes reached by FuzzWorld's seeds, testdata/fuzz/FuzzWorld and the inputs in these comma-separated directories (fuzz cache dirs)")
	fuzzRandom = flag.Duration("fuzz.random", 0, "TestFuzzWorldReach: run random inputs for this wall time and print the probes they reach")
	fuzzInputs = flag.Int("fuzz.inputs", 0, "TestFuzzWorldReach: run this many random inputs (after -fuzz.random's time, if both)")
)

// TestFuzzWorldReach prints, for -fuzz.corpus or -fuzz.random, how many
// inputs ran, how many distinct probes they hit and how many inputs hit
// each probe.
func TestFuzzWorldReach(t *testing.T) {
	if *fuzzCorpus == "" && *fuzzRandom == 0 && *fuzzInputs == 0 {
		t.Skip("measurement: give -fuzz.corpus DIR, -fuzz.random DURATION or -fuzz.inputs N")
	}
	var inputs [][]byte
	if *fuzzCorpus != "" {
		inputs = append(inputs, fuzzSeeds...)
		for i := range fuzzRandomSeeds {
			inputs = append(inputs, randomInput(rand.New(rand.NewPCG(uint64(i), 0)), maxFuzzSteps))
		}
		for _, dir := range append([]string{"testdata/fuzz/FuzzWorld"}, strings.Split(*fuzzCorpus, ",")...) {
			inputs = append(inputs, readCorpus(t, dir)...)
		}
	}
	var seen [NumProbes]int
	run := func(data []byte) {
		cfg, seed := worldFromBytes(data)
		res, err := Run(cfg, seed)
		require.NoError(t, err)
		if res.Failure != nil && !undecided(res.Failure) {
			t.Errorf("input %x: %v", data, res.Failure)
		}
		for p, k := range res.Probes {
			if k > 0 {
				seen[p]++
			}
		}
	}
	for _, in := range inputs {
		run(in)
	}
	n := len(inputs)
	r := rand.New(rand.NewPCG(1, 2))
	for start := time.Now(); time.Since(start) < *fuzzRandom; n++ {
		run(randomInput(r, r.IntN(maxFuzzSteps+1)))
	}
	for range *fuzzInputs {
		run(randomInput(r, r.IntN(maxFuzzSteps+1)))
		n++
	}
	reached := 0
	var lines []string
	for p, k := range seen {
		if k > 0 {
			reached++
		}
		lines = append(lines, Probe(p).String()+" "+strconv.Itoa(k))
	}
	sort.Strings(lines)
	t.Logf("%d inputs reach %d of %d probes:\n%s", n, reached, NumProbes, strings.Join(lines, "\n"))
}

// readCorpus reads every file of a fuzz corpus directory ("go test fuzz
// v1" files of one []byte).
func readCorpus(t *testing.T, dir string) [][]byte {
	ents, err := os.ReadDir(dir)
	require.NoError(t, err)
	var out [][]byte
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		require.NoError(t, err)
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		require.Len(t, lines, 2, "%s: want a go test fuzz v1 file of one []byte", e.Name())
		q, err := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(lines[1], "[]byte("), ")"))
		require.NoError(t, err, e.Name())
		out = append(out, []byte(q))
	}
	return out
}
