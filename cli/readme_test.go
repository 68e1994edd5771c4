package cli

import (
	"flag"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var updateReadme = flag.Bool("update", false, "rewrite the README's samples from the real binary (TestReadmeSamples)")

// readmeSample marks a sample in the README: the command line it is the
// output of, then a fenced block with that output.
var readmeSample = regexp.MustCompile("(?s)<!-- sample: (raftsim [^>]*?) -->\n```\n(.*?)```\n")

// wallTime is what depends on the machine in a run's output: the wall time
// and the speed-up over virtual time.
var wallTime = regexp.MustCompile(`[0-9.]+(ns|µs|ms|s|m) wall, [0-9.]+x`)

// The README's sample outputs are the real binary's, so they cannot drift:
// each is rerun and compared, with only the wall time left out. After a
// change of output that is meant: go test ./cli -run Readme -update.
func TestReadmeSamples(t *testing.T) {
	const path = "../README.md"
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	readme := string(b)
	samples := readmeSample.FindAllStringSubmatchIndex(readme, -1)
	require.NotEmpty(t, samples, "the README marks its samples with <!-- sample: raftsim ... -->")
	var out strings.Builder
	last := 0
	for _, m := range samples {
		command, shown := readme[m[2]:m[3]], readme[m[4]:m[5]]
		args := strings.Fields(strings.TrimPrefix(command, "raftsim "))
		r := raftsimBin(t, t.TempDir(), args...)
		require.Contains(t, []int{exitPass, exitFailure}, r.code, "%s: %s", command, r.stderr)
		if *updateReadme {
			out.WriteString(readme[last:m[4]] + r.stdout)
			last = m[5]
			continue
		}
		assert.Equal(t, wallTime.ReplaceAllString(shown, "WALL"), wallTime.ReplaceAllString(r.stdout, "WALL"),
			"the README's output of %q is not what it prints (go test ./cli -run Readme -update)", command)
	}
	if *updateReadme {
		out.WriteString(readme[last:])
		require.NoError(t, os.WriteFile(path, []byte(out.String()), 0o644))
	}
}
