package simdisk

import (
	"testing"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/raftsim/raftsim/raft"
)

// decodeEntryHead's fast path for normal entries gives what the general
// decoder gives, on every body: encoded entries of each kind, their
// truncations, and arbitrary bytes.
func TestDecodeEntryHeadFastPathAgrees(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var body []byte
		switch rapid.IntRange(0, 2).Draw(t, "shape") {
		case 0:
			e := normal(raft.Term(rapid.Uint64().Draw(t, "term")), raft.Index(rapid.Uint64().Draw(t, "index")), rapid.String().Draw(t, "data"))
			switch rapid.IntRange(0, 2).Draw(t, "kind") {
			case 1:
				e = blank(e.Term, e.Index)
			case 2:
				e = config(e.Term, e.Index, 1, 2, 3)
			}
			rec := appendEntryRecord(nil, &e, stringCodec{})
			body = rec[recordHeader:]
			body = body[:rapid.IntRange(0, len(body)).Draw(t, "cut")]
		default:
			body = rapid.SliceOf(rapid.Byte()).Draw(t, "bytes")
		}
		got, gotErr := decodeEntryHead(body)
		want, wantErr := decodeEntryHeadAny(body)
		require.Equal(t, wantErr, gotErr)
		if wantErr == nil {
			require.Equal(t, want, got)
		}
	})
}
