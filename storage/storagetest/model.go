package storagetest

import (
	"slices"
	"testing"

	"pgregory.net/rapid"

	"github.com/raftsim/raftsim/raft"
)

// RunModel runs the model-based random test (ModelCheck) with rapid:
// random calls on a store of f and on the reference model, compared after
// every call. A failure is shrunk to a short sequence and saved as a fail
// file under testdata/rapid, which the next run replays first.
func RunModel(t *testing.T, f Factory) {
	rapid.Check(t, ModelCheck(f))
}

// ModelCheck returns the model-based property: a random sequence of calls
// (hard state saves, appends, replications with and without a prior
// truncation, deletions, single and batch applies, compactions, streamed
// snapshot installations, restarts, range reads) runs on a store of f,
// wrapped in a Guard, and on the reference model (memstore). Calls the
// contract requires refused are drawn too. After every call, the results
// must agree, and so must the stores' states: initial state, membership,
// log, current snapshot and state machine digest. For a fuzz target:
//
//	func FuzzMyStore(f *testing.F) { f.Fuzz(rapid.MakeFuzz(storagetest.ModelCheck(factory))) }
func ModelCheck(f Factory) func(*rapid.T) {
	return func(t *rapid.T) {
		mt := &modelTest{t: t, f: f, id: raft.NodeID(rapid.Uint64Range(1, 5).Draw(t, "node"))}
		mt.m = newModel(mt.id)
		mt.sm = NewSM()
		mt.raw = f.New(t, mt.id, mt.sm)
		mt.guard()
		t.Repeat(mt.actions())
	}
}

// modelTest is one run of the model-based property.
type modelTest struct {
	t  *rapid.T
	f  Factory
	id raft.NodeID
	m  *model

	raw Store // the store under test
	s   Store // raw, guarded
	sm  *SM

	// violations collects what the guard reports during one call.
	violations []Violation
}

func (mt *modelTest) guard() {
	mt.s = Guard(mt.raw, func(v Violation) { mt.violations = append(mt.violations, v) })
}

func (mt *modelTest) actions() map[string]func(*rapid.T) {
	acts := map[string]func(*rapid.T){
		"":        mt.check,
		"restart": mt.restart,
		"read":    mt.read,
	}
	// Appends and applies come twice, so that logs grow and get applied.
	for name, kind := range map[string]opKind{
		"save": opSave, "append": opAppend, "append again": opAppend, "replicate": opReplicate,
		"delete": opDelete, "apply": opApply, "apply again": opApply, "compact": opCompact,
		"install": opInstall,
	} {
		acts[name] = func(t *rapid.T) { mt.step(t, kind) }
	}
	return acts
}

// step draws the ops of one action and runs each on the store and the
// model.
func (mt *modelTest) step(t *rapid.T, kind opKind) {
	ops := mt.m.drawOps(t, kind, true)
	if len(ops) == 0 {
		t.Skip("nothing to do")
	}
	for k := range ops {
		o := &ops[k]
		t.Logf("%v", o)
		mt.violations = mt.violations[:0]
		want := o.run(mt.m.s)
		got := o.run(mt.s)
		if err := sameResult(o, want, got); err != nil {
			t.Fatalf("%v", err)
		}
		for _, v := range mt.violations {
			if !(v.Caller && o.refusable) {
				t.Fatalf("%v", v)
			}
		}
	}
}

// restart reopens the store on its medium (when it has one).
func (mt *modelTest) restart(t *rapid.T) {
	sm := NewSM()
	s := mt.f.Reopen(t, mt.raw, sm)
	if s == nil {
		t.Skip("the store's memory is its medium")
	}
	t.Logf("restart")
	mt.raw, mt.sm = s, sm
	mt.guard()
	applied := mt.m.view().LastAppliedLog
	recovered, err := catchUp(mt.s, applied)
	if err != nil {
		t.Fatalf("after a restart: %v", err)
	}
	if recovered != applied {
		t.Logf("the restart recovered last applied %d of %d; applied the rest again", recovered, applied)
	}
}

// read compares a random range of the log.
func (mt *modelTest) read(t *rapid.T) {
	last := mt.m.view().LastLogIndex
	start := raft.Index(rapid.Uint64Range(0, uint64(last)+2).Draw(t, "start"))
	stop := raft.Index(rapid.Uint64Range(0, uint64(last)+3).Draw(t, "stop"))
	want, _ := mt.m.s.GetLogEntries(start, stop)
	got, err := mt.s.GetLogEntries(start, stop)
	if err != nil {
		t.Fatalf("GetLogEntries(%d, %d): %v", start, stop, err)
	}
	if w, g := fmtEntries(want), fmtEntries(got); !slices.Equal(w, g) {
		t.Fatalf("GetLogEntries(%d, %d) = %q, want %q", start, stop, g, w)
	}
	mt.reportViolations(t)
}

// check compares the whole state of the store and the model.
func (mt *modelTest) check(t *rapid.T) {
	mt.violations = mt.violations[:0]
	want := mt.m.state()
	got, err := observe(mt.s, mt.sm, mt.id)
	if err != nil {
		t.Fatalf("%v", err)
	}
	if g, w := got.String(), want.String(); g != w {
		t.Fatalf("the store differs from the model:\n%s\nwant:\n%s", g, w)
	}
	mt.reportViolations(t)
}

func (mt *modelTest) reportViolations(t *rapid.T) {
	for _, v := range mt.violations {
		t.Fatalf("%v", v)
	}
	mt.violations = mt.violations[:0]
}
