package scenarios

import (
	"fmt"
	"sort"
	"strings"

	"github.com/raftsim/raftsim/harness"
	"github.com/raftsim/raftsim/sim"
)

// Scenario is a named kind of run: what to simulate and which faults to
// inject, as a function of the seed. A fixed scenario ignores the seed's
// shape; a swarm scenario draws its whole shape (cluster size, delays,
// fault rates, plan) from it.
type Scenario struct {
	// Name is how the command line names it: lower-case words joined by
	// dashes.
	Name string
	// Summary is one line for `raftsim scenarios`.
	Summary string
	// Doc is the prose header: what the scenario tests and why.
	Doc string
	// Build returns the concrete configuration for a seed. It must be
	// deterministic: the same seed always gives the same configuration.
	Build func(seed sim.Seed) harness.Config
	// Long says one seed costs seconds of wall time or more (an hour of
	// virtual time): All leaves it out, so that a campaign over all
	// scenarios does not spend most of its budget on it; Every and Get
	// still find it.
	Long bool
}

// Config builds the configuration for seed, short or full. Short runs keep
// the shape and shorten the chaos phase, for CI.
func (s Scenario) Config(seed sim.Seed, short bool) harness.Config {
	cfg := s.Build(seed)
	if short && cfg.Duration > shortDuration {
		cfg.Duration = shortDuration
	}
	return cfg
}

// shortDuration bounds the chaos phase of a short run.
const shortDuration = 3e9

var registry = map[string]Scenario{}

// register adds a scenario at init; a duplicate name is a programming error.
func register(s Scenario) {
	if _, dup := registry[s.Name]; dup {
		panic("scenarios: duplicate scenario " + s.Name)
	}
	if s.Build == nil || s.Summary == "" || s.Doc == "" {
		panic("scenarios: scenario " + s.Name + " needs Build, Summary and Doc")
	}
	registry[s.Name] = s
}

// All returns every built-in scenario but the long ones, sorted by name:
// the scenarios a campaign over all of them draws from.
func All() []Scenario {
	var out []Scenario
	for _, s := range Every() {
		if !s.Long {
			out = append(out, s)
		}
	}
	return out
}

// Every returns every built-in scenario, the long ones included, sorted by
// name.
func Every() []Scenario {
	out := make([]Scenario, 0, len(registry))
	for _, s := range registry {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Get finds a built-in scenario by name; the error lists the known names.
func Get(name string) (Scenario, error) {
	if s, ok := registry[name]; ok {
		return s, nil
	}
	var names []string
	for _, s := range Every() {
		names = append(names, s.Name)
	}
	return Scenario{}, fmt.Errorf("scenarios: unknown scenario %q (known: %s)", name, strings.Join(names, ", "))
}

// Default is the scenario `raftsim run` uses when none is named.
func Default() Scenario { return registry[DefaultName] }

// DefaultName names the default scenario.
const DefaultName = "default"

func init() {
	register(Scenario{
		Name:    DefaultName,
		Summary: "3 nodes, lossy 1-5ms links, a crash every ~2s, five clients on ten keys",
		Doc: `The walking skeleton's scenario and the one raftsim run uses by default.
It exercises elections after crashes, replication over a lossy network,
client retries with sessions, and recovery from the log after restarts: the
everyday failure modes a Raft deployment sees.`,
		Build: func(sim.Seed) harness.Config { return harness.DefaultConfig() },
	})
}
