package campaign

import (
	"encoding/xml"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftsim/raftsim/harness"
	"github.com/raftsim/raftsim/sim"
)

func TestParseShard(t *testing.T) {
	env := func(v string) func(string) string { return func(string) string { return v } }
	for _, tt := range []struct {
		flag, env string
		want      Shard
		err       string
	}{
		{"1/1", "", Shard{1, 1}, ""},
		{"2/3", "", Shard{2, 3}, ""},
		{"/3", "0", Shard{1, 3}, ""},
		{"/3", "2", Shard{3, 3}, ""},
		{"/3", "3", Shard{}, "want a 0-based index from 0 to 2"},
		{"/3", "", Shard{}, "is not set"},
		{"/3", "x", Shard{}, `"x"`},
		{"0/3", "", Shard{}, "shard index"},
		{"4/3", "", Shard{}, "shard index"},
		{"1/0", "", Shard{}, "shard count"},
		{"1/-2", "", Shard{}, "shard count"},
		{"3", "", Shard{}, "want i/n"},
		{"1/999999999999999999999", "", Shard{}, "shard count"},
	} {
		got, err := ParseShard(tt.flag, "JOB_COMPLETION_INDEX", env(tt.env))
		if tt.err != "" {
			require.Error(t, err, tt.flag)
			assert.Contains(t, err.Error(), tt.err, tt.flag)
			continue
		}
		require.NoError(t, err, tt.flag)
		assert.Equal(t, tt.want, got, tt.flag)
	}
}

// Every seed index belongs to exactly one shard, and size counts them.
func TestShardsPartitionTheSeeds(t *testing.T) {
	for _, n := range []int{1, 2, 3, 7} {
		for _, total := range []uint64{0, 1, 5, 12, 13} {
			owners := make([]int, total)
			for i := 1; i <= n; i++ {
				sh := Shard{i, n}
				count := uint64(0)
				for j := uint64(0); sh.nth(j) < total; j++ {
					k := sh.nth(j)
					assert.True(t, sh.Owns(k))
					owners[k]++
					count++
				}
				assert.Equal(t, count, sh.Size(total), "shard %v of %d seeds", sh, total)
			}
			for k, o := range owners {
				assert.Equal(t, 1, o, "seed %d of %d shards", k, n)
			}
		}
	}
}

func TestFailureFileName(t *testing.T) {
	c := Campaign{Seed: 7, Scenario: "all", Shards: 1}
	a := c.FailureFileName(AllSeeds, "panic/raft@raft.(*Node[...]).becomeLeader")
	assert.True(t, strings.HasPrefix(a, "panic-raft-raft-node-becomeleader-c7-"), a)
	assert.True(t, strings.HasSuffix(a, ".json"))
	assert.NotEqual(t, c.FailureFileName(AllSeeds, "a/b"), c.FailureFileName(AllSeeds, "a-b"), "colliding slugs differ by hash")
	assert.Equal(t, c.FailureFileName(AllSeeds, "a/b"), c.FailureFileName(AllSeeds, "a/b"))
	other := c
	other.Seed = 8
	assert.NotEqual(t, c.FailureFileName(AllSeeds, "a/b"), other.FailureFileName(AllSeeds, "a/b"), "another campaign seed, another file")
	other = c
	other.Bugs = []string{"x"}
	assert.NotEqual(t, c.FailureFileName(AllSeeds, "a/b"), other.FailureFileName(AllSeeds, "a/b"), "another campaign, another file")
	c.Shards = 2
	assert.NotEqual(t, c.FailureFileName(Shard{1, 2}, "a/b"), c.FailureFileName(Shard{2, 2}, "a/b"), "two shards into one directory")
	assert.True(t, strings.HasPrefix(c.FailureFileName(AllSeeds, "///"), "failure-"))
	assert.LessOrEqual(t, len(c.FailureFileName(AllSeeds, strings.Repeat("x", 500))), 100)
}

func ref(i uint64) SeedRef {
	return SeedRef{Index: i, Seed: 0, Scenario: "s", File: "f", TraceHash: "h"}
}

// A signature keeps its lowest index first and the next lowest as
// examples, whatever order the seeds arrive in.
func TestSignatureKeepsLowestIndexes(t *testing.T) {
	s := NewSummary(Campaign{Shards: 1}, AllSeeds)
	f := &harness.Failure{Class: "c", Check: "x"}
	order := []uint64{30, 5, 17, 2, 40, 1, 3, 50, 9, 8, 7, 6, 4, 60, 0}
	firsts := 0
	for _, i := range order {
		if s.addFailure("c/x", f, ref(i)) {
			firsts++
		}
	}
	e := s.entry("c/x")
	require.NotNil(t, e)
	assert.Equal(t, len(order), e.Count)
	assert.Equal(t, uint64(0), e.First.Index)
	var ex []uint64
	for _, r := range e.Examples {
		ex = append(ex, r.Index)
		assert.Empty(t, r.File, "examples have no file")
	}
	assert.Equal(t, []uint64{1, 2, 3, 4, 5, 6, 7, 8, 9, 17}, ex)
	assert.Equal(t, 5, firsts, "30, 5, 2, 1, 0 each became first")
}

// A shard missing, given twice or of another campaign fails the merge:
// it is left out of the counts and named in Problems, and the verdict is
// FAIL, so that a lost shard can never make a green nightly.
func TestMergeFailsOnMissingDuplicatedOrForeignShards(t *testing.T) {
	sum := func(seed sim.Seed, i, n int) *Summary {
		s := NewSummary(Campaign{Seed: seed, Shards: n}, Shard{i, n})
		s.Seeds, s.Passed, s.Complete = 5, 5, true
		return s
	}
	m, err := Merge([]Part{{"s1.json", sum(1, 1, 2)}, {"s2.json", sum(1, 2, 2)}})
	require.NoError(t, err)
	assert.Empty(t, m.Problems)
	assert.True(t, m.Complete)
	assert.Equal(t, VerdictPass, m.Verdict())
	assert.Equal(t, 10, m.Seeds)

	for _, tt := range []struct {
		name  string
		parts []Part
		want  string
		seeds int
	}{
		{"missing", []Part{{"s1.json", sum(1, 1, 2)}}, "shards 2 of 2 are missing", 5},
		{"duplicated", []Part{{"s1.json", sum(1, 1, 2)}, {"again.json", sum(1, 1, 2)}, {"s2.json", sum(1, 2, 2)}},
			"shard 1 of 2 is in both s1.json and again.json", 10},
		{"foreign", []Part{{"s1.json", sum(1, 1, 2)}, {"other.json", sum(2, 2, 2)}}, "other.json is of another campaign", 5},
		{"another shard count", []Part{{"s1.json", sum(1, 1, 2)}, {"s2of3.json", sum(1, 2, 3)}}, "s2of3.json is of another campaign", 5},
	} {
		m, err := Merge(tt.parts)
		require.NoError(t, err, tt.name)
		require.NotEmpty(t, m.Problems, tt.name)
		assert.Contains(t, strings.Join(m.Problems, "\n"), tt.want, tt.name)
		assert.False(t, m.Complete, tt.name)
		assert.Equal(t, VerdictFail, m.Verdict(), tt.name)
		assert.Equal(t, tt.seeds, m.Seeds, "%s: what is left out is not counted", tt.name)
		b, err := JUnit(m)
		require.NoError(t, err)
		assert.Contains(t, string(b), `<failure message="`, tt.name)
		var text strings.Builder
		m.WriteText(&text)
		assert.Contains(t, text.String(), "verdict    FAIL", tt.name)
		// A merged summary keeps its problems through another merge.
		again, err := Merge([]Part{{"merged.json", m}})
		require.NoError(t, err)
		assert.Subset(t, again.Problems, m.Problems, tt.name)
	}
	_, err = Merge(nil)
	assert.Error(t, err)
}

func TestDecodeSummaryChecks(t *testing.T) {
	for _, tt := range []struct{ text, want string }{
		{`{`, "truncated JSON"},
		{`{"format":"x"}`, `format "x"`},
		{`{"format":"raftsim-campaign","version":1,"campaign":{"shards":1},"shards":[2]}`, "shard 2 of 1"},
		{`{"format":"raftsim-campaign","version":1,"campaign":{"shards":1},"shards":[1],"seeds":3,"passed":1,"failed":1}`, "seeds 3"},
		{`{"format":"raftsim-campaign","version":1,"campaign":{"shards":1},"shards":[1],"seeds":1,"failed":1,"failures":[]}`, "signatures count 0"},
		{`{"format":"raftsim-campaign","version":1,"campaign":{"shards":1},"shards":[1],"bogus":1}`, `unknown key "bogus"`},
		{`{"format":"raftsim-campaign","version":1,"campaign":{"shards":1},"shards":[1]} {}`, "unexpected data after the document"},
	} {
		_, err := DecodeSummary(strings.NewReader(tt.text))
		require.ErrorIs(t, err, ErrBadSummary, tt.text)
		assert.Contains(t, err.Error(), tt.want, tt.text)
	}
}

func TestJUnitReport(t *testing.T) {
	s := NewSummary(Campaign{Seed: 3, Scenario: "all", Shards: 1}, AllSeeds)
	s.addScenarioCount(ScenarioCount{Name: "a", Seeds: 2, Failed: 2})
	s.addScenarioCount(ScenarioCount{Name: "b", Seeds: 1})
	s.addScenarioCount(ScenarioCount{Name: "c"})
	s.Wall.ScenarioSeconds = map[string]float64{"a": 1.25, "b": 0.5}
	s.Seeds, s.Failed, s.Passed = 3, 2, 1
	f := &harness.Failure{Class: "invariant", Check: "election-safety", Message: "two leaders <in> term 3 \x00"}
	s.addFailure("invariant/election-safety", f, SeedRef{Index: 4, Scenario: "a", Message: f.Message, Reproduce: "raftsim run --seed 9", File: "out/x.json"})
	s.addFailure("invariant/election-safety", f, SeedRef{Index: 7, Scenario: "a", Message: f.Message, Reproduce: "raftsim run --seed 10"})
	b, err := JUnit(s)
	require.NoError(t, err)
	var doc junitSuites
	require.NoError(t, xml.Unmarshal(b, &doc), "well-formed XML even with markup and control bytes in messages")
	require.Len(t, doc.Suites, 1)
	assert.Equal(t, 4, doc.Tests, "the campaign and one case per scenario")
	assert.Equal(t, 1, doc.Failures)
	assert.Equal(t, 1, doc.Skipped, "c: no seed drew it")
	cases := doc.Suites[0].Cases
	assert.Equal(t, []string{"campaign", "a", "b", "c"}, []string{cases[0].Name, cases[1].Name, cases[2].Name, cases[3].Name})
	fc := cases[1]
	require.NotNil(t, fc.Failure)
	assert.Equal(t, "1.250", fc.Time, "a scenario's time is its seeds' wall time")
	assert.Contains(t, fc.Failure.Message, "invariant/election-safety")
	assert.Contains(t, fc.Failure.Text, "raftsim replay out/x.json")
	assert.Contains(t, fc.Failure.Text, "also:   raftsim run --seed 10")
	assert.Nil(t, cases[2].Failure)
	assert.NotNil(t, cases[3].Skipped)

	s.Interrupted = true
	b, err = JUnit(s)
	require.NoError(t, err)
	doc = junitSuites{}
	require.NoError(t, xml.Unmarshal(b, &doc))
	assert.Equal(t, 4, doc.Tests, "the same cases")
	assert.Equal(t, 1, doc.Errors, "an interrupted campaign is an error")
	assert.NotNil(t, doc.Suites[0].Cases[0].Error)
}
