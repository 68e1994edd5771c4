package cli

import (
	"bytes"
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/raftsim/raftsim/checker"
	"github.com/raftsim/raftsim/failfile"
)

// Go fuzz targets for everything raftsim parses from a user: failure
// files, history files, campaign summaries and every command's flags. A
// malformed input must give an error, never a panic. Each target has a
// small committed corpus in testdata/fuzz/<target>; CI fuzzes each for a
// few seconds (.ci/run).

func FuzzFailureFile(f *testing.F) {
	f.Add([]byte(`{"format":"raftsim-failure","version":1}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		ff, err := failfile.Decode(bytes.NewReader(data))
		if err != nil {
			return
		}
		// What decodes must survive a round trip through the writer.
		out, err := json.Marshal(ff)
		require.NoError(t, err)
		_, err = failfile.Decode(bytes.NewReader(out))
		require.NoError(t, err, "a decoded failure file re-encodes to one that decodes")
	})
}

func FuzzHistory(f *testing.F) {
	f.Add([]byte(`{"format":"raftsim-history","version":1,"ops":[]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		h, err := checker.ReadHistory(bytes.NewReader(data))
		if err != nil {
			return
		}
		var buf bytes.Buffer
		if err := checker.WriteHistory(&buf, h); err != nil {
			return // a string that is not UTF-8: refused, by design
		}
		again, err := checker.ReadHistory(&buf)
		require.NoError(t, err)
		require.Equal(t, len(h.Ops), len(again.Ops))
		if len(h.Ops) <= 12 {
			checker.CheckLinearizable(h, checker.Limit{Steps: 100_000}) // what raftsim check does next
		}
	})
}

func FuzzPorcupineKV(f *testing.F) {
	f.Add([]byte("{:process 0, :type :invoke, :f :get, :key \"1\", :value nil}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		h, err := checker.ReadPorcupineKV(bytes.NewReader(data))
		if err == nil && len(h.Ops) <= 12 {
			checker.CheckLinearizable(h, checker.Limit{Steps: 100_000})
		}
	})
}

// FuzzCommandLines feeds every command's flag parser an argument list (the
// input split at newlines). Parsing never runs anything; it must end in a
// plan or in exit code 0 (--help) or 2, never in a panic.
func FuzzCommandLines(f *testing.F) {
	f.Add("fuzz\n--seeds\n10\n--shard\n2/3\n--campaign-seed\n7")
	f.Fuzz(func(t *testing.T, input string) {
		args := strings.Split(input, "\n")
		getenv := func(string) string { return "1" }
		parsers := map[string]func([]string) (int, bool){
			"run":    func(a []string) (int, bool) { _, c, d := parseRun(a, io.Discard); return c, d },
			"replay": func(a []string) (int, bool) { _, c, d := parseReplay(a, io.Discard); return c, d },
			"check":  func(a []string) (int, bool) { _, c, d := parseCheck(a, io.Discard); return c, d },
			"merge":  func(a []string) (int, bool) { _, c, d := parseMerge(a, io.Discard); return c, d },
			"fuzz": func(a []string) (int, bool) {
				o, c, d := parseFuzz(a, io.Discard, getenv, nil)
				if !d {
					p := o.spec
					require.NoError(t, p.Validate())
					require.True(t, p.Workers >= 1 && p.Shard.Index >= 1 && p.Shard.Index <= p.Shard.Count)
					require.True(t, p.Seeds > 0 || p.Time > 0 || p.CPU > 0)
					require.NotEmpty(t, p.Scenarios)
				}
				return c, d
			},
		}
		name := args[0]
		parse, ok := parsers[name]
		if !ok {
			if name == "scenarios" {
				code := scenariosCmd(args[1:], io.Discard, io.Discard)
				require.Contains(t, []int{exitPass, exitUsage}, code)
			}
			return
		}
		if code, done := parse(args[1:]); done {
			require.Contains(t, []int{exitPass, exitUsage}, code)
		}
	})
}
