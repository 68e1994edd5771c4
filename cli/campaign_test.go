package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftsim/raftsim/campaign"
	"github.com/raftsim/raftsim/failfile"
)

// readSummary reads a summary the binary wrote.
func readSummary(t *testing.T, path string) *campaign.Summary {
	t.Helper()
	s, err := campaign.ReadSummaryFile(path)
	require.NoError(t, err)
	return s
}

// A planted bug fails every seed: the campaign keeps one failure file for
// the one signature, and replay reproduces it with the same trace hash.
func TestCampaignPlantedFailureReplays(t *testing.T) {
	dir := t.TempDir()
	r := raftsimBin(t, dir, "fuzz", "--campaign-seed", "11", "--seeds", "8", "--short",
		"--bugs", "prevote-never-grants", "--out", "failures", "--summary", "summary.json", "--junit", "junit.xml")
	require.Equal(t, exitFailure, r.code, "a failure was found: %s%s", r.stdout, r.stderr)
	assert.Contains(t, r.stdout, "verdict    FAIL")
	s := readSummary(t, filepath.Join(dir, "summary.json"))
	assert.Equal(t, 8, s.Seeds)
	assert.Equal(t, 8, s.Failed)
	require.Len(t, s.Failures, 1)
	f := s.Failures[0]
	assert.Equal(t, "liveness/leader", f.Signature)
	assert.Equal(t, 8, f.Count)
	assert.Equal(t, uint64(0), f.First.Index, "the lowest index is kept, whatever finished first")
	files, err := filepath.Glob(filepath.Join(dir, "failures", "*"))
	require.NoError(t, err)
	require.Equal(t, []string{filepath.Join(dir, f.First.File)}, files, "one file per signature, no temporary left")

	rep := raftsimBin(t, dir, "replay", "--json", f.First.File)
	require.Equal(t, exitPass, rep.code, rep.stdout+rep.stderr)
	var v replayVerdict
	require.NoError(t, json.Unmarshal([]byte(rep.stdout), &v))
	assert.Equal(t, "reproduced", v.Verdict)
	assert.Equal(t, f.First.TraceHash, v.Replayed.TraceHash)
	assert.True(t, v.SameFailure)
	assert.False(t, v.VersionDiffers)

	junit, err := os.ReadFile(filepath.Join(dir, "junit.xml"))
	require.NoError(t, err)
	assert.Contains(t, string(junit), `seeds failed: liveness/leader"`)
	assert.Contains(t, string(junit), "raftsim replay "+f.First.File)
}

// A bug that fails seeds in whatever ways the harness catches: counts add
// up per signature and per scenario, and each signature has one file, of
// its lowest failing index. (Which index wins whatever order the seeds
// finish in is TestSignatureKeepsLowestIndexes.)
func TestCampaignDeduplicates(t *testing.T) {
	dir := t.TempDir()
	t.Parallel()
	r := raftsimBin(t, dir, "fuzz", "--campaign-seed", "7", "--seeds", "40", "--short",
		"--bugs", "volatile-commit-restart", "--out", "failures", "--json", "--workers", "2")
	require.Equal(t, exitFailure, r.code, r.stderr)
	s, err := campaign.DecodeSummary(strings.NewReader(r.stdout))
	require.NoError(t, err)
	assert.Equal(t, 40, s.Seeds)
	require.NotEmpty(t, s.Failures)
	files, _ := filepath.Glob(filepath.Join(dir, "failures", "*.json"))
	assert.Len(t, files, len(s.Failures))
	counted := 0
	for _, f := range s.Failures {
		ff, err := failfile.Read(filepath.Join(dir, f.First.File))
		require.NoError(t, err)
		assert.Equal(t, f.First.Seed, ff.Seed)
		assert.Equal(t, f.Signature, ff.Failure.Signature())
		assert.Equal(t, "fail", ff.Expect)
		assert.Len(t, f.Examples, min(f.Count-1, campaign.MaxExamples))
		for _, e := range f.Examples {
			assert.Greater(t, e.Index, f.First.Index)
		}
		counted += f.Count
	}
	assert.Equal(t, s.Failed, counted)
	seeds, failed := 0, 0
	for _, sc := range s.Scenarios {
		seeds, failed = seeds+sc.Seeds, failed+sc.Failed
	}
	assert.Equal(t, 40, seeds, "every seed counted under its scenario")
	assert.Equal(t, s.Failed, failed)
}

// comparable strips what depends on the machine or on the sharding: the
// wall time, the shards, and where the failure files are (each shard names
// its own).
func comparable(s *campaign.Summary) *campaign.Summary {
	c := *s
	c.Wall, c.Shards, c.Campaign.Shards = campaign.Wall{}, nil, 0
	c.Failures = slices.Clone(s.Failures)
	for i := range c.Failures {
		c.Failures[i].First.File = ""
	}
	return &c
}

// Shards 1/3, 2/3 and 3/3, each run in a directory of its own as CI jobs
// would be, merge into the summary of the unsharded campaign.
func TestShardsMergeToTheUnshardedCampaign(t *testing.T) {
	t.Parallel()
	args := []string{"fuzz", "--campaign-seed", "7", "--seeds", "40", "--short", "--scenario", "all",
		"--bugs", "volatile-commit-restart", "--out", "failures", "--summary", "summary.json", "--progress", "none"}
	whole := t.TempDir()
	require.Equal(t, exitFailure, raftsimBin(t, whole, args...).code)
	var parts []string
	for _, sh := range []struct{ flag, env string }{
		{"1/3", ""}, {"2/3", ""},
		{"/3", "JOB_COMPLETION_INDEX=2"}, // the third as a Kubernetes indexed Job's pod runs it
	} {
		dir := t.TempDir()
		r := raftsimEnv(t, dir, []string{sh.env}, append(args, "--shard", sh.flag)...)
		require.Contains(t, []int{exitPass, exitFailure}, r.code, r.stderr)
		parts = append(parts, filepath.Join(dir, "summary.json"))
	}
	mergedPath := filepath.Join(t.TempDir(), "merged.json")
	r := raftsimBin(t, whole, append([]string{"merge", "--summary", mergedPath}, parts...)...)
	require.Equal(t, exitFailure, r.code, r.stdout+r.stderr)
	merged := readSummary(t, mergedPath)
	want := readSummary(t, filepath.Join(whole, "summary.json"))
	assert.Equal(t, []int{1, 2, 3}, merged.Shards)
	assert.True(t, merged.Complete)
	assert.Equal(t, comparable(want), comparable(merged))
	assert.Greater(t, want.Failed, 0)
	for _, f := range merged.Failures {
		// The merged summary names, relative to itself, the file of the
		// shard that found the signature's lowest index: one that exists
		// and holds that seed.
		require.NotEmpty(t, f.First.File, f.Signature)
		ff, err := failfile.Read(filepath.Join(filepath.Dir(mergedPath), f.First.File))
		require.NoError(t, err, f.Signature)
		assert.Equal(t, f.First.Seed, ff.Seed, f.Signature)
	}

	// A lost shard fails the merge, in its exit status, its report and its
	// JUnit, so that a nightly with a shard missing is never green.
	junit := filepath.Join(t.TempDir(), "merged.xml")
	r = raftsimBin(t, whole, "merge", "--junit", junit, parts[0], parts[2])
	require.Equal(t, exitFailure, r.code, r.stdout+r.stderr)
	assert.Contains(t, r.stdout, "problem    shards 2 of 3 are missing")
	x, err := os.ReadFile(junit)
	require.NoError(t, err)
	assert.Contains(t, string(x), `<failure message="shards 2 of 3 are missing`)
	r = raftsimBin(t, whole, "merge", parts[0], parts[1], parts[1], parts[2])
	require.Equal(t, exitFailure, r.code, r.stdout+r.stderr)
	assert.Contains(t, r.stdout, "is in both")
}

// A pass with a shard missing is a failure too.
func TestMergeOfPassingShardsWithOneMissingFails(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	r := raftsimBin(t, dir, "fuzz", "--campaign-seed", "5", "--seeds", "4", "--short", "--scenario", "baseline",
		"--shard", "1/2", "--summary", "s1.json", "--progress", "none")
	require.Equal(t, exitPass, r.code, r.stdout+r.stderr)
	r = raftsimBin(t, dir, "merge", "s1.json")
	assert.Equal(t, exitFailure, r.code, r.stdout+r.stderr)
	assert.Contains(t, r.stdout, "verdict    FAIL: the summaries do not cover the campaign")
}

// Two campaigns into one --out keep both their failure files.
func TestSecondCampaignKeepsTheFirstsFailureFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, seed := range []string{"11", "12"} {
		r := raftsimBin(t, dir, "fuzz", "--campaign-seed", seed, "--seeds", "2", "--short", "--scenario", "baseline",
			"--bugs", "prevote-never-grants", "--out", "failures", "--summary", "s"+seed+".json", "--progress", "none")
		require.Equal(t, exitFailure, r.code, r.stdout+r.stderr)
	}
	for _, seed := range []string{"11", "12"} {
		s := readSummary(t, filepath.Join(dir, "s"+seed+".json"))
		require.Len(t, s.Failures, 1)
		ff, err := failfile.Read(filepath.Join(dir, s.Failures[0].First.File))
		require.NoError(t, err)
		assert.Equal(t, s.Failures[0].First.Seed, ff.Seed, "campaign %s's file is its own", seed)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "failures", "*.json"))
	assert.Len(t, files, 2)
}

// --guided runs a guided campaign: the summary says so and counts the
// perturbations, and the report line shows them.
func TestGuidedCampaign(t *testing.T) {
	dir := t.TempDir()
	r := raftsimBin(t, dir, "fuzz", "--guided", "--campaign-seed", "3", "--seeds", "96", "--short",
		"--scenario", "leader-isolation", "--out", "", "--summary", "summary.json")
	require.Equal(t, exitPass, r.code, r.stdout+r.stderr)
	s := readSummary(t, filepath.Join(dir, "summary.json"))
	assert.True(t, s.Campaign.Guided)
	assert.Equal(t, 96, s.Seeds)
	assert.Positive(t, s.Perturbed, "some seeds hit rare probes and were perturbed")
	assert.Contains(t, r.stdout, "perturbations")
}
