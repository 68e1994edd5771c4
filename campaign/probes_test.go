package campaign

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftsim/raftsim/harness"
)

// probeSeeds are seed indexes of the default campaign of seed 1 that
// between them hit every probe (a greedy cover of the first 1,500 seeds,
// cheapest first: swarm 1177 alone hits 21; truncate-multi-term comes from
// figure-8-stacked 922, the scenario built for it, which hits it in 40 of
// its 70 seeds among the 1,500 while no other seed does; truncate-config
// from long-soak 930, one of 5 seeds). A change to the core, the harness
// or the scenarios moves what a seed does: when this test then fails,
// pick new ones from the per-seed probe hits of that campaign
// (Result.Probes of Spec.RunSeed), and if no seed of a 60 CPU-second
// campaign hits a probe any more, that is a coverage gap to report.
var probeSeeds = []uint64{1177, 671, 1130, 452, 930, 922}

// Every probe names a situation the campaign really reaches: a probe that
// nothing hits is dead code or a gap nobody sees.
func TestEveryProbeFires(t *testing.T) {
	if testing.Short() {
		t.Skip("runs 6 full-length seeds (a few seconds)")
	}
	spec := Spec{Seed: 1}
	d := spec.withDefaults()
	var all harness.Probes
	for _, k := range probeSeeds {
		o := d.RunSeed(k, nil)
		require.Equal(t, Passed, o.Verdict(), "seed index %d (%s)", k, o.Scenario)
		for p, n := range o.Result.Probes {
			all[p] += n
		}
	}
	for p := range harness.NumProbes {
		assert.NotZero(t, all[p], "probe %v: no seed of %v hits it", p, probeSeeds)
	}
}

// The summary counts seeds per probe, lists every probe in order even at
// zero, and merging shards adds the counts.
func TestSummaryProbes(t *testing.T) {
	names := harness.ProbeNames()
	s := NewSummary(Campaign{Shards: 2}, Shard{Index: 1, Count: 2})
	require.Len(t, s.Probes, len(names))
	var a, b harness.Probes
	a[0], a[3] = 2, 1
	b[3] = 5
	for _, ps := range []harness.Probes{a, b} {
		s.Seeds++
		s.Passed++
		s.addProbes(ps)
	}
	assert.Equal(t, ProbeCount{Name: names[0], Seeds: 1, Hits: 2}, s.Probes[0])
	assert.Equal(t, ProbeCount{Name: names[3], Seeds: 2, Hits: 6}, s.Probes[3])
	assert.Equal(t, ProbeCount{Name: names[1]}, s.Probes[1])
	require.NoError(t, s.validate())

	s2 := NewSummary(Campaign{Shards: 2}, Shard{Index: 2, Count: 2})
	s2.Seeds, s2.Passed = 1, 1
	s2.addProbes(b)
	m, err := Merge([]Part{{"a", s}, {"b", s2}})
	require.NoError(t, err)
	assert.Equal(t, ProbeCount{Name: names[3], Seeds: 3, Hits: 11}, m.Probes[3])
	assert.Equal(t, ProbeCount{Name: names[0], Seeds: 1, Hits: 2}, m.Probes[0])
	assert.Len(t, m.Probes, len(names))
	assert.Len(t, m.ProbesMissed(), len(names)-2)

	var table bytes.Buffer
	m.WriteProbeTable(&table)
	assert.Contains(t, table.String(), names[3])
	assert.Equal(t, len(names)+1, bytes.Count(table.Bytes(), []byte("\n")), "a header and a line per probe")
}

// A summary whose probe counts cannot be is refused.
func TestSummaryProbesValidated(t *testing.T) {
	for name, bad := range map[string]func(*Summary){
		"more seeds than run": func(s *Summary) { s.Probes[0] = ProbeCount{Name: s.Probes[0].Name, Seeds: 2, Hits: 2} },
		"hits without seeds":  func(s *Summary) { s.Probes[0].Hits = 3 },
		"fewer hits":          func(s *Summary) { s.Probes[0] = ProbeCount{Name: s.Probes[0].Name, Seeds: 1, Hits: 0} },
		"a name twice":        func(s *Summary) { s.Probes[1].Name = s.Probes[0].Name },
		"no name":             func(s *Summary) { s.Probes[2].Name = "" },
	} {
		s := NewSummary(Campaign{Shards: 1}, Shard{Index: 1, Count: 1})
		s.Seeds, s.Passed = 1, 1
		bad(s)
		assert.ErrorContains(t, s.validate(), "probes[", name)
	}
}
