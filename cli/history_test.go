package cli

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftsim/raftsim/checker"
	"github.com/raftsim/raftsim/failfile"
	"github.com/raftsim/raftsim/harness"
)

// TestHistoryExportRoundTrip: `run --history` and `replay --history` write
// the documented format, `raftsim check` reads it back and gives the run's
// verdict, and the file holds exactly the history the run checked.
func TestHistoryExportRoundTrip(t *testing.T) {
	dir := t.TempDir()
	runOut := filepath.Join(dir, "run.json")
	code, out, errs := raftsim("run", "--seed", "3", "--duration", "2s", "--history", runOut)
	require.Equal(t, exitPass, code, out+errs)
	code, out, errs = raftsim("check", runOut)
	require.Equal(t, exitPass, code, out+errs)
	assert.Contains(t, out, "ok:")

	f, err := failfile.Read(specimen)
	require.NoError(t, err)
	res, err := harness.Run(f.Config, f.Seed)
	require.NoError(t, err)
	replayOut := filepath.Join(dir, "replay.json")
	code, out, errs = raftsim("replay", specimen, "--history", replayOut)
	require.Equal(t, exitPass, code, out+errs)
	assert.Contains(t, out, replayOut, "the verdict lists the file written")
	fh, err := os.Open(replayOut)
	require.NoError(t, err)
	defer fh.Close()
	h, err := checker.ReadHistory(fh)
	require.NoError(t, err)
	require.NotEmpty(t, h.Ops)
	assert.Equal(t, res.History, h, "the file holds the history the run checked")
}

func TestHistoryExportBadPath(t *testing.T) {
	code, _, errs := raftsim("run", "--seed", "3", "--duration", "1s", "--history", t.TempDir()) // a directory

	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errs, "--history")
}

// Any run gets a timeline page with its plots, passing or not.
func TestRunWritesATimeline(t *testing.T) {
	page := filepath.Join(t.TempDir(), "run.html")
	code, out, errs := raftsim("run", "--seed", "3", "--duration", "2s", "--timeline", page)
	require.Equal(t, exitPass, code, out+errs)
	b, err := os.ReadFile(page)
	require.NoError(t, err)
	assert.Contains(t, string(b), `"ops":{"call":[0,`, "the operations for the plots")
	assert.Contains(t, string(b), `"indexes":[{"at":`, "the lanes' indexes")
}
