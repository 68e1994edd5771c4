package storagetest

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/raftsim/raftsim/raft"
	"github.com/raftsim/raftsim/storage/simdisk"
)

// Crash is one crash of the driver: what it does to the writes a device
// has not synced, by the simulated disk's policy names (simdisk.CrashPolicy:
// lose-all, keep-subset, keep-prefix, tear; the package documentation of
// simdisk defines each), and the seed that draws its choices (which writes
// survive, where the torn one tears), so that a crash replays exactly.
type Crash struct {
	Policy simdisk.CrashPolicy
	Seed   uint64
}

func (c Crash) String() string { return fmt.Sprintf("%v seed %d", c.Policy, c.Seed) }

// Crashable is what the crash-consistency driver needs from a store on a
// simulated device, besides raft.Storage, and a Factory whose Reopen opens
// the device after a crash (applying the crash policy, if the device has
// not yet). The device counts its persistence points: the operations a
// crash can fall between (at least every write and every sync; every
// device call will do), from the device's creation on. The same calls on
// a fresh device must perform the same points.
type Crashable interface {
	// PersistencePoints returns how many persistence points the device
	// has performed.
	PersistencePoints() int
	// CrashAt arms a crash: the device crashes as soon as it has performed
	// n persistence points, at once if it already has. The operation that
	// performs point n-1 succeeds; every later one fails, and the writes
	// not yet synced are lost or torn as policy says. The store's method
	// in progress returns an error, or returns nil and is then held to
	// what it acknowledged.
	CrashAt(n int, crash Crash)
	// Crashed reports whether the device has crashed.
	Crashed() bool
}

// crashNode is the node ID of the crash driver's stores.
const crashNode raft.NodeID = 3

// RunCrash runs the crash-consistency property (CrashCheck) with rapid. The
// stores f makes must implement Crashable.
func RunCrash(t *testing.T, f Factory) {
	rapid.Check(t, CrashCheck(f))
}

// CrashCheck returns the crash-consistency property: for a random sequence
// of valid writes, the store crashes at every persistence point under each
// crash policy, is reopened, and must hold a state the sequence could have
// left: every acknowledged call's effect, the call in flight done or not
// (for a batch, any prefix of it), no hole in the log, no entry that was
// never written, and a hard state that was saved whole (never a new term
// with an old vote). The one effect a store may take back is the last
// applied index, which it may persist lazily: it may recover an earlier
// one, at or after its snapshot, if its state machine matches it exactly
// (the core then applies the rest again).
func CrashCheck(f Factory) func(*rapid.T) {
	return func(t *rapid.T) {
		ops := crashOps.Draw(t, "ops")
		seed := rapid.Uint64().Draw(t, "seed")
		if err := crashAll(t, f, ops, seed); err != nil {
			t.Fatalf("%v", err)
		}
	}
}

// crashOps draws 1..10 valid writes, running them on a model to keep each
// valid in the state the earlier ones leave.
var crashOps = rapid.Custom(func(t *rapid.T) []op {
	m := newModel(crashNode)
	kinds := []opKind{opSave, opAppend, opAppend, opReplicate, opDelete, opApply, opApplyBatch, opCompact, opInstall}
	n := rapid.IntRange(1, 10).Draw(t, "n")
	var ops []op
	for tries := 0; len(ops) < n && tries < 4*n; tries++ { // a kind may have nothing to do
		for _, o := range m.drawOps(t, rapid.SampledFrom(kinds).Draw(t, "kind"), false) {
			if o.run(m.s).err != nil {
				break
			}
			ops = append(ops, o)
		}
	}
	return ops
})

// crashAll runs ops once to count their persistence points, then once per
// point and crash kind, crashing there.
func crashAll(t TB, f Factory, ops []op, seed uint64) error {
	first, last, err := dryRun(t, f, ops)
	if err != nil {
		return err
	}
	for n := first; n <= last; n++ {
		for _, policy := range simdisk.CrashPolicies() {
			policy := Crash{Policy: policy, Seed: seed + uint64(n)}
			if err := crashOnce(t, f, ops, n, policy); err != nil {
				return fmt.Errorf("ops:\n%s\ncrash at persistence point %d (%v): %w", fmtOps(ops), n, policy, err)
			}
		}
	}
	return nil
}

// dryRun runs ops without a crash, checks their results against the
// model, and returns the device's point count before and after.
func dryRun(t TB, f Factory, ops []op) (first, last int, err error) {
	s := f.New(t, crashNode, NewSM())
	c, ok := s.(Crashable)
	if !ok {
		return 0, 0, fmt.Errorf("storagetest: crash consistency: the store (%T) does not implement Crashable", s)
	}
	first = c.PersistencePoints()
	m := newModel(crashNode)
	for k := range ops {
		want, got := ops[k].run(m.s), ops[k].run(s)
		if err := sameResult(&ops[k], want, got); err != nil {
			return 0, 0, fmt.Errorf("without a crash: %w", err)
		}
	}
	return first, c.PersistencePoints(), nil
}

// crashOnce runs ops on a fresh store armed to crash at point n, reopens
// it, and checks what it recovered.
func crashOnce(t TB, f Factory, ops []op, n int, policy Crash) error {
	m := newModel(crashNode)
	s := f.New(t, crashNode, NewSM())
	c := s.(Crashable)
	c.CrashAt(n, policy)
	w := witness{digests: map[raft.Index]uint64{0: m.sm.Digest()}}
	var outcomes []state
	for k := range ops {
		o := &ops[k]
		if c.Crashed() {
			break
		}
		w.note(o, m)
		before := m.state()
		res := o.run(s)
		if c.Crashed() {
			outcomes = possibleOutcomes(m, o, before, res.err == nil)
			break
		}
		if res.err != nil {
			return fmt.Errorf("op %d %v failed without a crash: %w", k, o, res.err)
		}
		o.run(m.s)
		w.saw(m.state())
	}
	if !c.Crashed() {
		return errors.New("the crash never happened: the store's persistence points differ from the dry run's")
	}
	if outcomes == nil { // crashed between two ops, or after the last
		outcomes = []state{m.state()}
	}
	for k := range outcomes {
		w.saw(outcomes[k])
	}
	return checkRecovery(t, f, s, &w, outcomes)
}

// checkRecovery reopens the crashed store and checks its state.
func checkRecovery(t TB, f Factory, s Store, w *witness, outcomes []state) error {
	sm := NewSM()
	var r Store
	if fail := runRecordedUnder(t, func(rt TB) { r = f.Reopen(rt, s, sm) }); fail != "" {
		return fmt.Errorf("the store does not reopen after the crash (a store must recover from any crash): %s", fail)
	}
	if r == nil {
		return errors.New("Reopen returned nil: a Crashable store must be reopenable")
	}
	got, err := observe(r, sm, crashNode)
	if err != nil {
		return fmt.Errorf("the recovered store: %w", err)
	}
	if err := w.check(&got); err != nil {
		return err
	}
	for k := range outcomes {
		if outcomes[k].String() == got.String() || w.fellBack(&got, &outcomes[k]) {
			return nil
		}
	}
	var b strings.Builder
	for k := range outcomes {
		fmt.Fprintf(&b, "--- possible outcome %d:\n%v", k+1, outcomes[k])
	}
	return fmt.Errorf("recovered a state the calls could not have left (an acknowledged effect lost, or a partial one kept):\n%v%s", got, b.String())
}

func fmtOps(ops []op) string {
	var b strings.Builder
	for k := range ops {
		fmt.Fprintf(&b, "  %d %v\n", k, &ops[k])
	}
	return b.String()
}
