package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestEmittedGoTestCompilesAndRuns pastes the emitted tests into a module
// of their own that requires raftsim (this checkout), and runs them: the
// specimen's asserts the same failure and trace hash, the fixed bug's
// asserts a pass. Then it flips the specimen's stillFails, as a reader
// would after a fix, and the test must fail saying the bug is back.
func TestEmittedGoTestCompilesAndRuns(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a module")
	}
	root, err := filepath.Abs("..")
	require.NoError(t, err)
	dir := t.TempDir()
	gomod := "module example.com/regression\n\ngo 1.23\n\nrequire github.com/raftsim/raftsim v0.0.0\n\nreplace github.com/raftsim/raftsim => " + root + "\n"
	require.NoError(t, os.WriteFile(filepath.Join(dir, "go.mod"), []byte(gomod), 0o644))
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "go.sum"), sum, 0o644))
	emit := func(file, as string) string {
		code, stdout, stderr := raftsim("replay", "--emit", "go-test", file)
		require.Equal(t, exitPass, code, stderr)
		require.True(t, strings.HasPrefix(stdout, "package regression_test\n"), stdout)
		require.NoError(t, os.WriteFile(filepath.Join(dir, as), []byte(stdout), 0o644))
		return stdout
	}
	spec := emit(specimen, "specimen_test.go")
	assert.Contains(t, spec, "const stillFails = true")
	fixed := emit("../testdata/failures/fixed-snapshot-for-index-1.json", "fixed_test.go")
	assert.Contains(t, fixed, "const stillFails = false")

	out, err := goTest(dir)
	require.NoError(t, err, "the emitted tests compile as pasted and pass:\n%s", out)
	assert.Contains(t, out, "--- PASS: TestRegressionZooVoteWithoutLogCheck")
	assert.Contains(t, out, "--- PASS: TestRegressionFixedSnapshotForIndex1")

	flipped := strings.Replace(spec, "const stillFails = true", "const stillFails = false", 1)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "specimen_test.go"), []byte(flipped), 0o644))
	out, err = goTest(dir)
	require.Error(t, err, "a specimen declared fixed fails:\n%s", out)
	assert.Contains(t, out, "a fixed bug fails again")
}

func goTest(dir string) (string, error) {
	gobin := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(gobin); err != nil {
		gobin = "go"
	}
	cmd := exec.Command(gobin, "test", "-v", "-count=1", ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOWORK=off")
	out, err := cmd.CombinedOutput()
	return string(out), err
}
