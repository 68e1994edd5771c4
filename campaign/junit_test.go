package campaign

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftsim/raftsim/internal/atomicfile"
	"github.com/raftsim/raftsim/internal/zoo"
)

// The JUnit reports raftsim writes validate against the JUnit schema in
// testdata/junit.xsd, with xmllint (Debian's libxml2-utils; .ci/run
// installs it and sets RAFTSIM_REQUIRE_XMLLINT=1, so there the test cannot
// skip): a real campaign with failures, an interrupted one, a merge with
// a missing shard, and undecided seeds.
func TestJUnitMatchesTheSchema(t *testing.T) {
	xmllint, err := exec.LookPath("xmllint")
	if err != nil {
		if os.Getenv("RAFTSIM_REQUIRE_XMLLINT") != "" {
			t.Fatal("xmllint is not installed (apt-get install libxml2-utils) and RAFTSIM_REQUIRE_XMLLINT is set")
		}
		t.Skip("xmllint is not installed (apt-get install libxml2-utils): the schema is not checked")
	}
	schema, err := filepath.Abs("testdata/junit.xsd")
	require.NoError(t, err)
	bugs, err := zoo.Parse("prevote-never-grants")
	require.NoError(t, err)
	failing, err := Run(Spec{Seed: 11, Seeds: 4, Short: true, Bugs: bugs, Workers: 2}, t.TempDir(), nil)
	require.NoError(t, err)
	interrupted := *failing
	interrupted.Failed, interrupted.Passed, interrupted.Failures, interrupted.Interrupted = 0, failing.Seeds, nil, true
	half := NewSummary(Campaign{Seed: 1, Shards: 2}, Shard{1, 2})
	half.Wall.Started = time.Now()
	missing, err := Merge([]Part{{"s1.json", half}})
	require.NoError(t, err)
	undecided := NewSummary(Campaign{Seed: 1, Shards: 1}, AllSeeds)
	undecided.addScenario("s", Inconclusive, time.Second)
	undecided.Seeds, undecided.Inconclusive = 1, 1
	dir := t.TempDir()
	for name, s := range map[string]*Summary{"failing": failing, "interrupted": &interrupted, "missing": missing, "undecided": undecided} {
		path := filepath.Join(dir, name+".xml")
		require.NoError(t, WriteJUnitFile(path, s))
		out, err := exec.Command(xmllint, "--noout", "--schema", schema, path).CombinedOutput()
		assert.NoError(t, err, "%s: %s", name, out)
		assert.Contains(t, string(out), "validates", name)
	}
}

// The schema is not a rubber stamp: reports that break the common JUnit
// rules fail it.
func TestTheJUnitSchemaRejectsBadReports(t *testing.T) {
	xmllint, err := exec.LookPath("xmllint")
	if err != nil {
		t.Skip("xmllint is not installed (apt-get install libxml2-utils)")
	}
	dir := t.TempDir()
	for name, doc := range map[string]string{
		"no errors count": `<testsuites><testsuite name="x" tests="1" failures="0" time="1"><testcase name="a" classname="b" time="0"/></testsuite></testsuites>`,
		"no case time":    `<testsuites><testsuite name="x" tests="1" failures="0" errors="0" time="1"><testcase name="a" classname="b"/></testsuite></testsuites>`,
		"two outcomes":    `<testsuites><testsuite name="x" tests="1" failures="1" errors="1" time="1"><testcase name="a" classname="b" time="0"><error/><failure/></testcase></testsuite></testsuites>`,
		"negative time":   `<testsuites><testsuite name="x" tests="1" failures="0" errors="0" time="-1"><testcase name="a" classname="b" time="0"/></testsuite></testsuites>`,
	} {
		path := filepath.Join(dir, strings.ReplaceAll(name, " ", "-")+".xml")
		require.NoError(t, atomicfile.WriteFile(path, []byte(doc)))
		out, err := exec.Command(xmllint, "--noout", "--schema", "testdata/junit.xsd", path).CombinedOutput()
		assert.Error(t, err, "%s: %s", name, out)
	}
}

// A report has the same test cases whatever the seeds found: the
// campaign and one per scenario it draws from, with or without failures.
func TestJUnitCaseCountIsStable(t *testing.T) {
	count := func(spec Spec) int {
		s, err := Run(spec, "", nil)
		require.NoError(t, err)
		b, err := JUnit(s)
		require.NoError(t, err)
		return strings.Count(string(b), "<testcase ")
	}
	bugs, err := zoo.Parse("prevote-never-grants")
	require.NoError(t, err)
	n := len(NewRecorder(Spec{}, "").Summary.Scenarios) + 1
	assert.Equal(t, n, count(Spec{Seed: 1, Seeds: 2, Short: true, Workers: 2}))
	assert.Equal(t, n, count(Spec{Seed: 2, Seeds: 3, Short: true, Bugs: bugs, Workers: 2}))
}
