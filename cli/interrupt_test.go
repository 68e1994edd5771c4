package cli

import (
	"bufio"
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftsim/raftsim/failfile"
)

// Ctrl-C in the middle of a long campaign: the campaign stops within its
// grace, every failure it counted is on disk, and the summary says it was
// interrupted.
func TestInterruptLeavesFailuresAndSummary(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cmd, stdout, stderr := startLongCampaign(t, dir,
		"--bugs", "truncate-on-stale-append", "--out", "failures", "--summary", "summary.json")
	// Wait for a failure, then interrupt.
	lines := bufio.NewScanner(stderr)
	var log strings.Builder
	found := false
	deadline := time.Now().Add(40 * time.Second)
	for !found && time.Now().Before(deadline) && lines.Scan() {
		log.WriteString(lines.Text() + "\n")
		found = strings.Contains(lines.Text(), "new failure")
	}
	require.True(t, found, "no failure reported:\n%s", log.String())
	require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
	rest, _ := io.ReadAll(stderr)
	log.Write(rest)
	err := cmd.Wait()
	ee, ok := err.(*exec.ExitError)
	require.True(t, ok, "exits with a failure found: %v\n%s", err, log.String())
	assert.Equal(t, exitFailure, ee.ExitCode())
	assert.Contains(t, log.String(), "interrupted")

	s := readSummary(t, filepath.Join(dir, "summary.json"))
	assert.True(t, s.Interrupted)
	assert.False(t, s.Complete)
	assert.Less(t, s.Seeds, 100000)
	require.NotEmpty(t, s.Failures)
	var want []string
	for _, f := range s.Failures {
		path := filepath.Join(dir, f.First.File)
		ff, err := failfile.Read(path)
		require.NoError(t, err, "the failure of %s is on disk", f.Signature)
		assert.Equal(t, f.First.Seed, ff.Seed)
		want = append(want, path)
	}
	got, _ := filepath.Glob(filepath.Join(dir, "failures", "*"))
	assert.ElementsMatch(t, want, got, "exactly the summary's files, no temporary left")
	assert.Contains(t, stdout.String(), "interrupted before the budget was spent")
}

// SIGTERM (what Kubernetes sends) in a campaign that found nothing: the
// verdict is INTERRUPTED, with its own exit status, never PASS, and the
// report says how far it got.
func TestInterruptedCampaignIsNotAPass(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cmd, stdout, stderr := startLongCampaign(t, dir,
		"--scenario", "baseline", "--summary", "summary.json", "--junit", "junit.xml")
	lines := bufio.NewScanner(stderr)
	for lines.Scan() && !strings.Contains(lines.Text(), "seeds/s") {
	}
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	io.Copy(io.Discard, stderr)
	err := cmd.Wait()
	ee, ok := err.(*exec.ExitError)
	require.True(t, ok, "a non-zero exit: %v\n%s", err, stdout.String())
	assert.Equal(t, exitInterrupted, ee.ExitCode())
	assert.Contains(t, stdout.String(), "verdict    INTERRUPTED: no failure in the ")
	assert.Contains(t, stdout.String(), "but the budget (100000 seeds) was not spent")
	s := readSummary(t, filepath.Join(dir, "summary.json"))
	assert.True(t, s.Interrupted)
	junit, err := os.ReadFile(filepath.Join(dir, "junit.xml"))
	require.NoError(t, err)
	assert.Contains(t, string(junit), `errors="1"`)
}

// startLongCampaign starts `raftsim fuzz` in dir on a budget far beyond the
// test's, with plain progress lines on the returned stderr, so a test can
// signal it mid-run. The process is killed when the test ends, in case the
// test fails before it exits.
func startLongCampaign(t *testing.T, dir string, args ...string) (*exec.Cmd, *bytes.Buffer, io.Reader) {
	t.Helper()
	args = append([]string{"fuzz", "--campaign-seed", "3", "--seeds", "100000", "--short",
		"--progress", "plain", "--progress-every", "100ms", "--grace", "20s"}, args...)
	cmd := exec.Command(raftsimBinary(t), args...)
	cmd.Dir = dir
	stdout := &bytes.Buffer{}
	cmd.Stdout = stdout
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	return cmd, stdout, stderr
}
