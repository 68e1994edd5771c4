package simdisk

import (
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestOSDevice(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "node1")
	d, err := NewOSDevice(dir)
	require.NoError(t, err)
	defer func() { require.NoError(t, d.Close()) }()
	assert.Equal(t, dir, d.Dir())
	assert.Equal(t, 4096, d.SectorSize())

	require.NoError(t, d.Create("b"))
	require.NoError(t, d.Create("a"))
	require.NoError(t, d.WriteAt("a", []byte("hello"), 3))
	require.NoError(t, d.Sync("a"))
	require.NoError(t, d.SyncDir())
	size, err := d.Size("a")
	require.NoError(t, err)
	assert.Equal(t, int64(8), size)
	p := make([]byte, 10)
	n, err := d.ReadAt("a", p, 0)
	assert.Equal(t, io.EOF, err)
	assert.Equal(t, []byte("\x00\x00\x00hello"), p[:n])

	require.NoError(t, os.Mkdir(filepath.Join(dir, "sub"), 0o755))
	names, err := d.List()
	require.NoError(t, err)
	assert.Equal(t, []string{"a", "b"}, names, "regular files only, sorted")

	require.NoError(t, d.Rename("a", "b"))
	require.NoError(t, d.Truncate("b", 4))
	got, err := readFile(d, "b")
	require.NoError(t, err)
	assert.Equal(t, []byte("\x00\x00\x00h"), got)
	require.NoError(t, d.Create("b"), "create truncates")
	size, err = d.Size("b")
	require.NoError(t, err)
	assert.Zero(t, size)
	require.NoError(t, d.Remove("b"))

	_, err = d.Size("b")
	require.ErrorIs(t, err, fs.ErrNotExist)
	assert.Contains(t, err.Error(), "vfs: open b: open "+filepath.Join(dir, "b"), "errors name the operation and the path")
	assert.ErrorIs(t, d.Remove("b"), fs.ErrNotExist)
	assert.EqualError(t, d.Create("../x"), `vfs: bad file name "../x": want a plain name without separators`)
}

// A store on real files keeps its state across a reopen of a new device
// over the same directory, as after a process restart.
func TestOSDeviceStoreRestart(t *testing.T) {
	dir := t.TempDir()
	d, err := NewOSDevice(dir)
	require.NoError(t, err)
	r := &rig{t: t, kind: "os", sm: &listSM{}, dev: d, opts: smallSegments}
	r.reopen()
	for i := 1; i <= 40; i++ {
		r.mustAppend(normal(1, idxOf(i), string(fill('x', 200))))
	}
	r.mustApply(30)
	_, err = r.s.DoLogCompaction(20)
	require.NoError(t, err)
	want := r.view()
	require.NoError(t, d.Close())

	d2, err := NewOSDevice(dir)
	require.NoError(t, err)
	defer d2.Close()
	r.dev = d2
	r.reopen()
	requireSameDurable(t, want, r.view())
	names, err := d2.List()
	require.NoError(t, err)
	assert.Contains(t, names, "node")
	assert.Contains(t, names, "wal-0000000000000003", "the log rotated (4096-byte sectors, 1500-byte segments)")
}
