package main

import (
	"encoding/xml"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftsim/raftsim/harness"
	"github.com/raftsim/raftsim/internal/zoo"
)

func TestParseShard(t *testing.T) {
	env := func(v string) func(string) string { return func(string) string { return v } }
	for _, tt := range []struct {
		flag, env string
		want      shard
		err       string
	}{
		{"1/1", "", shard{1, 1}, ""},
		{"2/3", "", shard{2, 3}, ""},
		{"/3", "0", shard{1, 3}, ""},
		{"/3", "2", shard{3, 3}, ""},
		{"/3", "3", shard{}, "want a 0-based index from 0 to 2"},
		{"/3", "", shard{}, "is not set"},
		{"/3", "x", shard{}, `"x"`},
		{"0/3", "", shard{}, "shard index"},
		{"4/3", "", shard{}, "shard index"},
		{"1/0", "", shard{}, "shard count"},
		{"1/-2", "", shard{}, "shard count"},
		{"3", "", shard{}, "want i/n"},
		{"1/999999999999999999999", "", shard{}, "shard count"},
	} {
		got, err := parseShard(tt.flag, "JOB_COMPLETION_INDEX", env(tt.env))
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
				sh := shard{i, n}
				count := uint64(0)
				for j := uint64(0); sh.nth(j) < total; j++ {
					k := sh.nth(j)
					assert.True(t, sh.owns(k))
					owners[k]++
					count++
				}
				assert.Equal(t, count, sh.size(total), "shard %v of %d seeds", sh, total)
			}
			for k, o := range owners {
				assert.Equal(t, 1, o, "seed %d of %d shards", k, n)
			}
		}
	}
}

func TestPanicFunction(t *testing.T) {
	stack := `goroutine 7 [running]:
runtime/debug.Stack()
	/usr/local/go/src/runtime/debug/stack.go:26 +0x5e
github.com/raftsim/raftsim/harness.(*World).runSafely.func1()
	/work/main/harness/run.go:119 +0x65
panic({0x6f6a20?, 0xc0000a2010?})
	/usr/local/go/src/runtime/panic.go:792 +0x132
github.com/raftsim/raftsim/raft.(*Node[...]).becomeLeader(0xc0001b4000, 0x3)
	/work/main/raft/election.go:120 +0x1f
github.com/raftsim/raftsim/raft.(*Node[...]).Step(0xc0001b4000, {0x0, 0x0})
	/work/main/raft/node.go:80 +0x2a
`
	assert.Equal(t, "raft.(*Node[...]).becomeLeader", panicFunction(stack))
	runtimeErr := strings.Replace(stack, "panic({0x6f6a20?, 0xc0000a2010?})", "panic({0x6f6a20?, 0xc0000a2010?})\n\t/x.go:1\nruntime.goPanicIndex(0x5, 0x3)", 1)
	assert.Equal(t, "raft.(*Node[...]).becomeLeader", panicFunction(runtimeErr), "runtime frames are skipped")
	assert.Equal(t, "", panicFunction("no stack here"))
	f := harness.Failure{Class: harness.ClassPanic, Check: "raft", Stack: stack}
	assert.Equal(t, "panic/raft@raft.(*Node[...]).becomeLeader", signature(&f))
	g := harness.Failure{Class: harness.ClassLiveness, Check: "leader", Message: "no leader among [n1 n2]"}
	assert.Equal(t, "liveness/leader", signature(&g))
}

func TestFailureFileName(t *testing.T) {
	a := failureFileName("panic/raft@raft.(*Node[...]).becomeLeader")
	assert.True(t, strings.HasPrefix(a, "panic-raft-raft-node-becomeleader-"), a)
	assert.True(t, strings.HasSuffix(a, ".json"))
	assert.NotEqual(t, failureFileName("a/b"), failureFileName("a-b"), "colliding slugs differ by hash")
	assert.Equal(t, failureFileName("a/b"), failureFileName("a/b"))
	assert.True(t, strings.HasPrefix(failureFileName("///"), "failure-"))
	assert.LessOrEqual(t, len(failureFileName(strings.Repeat("x", 500))), 80)
}

func ref(i uint64) SeedRef {
	return SeedRef{Index: i, Seed: 0, Scenario: "s", File: "f", TraceHash: "h"}
}

// A signature keeps its lowest index first and the next lowest as
// examples, whatever order the seeds arrive in.
func TestSignatureKeepsLowestIndexes(t *testing.T) {
	s := newSummary(Campaign{Shards: 1}, allSeeds)
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
	a := newSummary(Campaign{Seed: 1, Shards: 2}, shard{1, 2})
	b := newSummary(Campaign{Seed: 2, Shards: 2}, shard{2, 2})
	_, err := mergeSummaries([]*Summary{a, b})
	assert.ErrorContains(t, err, "another campaign")
	c := newSummary(Campaign{Seed: 1, Shards: 2}, shard{1, 2})
	_, err = mergeSummaries([]*Summary{a, c})
	assert.ErrorContains(t, err, "shard 1 is in both")
	a.Complete = true
	m, err := mergeSummaries([]*Summary{a})
	require.NoError(t, err)
	assert.False(t, m.Complete, "shard 2 is missing")
	assert.Equal(t, []int{2}, missingShards(m))
}

func TestDecodeSummaryChecks(t *testing.T) {
	for _, tt := range []struct{ text, want string }{
		{`{`, "unexpected EOF"},
		{`{"format":"x"}`, `format "x"`},
		{`{"format":"raftsim-campaign","version":1,"campaign":{"shards":1},"shards":[2]}`, "shard 2 of 1"},
		{`{"format":"raftsim-campaign","version":1,"campaign":{"shards":1},"shards":[1],"seeds":3,"passed":1,"failed":1}`, "seeds 3"},
		{`{"format":"raftsim-campaign","version":1,"campaign":{"shards":1},"shards":[1],"seeds":1,"failed":1,"failures":[]}`, "signatures count 0"},
		{`{"format":"raftsim-campaign","version":1,"campaign":{"shards":1},"shards":[1],"bogus":1}`, "unknown field"},
		{`{"format":"raftsim-campaign","version":1,"campaign":{"shards":1},"shards":[1]} {}`, "trailing data"},
	} {
		_, err := decodeSummary(strings.NewReader(tt.text))
		require.ErrorIs(t, err, errBadSummary, tt.text)
		assert.Contains(t, err.Error(), tt.want, tt.text)
	}
}

func TestJUnitReport(t *testing.T) {
	s := newSummary(Campaign{Seed: 3, Scenario: "all", Shards: 1}, allSeeds)
	s.Seeds, s.Failed, s.Passed = 3, 2, 1
	f := &harness.Failure{Class: "invariant", Check: "election-safety", Message: "two leaders <in> term 3 \x00"}
	s.addFailure("invariant/election-safety", f, SeedRef{Index: 4, Message: f.Message, Reproduce: "raftsim run --seed 9", File: "out/x.json"})
	s.addFailure("invariant/election-safety", f, SeedRef{Index: 7, Message: f.Message, Reproduce: "raftsim run --seed 10"})
	b, err := junitReport(s)
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

func TestProgressLine(t *testing.T) {
	start := time.Unix(1000, 0)
	p := &progress{start: start, total: 100}
	s := newSummary(Campaign{Shards: 1}, allSeeds)
	s.Seeds, s.Failed = 25, 2
	s.addFailure("a/b", &harness.Failure{Class: "a", Check: "b"}, ref(1))
	line := p.line(s, start.Add(5*time.Second), true)
	assert.Equal(t, "[######..................] 25/100 seeds, 5 seeds/s, 2 failed (1 distinct), 15s left", line)
	p = &progress{start: start, deadline: start.Add(time.Minute)}
	line = p.line(s, start.Add(15*time.Second), false)
	assert.Equal(t, "25 seeds, 2 seeds/s, 2 failed (1 distinct), 45s left", line)
}

func TestWithBugsAddsKnobs(t *testing.T) {
	a, err := zoo.Parse("prevote-never-grants")
	require.NoError(t, err)
	b, err := zoo.Parse("truncate-on-stale-append")
	require.NoError(t, err)
	got := withBugs(a, b)
	assert.Equal(t, []string{"prevote-never-grants", "truncate-on-stale-append"}, got.Names())
	assert.Equal(t, a, withBugs(a, zoo.Bugs{}))
}

func TestParseArgsInterspersed(t *testing.T) {
	fs := newFlagSet("x", "Usage: raftsim x", "  raftsim x\n", &strings.Builder{})
	v := fs.Bool("v", false, "")
	pos, code, done := parseArgs(fs, []string{"a", "-v", "b", "--", "-c"})
	require.False(t, done, code)
	assert.True(t, *v)
	assert.Equal(t, []string{"a", "b", "-c"}, pos)
}
