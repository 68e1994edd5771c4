package atomicfile

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestWriteFileReplacesWholeAndLeavesNoTemporary writes twice over the same
// path in a directory that does not exist yet, and requires the second
// content in full, mode 0644, and no temporary file left beside it.
func TestWriteFileReplacesWholeAndLeavesNoTemporary(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "out.json")
	require.NoError(t, WriteFile(path, []byte("first, and longer than the second\n")))
	require.NoError(t, WriteFile(path, []byte("second\n")))

	got, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, "second\n", string(got))
	info, err := os.Stat(path)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o644), info.Mode().Perm())
	entries, err := os.ReadDir(filepath.Dir(path))
	require.NoError(t, err)
	require.Len(t, entries, 1, "a temporary file was left behind")
}

// TestWriteFileReportsAnUnwritableDirectory requires an error, not a
// silent success, when the directory cannot be created.
func TestWriteFileReportsAnUnwritableDirectory(t *testing.T) {
	blocker := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(blocker, nil, 0o644))
	require.Error(t, WriteFile(filepath.Join(blocker, "out.json"), []byte("x")))
}
