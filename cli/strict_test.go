package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftsim/raftsim/campaign"
)

// badCopies writes one copy of good per rule a strict reader enforces: a
// repeated field, a field in another case, invalid UTF-8 and a lone
// surrogate, each made at anchor (a top-level `"key": "value"` pair).
func badCopies(t *testing.T, good, anchor string) map[string]string {
	t.Helper()
	a := strings.Index(good, anchor)
	require.Positive(t, a, "anchor %q", anchor)
	key, val, _ := strings.Cut(anchor, ": ")
	val = strings.Trim(val, `"`)
	rest := good[a+len(anchor):]
	docs := map[string]string{
		"repeated":  good[:a] + anchor + ", " + anchor + rest,
		"case":      good[:a] + `"` + strings.ToUpper(key[1:2]) + key[2:] + good[a+len(key):],
		"utf8":      good[:a] + key + `: "` + val[:1] + "\xff" + val[1:] + `"` + rest,
		"surrogate": good[:a] + key + `: "` + val[:1] + `\udc00` + val[1:] + `"` + rest,
	}
	dir := t.TempDir()
	paths := map[string]string{}
	for name, doc := range docs {
		p := filepath.Join(dir, name+".json")
		require.NoError(t, os.WriteFile(p, []byte(doc), 0o644))
		paths[name] = p
	}
	return paths
}

var lineColumn = regexp.MustCompile(`line \d+, column \d+: `)

// raftsim replay and raftsim merge refuse each strictly bad file with exit
// 2 and the place of the problem.
func TestReplayAndMergeRefuseNonStrictJSON(t *testing.T) {
	path, _ := failureFile(t, t.TempDir())
	good, err := os.ReadFile(path)
	require.NoError(t, err)
	for name, p := range badCopies(t, string(good), `"scenario": "default"`) {
		code, out, errs := raftsim("replay", p)
		assert.Equal(t, exitUsage, code, "replay %s: %s%s", name, out, errs)
		assert.Regexp(t, lineColumn, errs, "replay %s", name)
	}

	s := campaign.NewSummary(campaign.Campaign{Scenario: "default", Shards: 1}, campaign.AllSeeds)
	b, err := json.MarshalIndent(s, "", "  ")
	require.NoError(t, err)
	for name, p := range badCopies(t, string(b), `"format": "raftsim-campaign"`) {
		code, out, errs := raftsim("merge", p)
		assert.Equal(t, exitUsage, code, "merge %s: %s%s", name, out, errs)
		assert.Regexp(t, lineColumn, errs, "merge %s", name)
	}
}
