package mutate

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var fixtureTarget = Target{Dirs: []string{"calc"}, Options: DefaultOptions}

// fixtureDir holds the fixture's schemata copy, removed by TestMain.
var fixtureDir string

// fixture generates the schemata copy of testdata/fixture once.
var fixture = sync.OnceValues(func() (*Schemata, error) {
	dir, err := os.MkdirTemp("", "mutate-test-")
	if err != nil {
		return nil, err
	}
	fixtureDir = dir
	return Generate("testdata/fixture", filepath.Join(dir, "src"), fixtureTarget)
})

func TestMain(m *testing.M) {
	code := m.Run()
	if fixtureDir != "" {
		os.RemoveAll(fixtureDir)
	}
	os.Exit(code)
}

func generated(t *testing.T) *Schemata {
	t.Helper()
	s, err := fixture()
	require.NoError(t, err)
	return s
}

// find returns the one mutant of fn with op and mutated text.
func find(t *testing.T, s *Schemata, fn, op, mutated string) *Mutant {
	t.Helper()
	var found []*Mutant
	for _, m := range s.Mutants {
		if m.Func == fn && m.Operator == op && m.Mutated == mutated {
			found = append(found, m)
		}
	}
	require.Len(t, found, 1, "%s %s %q in %v", fn, op, mutated, keys(s.Mutants))
	return found[0]
}

func keys(ms []*Mutant) []string {
	var k []string
	for _, m := range ms {
		k = append(k, m.Key())
	}
	return k
}

// Each operator, on the fixture: with no mutant active the schemata copy
// prints what the original prints (and evaluates each operand once);
// with a mutant active, the mutated behaviour.
func TestSchemataBehavesAsEachMutant(t *testing.T) {
	s := generated(t)
	bin := filepath.Join(t.TempDir(), "show")
	out, err := goCmd(s.Root, "build", "-o", bin, "./cmd/show")
	require.NoError(t, err, out)
	show := func(id int) string {
		cmd := exec.Command(bin)
		cmd.Env = append(os.Environ(), SwitchEnv+"="+strconv.Itoa(id))
		b, err := cmd.Output()
		require.NoError(t, err)
		return strings.TrimSpace(string(b))
	}
	//                        Less(1,2) Less(2,2) Equal Both Not Sum Scale Pos x Spin Calls
	const original = "true false true false false 7 12 1 13 0 4"
	assert.Equal(t, original, show(0))
	for _, tt := range []struct{ fn, op, mutated, want string }{
		{"Less", OpBoundary, "next(a) <= b", "true true true false false 7 12 1 13 0 4"},
		{"Less", OpNegate, "next(a) >= b", "false true true false false 7 12 1 13 0 4"},
		{"Equal", OpNegate, "a != next(b)", "true false false false false 7 12 1 13 0 4"},
		{"Both", OpLogical, "a || b", "true false true true false 7 12 1 13 0 4"},
		{"Not", OpNot, "a", "true false true false true 7 12 1 13 0 4"},
		{"Sum", OpArith, "next(a) - b", "true false true false false 3 12 1 13 0 4"},
		{"Scale", OpArith, "a / b", "true false true false false 7 3 1 13 0 4"},
		{"Pos", OpCond, "!(flag(b))", "true false true false false 7 12 0 13 0 4"},
		{"Bump", OpArith, "*x -= d", "true false true false false 7 12 1 7 0 4"},
		{"Bump", OpRemove, "", "true false true false false 7 12 1 10 0 4"},
	} {
		m := find(t, s, tt.fn, tt.op, tt.mutated)
		assert.Equal(t, tt.want, show(m.ID), "%s", m.Key())
	}
}

// Observe-only calls, String methods and constants are not mutated; the
// string concatenation's arithmetic mutant would not compile and none
// exists.
func TestWhatIsNotMutated(t *testing.T) {
	s := generated(t)
	for _, m := range append(s.Mutants, s.Dropped...) {
		assert.NotEqual(t, "T.String", m.Func, m.Key())
		assert.NotContains(t, m.Orig, "hit()", m.Key())
	}
	ops := map[string]bool{}
	for _, m := range s.Mutants {
		ops[m.Operator] = true
	}
	for _, op := range Operators {
		assert.True(t, ops[op], "no %s mutant in the fixture", op)
	}
}

// The schemata files keep the original's line count, so that positions
// and coverage stay comparable.
func TestSchemataKeepsLines(t *testing.T) {
	s := generated(t)
	orig, err := os.ReadFile("testdata/fixture/calc/calc.go")
	require.NoError(t, err)
	mut, err := os.ReadFile(filepath.Join(s.Root, "calc", "calc.go"))
	require.NoError(t, err)
	require.Contains(t, string(mut), switchName)
	assert.Equal(t, strings.Count(string(orig), "\n"), strings.Count(string(mut), "\n"))
}

// Mutants that do not compile are dropped: a + on strings has no - .
func TestUncompilableMutantsAreDropped(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "m")
	require.NoError(t, os.MkdirAll(filepath.Join(src, "p"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(src, "go.mod"), []byte("module example.com/m\n\ngo 1.22\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(src, "p", "p.go"), []byte("package p\n\nfunc Hello(n string, k int) string { return \"hello \" + n + string(rune(k+1)) }\n"), 0o644))
	s, err := Generate(src, filepath.Join(dir, "copy"), Target{Dirs: []string{"p"}})
	require.NoError(t, err)
	var live, dropped []string
	for _, m := range s.Mutants {
		live = append(live, m.Mutated)
	}
	for _, m := range s.Dropped {
		dropped = append(dropped, m.Mutated)
	}
	assert.Equal(t, []string{"k - 1"}, live)
	assert.ElementsMatch(t, []string{`"hello " - n`, `"hello " + n - string(rune(k+1))`}, dropped)
}

// The runner on the fixture: the campaign kills one mutant and not its
// neighbour, the unit tests kill one the campaign misses, a hang and a
// crash are told apart, and Unused's mutants are unreached.
func TestRunnerOnTheFixture(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the fixture's binaries")
	}
	s := generated(t)
	bins, err := s.Build(t.TempDir(), true)
	require.NoError(t, err)
	c := &RunConfig{Budget: time.Second, CampaignSeed: "1", Timeout: 5 * time.Minute, CPULimit: 2 * time.Second, Jobs: 2, Unit: true}
	base, err := c.RunBaseline(s, bins)
	require.NoError(t, err)
	assert.Equal(t, 1, base.Seeds)
	reached, err := c.Reach(s, bins, base.Seeds, t.TempDir())
	require.NoError(t, err)

	lessNeg := find(t, s, "Less", OpNegate, "next(a) >= b")
	lessBound := find(t, s, "Less", OpBoundary, "next(a) <= b")
	sum := find(t, s, "Sum", OpArith, "next(a) - b")
	spin := find(t, s, "Spin", OpIncDec, "n++")
	scale := find(t, s, "Scale", OpArith, "a / b")
	unused := find(t, s, "Unused", OpBoundary, "a >= 3")
	eq := map[string]string{unused.Key(): "never called"}
	res := c.Run(s, bins, []*Mutant{lessNeg, lessBound, sum, spin, scale, unused}, eq)
	verdicts := map[string]string{}
	for _, r := range res {
		verdicts[r.Mutant.Func+" "+r.Mutant.Mutated] = r.Verdict
	}
	assert.Equal(t, map[string]string{
		"Less next(a) >= b": KilledCampaign, "Less next(a) <= b": Survived, "Sum next(a) - b": KilledUnit,
		"Spin n++": KilledTimeout, "Scale a / b": KilledCrash, "Unused a >= 3": Equivalent,
	}, verdicts)
	assert.Equal(t, "fixture/check", res[0].Detail)
	assert.Contains(t, res[4].Detail, "divide by zero")
	assert.Equal(t, "used more than 2s of CPU", res[3].Detail, "the hang is found by its CPU time, not the wall clock")
	assert.True(t, reached[lessBound.ID])
	assert.False(t, reached[unused.ID])

	rep := &Report{Results: res, Coverage: true}
	rep.Tally()
	assert.Equal(t, NewScore(3, 5), rep.Campaign)
	assert.Equal(t, NewScore(4, 5), rep.All)
}

// A failing baseline refuses the score.
func TestBaselineFailureRefuses(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the fixture's binaries")
	}
	s := generated(t)
	dir := t.TempDir()
	bin := filepath.Join(dir, "fail")
	require.NoError(t, os.WriteFile(bin, []byte("#!/bin/sh\necho '{\"seeds\": 1, \"failures\": [{\"signature\": \"x\"}]}'\nexit 1\n"), 0o755))
	c := &RunConfig{Budget: time.Second, CampaignSeed: "1", Timeout: 5 * time.Second}
	_, err := c.RunBaseline(s, &Binaries{Raftsim: bin})
	assert.ErrorContains(t, err, "unmutated core fails its campaign")
}

func TestWilsonScore(t *testing.T) {
	s := NewScore(90, 100)
	assert.InDelta(t, 90.0, s.Percent, 1e-9)
	assert.InDelta(t, 82.6, s.Low, 0.1)
	assert.InDelta(t, 94.5, s.High, 0.1)
	assert.Equal(t, Score{}, NewScore(0, 0))
	assert.InDelta(t, 100.0, NewScore(5, 5).High, 1e-9)
}

// A sample depends on the seed and the keys alone, and an unrelated
// mutant added changes at most one pick.
func TestSampleIsStable(t *testing.T) {
	var ms []*Mutant
	for i := 0; i < 200; i++ {
		ms = append(ms, &Mutant{File: "f.go", Func: "f", Operator: OpNegate, Orig: "a == " + strconv.Itoa(i), Mutated: "x"})
	}
	a := keys(Sample(ms, 20, 7))
	assert.Len(t, a, 20)
	assert.Equal(t, a, keys(Sample(ms, 20, 7)))
	assert.NotEqual(t, a, keys(Sample(ms, 20, 8)))
	more := append([]*Mutant{{File: "g.go", Func: "g", Operator: OpArith, Orig: "1+x", Mutated: "1-x"}}, ms...)
	b := keys(Sample(more, 20, 7))
	common := 0
	for _, k := range b {
		for _, j := range a {
			if k == j {
				common++
			}
		}
	}
	assert.GreaterOrEqual(t, common, 19)
	assert.Len(t, Sample(ms, 0, 7), 200)
}

func TestFindModule(t *testing.T) {
	root, err := FindModule("testdata/fixture/calc", "example.com/fixture")
	require.NoError(t, err)
	assert.Equal(t, "fixture", filepath.Base(root))
	_, err = FindModule(t.TempDir(), "example.com/fixture")
	assert.ErrorIs(t, err, ErrNoModule)
}
