package campaign

import (
	"encoding/xml"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftsim/raftsim/harness"
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
	a := FailureFileName("panic/raft@raft.(*Node[...]).becomeLeader")
	assert.True(t, strings.HasPrefix(a, "panic-raft-raft-node-becomeleader-"), a)
	assert.True(t, strings.HasSuffix(a, ".json"))
	assert.NotEqual(t, FailureFileName("a/b"), FailureFileName("a-b"), "colliding slugs differ by hash")
	assert.Equal(t, FailureFileName("a/b"), FailureFileName("a/b"))
	assert.True(t, strings.HasPrefix(FailureFileName("///"), "failure-"))
	assert.LessOrEqual(t, len(FailureFileName(strings.Repeat("x", 500))), 80)
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

func TestMergeRefusesMismatches(t *testing.T) {
	a := NewSummary(Campaign{Seed: 1, Shards: 2}, Shard{1, 2})
	b := NewSummary(Campaign{Seed: 2, Shards: 2}, Shard{2, 2})
	_, err := Merge([]*Summary{a, b})
	assert.ErrorContains(t, err, "another campaign")
	c := NewSummary(Campaign{Seed: 1, Shards: 2}, Shard{1, 2})
	_, err = Merge([]*Summary{a, c})
	assert.ErrorContains(t, err, "shard 1 is in both")
	a.Complete = true
	m, err := Merge([]*Summary{a})
	require.NoError(t, err)
	assert.False(t, m.Complete, "shard 2 is missing")
	assert.Equal(t, []int{2}, MissingShards(m))
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
	s.Seeds, s.Failed, s.Passed = 3, 2, 1
	f := &harness.Failure{Class: "invariant", Check: "election-safety", Message: "two leaders <in> term 3 \x00"}
	s.addFailure("invariant/election-safety", f, SeedRef{Index: 4, Message: f.Message, Reproduce: "raftsim run --seed 9", File: "out/x.json"})
	s.addFailure("invariant/election-safety", f, SeedRef{Index: 7, Message: f.Message, Reproduce: "raftsim run --seed 10"})
	b, err := JUnit(s)
	require.NoError(t, err)
	var doc junitSuites
	require.NoError(t, xml.Unmarshal(b, &doc), "well-formed XML even with markup and control bytes in messages")
	require.Len(t, doc.Suites, 1)
	assert.Equal(t, 2, doc.Tests)
	assert.Equal(t, 1, doc.Failures)
	fc := doc.Suites[0].Cases[1]
	assert.Equal(t, "invariant/election-safety", fc.Name)
	assert.Contains(t, fc.Failure.Text, "raftsim replay out/x.json")
	assert.Contains(t, fc.Failure.Text, "also:   raftsim run --seed 10")
}
