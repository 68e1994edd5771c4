package checker

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestHistoryCorpus reads every file of testdata/histories with the reader
// its extension names and checks the outcome its name states (see
// testdata/histories/README.md): the readers' and the checker's half of
// what cmd/raftsim's TestCheckCorpus checks end to end.
func TestHistoryCorpus(t *testing.T) {
	files, err := filepath.Glob("../testdata/histories/*.*.*")
	require.NoError(t, err)
	n := 0
	for _, path := range files {
		name := filepath.Base(path)
		if strings.HasSuffix(name, ".want") {
			continue
		}
		n++
		t.Run(name, func(t *testing.T) {
			parts := strings.Split(name, ".")
			outcome, ext := parts[len(parts)-2], parts[len(parts)-1]
			data, err := os.ReadFile(path)
			require.NoError(t, err)
			read := ReadHistory
			if ext == "txt" {
				read = ReadPorcupineKV
			}
			h, err := read(bytes.NewReader(data))
			if outcome == "bad" {
				require.Error(t, err)
				assert.ErrorIs(t, err, ErrBadHistory)
				assert.Regexp(t, `line \d+, column \d+: `, err.Error())
				if want, werr := os.ReadFile(path + ".want"); werr == nil {
					assert.Contains(t, err.Error(), strings.TrimSpace(string(want)))
				}
				return
			}
			require.NoError(t, err)
			switch outcome {
			case "ok":
				assert.Equal(t, Linearizable, CheckLinearizable(h, Limit{}).Verdict)
			case "illegal":
				assert.Equal(t, NotLinearizable, CheckLinearizable(h, Limit{}).Verdict)
			case "empty":
				assert.Zero(t, CheckLinearizable(h, Limit{}).Ops)
			case "inconclusive":
				r := CheckLinearizable(h, Limit{Steps: 1000})
				assert.Equal(t, Inconclusive, r.Verdict)
				assert.NotEqual(t, Linearizable, CheckLinearizable(h, Limit{}).Verdict,
					"undecided within 1000 steps, and no pass with more either")
			default:
				t.Fatalf("outcome %q in the name is not one of ok, illegal, bad, inconclusive, empty", outcome)
			}
		})
	}
	assert.GreaterOrEqual(t, n, 15, "the corpus lost files")
}
