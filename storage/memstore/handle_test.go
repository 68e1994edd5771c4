package memstore

import (
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestBuffer(t *testing.T) {
	b := &buffer{}
	n, err := b.Write([]byte("hello"))
	require.NoError(t, err)
	assert.Equal(t, 5, n)

	pos, err := b.Seek(8, io.SeekStart)
	require.NoError(t, err)
	assert.Equal(t, int64(8), pos)
	_, err = b.Write([]byte("!"))
	require.NoError(t, err)
	assert.Equal(t, []byte("hello\x00\x00\x00!"), b.data, "a gap past the end reads as zeros")

	pos, err = b.Seek(-4, io.SeekEnd)
	require.NoError(t, err)
	assert.Equal(t, int64(5), pos)
	_, err = b.Write([]byte("XY"))
	require.NoError(t, err)
	pos, err = b.Seek(-7, io.SeekCurrent)
	require.NoError(t, err)
	assert.Equal(t, int64(0), pos)
	got, err := io.ReadAll(b)
	require.NoError(t, err)
	assert.Equal(t, []byte("helloXY\x00!"), got)

	_, err = b.Seek(-1, io.SeekStart)
	assert.Error(t, err)
	_, err = b.Seek(0, 7)
	assert.Error(t, err)

	require.NoError(t, b.Close())
	require.NoError(t, b.Close(), "Close is idempotent")
	_, err = b.Write([]byte("x"))
	assert.ErrorIs(t, err, errHandleClosed)
	_, err = b.Seek(0, io.SeekStart)
	require.NoError(t, err)
	got, err = io.ReadAll(b)
	require.NoError(t, err)
	assert.Equal(t, []byte("helloXY\x00!"), got, "reading goes on after Close")
}
