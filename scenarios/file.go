package scenarios

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/raftsim/raftsim/faults"
	"github.com/raftsim/raftsim/harness"
	"github.com/raftsim/raftsim/sim"
)

// A scenario file defines a scenario of the user's own: a built-in scenario
// to start from, and a partial harness configuration that overrides it. The
// overrides apply to every seed after the base scenario built its config,
// so a file can change the cluster, the network, Raft's timing or bugs,
// the workload, or replace the drawn plan with a hand-written one:
//
//	{
//	  "name": "slow-followers",
//	  "summary": "a leader with two slow links",
//	  "doc": "Why this scenario exists, in prose.",
//	  "base": "baseline",
//	  "config": {
//	    "nodes": 5,
//	    "duration": "20s",
//	    "raft": {"electionTimeoutMin": "300ms", "electionTimeoutMax": "600ms"},
//	    "plan": {"steps": [
//	      {"at": "2s", "kind": "link", "from": [1], "to": [4, 5], "latency": {"kind": "fixed", "min": "80ms"}},
//	      {"at": "6s", "kind": "reset-links"}
//	    ]}
//	  }
//	}
//
// The rules, checked with an error at a line and column for each:
//   - JSON with comments: // to the end of the line and /* ... */.
//   - base is required: the built-in scenario the file starts from.
//   - Every field of harness.Config may appear in config (its JSON form;
//     scenario-file.schema.json, generated from the Go types, describes
//     it); unknown fields, a field given twice and invalid UTF-8 are
//     errors.
//   - Durations are strings with a unit ("5s", "150ms"); a bare number is
//     an error (it would read as nanoseconds).
//   - Plan times: a plan written in the file is in absolute virtual time
//     (each step's "at" from the start of the run). A file that changes
//     duration and writes no plan stretches the plan its base drew for the
//     base's duration to the new one: every step's "at" is scaled by
//     duration / base duration (how long each fault lasts is kept), so the
//     faults spread over the whole run instead of its first seconds. A
//     file that does not change duration keeps its base's plan exactly.

// File is the JSON form of a scenario file. Config is a partial
// harness.Config (scenario-file.schema.json describes it in full).
type File struct {
	// Schema may name the JSON Schema, for editors; it is not read.
	Schema  string          `json:"$schema,omitempty"`
	Name    string          `json:"name"`
	Summary string          `json:"summary"`
	Doc     string          `json:"doc"`
	Base    string          `json:"base"`
	Config  json.RawMessage `json:"config,omitempty"`
}

// ErrBadScenarioFile is wrapped by every error loading a scenario file.
var ErrBadScenarioFile = errors.New("bad scenario file")

var scenarioName = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// IsFile tells a --scenario argument naming a file from a scenario name.
func IsFile(arg string) bool {
	return strings.ContainsAny(arg, `/\`) || strings.HasSuffix(arg, ".json")
}

// Load reads a scenario file. Every error names the file and says what is
// wrong and where (path:line:column); the overrides are tried on a seed at
// once, so a bad configuration is reported at load time, not in the middle
// of a campaign.
func Load(path string) (Scenario, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Scenario{}, fmt.Errorf("scenario file: %w", err)
	}
	s, err := Parse(b)
	if err != nil {
		return Scenario{}, fmt.Errorf("%s:%w", path, err)
	}
	return s, nil
}

// fileFields are the top-level fields and the JSON kind of each.
var fileFields = map[string]byte{"$schema": '"', "name": '"', "summary": '"', "doc": '"', "base": '"', "config": '{'}

// Parse reads a scenario file's content. Its errors start with
// "line:column: ".
func Parse(b []byte) (Scenario, error) {
	bad := func(off int, format string, args ...any) error {
		line, col := lineCol(b, off)
		return fmt.Errorf("%d:%d: %s: %w", line, col, fmt.Sprintf(format, args...), ErrBadScenarioFile)
	}
	f, tree, err := decodeFile(b)
	if err != nil {
		var pe *posError
		if errors.As(err, &pe) {
			return Scenario{}, bad(pe.off, "%s", pe.msg)
		}
		return Scenario{}, bad(0, "%v", err)
	}
	at := func(key string) int {
		if n := tree.field(key); n != nil {
			return n.off
		}
		return tree.off
	}
	switch {
	case !scenarioName.MatchString(f.Name):
		return Scenario{}, bad(at("name"), "name %q: want lower-case words joined by dashes", f.Name)
	case strings.TrimSpace(f.Summary) == "":
		return Scenario{}, bad(at("summary"), "summary is empty: say in one line what the scenario does")
	case strings.TrimSpace(f.Doc) == "":
		return Scenario{}, bad(at("doc"), "doc is empty: say what the scenario tests and why")
	case f.Base == "":
		return Scenario{}, bad(at("base"), `base is missing: name the built-in scenario to start from, such as "baseline" (raftsim scenarios lists them)`)
	}
	base, err := Get(f.Base)
	if err != nil {
		return Scenario{}, bad(at("base"), "base: %v", err)
	}
	where := map[string]int{}
	var cfgNode *jnode
	if cfgNode = tree.field("config"); cfgNode != nil {
		if err := checkTree(cfgNode, reflect.TypeOf(harness.Config{}), "", where); err != nil {
			pe := err.(*posError)
			return Scenario{}, bad(pe.off, "config.%s", pe.msg)
		}
	}
	stretch := cfgNode != nil && cfgNode.field("duration") != nil && cfgNode.field("plan") == nil
	build := func(seed sim.Seed) (harness.Config, error) {
		cfg := base.Build(seed)
		baseDuration := cfg.Duration
		if len(f.Config) > 0 {
			if err := json.Unmarshal(f.Config, &cfg); err != nil {
				return cfg, err
			}
		}
		if stretch {
			cfg.Plan = stretchPlan(cfg.Plan, baseDuration, cfg.Duration)
		}
		return cfg, cfg.Validate()
	}
	if _, err := build(1); err != nil {
		var ce *harness.ConfigError
		if errors.As(err, &ce) {
			off, _ := placePath(where, ce.Path)
			if cfgNode != nil && off == 0 {
				off = cfgNode.off
			}
			return Scenario{}, bad(off, "config.%s: %s", ce.Path, ce.Msg)
		}
		return Scenario{}, bad(at("config"), "config: %v", err)
	}
	return Scenario{
		Name: f.Name, Summary: f.Summary, Doc: f.Doc,
		Build: func(seed sim.Seed) harness.Config {
			cfg, err := build(seed)
			if err != nil {
				// Checked at load for seed 1; a base that draws a config
				// the overrides break for another seed is reported here.
				panic(fmt.Sprintf("scenarios: %s: seed %v: %v", f.Name, seed, err))
			}
			return cfg
		},
	}, nil
}

// decodeFile reads the file strictly: comments blanked, valid UTF-8, one
// object, exact field names of the right kinds, no field twice.
func decodeFile(b []byte) (File, *jnode, error) {
	var f File
	text, err := stripComments(b)
	if err != nil {
		return f, nil, err
	}
	tree, err := parseTree(text)
	if err != nil {
		return f, nil, err
	}
	if tree.kind != '{' {
		return f, nil, &posError{off: tree.off, msg: "want a JSON object"}
	}
	for i, key := range tree.keys {
		kind, ok := fileFields[key]
		if !ok {
			return f, nil, &posError{off: tree.kOff[i], msg: fmt.Sprintf("unknown field %q (want name, summary, doc, base, config)", key)}
		}
		if tree.vals[i].kind != kind {
			want := "a string"
			if kind == '{' {
				want = "an object"
			}
			return f, nil, &posError{off: tree.vals[i].off, msg: fmt.Sprintf("%s: want %s", key, want)}
		}
	}
	if err := json.Unmarshal(text, &f); err != nil {
		return f, nil, err // the tree was checked: not expected
	}
	return f, tree, nil
}

// stretchPlan moves a plan drawn for a run of duration from to one of
// duration to: each step's time is scaled by to/from, so the faults spread
// over the whole longer (or shorter) run; how long each fault lasts (for,
// interval) is kept. Integer arithmetic, so the result is exact and the
// same everywhere.
func stretchPlan(p faults.Plan, from, to time.Duration) faults.Plan {
	if from <= 0 || to <= 0 || from == to || len(p.Steps) == 0 {
		return p
	}
	steps := slices.Clone(p.Steps)
	for i := range steps {
		if at := steps[i].At; at > 0 {
			hi, lo := bits.Mul64(uint64(at), uint64(to))
			if hi < uint64(from) {
				q, _ := bits.Div64(hi, lo, uint64(from))
				if q <= math.MaxInt64 {
					steps[i].At = time.Duration(q)
				}
			}
		}
	}
	return faults.Plan{Steps: steps}
}
