package storagetest

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/raftsim/raftsim/raft"
)

var genCmd = rapid.Custom(func(t *rapid.T) Cmd {
	return Cmd{Key: rapid.String().Draw(t, "key"), Value: rapid.String().Draw(t, "value")}
})

func TestCodecRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		c := genCmd.Draw(t, "cmd")
		prefix := rapid.SliceOf(rapid.Byte()).Draw(t, "prefix")
		b := Codec{}.AppendEncode(prefix, c)
		require.Equal(t, prefix, b[:len(prefix)], "AppendEncode keeps dst")
		got, err := Codec{}.Decode(b[len(prefix):])
		require.NoError(t, err)
		require.Equal(t, c, got)
	})
}

func TestCodecCorrupt(t *testing.T) {
	b := Codec{}.AppendEncode(nil, Cmd{Key: "key", Value: "value"})
	for _, bad := range [][]byte{nil, b[:len(b)-1], append(b, 0), {0xff}} {
		_, err := Codec{}.Decode(bad)
		assert.True(t, errors.Is(err, raft.ErrCorrupt), "Decode(%q) = %v", bad, err)
	}
}

// TestSMSnapshotRoundTrip: a restored machine equals the original, and
// goes on to answer the same.
func TestSMSnapshotRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		m := NewSM()
		for k, c := range rapid.SliceOf(genCmd).Draw(t, "cmds") {
			m.Apply(raft.Index(k+1), c)
		}
		b, err := m.Snapshot()
		require.NoError(t, err)
		r := NewSM()
		require.NoError(t, r.Restore(b))
		b2, err := r.Snapshot()
		require.NoError(t, err)
		require.Equal(t, b, b2, "the snapshot of a restored machine")
		next := genCmd.Draw(t, "next")
		require.Equal(t, m.Apply(100, next), r.Apply(100, next))
	})
}

func TestSMRestoreCorrupt(t *testing.T) {
	m := NewSM()
	m.Apply(1, Cmd{Key: "a", Value: "x"})
	b, _ := m.Snapshot()
	r := NewSM()
	r.Apply(7, Cmd{Key: "b", Value: "y"})
	digest := r.Digest()
	for _, bad := range [][]byte{nil, b[:len(b)-1], append(b, 0)} {
		err := r.Restore(bad)
		assert.True(t, errors.Is(err, raft.ErrCorrupt), "Restore(%q) = %v", bad, err)
		assert.Equal(t, digest, r.Digest(), "a failed Restore changed the machine")
	}
}

// TestSMDigestSeesHistory: the digest tells apart a re-applied, skipped,
// reordered or misplaced command.
func TestSMDigestSeesHistory(t *testing.T) {
	a, b := Cmd{Key: "k", Value: "a"}, Cmd{Key: "k", Value: "b"}
	digest := func(steps ...func(*SM)) uint64 {
		m := NewSM()
		for _, s := range steps {
			s(m)
		}
		return m.Digest()
	}
	apply := func(i raft.Index, c Cmd) func(*SM) { return func(m *SM) { m.Apply(i, c) } }
	want := digest(apply(1, a), apply(2, b))
	assert.NotEqual(t, want, digest(apply(1, a), apply(2, b), apply(2, b)), "re-applied")
	assert.NotEqual(t, want, digest(apply(1, a)), "skipped")
	assert.NotEqual(t, want, digest(apply(1, b), apply(2, a)), "reordered")
	assert.NotEqual(t, want, digest(apply(1, a), apply(3, b)), "wrong index")
	assert.Equal(t, want, digest(apply(1, a), apply(2, b)))
}
