package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/raftsim/raftsim/harness"
	"github.com/raftsim/raftsim/scenarios"
	"github.com/raftsim/raftsim/sim"
)

// allScenarios is the --scenario value of `raftsim fuzz` that picks one of
// the built-in scenarios per seed. It is reserved: a built-in scenario of
// that name would be shadowed (a test guards against it). The built-in
// "swarm" scenario is a scenario like the others: it draws the whole shape
// of each run from its seed.
const allScenarios = "all"

// lookupScenario resolves a --scenario value: a built-in scenario's name,
// or the path of a scenario file (scenarios.IsFile: it has a slash or ends
// in .json). Everything downstream (run, fuzz, failure files) sees only
// the Scenario value, and a failure file keeps the concrete config, so a
// replay does not need the scenario file.
func lookupScenario(name string) (scenarios.Scenario, error) {
	var s scenarios.Scenario
	var err error
	if scenarios.IsFile(name) {
		s, err = scenarios.Load(name)
	} else {
		s, err = scenarios.Get(name)
	}
	if err != nil {
		return scenarios.Scenario{}, fmt.Errorf("--scenario: %w", err)
	}
	return s, nil
}

const scenariosExamples = `  raftsim scenarios                    name and summary of each scenario
  raftsim scenarios default            the prose header of one scenario
  raftsim scenarios --json             all of them, for programs
  raftsim scenarios swarm --json --seed 7 > mine.json
                                       swarm's full configuration for seed 7, as a scenario file to edit
`

type scenarioJSON struct {
	Name    string `json:"name"`
	Summary string `json:"summary"`
	Doc     string `json:"doc"`
}

// scenarioFileJSON is `raftsim scenarios NAME --json`: a scenario file
// with the whole configuration, which loads back as the same scenario for
// that seed.
type scenarioFileJSON struct {
	Name    string         `json:"name"`
	Summary string         `json:"summary"`
	Doc     string         `json:"doc"`
	Base    string         `json:"base,omitempty"`
	Config  harness.Config `json:"config"`
}

// scenariosCmd lists the built-in scenarios, or explains one.
func scenariosCmd(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("scenarios", `Usage: raftsim scenarios [--json [--seed N] [--short]] [NAME]

Lists the built-in scenarios (use one with --scenario NAME on run and fuzz;
fuzz --scenario all picks one per seed), or prints one scenario's header.
With NAME and --json it prints the scenario's full configuration, the one
seed --seed draws, as a scenario file (base NAME, every field of config):
a starting point for a scenario of your own (see scenarios/file.go and
scenarios/scenario-file.schema.json).`,
		scenariosExamples, stderr)
	asJSON := fs.Bool("json", false, "print as JSON: [{name, summary, doc}], or with NAME the scenario file of its full configuration")
	seedFlag := fs.String("seed", "1", "with NAME and --json: the seed whose configuration to print (decimal or 0x-hex)")
	short := fs.Bool("short", false, "with NAME and --json: the short mode's configuration")
	pos, code, done := parseArgs(fs, args)
	if done {
		return code
	}
	seed, err := sim.ParseSeed(*seedFlag)
	if err != nil {
		return usageError(stderr, fs, "--seed: %v", err)
	}
	list := scenarios.Every()
	if len(pos) > 1 {
		return usageError(stderr, fs, "want at most one scenario name, got %q", pos)
	}
	if len(pos) == 1 {
		s, err := lookupScenario(pos[0])
		if err != nil {
			return usageError(stderr, fs, "%v", err)
		}
		list = []scenarios.Scenario{s}
	}
	if *asJSON && len(pos) == 1 {
		s := list[0]
		f := scenarioFileJSON{Name: s.Name, Summary: s.Summary, Doc: strings.TrimSpace(s.Doc), Config: s.Config(seed, *short)}
		if !scenarios.IsFile(pos[0]) {
			f.Base = s.Name
		}
		return writeJSON(stdout, f)
	}
	if *asJSON {
		out := make([]scenarioJSON, 0, len(list))
		for _, s := range list {
			out = append(out, scenarioJSON{s.Name, s.Summary, strings.TrimSpace(s.Doc)})
		}
		return writeJSON(stdout, out)
	}
	if len(pos) == 1 {
		s := list[0]
		fmt.Fprintf(stdout, "%s: %s\n\n%s\n", s.Name, s.Summary, strings.TrimSpace(s.Doc))
		return exitPass
	}
	width := 0
	for _, s := range list {
		width = max(width, len(s.Name))
	}
	for _, s := range list {
		fmt.Fprintf(stdout, "%-*s %s\n", width, s.Name, s.Summary)
	}
	return exitPass
}

// writeJSON prints v as indented JSON.
func writeJSON(w io.Writer, v any) int {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		fmt.Fprintf(w, "raftsim: encoding JSON: %v\n", err)
		return exitUsage
	}
	return exitPass
}
