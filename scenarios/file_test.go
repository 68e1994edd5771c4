package scenarios

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftsim/raftsim/faults"
	"github.com/raftsim/raftsim/harness"
)

func TestLoadExampleFileAndRunIt(t *testing.T) {
	s, err := Load("testdata/slow-followers.json")
	require.NoError(t, err)
	assert.Equal(t, "slow-followers", s.Name)
	cfg := s.Config(3, false)
	assert.Equal(t, 5, cfg.Nodes)
	assert.Equal(t, 8*time.Second, cfg.Duration)
	assert.Equal(t, 300*time.Millisecond, cfg.Raft.ElectionTimeoutMin)
	require.Len(t, cfg.Plan.Steps, 2)
	res, err := harness.Run(cfg, 3)
	require.NoError(t, err)
	assert.Nil(t, res.Failure)
	assert.True(t, IsFile("testdata/slow-followers.json"))
	assert.False(t, IsFile("leader-isolation"))
}

func TestScenarioFileErrorsSayWhatAndWhere(t *testing.T) {
	good, err := os.ReadFile("testdata/slow-followers.json")
	require.NoError(t, err)
	for _, tt := range []struct{ edit, want string }{
		{`{"name": "x"`, "truncated"},
		{strings.Replace(string(good), `"slow-followers"`, `"Slow Followers"`, 1), `name "Slow Followers"`},
		{strings.Replace(string(good), `"base": "baseline"`, `"base": "nope"`, 1), `base: scenarios: unknown scenario "nope"`},
		{strings.Replace(string(good), `"summary"`, `"sumary"`, 1), `unknown field "sumary"`},
		{strings.Replace(string(good), `"electionTimeoutMin": "300ms"`, `"electionTimeoutMin": "fast"`, 1), `config.raft.electionTimeoutMin: "fast" is not a duration`},
		{strings.Replace(string(good), `"nodes": 5`, `"nodez": 5`, 1), "config.nodez: unknown field"},
		{strings.Replace(string(good), `"to": [4, 5]`, `"to": [4, 9]`, 1), "node 9 is not in a cluster of 5"},
		{strings.Replace(string(good), `"nodes": 5`, `"nodes": 0`, 1), "config: harness: config: nodes 0"},
		{string(good) + "[]", "trailing data"},
	} {
		p := filepath.Join(t.TempDir(), "s.json")
		require.NoError(t, os.WriteFile(p, []byte(tt.edit), 0o644))
		_, err := Load(p)
		require.ErrorIs(t, err, ErrBadScenarioFile, tt.want)
		assert.Contains(t, err.Error(), tt.want)
		assert.Contains(t, err.Error(), p, "names the file")
	}
}

// parseErr parses text and returns its error, which must be a scenario
// file error.
func parseErr(t *testing.T, text string) string {
	t.Helper()
	_, err := Parse([]byte(text))
	require.ErrorIs(t, err, ErrBadScenarioFile, text)
	return err.Error()
}

const header = `{"name": "x", "summary": "s", "doc": "d", "base": "baseline",
 "config": `

// Every error says where: line and column.
func TestScenarioFileErrorsHaveLineAndColumn(t *testing.T) {
	for _, tt := range []struct{ text, want string }{
		{header + `{"duration": 5}}`, `2:25: config.duration: a duration is a string with a unit, such as "5s"`},
		{header + `{"raft": {"electionTimeoutMin": 150000000}}}`, "2:44: config.raft.electionTimeoutMin: a duration is a string with a unit"},
		{header + `{"nodes": 5,}}`, "2:24: invalid character '}'"},
		{header + `{"nodes": 5, "nodes": 3}}`, `2:25: field "nodes" appears twice`},
		{header + `{"nodez": 5}}`, "2:13: config.nodez: unknown field"},
		{header + `{"Nodes": 5}}`, "2:13: config.Nodes: unknown field"},
		{header + `{"duration": "5 s"}}`, `2:25: config.duration: "5 s" is not a duration`},
		{"{\"name\": \"x\",\n  \"Summary\": \"s\"}", `2:3: unknown field "Summary"`},
		{"{\"name\": \"x\", \"summary\": \"s\", \"doc\": \"d\"}", "1:1: base is missing: name the built-in scenario"},
		{"{\"name\": \"x\", \"summary\": \"s\",\n \"doc\": \"d\", \"base\": 3}", "2:22: base: want a string"},
		{"{\"name\": \"x\"\n", "2:1: truncated"},
		{"{\"name\": \"x\xff\"}", "1:12: the file is not valid UTF-8"},
		{"/* never closed\n{}", "1:1: a /* comment is never closed"},
		{header + `{}} []`, "2:16: trailing data"},
		{"[1]", "1:1: want a JSON object"},
	} {
		assert.Contains(t, parseErr(t, tt.text), tt.want, tt.text)
	}
}

// Comments are blanked, not parsed around: positions after them stay
// right, and comment markers inside strings are text.
func TestScenarioFileAcceptsComments(t *testing.T) {
	s, err := Parse([]byte(`// a scenario of my own
{
  "name": "x", /* the name */ "summary": "a // is not a comment here",
  "doc": "d /* nor this */",
  "base": "baseline", // required
  "config": {"nodes": 5}
}`))
	require.NoError(t, err)
	assert.Equal(t, "a // is not a comment here", s.Summary)
	assert.Equal(t, "d /* nor this */", s.Doc)
	assert.Equal(t, 5, s.Config(1, false).Nodes)
	msg := parseErr(t, "// line one\n/* two\nthree */ {\"name\": \"x\", \"summary\": \"s\", \"doc\": \"d\", \"base\": \"baseline\", \"config\": {\"duration\": 7}}")
	assert.Contains(t, msg, "3:95: config.duration")
}

// A file that lengthens the run and writes no plan stretches its base's
// plan over the whole run; one that keeps the duration keeps the plan
// exactly; a plan written in the file is in absolute time.
func TestScenarioFilePlanTimesScaleWithTheDuration(t *testing.T) {
	base, err := Get("flapping-partitions")
	require.NoError(t, err)
	const seed = 5
	want := base.Build(seed)
	require.NotEmpty(t, want.Plan.Steps)
	file := func(config string) Scenario {
		s, err := Parse([]byte(`{"name": "x", "summary": "s", "doc": "d", "base": "flapping-partitions", "config": ` + config + `}`))
		require.NoError(t, err)
		return s
	}
	same := file(`{"nodes": ` + strconv.Itoa(want.Nodes) + `}`).Build(seed)
	assert.Equal(t, want.Plan, same.Plan, "no duration change: the base's plan as it is")

	long := file(`{"duration": "` + (6 * want.Duration).String() + `"}`).Build(seed)
	require.Len(t, long.Plan.Steps, len(want.Plan.Steps))
	for i, st := range long.Plan.Steps {
		assert.Equal(t, 6*want.Plan.Steps[i].At, st.At, "step %d is six times later", i)
		assert.Equal(t, want.Plan.Steps[i].For, st.For, "step %d lasts as long", i)
	}
	assert.Greater(t, long.Plan.End(), want.Duration, "the faults reach past the base's duration")

	own := file(`{"duration": "60s", "plan": {"steps": [{"at": "2s", "kind": "reset-links"}]}}`).Build(seed)
	require.Len(t, own.Plan.Steps, 1)
	assert.Equal(t, 2*time.Second, own.Plan.Steps[0].At, "a written plan is in absolute time")
}

func TestStretchPlanIsExactForLongRuns(t *testing.T) {
	p := faults.Plan{Steps: []faults.Step{{At: 9 * time.Second}, {At: 0}, {At: time.Hour}}}
	got := stretchPlan(p, 10*time.Second, 1000*time.Hour)
	assert.Equal(t, 900*time.Hour, got.Steps[0].At, "no overflow of at × duration")
	assert.Equal(t, time.Duration(0), got.Steps[1].At, "steps before boot stay there")
	assert.Equal(t, 9*time.Second, p.Steps[0].At, "the base's plan is not modified")
}
