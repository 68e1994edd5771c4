package cli

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The quick bench measures every section, and every run in it behaves:
// the throughput and chaos runs pass, each failure file replays as it
// should, the recorded history is linearizable, the campaign's heap is
// flat.
func TestBenchQuick(t *testing.T) {
	code, out, errs := raftsim("bench", "--quick", "--json", "--seeds", "2", "--campaign-seeds", "60", "--failures", "../testdata/failures")
	require.Equal(t, exitPass, code, out+errs)
	var rep benchReport
	require.NoError(t, json.Unmarshal([]byte(out), &rep))
	assert.True(t, rep.Quick)
	assert.Positive(t, rep.Machine.CPUs)
	assert.Contains(t, rep.Etcd, "cd bench && go run ./cmd/compare")
	names := map[string]benchSection{}
	for _, s := range rep.Sections {
		names[s.Name] = s
		assert.Empty(t, s.Problem, s.Name)
		assert.Empty(t, s.Skipped, s.Name)
		assert.NotEmpty(t, s.How, s.Name)
		assert.NotEmpty(t, s.Figures, s.Name)
		for _, f := range s.Figures {
			assert.False(t, math.IsNaN(f.Value) || math.IsInf(f.Value, 0), "%s: %s = %v", s.Name, f.Name, f.Value)
			if f.Name == "slope" {
				// Memory over a campaign may fall as well as grow (the heap
				// after a GC moves by a few KiB either way): only a figure.
				continue
			}
			assert.GreaterOrEqual(t, f.Value, 0.0, "%s: %s", s.Name, f.Name)
		}
	}
	scale := "(c) cost per virtual second by length and cluster size"
	for _, want := range []string{"(a) throughput workload", "(b) chaos scenario default", scale, "replay a failure",
		"porcupine check", "memory per node", "memory over a campaign"} {
		assert.Contains(t, names, want)
	}
	assert.Positive(t, figure(t, names["(a) throughput workload"], "commands/s"))
	assert.Equal(t, 1.0, figure(t, names[scale], "10s, 3 nodes: ratio"))
	assert.Positive(t, figure(t, names[scale], "10m0s, 3 nodes: ratio"))
	assert.Positive(t, figure(t, names[scale], "10s, 9 nodes: ratio per node-second"))
	assert.Positive(t, figure(t, names[scale], "1m0s, 3 nodes: peak heap"))
	assert.GreaterOrEqual(t, figure(t, names["porcupine check"], "operations"), float64(benchQuick.HistoryOps))
	assert.Equal(t, 100.0, figure(t, names["porcupine check"], "keys"))
	assert.Positive(t, figure(t, names["memory per node"], "3-node world, per node"))
	assert.Zero(t, figure(t, names["memory over a campaign"], "seeds failed"))
	require.NotNil(t, names["memory over a campaign"].GoalMet)
	assert.True(t, *names["memory over a campaign"].GoalMet, "the campaign's heap stays flat")
}

func figure(t *testing.T, s benchSection, name string) float64 {
	t.Helper()
	for _, f := range s.Figures {
		if f.Name == name {
			return f.Value
		}
	}
	t.Fatalf("%s has no figure %q", s.Name, name)
	return 0
}

// Without failure files the replay section says why it measured nothing,
// and the text report names the machine and how to get the etcd ratio.
func TestBenchTextReport(t *testing.T) {
	rep := &benchReport{Machine: benchMachine{Go: "go1.26", OS: "linux", Arch: "amd64", CPUs: 2, GOMAXPROCS: 2}, Etcd: etcdNote}
	rep.Sections = append(rep.Sections, benchReplay(benchOptions{failures: t.TempDir(), sizes: benchQuick}))
	met := false
	rep.Sections = append(rep.Sections, benchSection{Name: "x", How: "by hand", Goal: "fast", GoalMet: &met,
		Figures: []benchFigure{{Name: "events/s", Value: 1234567, Unit: "events/s", Min: 1000000, Max: 1300000}}})
	var out strings.Builder
	printBench(&out, rep)
	s := out.String()
	assert.Contains(t, s, "skipped  no failure files in")
	assert.Contains(t, s, "1,234,567 events/s (1,000,000 - 1,300,000)")
	assert.Contains(t, s, "goal     fast: NOT met")
	assert.Contains(t, s, "cd bench && go run ./cmd/compare")
}

func TestBenchBadUsage(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--workers", "0"}, "--workers 0"},
		{[]string{"--seeds", "-1"}, "must be positive"},
		{[]string{"--scenario", "nope"}, "unknown scenario"},
		{[]string{"extra"}, "unexpected argument"},
		{[]string{"--sections", "c,zz"}, `unknown section "zz"`},
	} {
		code, _, errs := raftsim(append([]string{"bench"}, tt.args...)...)
		assert.Equal(t, exitUsage, code, "%v", tt.args)
		assert.Contains(t, errs, tt.want, "%v", tt.args)
	}
	_, help, _ := raftsim("bench", "--help")
	assert.Contains(t, help, "cd bench && go run\n./cmd/compare")
	assert.Contains(t, help, "raftsim bench zoo")
}

// --sections runs only the sections named, and --compaction reaches the
// runs of section (c) (its description names the threshold used).
func TestBenchSectionsAndCompaction(t *testing.T) {
	code, out, errs := raftsim("bench", "--quick", "--json", "--sections", "porcupine,c", "--compaction", "128")
	require.Equal(t, exitPass, code, out+errs)
	var rep benchReport
	require.NoError(t, json.Unmarshal([]byte(out), &rep))
	require.Len(t, rep.Sections, 2)
	assert.Equal(t, "(c) cost per virtual second by length and cluster size", rep.Sections[0].Name)
	assert.Contains(t, rep.Sections[0].How, "compaction every 128 entries")
	assert.Equal(t, "porcupine check", rep.Sections[1].Name)
}

func TestFormatFigure(t *testing.T) {
	for v, want := range map[float64]string{
		0: "0", 7: "7", 0.25: "0.250", 12.34: "12.3", 999.5: "999.5", 1000: "1,000",
		1234567.8: "1,234,568", -2048: "-2,048", -0.5: "-0.500",
	} {
		assert.Equal(t, want, formatFigure(v), "%v", v)
	}
}

// The slope is in bytes per seed: a heap that grows 1 KiB a seed fits
// 1024 exactly, a flat one 0.
func TestFitSlope(t *testing.T) {
	var grow, flat []heapSample
	for i := 1; i <= 10; i++ {
		grow = append(grow, heapSample{Seeds: i * 100, HeapInuse: uint64(5<<20 + i*100*1024)})
		flat = append(flat, heapSample{Seeds: i * 100, HeapInuse: 5 << 20})
	}
	assert.InDelta(t, 1024, fitSlope(grow), 1e-6)
	assert.InDelta(t, 0, fitSlope(flat), 1e-6)
	assert.Equal(t, 2.5, median([]float64{4, 1, 2, 3}))
}
