package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"unicode"

	"github.com/raftsim/raftsim/failfile"
	"github.com/raftsim/raftsim/harness"
)

// `raftsim replay --emit go-test|scenario` turns a (shrunk) failure into
// something to keep: a Go test function to paste into a regression test,
// or a scenario file that re-creates the run for any seed.

// emitFor writes what --emit asks for.
func emitFor(w io.Writer, kind, file string, f failfile.File) error {
	switch kind {
	case "go-test":
		return emitGoTest(w, file, f)
	case "scenario":
		return emitScenario(w, file, f)
	}
	return fmt.Errorf("--emit %q: want go-test or scenario", kind)
}

// emitGoTest prints a complete Go test file (package clause, imports, one
// test) that runs the failure's config and seed. The config is inlined, so
// the file needs nothing but raftsim and the standard library, and compiles
// as pasted into any package directory of a module that requires raftsim.
//
// The test follows the corpus's semantics (failfile.CheckCorpus): while
// stillFails is true it asserts the same failure with the same trace hash,
// so any change to the run shows; when the bug is fixed, the comment tells
// the reader to set stillFails to false, and the test then asserts the run
// passes (the fix changes the trace, so the hash is no longer checked).
func emitGoTest(w io.Writer, file string, f failfile.File) error {
	cfg, err := json.MarshalIndent(f.Config, "", "\t")
	if err != nil {
		return err
	}
	name := testName(file)
	still := f.Expect == "fail" || (f.Expect == "" && f.Failure.Signature() != "")
	if f.Expect == "pass" {
		still = false
	}
	var b strings.Builder
	fmt.Fprintf(&b, "package regression_test\n\n")
	fmt.Fprintf(&b, "// Written by `raftsim replay --emit go-test %s` (raftsim %s). Save it as\n", filepath.Base(file), harness.Version())
	fmt.Fprintf(&b, "// regression/%s_test.go in a module that requires raftsim, or change the\n",
		strings.ReplaceAll(strings.TrimPrefix(scenarioName(file), "regression-"), "-", "_"))
	fmt.Fprintf(&b, "// package clause to that of the directory it joins; then go test ./regression/.\n\n")
	fmt.Fprintf(&b, "import (\n\t\"encoding/json\"\n\t\"testing\"\n\n\t\"github.com/raftsim/raftsim/failfile\"\n\t\"github.com/raftsim/raftsim/harness\"\n\t\"github.com/raftsim/raftsim/sim\"\n)\n\n")
	fmt.Fprintf(&b, "// %s reproduces %s (scenario %s, seed %v):\n//\n//\t%s\n//\n", name, f.Failure.Signature(), f.Scenario, f.Seed, oneLine(f.Failure.Message))
	fmt.Fprintf(&b, "// While the bug is present, stillFails is true and the test asserts the\n")
	fmt.Fprintf(&b, "// same failure with the same trace hash, so it notices any change to the\n")
	fmt.Fprintf(&b, "// run. When the bug is fixed, this test fails saying so: set stillFails\n")
	fmt.Fprintf(&b, "// to false, and from then on it asserts that the run passes (a fix changes\n")
	fmt.Fprintf(&b, "// the trace, so the hash is no longer checked). This is the corpus's\n")
	fmt.Fprintf(&b, "// \"expect\": \"fail\" / \"pass\" of a failure file (testdata/failures).\n")
	if st := f.Config.Storage; st != harness.StorageDisk && st != harness.StorageMemory && st != "" {
		fmt.Fprintf(&b, "//\n// It runs on the store %q: register it (harness.RegisterStore) before the test runs.\n", st)
	}
	fmt.Fprintf(&b, "func %s(t *testing.T) {\n", name)
	fmt.Fprintf(&b, "\tconst stillFails = %v\n", still)
	fmt.Fprintf(&b, "\tconst signature, traceHash = %q, %q\n", f.Failure.Signature(), f.TraceHash)
	fmt.Fprintf(&b, "\tvar cfg harness.Config\n")
	fmt.Fprintf(&b, "\tif err := json.Unmarshal([]byte(config%s), &cfg); err != nil {\n\t\tt.Fatalf(\"the config no longer reads: %%v\", err)\n\t}\n", name)
	fmt.Fprintf(&b, "\tres, err := harness.Run(cfg, sim.Seed(%d))\n", uint64(f.Seed))
	fmt.Fprintf(&b, "\tif err != nil {\n\t\tt.Fatalf(\"the config no longer runs: %%v\", err)\n\t}\n")
	fmt.Fprintf(&b, "\tswitch {\n")
	fmt.Fprintf(&b, "\tcase !stillFails && res.Failure != nil:\n\t\tt.Fatalf(\"a fixed bug fails again: %%v\", res.Failure)\n")
	fmt.Fprintf(&b, "\tcase !stillFails:\n\t\t// fixed, and the run passes\n")
	fmt.Fprintf(&b, "\tcase res.Failure == nil:\n\t\tt.Fatalf(\"the run passes now: if the bug is fixed, set stillFails to false\")\n")
	fmt.Fprintf(&b, "\tcase res.Failure.Signature() != signature:\n\t\tt.Fatalf(\"want failure %%s, got %%s: %%v\", signature, res.Failure.Signature(), res.Failure)\n")
	fmt.Fprintf(&b, "\tcase failfile.FormatHash(res.TraceHash) != traceHash:\n\t\tt.Fatalf(\"same failure, but trace hash %%s, want %%s: the run changed (raftsim replay shows where)\", failfile.FormatHash(res.TraceHash), traceHash)\n")
	fmt.Fprintf(&b, "\t}\n}\n\n")
	fmt.Fprintf(&b, "// config%s is the failure's concrete config, fault plan included.\n", name)
	fmt.Fprintf(&b, "const config%s = %s\n", name, goRawString(string(cfg)))
	_, err = io.WriteString(w, b.String())
	return err
}

// emitScenario prints a scenario file whose config is the failure's:
// running it with the file's seed reproduces the run.
func emitScenario(w io.Writer, file string, f failfile.File) error {
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
