package cli

import (
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// everyCommand is each command line that has its own help.
func everyCommand() [][]string {
	var out [][]string
	for _, c := range commands() {
		out = append(out, []string{c.name})
	}
	return append(out, []string{"bench", "zoo"}, []string{"bench", "mutants"})
}

var (
	flagLine  = regexp.MustCompile(`^  -{1,2}\S`)
	goodFlag  = regexp.MustCompile(`^  --[a-z][a-z0-9-]*( [a-z]+)?$`)
	usageLine = regexp.MustCompile(`^    \t`)
)

// Help that is asked for is output: on stdout, exit 0, with `raftsim help
// CMD` the same as `raftsim CMD --help`; its flags are spelled --flag, and
// each value's placeholder is one word (flag takes a usage string's first
// back-quoted text as the placeholder, which once gave
// "-scenario raftsim scenarios").
func TestHelpIsOnStdoutWithDoubleDashFlags(t *testing.T) {
	for _, cmd := range everyCommand() {
		name := strings.Join(cmd, " ")
		code, stdout, stderr := raftsim(append(cmd, "--help")...)
		require.Equal(t, exitPass, code, name)
		assert.Empty(t, stderr, "%s --help: nothing on stderr", name)
		assert.Contains(t, stdout, "Usage: raftsim "+name, name)
		assert.Contains(t, stdout, "Flags:", name)
		code, viaHelp, stderr := raftsim(append([]string{"help"}, cmd...)...)
		assert.Equal(t, exitPass, code, name)
		assert.Empty(t, stderr, name)
		assert.Equal(t, stdout, viaHelp, "raftsim help %s is raftsim %s --help", name, name)
		code, short, _ := raftsim(append(cmd, "-h")...)
		assert.Equal(t, exitPass, code, name)
		assert.Equal(t, stdout, short, name)
		flags := 0
		for _, line := range strings.Split(stdout, "\n") {
			if !flagLine.MatchString(line) || usageLine.MatchString(line) {
				continue
			}
			if strings.HasPrefix(line, "  raftsim") { // an example
				continue
			}
			flags++
			assert.Regexp(t, goodFlag, line, "%s: a flag line", name)
		}
		assert.Positive(t, flags, "%s lists its flags", name)
	}
	code, stdout, _ := raftsim("help")
	assert.Equal(t, exitPass, code)
	assert.Contains(t, stdout, "Commands:")
	code, _, stderr := raftsim("help", "nosuch")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, `unknown command "nosuch"`)
}

// A bad flag is a diagnostic: stderr, exit 2, nothing on stdout.
func TestBadFlagGoesToStderr(t *testing.T) {
	for _, cmd := range everyCommand() {
		code, stdout, stderr := raftsim(append(cmd, "--no-such-flag")...)
		assert.Equal(t, exitUsage, code, cmd)
		assert.Empty(t, stdout, cmd)
		assert.Contains(t, stderr, "no-such-flag", cmd)
	}
}

// --version says the build: raftsim's module version and the toolchain,
// from the binary's build info.
func TestVersion(t *testing.T) {
	for _, arg := range []string{"--version", "-version", "version"} {
		code, stdout, _ := raftsim(arg)
		require.Equal(t, exitPass, code, arg)
		assert.True(t, strings.HasPrefix(stdout, "raftsim "), stdout)
		assert.Contains(t, stdout, runtime.Version())
	}
	r := raftsimBin(t, t.TempDir(), "--version")
	require.Equal(t, exitPass, r.code)
	assert.Contains(t, r.stdout, runtime.Version())
}

// --out means one thing on every command that has it: a directory.
func TestOutIsADirectoryEverywhere(t *testing.T) {
	n := 0
	for _, cmd := range everyCommand() {
		_, stdout, _ := raftsim(append(cmd, "--help")...)
		lines := strings.Split(stdout, "\n")
		for i, line := range lines {
			if strings.HasPrefix(line, "  --out ") {
				n++
				require.Less(t, i+1, len(lines))
				assert.Contains(t, lines[i+1], "directory", "%v --out", cmd)
			}
		}
	}
	assert.GreaterOrEqual(t, n, 3, "run, fuzz and shrink have --out")
}
