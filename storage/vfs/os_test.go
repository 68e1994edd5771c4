package vfs_test

import (
	"io"
	"io/fs"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftsim/raftsim/sim"
	"github.com/raftsim/raftsim/storage/simdisk"
	"github.com/raftsim/raftsim/storage/vfs"
)

// Both implementations behave alike on what the interface promises.
func TestImplementations(t *testing.T) {
	osFS, err := vfs.OS(t.TempDir())
	require.NoError(t, err)
	disk, err := simdisk.NewDisk(simdisk.DefaultConfig(), sim.NewRand(1), nil)
	require.NoError(t, err)
	for name, fsys := range map[string]vfs.FS{"os": osFS, "simdisk": disk.FS()} {
		t.Run(name, func(t *testing.T) { checkFS(t, fsys) })
	}
}

func checkFS(t *testing.T, fsys vfs.FS) {
	assert.Equal(t, 4096, fsys.SectorSize())
	f, err := fsys.Create("a")
	require.NoError(t, err)
	n, err := f.WriteAt([]byte("hello"), 2)
	require.NoError(t, err)
	assert.Equal(t, 5, n)
	require.NoError(t, f.Sync())
	require.NoError(t, fsys.SyncDir())

	b := make([]byte, 8)
	n, err = f.ReadAt(b, 0)
	assert.Equal(t, io.EOF, err, "a read past the end says io.EOF")
	assert.Equal(t, 7, n)
	assert.Equal(t, "\x00\x00hello", string(b[:n]), "bytes never written read as zeros")
	require.NoError(t, f.Truncate(3))
	size, err := f.Size()
	require.NoError(t, err)
	assert.EqualValues(t, 3, size)
	require.NoError(t, f.Close())

	require.NoError(t, fsys.Rename("a", "b"))
	names, err := fsys.List()
	require.NoError(t, err)
	assert.Equal(t, []string{"b"}, names)
	_, err = fsys.Open("a")
	assert.ErrorIs(t, err, fs.ErrNotExist)
	g, err := fsys.Open("b")
	require.NoError(t, err)
	n, err = g.ReadAt(b[:3], 0)
	require.NoError(t, err)
	assert.Equal(t, "\x00\x00h", string(b[:n]))
	require.NoError(t, g.Close())

	require.NoError(t, fsys.Remove("b"))
	assert.ErrorIs(t, fsys.Remove("b"), fs.ErrNotExist)
	_, err = fsys.Create("../x")
	assert.Error(t, err, "a name with a separator")
}

// A simulated file names its file: after a rename it fails, where a POSIX
// handle would follow the file (see Disk.FS).
func TestSimulatedFileAfterRename(t *testing.T) {
	disk, err := simdisk.NewDisk(simdisk.DefaultConfig(), sim.NewRand(1), nil)
	require.NoError(t, err)
	fsys := disk.FS()
	f, err := fsys.Create("a")
	require.NoError(t, err)
	require.NoError(t, fsys.Rename("a", "b"))
	_, err = f.WriteAt([]byte("x"), 0)
	assert.ErrorIs(t, err, fs.ErrNotExist)
}

// What was synced survives a crash of the simulated disk; what was not
// synced, or whose name was not, does not (lose-all).
func TestSimulatedDurability(t *testing.T) {
	disk, err := simdisk.NewDisk(simdisk.DefaultConfig(), sim.NewRand(1), nil)
	require.NoError(t, err)
	fsys := disk.FS()
	f, err := fsys.Create("synced")
	require.NoError(t, err)
	_, err = f.WriteAt([]byte("kept"), 0)
	require.NoError(t, err)
	require.NoError(t, f.Sync())
	require.NoError(t, fsys.SyncDir())
	g, err := fsys.Create("unnamed")
	require.NoError(t, err)
	_, err = g.WriteAt([]byte("gone"), 0)
	require.NoError(t, err)
	require.NoError(t, g.Sync()) // data synced, the name never
	require.NoError(t, disk.Crash(simdisk.CrashLoseAll))
	names, err := fsys.List()
	require.NoError(t, err)
	assert.Equal(t, []string{"synced"}, names)
}
