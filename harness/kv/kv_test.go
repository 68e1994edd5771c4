package kv

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/raftsim/raftsim/checker"
	"github.com/raftsim/raftsim/raft"
)

func TestKVOperations(t *testing.T) {
	kv := New()
	put := func(seq uint64, k, v string) Response {
		return kv.Apply(raft.Index(seq), Command{Client: 1, Seq: seq, Input: checker.Input{Kind: checker.OpPut, Key: k, Value: v}})
	}
	put(1, "x", "a")
	r := kv.Apply(2, Command{Client: 1, Seq: 2, Input: checker.Input{Kind: checker.OpAppend, Key: "x", Value: "b"}})
	assert.Equal(t, Response{}, r)
	assert.Equal(t, "ab", kv.Get("x"))
	r = kv.Apply(3, Command{Client: 1, Seq: 3, Input: checker.Input{Kind: checker.OpCAS, Key: "x", Expected: "zz", Value: "c"}})
	assert.False(t, r.Output.Swapped)
	r = kv.Apply(4, Command{Client: 1, Seq: 4, Input: checker.Input{Kind: checker.OpCAS, Key: "x", Expected: "ab", Value: "c"}})
	assert.True(t, r.Output.Swapped)
	r = kv.Apply(5, Command{Client: 2, Seq: 1, Input: checker.Input{Kind: checker.OpCAS, Key: "missing", Expected: "", Value: "d"}})
	assert.True(t, r.Output.Swapped, "a missing key equals the empty string")
	r = kv.Apply(6, Command{Client: 2, Seq: 2, Input: checker.Input{Kind: checker.OpGet, Key: "x"}})
	assert.Equal(t, "c", r.Output.Value)
}

// A retried command applies once: the session answers it with the first
// application's response.
func TestKVSessionsDeduplicate(t *testing.T) {
	kv := New()
	app := Command{Client: 3, Seq: 7, Input: checker.Input{Kind: checker.OpAppend, Key: "x", Value: "a"}}
	first := kv.Apply(1, app)
	again := kv.Apply(2, app)
	assert.False(t, first.Duplicate)
	assert.True(t, again.Duplicate)
	assert.Equal(t, "a", kv.Get("x"), "applied once")
	old := kv.Apply(3, Command{Client: 3, Seq: 6, Input: checker.Input{Kind: checker.OpAppend, Key: "x", Value: "z"}})
	assert.True(t, old.Stale)
	assert.Equal(t, "a", kv.Get("x"))

	// Deduplication state survives a snapshot.
	snap, err := kv.Snapshot()
	require.NoError(t, err)
	restored := New()
	require.NoError(t, restored.Restore(snap))
	assert.True(t, restored.Apply(4, app).Duplicate)
	assert.Equal(t, kv.Digest(), restored.Digest())
}

func TestKVSnapshotRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		kv := New()
		n := rapid.IntRange(0, 50).Draw(t, "n")
		for i := 0; i < n; i++ {
			kv.Apply(raft.Index(i+1), Command{
				Client: rapid.IntRange(0, 4).Draw(t, "client"),
				Seq:    uint64(i + 1),
				Input: checker.Input{
					Kind:  checker.OpKind(rapid.IntRange(int(checker.OpPut), int(checker.OpCAS)).Draw(t, "kind")),
					Key:   rapid.StringN(0, 3, -1).Draw(t, "key"),
					Value: rapid.String().Draw(t, "value"),
				},
			})
		}
		snap, err := kv.Snapshot()
		require.NoError(t, err)
		again, err := kv.Snapshot()
		require.NoError(t, err)
		require.Equal(t, snap, again, "snapshots are deterministic")
		restored := New()
		require.NoError(t, restored.Restore(snap))
		require.Equal(t, kv.data, restored.data)
		require.Equal(t, kv.sessions, restored.sessions)
	})
}

func TestKVRestoreRejectsCorruption(t *testing.T) {
	kv := New()
	kv.Apply(1, Command{Client: 1, Seq: 1, Input: checker.Input{Kind: checker.OpPut, Key: "k", Value: "v"}})
	snap, _ := kv.Snapshot()
	for cut := 0; cut < len(snap); cut++ {
		err := New().Restore(snap[:cut])
		require.ErrorIs(t, err, raft.ErrCorrupt, "cut at %d", cut)
	}
	require.ErrorIs(t, New().Restore(append(snap, 0)), raft.ErrCorrupt)
}

func TestCommandCodec(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		c := Command{
			Client: rapid.IntRange(0, 1<<20).Draw(t, "client"),
			Seq:    rapid.Uint64().Draw(t, "seq"),
			Input: checker.Input{
				Kind:     checker.OpKind(rapid.IntRange(int(checker.OpGet), int(checker.OpCAS)).Draw(t, "kind")),
				Key:      rapid.String().Draw(t, "key"),
				Value:    rapid.String().Draw(t, "value"),
				Expected: rapid.String().Draw(t, "expected"),
			},
		}
		b := Codec{}.AppendEncode(nil, c)
		got, err := Codec{}.Decode(b)
		require.NoError(t, err)
		require.Equal(t, c, got)
		if len(b) > 0 {
			_, err = Codec{}.Decode(b[:len(b)-1])
			require.ErrorIs(t, err, raft.ErrCorrupt)
		}
	})
}
