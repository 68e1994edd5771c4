package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"unicode"

	"github.com/raftsim/raftsim/harness"
)

// `raftsim replay --emit go-test|scenario` turns a (shrunk) failure into
// something to keep: a Go test function to paste into a regression test,
// or a scenario file that re-creates the run for any seed.

// emitFor writes what --emit asks for.
func emitFor(w io.Writer, kind, file string, f harness.FailureFile) error {
	switch kind {
	case "go-test":
		return emitGoTest(w, file, f)
	case "scenario":
		return emitScenario(w, file, f)
	}
	return fmt.Errorf("--emit %q: want go-test or scenario", kind)
}

// emitGoTest prints a test that runs the failure's config and seed and
// asserts what the file expects: a pass for a fixed bug, the same failure
// for a specimen. The config is inlined, so the test needs no file.
func emitGoTest(w io.Writer, file string, f harness.FailureFile) error {
	cfg, err := json.MarshalIndent(f.Config, "\t", "\t")
	if err != nil {
		return err
	}
	name := testName(file)
	fmt.Fprintf(w, "// %s reproduces %s (%s, seed %v):\n// %s\n", name, f.Failure.Signature(), f.Scenario, f.Seed, f.Failure.Message)
	if st := f.Config.Storage; st != harness.StorageDisk && st != harness.StorageMemory && st != "" {
		fmt.Fprintf(w, "//\n// It runs on the store %q: register it (harness.RegisterStore) before the test runs.\n", st)
	}
	fmt.Fprintf(w, "func %s(t *testing.T) {\n", name)
	fmt.Fprintf(w, "\tvar cfg harness.Config\n")
	fmt.Fprintf(w, "\trequire.NoError(t, json.Unmarshal([]byte(%s), &cfg))\n", goRawString(string(cfg)))
	fmt.Fprintf(w, "\tres, err := harness.Run(cfg, %d)\n", uint64(f.Seed))
	fmt.Fprintf(w, "\trequire.NoError(t, err)\n")
	if f.Expect == "fail" {
		fmt.Fprintf(w, "\trequire.NotNil(t, res.Failure, \"the specimen must still fail\")\n")
		fmt.Fprintf(w, "\tassert.Equal(t, %q, res.Failure.Signature())\n", f.Failure.Signature())
	} else {
		fmt.Fprintf(w, "\tassert.Nil(t, res.Failure, \"the bug is fixed: the run passes\")\n")
	}
	fmt.Fprintf(w, "}\n")
	return nil
}

// emitScenario prints a scenario file whose config is the failure's:
// running it with the file's seed reproduces the run.
func emitScenario(w io.Writer, file string, f harness.FailureFile) error {
	name := scenarioName(file)
	s := map[string]any{
		"name":    name,
		"summary": fmt.Sprintf("regression: %s (from %s, seed %v)", f.Failure.Signature(), f.Scenario, f.Seed),
		"doc":     fmt.Sprintf("Reproduces %s with seed %v: %s. Say here what the bug was and why the scenario keeps it away.", f.Failure.Signature(), f.Seed, f.Failure.Message),
		"base":    "baseline",
		"config":  f.Config,
	}
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}

// testName makes TestRegressionXxx from a file name.
func testName(file string) string {
	var b strings.Builder
	b.WriteString("TestRegression")
	up := true
	for _, r := range strings.TrimSuffix(filepath.Base(file), filepath.Ext(file)) {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if up {
				r = unicode.ToUpper(r)
			}
			b.WriteRune(r)
			up = false
		default:
			up = true
		}
	}
	return b.String()
}

// scenarioName makes a scenario name (lower-case words joined by dashes).
func scenarioName(file string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(strings.TrimSuffix(filepath.Base(file), filepath.Ext(file))) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
		} else {
			dash = true
		}
	}
	if b.Len() == 0 {
		return "regression"
	}
	return "regression-" + b.String()
}

// goRawString quotes s as a Go raw string, splitting around backquotes.
func goRawString(s string) string {
	return "`" + strings.ReplaceAll(s, "`", "` + \"`\" + `") + "`"
}
