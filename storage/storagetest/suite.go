package storagetest

import (
	"errors"
	"fmt"
	"testing"

	"github.com/raftsim/raftsim/raft"
)

// TB is the part of *testing.T the kit and its factories use. *testing.T
// and *rapid.T implement it, so one factory serves the conformance cases and
// the property tests alike.
type TB interface {
	Helper()
	Logf(format string, args ...any)
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
	FailNow()
	Cleanup(func())
}

// Store is the storage the kit tests: a raft.Storage of the kit's command
// and response types.
type Store = raft.Storage[Cmd, Resp]

// Factory makes the stores under test, of the kit's command and response
// types. A store generic over its command type D gets one by
// instantiating D as Cmd; a store fixed to its application's types is run
// through Typed.
type Factory = FactoryOf[Cmd, Resp]

// FactoryOf makes stores of commands D and responses R. The kit calls it
// from one goroutine.
type FactoryOf[D, R any] interface {
	// New returns a pristine store of node id on a fresh medium, applying
	// committed commands to sm (a fresh machine).
	New(t TB, id raft.NodeID, sm raft.StateMachine[D, R]) raft.Storage[D, R]

	// Reopen returns a new store object on old's medium, as the process
	// would open it after a restart, applying to sm, a fresh machine the
	// store must bring back to the state its medium holds. old is not used
	// again (Reopen may close it); it may have crashed (see Crashable).
	// Reopen returns nil when the medium cannot be reopened because it is
	// the store's own memory (memstore): the suite then goes on with old
	// and old's machine, and the restart cases check that nothing changed.
	Reopen(t TB, old raft.Storage[D, R], sm raft.StateMachine[D, R]) raft.Storage[D, R]
}

// Memory is the Factory of a store whose memory is its medium, such as
// memstore: New calls newStore, and Reopen returns nil.
func Memory(newStore func(id raft.NodeID, sm raft.StateMachine[Cmd, Resp]) Store) Factory {
	return memoryFactory(newStore)
}

type memoryFactory func(id raft.NodeID, sm raft.StateMachine[Cmd, Resp]) Store

func (f memoryFactory) New(_ TB, id raft.NodeID, sm raft.StateMachine[Cmd, Resp]) Store {
	return f(id, sm)
}

func (memoryFactory) Reopen(TB, Store, raft.StateMachine[Cmd, Resp]) Store { return nil }

// Case is one conformance case: a named check of one rule of the
// raft.Storage contract.
type Case struct {
	// Name is short and unique, "group-what": "entries-half-open".
	Name string
	// Doc states the rule the case checks, in the contract's terms.
	Doc string
	// Run checks the rule on stores made by f, failing t when it is broken.
	Run func(t TB, f Factory)
}

// Cases returns every conformance case, in a fixed order, grouped by the
// method they exercise.
func Cases() []Case {
	var cs []Case
	for _, group := range [][]Case{
		membershipCases(), initialStateCases(), hardStateCases(),
		rangeCases(), deleteCases(), appendCases(), replicateCases(),
		applyCases(), compactionCases(), snapshotCases(),
	} {
		cs = append(cs, group...)
	}
	return cs
}

// Run tests the stores f makes: every conformance case, the model-based
// random test, crash consistency (small random workloads, then deep ones)
// and device faults. A store the kit cannot crash (see Crashable and
// OnDisk) or inject faults into (Faultable) gets those subtests skipped
// with a message that says why and how to get them.
func Run(t *testing.T, f Factory, opts ...Option) {
	o := options(opts)
	t.Run("cases", func(t *testing.T) { RunCases(t, f) })
	t.Run("model", func(t *testing.T) { RunModel(t, f) })
	t.Run("crash", func(t *testing.T) {
		if why := crashSkip(t, f); why != "" {
			t.Skip(why)
		}
		RunCrash(t, f)
	})
	t.Run("crash-deep", func(t *testing.T) { RunCrashDeep(t, f) })
	t.Run("faults", func(t *testing.T) { RunFaults(t, f, o.tolerates) })
}

// Option tunes Run.
type Option func(*runOptions)

type runOptions struct{ tolerates Tolerates }

// WithTolerates declares which device faults the store repairs or
// detects; RunFaults checks the declaration.
func WithTolerates(t Tolerates) Option { return func(o *runOptions) { o.tolerates = t } }

func options(opts []Option) runOptions {
	var o runOptions
	for _, f := range opts {
		f(&o)
	}
	return o
}

// RunCases runs every conformance case as a subtest of t.
func RunCases(t *testing.T, f Factory) {
	for _, c := range Cases() {
		t.Run(c.Name, func(t *testing.T) {
			defer func() {
				// A store's answer the case did not expect (an empty
				// result where the contract promises an entry) must not
				// take the other cases down with it.
				if p := recover(); p != nil {
					t.Errorf("case %s: the store's answers broke the case (%v): rule: %s", c.Name, p, c.Doc)
				}
			}()
			runCase(t, &c, f)
		})
	}
}

// Result is the outcome of one case run by Check.
type Result struct {
	Case string
	// Failure is the case's first failure message; "" when it passed. A
	// panic in the store fails the case with the panic's value.
	Failure string
}

// Check runs every conformance case on f outside of a test, and reports
// each case's outcome. It serves where no *testing.T exists (an Example,
// a command) and where a failure is expected (a deliberately broken store).
func Check(f Factory) []Result {
	cs := Cases()
	out := make([]Result, len(cs))
	for k, c := range cs {
		out[k] = Result{Case: c.Name, Failure: runRecorded(func(t TB) { runCase(t, &c, f) })}
	}
	return out
}

// runRecorded runs fn with a TB that records failures instead of reporting
// them, and returns the first failure message, or "".
func runRecorded(fn func(t TB)) (failure string) { return runRecordedUnder(nil, fn) }

// runRecordedUnder is runRecorded inside a test: fn's cleanups are
// parent's, so that what fn opens (a store reopened after a crash) stays
// open until parent ends.
func runRecordedUnder(parent TB, fn func(t TB)) (failure string) {
	r := &recorder{parent: parent}
	defer func() {
		r.runCleanups()
		if p := recover(); p != nil && p != errFailNow {
			failure = fmt.Sprintf("panic: %v", p)
			return
		}
		failure = r.first
	}()
	fn(r)
	return ""
}

// errFailNow is the panic FailNow unwinds a recorded case with.
var errFailNow = errors.New("storagetest: FailNow")

// recorder is a TB that keeps the first failure. FailNow panics with
// errFailNow, which runRecorded recovers.
type recorder struct {
	parent   TB // receives the cleanups, when set
	first    string
	failed   bool
	cleanups []func()
}

func (r *recorder) Helper()             {}
func (r *recorder) Logf(string, ...any) {}

func (r *recorder) Errorf(format string, args ...any) {
	if !r.failed {
		r.first = fmt.Sprintf(format, args...)
		if r.first == "" {
			r.first = "failed"
		}
	}
	r.failed = true
}

func (r *recorder) Fatalf(format string, args ...any) {
	r.Errorf(format, args...)
	r.FailNow()
}

func (r *recorder) FailNow() {
	r.failed = true
	if r.first == "" {
		r.first = "failed"
	}
	panic(errFailNow)
}

func (r *recorder) Cleanup(f func()) {
	if r.parent != nil {
		r.parent.Cleanup(f)
		return
	}
	r.cleanups = append(r.cleanups, f)
}

// runCleanups runs the cleanups last-registered first, as testing does.
func (r *recorder) runCleanups() {
	for k := len(r.cleanups) - 1; k >= 0; k-- {
		r.cleanups[k]()
	}
	r.cleanups = nil
}
