//go:build unix

package cli

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// --timeout bounds the whole command, reading included; running out of it
// is exit 4 and says so, distinct from a verdict, from inconclusive and
// from bad input. The history is a FIFO nobody writes to, so the command
// is certain to be still reading when the timeout fires.
func TestCheckOutOfTime(t *testing.T) {
	path := filepath.Join(t.TempDir(), "history.json")
	require.NoError(t, syscall.Mkfifo(path, 0o600))
	code, out, errs := raftsim("check", path, "--timeout", "20ms")
	assert.Equal(t, exitOutOfTime, code, out+errs)
	assert.Contains(t, errs, "out of time: --timeout 20ms ran out")
	assert.Empty(t, out)
	// Release the reader still blocked on the FIFO: an empty history.
	w, err := os.OpenFile(path, os.O_WRONLY, 0)
	require.NoError(t, err)
	require.NoError(t, w.Close())
}
