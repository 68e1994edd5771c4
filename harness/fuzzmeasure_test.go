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
	fuzzCorpus = flag.String("fuzz.corpus", "", "TestFuzzWorldReach: print the probes the inputs in this directory reach (a fuzz cache dir, or testdata/fuzz/FuzzWorld)")
	fuzzRandom = flag.Duration("fuzz.random", 0, "TestFuzzWorldReach: run random inputs for this wall time and print the probes they reach")
)

// TestFuzzWorldReach prints, for -fuzz.corpus or -fuzz.random, how many
// inputs ran, how many distinct probes they hit and how many inputs hit
// each probe.
func TestFuzzWorldReach(t *testing.T) {
	if *fuzzCorpus == "" && *fuzzRandom == 0 {
		t.Skip("measurement: give -fuzz.corpus DIR or -fuzz.random DURATION")
	}
	var inputs [][]byte
	if *fuzzCorpus != "" {
		inputs = readCorpus(t, *fuzzCorpus)
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
	if *fuzzRandom > 0 {
		r := rand.New(rand.NewPCG(1, 2))
		for start := time.Now(); time.Since(start) < *fuzzRandom; n++ {
			in := make([]byte, hdrLen+stepLen*r.IntN(maxFuzzSteps+1))
			for i := range in {
				in[i] = byte(r.Uint32())
			}
			run(in)
		}
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
