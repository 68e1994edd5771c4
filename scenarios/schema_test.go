package scenarios

import (
	"encoding"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"reflect"
	"testing"
	"time"

	"github.com/invopop/jsonschema"
	orderedmap "github.com/pb33f/ordered-map/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftsim/raftsim/faults"
	"github.com/raftsim/raftsim/harness"
)

var updateSchema = flag.Bool("update", false, "rewrite scenario-file.schema.json from the Go types")

// schemaFile is File as the schema describes it: config a harness.Config
// (in a file, every field of it optional).
type schemaFile struct {
	Schema  string         `json:"$schema,omitempty" jsonschema:"description=the JSON Schema of this file, for editors; not read"`
	Name    string         `json:"name" jsonschema:"required,pattern=^[a-z0-9]+(-[a-z0-9]+)*$,description=lower-case words joined by dashes"`
	Summary string         `json:"summary" jsonschema:"required,minLength=1,description=one line: what the scenario does"`
	Doc     string         `json:"doc" jsonschema:"required,minLength=1,description=prose: what the scenario tests and why"`
	Base    string         `json:"base" jsonschema:"required,description=the built-in scenario to start from (raftsim scenarios lists them)"`
	Config  harness.Config `json:"config,omitempty" jsonschema:"description=overrides of the base's harness.Config; durations are strings with a unit"`
}

// scenarioFileSchema generates the schema from the Go types. Types with a
// JSON form of their own are described by it: durations as strings with
// units, text forms as strings, plans as a list of steps; other custom
// forms (latency distributions, fault steps) are left open, since their
// decoders check them.
func scenarioFileSchema() ([]byte, error) {
	duration := reflect.TypeOf(time.Duration(0))
	config := reflect.TypeOf(harness.Config{})
	plan := reflect.TypeOf(faults.Plan{})
	marshaler := reflect.TypeOf((*json.Marshaler)(nil)).Elem()
	text := reflect.TypeOf((*encoding.TextMarshaler)(nil)).Elem()
	r := &jsonschema.Reflector{
		RequiredFromJSONSchemaTags: true, // a config overrides: no field of it is required
		ExpandedStruct:             true,
		Mapper: func(t reflect.Type) *jsonschema.Schema {
			switch {
			case t == duration:
				return &jsonschema.Schema{Type: "string", Pattern: `^(0|([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+)$`,
					Description: `a duration with a unit, such as "5s" or "150ms"`}
			case t == config:
				return nil
			case t == plan:
				return &jsonschema.Schema{Type: "object", Description: "a fault plan: steps in absolute virtual time (see package faults)",
					Properties: stepsProperty(), AdditionalProperties: jsonschema.FalseSchema}
			case t.Implements(text) || reflect.PointerTo(t).Implements(text):
				return &jsonschema.Schema{Type: "string", Description: fmt.Sprintf("the text form of %v", t)}
			case t.Implements(marshaler) || reflect.PointerTo(t).Implements(marshaler):
				return &jsonschema.Schema{Description: fmt.Sprintf("the JSON form of %v (checked by its decoder)", t)}
			}
			return nil
		},
	}
	s := r.Reflect(&schemaFile{})
	s.ID = "https://github.com/raftsim/raftsim/scenarios/scenario-file.schema.json"
	s.Title = "raftsim scenario file"
	b, err := json.MarshalIndent(s, "", "  ")
	return append(b, '\n'), err
}

// stepsProperty is a plan's one field: its steps, each an object whose
// fields depend on its kind (faults.Step's decoder checks them).
func stepsProperty() *orderedmap.OrderedMap[string, *jsonschema.Schema] {
	p := jsonschema.NewProperties()
	p.Set("steps", &jsonschema.Schema{Type: "array", Items: &jsonschema.Schema{Type: "object",
		Description: `a fault step: "at" (a duration from the start of the run), "kind", and the kind's fields`,
		Required:    []string{"at", "kind"}}})
	return p
}

// The shipped schema is the one the Go types generate: regenerate it
// with go test ./scenarios -run Schema -update after changing them.
func TestScenarioFileSchemaIsUpToDate(t *testing.T) {
	got, err := scenarioFileSchema()
	require.NoError(t, err)
	if *updateSchema {
		require.NoError(t, os.WriteFile("scenario-file.schema.json", got, 0o644))
	}
	want, err := os.ReadFile("scenario-file.schema.json")
	require.NoError(t, err)
	assert.Equal(t, string(want), string(got), "scenario-file.schema.json is stale: go test ./scenarios -run Schema -update")
}
