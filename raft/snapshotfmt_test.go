package raft

import (
	"encoding/binary"
	"hash/crc32"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

func TestSnapshotFormatRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		ids := rapid.SliceOfDistinct(rapid.Uint64Range(1, 1<<40), rapid.ID[uint64])
		members := ids.Draw(t, "members")
		if len(members) == 0 {
			members = []uint64{1}
		}
		meta := SnapshotMeta{
			Index:      Index(rapid.Uint64Min(1).Draw(t, "index")),
			Term:       Term(rapid.Uint64Min(1).Draw(t, "term")),
			Membership: NewMembership(toIDs(members)...),
		}
		if after := ids.Draw(t, "after"); len(after) > 0 {
			meta.Membership.MembersAfterConsensus = NewMembership(toIDs(after)...).Members
		}
		state := rapid.SliceOf(rapid.Byte()).Draw(t, "state")

		b := EncodeSnapshot(meta, state)
		gotMeta, gotState, err := DecodeSnapshot(b)
		require.NoError(t, err)
		assert.True(t, meta.Membership.Equal(gotMeta.Membership), "%v != %v", meta, gotMeta)
		assert.Equal(t, meta.Index, gotMeta.Index)
		assert.Equal(t, meta.Term, gotMeta.Term)
		assert.Equal(t, len(state), len(gotState))
		assert.Equal(t, string(state), string(gotState))

		// Any one flipped bit and any truncation is caught.
		bit := rapid.IntRange(0, 8*len(b)-1).Draw(t, "bit")
		flipped := append([]byte(nil), b...)
		flipped[bit/8] ^= 1 << (bit % 8)
		_, _, err = DecodeSnapshot(flipped)
		assert.ErrorIs(t, err, ErrCorrupt)
		cut := rapid.IntRange(0, len(b)-1).Draw(t, "cut")
		_, _, err = DecodeSnapshot(b[:cut])
		assert.ErrorIs(t, err, ErrCorrupt)
	})
}

func toIDs(v []uint64) []NodeID {
	out := make([]NodeID, len(v))
	for k := range v {
		out[k] = NodeID(v[k])
	}
	return out
}

func TestSnapshotFormatRejects(t *testing.T) {
	good := SnapshotMeta{Index: 4, Term: 2, Membership: NewMembership(1, 2)}
	tests := []struct {
		name string
		meta SnapshotMeta
		msg  string
	}{
		{"index 0", SnapshotMeta{Index: 0, Term: 2, Membership: good.Membership}, "raft: decode snapshot: covers 2/0, before the log: storage corrupt"},
		{"term 0", SnapshotMeta{Index: 4, Term: 0, Membership: good.Membership}, "raft: decode snapshot: covers 0/4, before the log: storage corrupt"},
		{"no members", SnapshotMeta{Index: 4, Term: 2}, "raft: decode snapshot: raft: membership {}: no members: storage corrupt"},
		{"unsorted", SnapshotMeta{Index: 4, Term: 2, Membership: Membership{Members: []NodeID{2, 1}}},
			"raft: decode snapshot: raft: membership {n2,n1}: members: not sorted and unique at n1: storage corrupt"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := DecodeSnapshot(EncodeSnapshot(tt.meta, nil))
			require.ErrorIs(t, err, ErrCorrupt)
			assert.EqualError(t, err, tt.msg)
		})
	}
	t.Run("other version", func(t *testing.T) {
		b := EncodeSnapshot(good, nil)
		b[3] = 2
		_, _, err := DecodeSnapshot(b)
		assert.ErrorIs(t, err, ErrCorrupt, "the checksum catches it first")
	})
}

// withChecksum seals a hand-made body, so that the decoder's own checks run.
func withChecksum(body ...byte) []byte {
	b := append([]byte(snapshotMagic), body...)
	return binary.BigEndian.AppendUint32(b, crc32.Checksum(b, crcTable))
}

func TestSnapshotFormatMalformedBody(t *testing.T) {
	tests := []struct {
		name string
		body []byte
		msg  string
	}{
		{"truncated varint", []byte{4, 2, 0x80}, "truncated or overlong varint"},
		{"too many ids", []byte{4, 2, 9, 1}, "9 node ids in 1 bytes"},
		{"no joint flag", []byte{4, 2, 1, 1}, "truncated"},
		{"bad joint flag", []byte{4, 2, 1, 1, 7, 0}, "bad joint flag"},
		{"state shorter than said", []byte{4, 2, 1, 1, 0, 3, 'a'}, "state length 3, 1 bytes left"},
		{"trailing bytes", []byte{4, 2, 1, 1, 0, 1, 'a', 'b'}, "state length 1, 2 bytes left"},
		{"joint with no new members", []byte{4, 2, 1, 1, 1, 0, 0}, "raft: membership {n1 -> }: joint with no new members"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := DecodeSnapshot(withChecksum(tt.body...))
			require.ErrorIs(t, err, ErrCorrupt)
			assert.EqualError(t, err, "raft: decode snapshot: "+tt.msg+": storage corrupt")
		})
	}
	t.Run("well formed", func(t *testing.T) {
		meta, state, err := DecodeSnapshot(withChecksum(4, 2, 1, 1, 1, 1, 2, 1, 'a'))
		require.NoError(t, err)
		assert.Equal(t, SnapshotMeta{Index: 4, Term: 2, Membership: Membership{Members: []NodeID{1}, MembersAfterConsensus: []NodeID{2}}}, meta)
		assert.Equal(t, []byte("a"), state)
	})
}
