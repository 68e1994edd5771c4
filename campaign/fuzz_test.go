package campaign

import (
	"bytes"
	"io"
	"testing"

	"github.com/stretchr/testify/require"
)

// The readers of what a campaign takes from outside: summaries (merge) and
// the --shard value. Bad input is an error, never a panic.

func FuzzSummary(f *testing.F) {
	f.Add([]byte(`{"format":"raftsim-campaign","version":1,"campaign":{"shards":1},"shards":[1]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := DecodeSummary(bytes.NewReader(data))
		if err != nil {
			return
		}
		m, err := Merge([]Part{{"s.json", s}})
		require.NoError(t, err)
		require.Equal(t, s.Failed, m.Failed)
		_, err = JUnit(m)
		require.NoError(t, err)
		m.WriteText(io.Discard)
	})
}

func FuzzShard(f *testing.F) {
	f.Add("2/3", "1")
	f.Fuzz(func(t *testing.T, flag, env string) {
		sh, err := ParseShard(flag, "X", func(string) string { return env })
		if err != nil {
			return
		}
		require.True(t, sh.Index >= 1 && sh.Index <= sh.Count && sh.Count <= MaxShards, "%v", sh)
		require.True(t, sh.Owns(sh.nth(3)))
	})
}
