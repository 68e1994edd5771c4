package campaign

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftsim/raftsim/checker"
	"github.com/raftsim/raftsim/failfile"
	"github.com/raftsim/raftsim/harness"
	"github.com/raftsim/raftsim/internal/zoo"
	"github.com/raftsim/raftsim/raft"
	"github.com/raftsim/raftsim/scenarios"
	"github.com/raftsim/raftsim/storage/simdisk"
)

// An inconclusive seed is its own outcome: counted and listed apart, no
// failure file, never a pass or a failure, and JUnit skips it.
func TestInconclusiveSeedsAreApart(t *testing.T) {
	dir := t.TempDir()
	rec := NewRecorder(Spec{Seeds: 3}, dir)
	rec.Begin(time.Now(), 1)
	pass := Outcome{Index: 0, Scenario: "s"}
	undecided := Outcome{Index: 1, Scenario: "s", Result: harness.Result{Inconclusive: "the search reached its bound"}}
	legacy := Outcome{Index: 2, Scenario: "s", Result: harness.Result{Failure: &harness.Failure{
		Class: harness.ClassLinearizability, Check: checker.Inconclusive.String(), Message: "gave up"}}}
	assert.Equal(t, Passed, rec.Record(pass).Verdict)
	assert.Equal(t, Inconclusive, rec.Record(undecided).Verdict)
	assert.Equal(t, Inconclusive, rec.Record(legacy).Verdict, "the form a checker reporting it as a failure gives")
	rec.Finish(time.Now(), false)
	s := rec.Summary
	assert.Equal(t, 3, s.Seeds)
	assert.Equal(t, 1, s.Passed)
	assert.Equal(t, 0, s.Failed)
	assert.Equal(t, 2, s.Inconclusive)
	require.Len(t, s.InconclusiveSeeds, 2)
	assert.Equal(t, "the search reached its bound", s.InconclusiveSeeds[0].Message)
	assert.Empty(t, s.Failures)
	files, _ := os.ReadDir(dir)
	assert.Empty(t, files, "no failure file for an undecided verdict")
	require.NoError(t, s.validate())

	var text strings.Builder
	s.WriteText(&text)
	assert.Contains(t, text.String(), "3 run: 1 passed, 0 failed, 2 inconclusive")
	assert.Contains(t, text.String(), "verdict    INCONCLUSIVE")
	junit, err := JUnit(s)
	require.NoError(t, err)
	assert.Contains(t, string(junit), `failures="0"`)
	assert.Contains(t, string(junit), `<testcase name="s" classname="raftsim.fuzz.scenario" time="0.000">
      <skipped message="2 of 3 seeds with an undecided verdict">`)

	m, err := Merge([]Part{{"s.json", s}})
	require.NoError(t, err)
	assert.Equal(t, 2, m.Inconclusive)
	assert.Len(t, m.InconclusiveSeeds, 2)

	// A real failure wins over an undecided check.
	both := Outcome{Result: harness.Result{Inconclusive: "x", Failure: &harness.Failure{Class: harness.ClassInvariant, Check: "election-safety"}}}
	assert.Equal(t, Failed, both.Verdict())
}

// The summary of a campaign with a seed budget does not depend on the
// number of workers, and every seed index runs once.
func TestSummaryIndependentOfWorkers(t *testing.T) {
	sc, err := scenarios.Get("baseline")
	require.NoError(t, err)
	run := func(workers int) *Summary {
		s, err := Run(Spec{Seed: 3, Seeds: 6, Short: true, Workers: workers, Scenarios: []scenarios.Scenario{sc}}, "", nil)
		require.NoError(t, err)
		s.Wall = Wall{}
		return s
	}
	one, two := run(1), run(2)
	assert.Equal(t, one, two)
	assert.Equal(t, 6, one.Seeds)
}

// A budget of CPU time ends the campaign: once the budget is spent, no
// seed starts (the first may, before the clock moved past a nanosecond).
func TestCPUBudgetEndsTheCampaign(t *testing.T) {
	s, err := Run(Spec{CPU: time.Nanosecond, Workers: 1}, "", nil)
	require.NoError(t, err)
	assert.LessOrEqual(t, s.Seeds, 1, "at most the seed taken before the clock moved")
	assert.Equal(t, time.Nanosecond, s.Campaign.CPUBudget)
}

func TestSpecRejectsWhatMakesNoCampaign(t *testing.T) {
	for _, tt := range []struct {
		spec Spec
		want string
	}{
		{Spec{Seeds: -1}, "must not be negative"},
		{Spec{Workers: MaxWorkers + 1}, "workers"},
		{Spec{Shard: Shard{Index: 3, Count: 2}}, "shard 3/2"},
		{Spec{Store: harness.Store{Name: "nobody-registered-this"}}, "unknown store"},
		{Spec{Store: harness.Store{Name: "disk", Open: func(harness.StoreEnv) (raft.Storage[harness.Command, harness.Response], error) { return nil, nil }}}, "built in"},
	} {
		_, err := Start(tt.spec)
		assert.ErrorContains(t, err, tt.want, "%+v", tt.spec)
	}
}

// lyingStore is a user's store whose syncs never reach the device.
var lyingStore = harness.Store{Name: "campaign-test-lying", Device: true,
	Open: func(e harness.StoreEnv) (raft.Storage[harness.Command, harness.Response], error) {
		return simdisk.Open(noSync{e.Device}, e.ID, e.StateMachine, e.Codec, simdisk.Options{})
	}}

type noSync struct{ simdisk.Device }

func (noSync) Sync(string) error { return nil }
func (noSync) SyncDir() error    { return nil }

// fakeT records what Test reports.
type fakeT struct {
	testing.TB
	errors, logs []string
}

func (f *fakeT) Helper()      {}
func (f *fakeT) Name() string { return "TestFake/sub" }
func (f *fakeT) Errorf(format string, a ...any) {
	f.errors = append(f.errors, fmt.Sprintf(format, a...))
}
func (f *fakeT) Logf(format string, a ...any)   { f.logs = append(f.logs, fmt.Sprintf(format, a...)) }
func (f *fakeT) Log(a ...any)                   { f.logs = append(f.logs, fmt.Sprint(a...)) }
func (f *fakeT) Fatal(a ...any)                 { f.errors = append(f.errors, fmt.Sprint(a...)) }
func (f *fakeT) Fatalf(format string, a ...any) { f.Errorf(format, a...) }

// Test reports each signature as an error with the file it wrote and the
// go test command that replays it with the user's store.
func TestTestReportsFailuresWithTheirReplay(t *testing.T) {
	t.Chdir(t.TempDir())
	sc, err := scenarios.Get("crash-persistence-points")
	require.NoError(t, err)
	ft := &fakeT{TB: t}
	sum := Test(ft, Spec{Store: lyingStore, Scenarios: []scenarios.Scenario{sc}, Seeds: 20, Short: true, Workers: 2})
	require.NotNil(t, sum)
	require.Positive(t, sum.Failed, "a store whose syncs lie is caught")
	require.Len(t, ft.errors, sum.Distinct(), "one error per signature")
	for _, e := range ft.errors {
		assert.Contains(t, e, "go test -run '^TestFake$' -args")
		assert.Contains(t, e, "-raftsim.replay="+filepath.Join(TestDir, "TestFake_sub"))
	}
	for _, f := range sum.Failures {
		ff, err := failfile.Read(f.First.File)
		require.NoError(t, err, "the failure file is written")
		assert.Equal(t, harness.StorageKind("campaign-test-lying"), ff.Config.Storage, "and names the user's store")
	}
	assert.Equal(t, "campaign-test-lying", sum.Campaign.Store)

	// The file replays, failing the same way.
	rt := &fakeT{TB: t}
	replayFile(rt, sum.Failures[0].First.File)
	require.Len(t, rt.errors, 1)
	assert.Contains(t, rt.errors[0], "reproduces "+sum.Failures[0].Signature)
	assert.Contains(t, rt.errors[0], "the same trace hash")
}

// Stop ends a campaign cleanly: running seeds finish, no new one starts,
// and the outcome channel closes.
func TestRunnerStopsCleanly(t *testing.T) {
	sc, err := scenarios.Get("baseline")
	require.NoError(t, err)
	r, err := Start(Spec{Seeds: 1000, Short: true, Workers: 2, Scenarios: []scenarios.Scenario{sc}})
	require.NoError(t, err)
	first := <-r.Outcomes()
	r.Stop()
	n := 1
	for o := range r.Outcomes() {
		assert.False(t, o.Abandoned, "stopping lets running seeds finish")
		n++
	}
	assert.False(t, first.Abandoned)
	assert.Less(t, n, 1000, "no seed starts after Stop")
}

// Abandon gives up on running seeds: they are reported abandoned, and the
// channel closes.
func TestRunnerAbandons(t *testing.T) {
	sc, err := scenarios.Get("long-soak")
	require.NoError(t, err)
	r, err := Start(Spec{Seeds: 1000, Workers: 2, Scenarios: []scenarios.Scenario{sc}})
	require.NoError(t, err)
	r.Abandon()
	rec := NewRecorder(Spec{}, "")
	for o := range r.Outcomes() {
		rec.Record(o)
	}
	s := rec.Summary
	assert.LessOrEqual(t, s.Seeds+s.Abandoned, 2, "at most the seeds taken before Abandon")
}

// MaxFailures stops the campaign from starting seeds after that many
// failures: with a bug every seed finds and one worker, exactly one seed
// runs of a budget of ten.
func TestMaxFailuresStopsTheCampaign(t *testing.T) {
	bugs, err := zoo.Parse("prevote-never-grants")
	require.NoError(t, err)
	s, err := Run(Spec{Seed: 7, Seeds: 10, Short: true, Workers: 1, Bugs: bugs, MaxFailures: 1}, "", nil)
	require.NoError(t, err)
	assert.Equal(t, 1, s.Failed)
	assert.Equal(t, 1, s.Seeds)
	_, err = Start(Spec{MaxFailures: -1})
	assert.ErrorContains(t, err, "max failures -1")
}
