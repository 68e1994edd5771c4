package campaign

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The summary reader is strict: a repeated field, a field spelled in
// another case (encoding/json would match it), invalid UTF-8 and a lone
// surrogate escape (it would turn both into U+FFFD) are refused, each with
// the line and column of the offending byte.
func TestDecodeSummaryIsStrict(t *testing.T) {
	s := NewSummary(Campaign{Scenario: "default", Shards: 1}, AllSeeds)
	b, err := json.MarshalIndent(s, "", "  ")
	require.NoError(t, err)
	_, err = DecodeSummary(bytes.NewReader(b))
	require.NoError(t, err, "the good summary reads")
	for _, tt := range strictEdits(t, string(b), `"format": "raftsim-campaign"`, `"scenario": "default"`) {
		t.Run(tt.Name, func(t *testing.T) {
			_, err := DecodeSummary(strings.NewReader(tt.Data))
			require.ErrorIs(t, err, ErrBadSummary)
			assert.Contains(t, err.Error(), tt.Want)
			assert.Contains(t, err.Error(), tt.Where+": ", "the error names the line and column")
		})
	}
}

// strictEdit is a document one strict-reader rule refuses.
type strictEdit struct {
	Name, Data, Want string
	Where            string // "line L, column C" of the offending byte
}

// strictEdits turns a good document into one of each kind a strict reader
// refuses. anchor is a `"key": "value"` pair at the top level, nested one
// inside an object; both are found by their first occurrence.
func strictEdits(t *testing.T, s, anchor, nested string) []strictEdit {
	t.Helper()
	a, n := strings.Index(s, anchor), strings.Index(s, nested)
	require.True(t, a > 0 && n > 0, "anchors %q and %q in %s", anchor, nested, s)
	key, val, _ := strings.Cut(anchor, ": ")
	val = strings.Trim(val, `"`)
	nkey, _, _ := strings.Cut(nested, ": ")
	title := func(k string) string { return `"` + strings.ToUpper(k[1:2]) + k[2:] }
	withValue := func(v string) string { return s[:a] + key + `: "` + v + `"` + s[a+len(anchor):] }
	edits := []struct {
		name, data, want string
		at               int
	}{
		{"repeated field", s[:a] + anchor + ", " + anchor + s[a+len(anchor):], "repeated key", a + len(anchor) + 2},
		{"case-mismatched field", s[:a] + title(key) + s[a+len(key):], "unknown key", a},
		{"case-mismatched nested field", s[:n] + title(nkey) + s[n+len(nkey):], "unknown key", n},
		{"invalid UTF-8", withValue(val[:1] + "\xff" + val[1:]), "invalid UTF-8", a + len(key) + 4},
		{"lone surrogate", withValue(val[:1] + `\ud800` + val[1:]), "lone surrogate", a + len(key) + 4},
	}
	out := make([]strictEdit, len(edits))
	for i, e := range edits {
		before := e.data[:e.at]
		where := fmt.Sprintf("line %d, column %d", 1+strings.Count(before, "\n"), e.at-strings.LastIndexByte(before, '\n'))
		out[i] = strictEdit{Name: e.name, Data: e.data, Want: e.want, Where: where}
	}
	return out
}
