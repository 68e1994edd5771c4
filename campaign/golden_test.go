package campaign

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftsim/raftsim/internal/zoo"
)

var update = flag.Bool("update", false, "rewrite the golden files of TestGoldenFormats")

// The formats a campaign writes stay what `raftsim fuzz` wrote before the
// engine became this package: the golden files under testdata/golden were
// written by that build (raftsim fuzz --campaign-seed 11 --seeds 6 --short
// --bugs prevote-never-grants --out failures --summary summary.json
// --junit junit.xml --workers 2), with what depends on the machine (wall
// time, the build's version) blanked. Rewrite them with -update only for
// a change of format that is meant.
func TestGoldenFormats(t *testing.T) {
	golden, err := filepath.Abs("testdata/golden")
	require.NoError(t, err)
	t.Chdir(t.TempDir())
	bugs, err := zoo.Parse("prevote-never-grants")
	require.NoError(t, err)
	sum, err := Run(Spec{Seed: 11, Seeds: 6, Short: true, Bugs: bugs, Workers: 2}, "failures", nil)
	require.NoError(t, err)
	require.NoError(t, WriteSummaryFile("summary.json", sum))
	require.NoError(t, WriteJUnitFile("junit.xml", sum))
	var text bytes.Buffer
	sum.WriteText(&text)

	files, err := filepath.Glob("failures/*.json")
	require.NoError(t, err)
	require.Len(t, files, 1, "one signature, one file")
	checkGolden(t, filepath.Join(golden, filepath.Base(files[0])), blankFailureFile(read(t, files[0])))
	checkGolden(t, filepath.Join(golden, "summary.json"), blankSummary(t, read(t, "summary.json")))
	checkGolden(t, filepath.Join(golden, "junit.xml"), blankJUnit(read(t, "junit.xml")))
	checkGolden(t, filepath.Join(golden, "report.txt"), regexp.MustCompile(`wall .*\n`).ReplaceAllString(text.String(), "wall       WALL\n"))
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(b)
}

func checkGolden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
		return
	}
	assert.Equal(t, read(t, path), got, "%s: the format changed (go test ./campaign -run TestGoldenFormats -update, if meant)", path)
}

var versionField = regexp.MustCompile(`"raftsim": "[^"]*"`)

func blankFailureFile(s string) string {
	return versionField.ReplaceAllString(s, `"raftsim": "VERSION"`)
}

// blankSummary blanks the wall time and the version (the golden file was
// blanked the same way, and indented as WriteSummaryFile does).
func blankSummary(t *testing.T, s string) string {
	var v Summary
	require.NoError(t, json.Unmarshal([]byte(s), &v))
	v.Wall, v.Raftsim = Wall{}, "VERSION"
	b, err := json.MarshalIndent(&v, "", "  ")
	require.NoError(t, err)
	return string(b) + "\n"
}

func blankJUnit(s string) string {
	s = regexp.MustCompile(`time="[0-9.]+"`).ReplaceAllString(s, `time="T"`)
	s = regexp.MustCompile(`<property name="raftsim" value="[^"]*">`).ReplaceAllString(s, `<property name="raftsim" value="VERSION">`)
	return regexp.MustCompile(`timestamp="[^"]*"`).ReplaceAllString(s, `timestamp="TS"`)
}
