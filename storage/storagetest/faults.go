package storagetest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/raftsim/raftsim/raft"
	"github.com/raftsim/raftsim/sim"
	"github.com/raftsim/raftsim/storage/simdisk"
)

// Fault is one kind of device fault the simulated disk injects (see the
// fault model in simdisk's package documentation). Torn writes are not
// here: every store must survive them, and the crash checks tear writes
// at every persistence point.
type Fault uint8

const (
	FaultReadError        Fault = iota + 1 // a read fails (EIO), transiently
	FaultLatentSector                      // a sector becomes unreadable
	FaultBitRot                            // a bit of a sector flips, silently
	FaultWriteError                        // a write fails and changes nothing
	FaultLostWrite                         // a write reports success and never lands
	FaultMisdirectedWrite                  // a write lands elsewhere in the file
	FaultSyncError                         // a sync fails and drops what it covered
	FaultNoSpace                           // the disk is full
	faultEnd
)

var faultNames = [...]string{"", "read-error", "latent-sector", "bit-rot", "write-error", "lost-write", "misdirected-write", "sync-error", "no-space"}

func (f Fault) String() string {
	if f > 0 && f < faultEnd {
		return faultNames[f]
	}
	return fmt.Sprintf("fault(%d)", uint8(f))
}

// Tolerance is what a store claims to do about a fault.
type Tolerance uint8

const (
	// Detects (the default for a fault not declared): the store may fail
	// stop, returning an error from the call that met the fault (and
	// every later one, or refusing to open), but it never returns wrong
	// data and never loses an acknowledged write: once the device is
	// healthy again, the store reopens with everything it acknowledged.
	Detects Tolerance = iota
	// Repairs: the store goes on without an error, and every call returns
	// what the contract says, as on a healthy device.
	Repairs
	// Ignores: the store makes no claim. The kit runs the fault and logs
	// what it did, but fails nothing.
	Ignores
)

func (t Tolerance) String() string {
	return [...]string{"detects", "repairs", "ignores"}[t]
}

// Tolerates is a store's declaration, fault by fault.
type Tolerates map[Fault]Tolerance

// Faultable is a store on a simulated disk the kit can inject faults into
// (OnDisk's stores and NewDiskStore's are).
type Faultable interface {
	Disk() *simdisk.Disk
}

// faultSeeds is how many workloads RunFaults runs under each fault.
const faultSeeds = 12

// faultRate is each fault's chance per operation: rare enough that a
// store that repairs by retrying a few times is not beaten by chance.
var faultRate = sim.OneIn(16)

// faultVerdict is what one run under a fault came to.
type faultVerdict uint8

const (
	verdictRepaired faultVerdict = iota // no error, every answer right
	verdictStopped                      // an error, no wrong answer
	verdictWrong                        // a wrong answer or a lost write
)

// RunFaults runs, for every fault the simulated disk injects, workloads of
// valid calls on a store whose disk injects that fault, and classifies
// each run: the store repaired (no error, every answer right), failed stop
// (an error; every answer before it right, and after the disk is healed
// and the store reopened, every acknowledged write there), or returned
// wrong data (an answer the model disagrees with, or an acknowledged write
// missing after the reopen). Wrong data fails the test unless the store
// declared Ignores; a stop fails it where the store declared Repairs.
// The stores f makes must be Faultable and Crashable (OnDisk's are).
func RunFaults(t *testing.T, f Factory, tol Tolerates) {
	s := f.New(t, crashNode, NewSM())
	if _, ok := s.(Faultable); !ok {
		t.Skip("device faults not tested: " + notCrashable(s))
	}
	for fault := Fault(1); fault < faultEnd; fault++ {
		t.Run(fault.String(), func(t *testing.T) { runFault(t, f, fault, tol[fault]) })
	}
}

func runFault(t *testing.T, f Factory, fault Fault, claim Tolerance) {
	var count [3]int
	for seed := range faultSeeds {
		ops := deepOps.Example(seed)
		verdict, msg := faultRun(t, f, fault, ops)
		count[verdict]++
		fail := verdict == verdictWrong && claim != Ignores || verdict == verdictStopped && claim == Repairs
		if !fail {
			continue
		}
		rule := "a store never returns wrong data and never loses an acknowledged write: it repairs a fault or fails stop (an error)"
		if verdict == verdictStopped {
			rule = fmt.Sprintf("the store declares it repairs %v, so no call may fail under it", fault)
		}
		t.Errorf("%v (declared: %v), workload %d:\n%s\ncalls:\n%s\nrule: %s\nrerun: go test -run '^%s$' (workloads and faults are fixed by their seeds)",
			fault, claim, seed, msg, fmtOps(ops), rule, t.Name())
		return
	}
	t.Logf("%v (declared %v): %d runs repaired, %d failed stop, %d returned wrong data", fault, claim, count[verdictRepaired], count[verdictStopped], count[verdictWrong])
}

// faultsOf returns a healthy disk's faults with one of them switched on.
func faultsOf(fault Fault, d *simdisk.Disk) simdisk.Faults {
	fs := simdisk.NoFaults()
	switch fault {
	case FaultReadError:
		fs.ReadError = faultRate
	case FaultLatentSector:
		fs.LatentSector = faultRate
	case FaultBitRot:
		fs.Corruption = faultRate
	case FaultWriteError:
		fs.WriteError = faultRate
	case FaultLostWrite:
		fs.LostWrite = faultRate
	case FaultMisdirectedWrite:
		fs.MisdirectedWrite = faultRate
	case FaultSyncError:
		fs.SyncError = faultRate
	case FaultNoSpace:
		fs.Capacity = diskUsed(d) + 2*int64(d.SectorSize())
	}
	return fs
}

// diskUsed is the space the disk's files take now, in whole sectors.
func diskUsed(d *simdisk.Disk) int64 {
	names, _ := d.List()
	sector := int64(d.SectorSize())
	var n int64
	for _, name := range names {
		size, _ := d.Size(name)
		n += (size + sector - 1) / sector * sector
	}
	return n
}

// faultRun runs ops under fault on a fresh store and returns its verdict,
// with what happened.
func faultRun(t TB, f Factory, fault Fault, ops []op) (faultVerdict, string) {
	m := newModel(crashNode)
	sm := NewSM()
	s := f.New(t, crashNode, sm)
	d := s.(Faultable).Disk()
	if err := d.SetFaults(faultsOf(fault, d)); err != nil {
		return verdictWrong, fmt.Sprintf("storagetest: set faults: %v", err)
	}
	w := witness{digests: map[raft.Index]uint64{0: m.sm.Digest()}}
	var log strings.Builder
	outcomes, stopped := []state(nil), false
	for k := range ops {
		o := &ops[k]
		w.note(o, m)
		before := m.state()
		got := o.run(s)
		if got.err != nil {
			fmt.Fprintf(&log, "call %d %v failed stop: %v\n", k, o, got.err)
			outcomes, stopped = possibleOutcomes(m, o, before, false), true
			break
		}
		want := o.run(m.s)
		if err := sameResult(o, want, got); err != nil {
			return verdictWrong, log.String() + fmt.Sprintf("call %d: wrong answer: %v", k, err)
		}
		w.saw(m.state())
		if v, msg := judge(s, sm, nil, []state{m.state()}); v != verdictRepaired {
			if v == verdictStopped {
				fmt.Fprintf(&log, "reading the store after call %d %v failed stop: %s\n", k, o, msg)
				outcomes, stopped = []state{m.state()}, true
				break
			}
			return v, log.String() + fmt.Sprintf("after call %d %v: %s", k, o, msg)
		}
	}
	if outcomes == nil {
		outcomes = []state{m.state()}
	}
	for k := range outcomes {
		w.saw(outcomes[k])
	}
	// Restart on the faulty disk: recovery meets the fault too.
	r, rsm, fail := reopenRecorded(t, f, s)
	v, msg := verdictStopped, fail
	if r != nil {
		v, msg = judge(r, rsm, &w, outcomes)
		s = r
	}
	switch v {
	case verdictWrong:
		return v, log.String() + "after a restart on the faulty disk: " + msg
	case verdictStopped:
		fmt.Fprintf(&log, "after a restart on the faulty disk: failed stop: %s\n", msg)
		stopped = true
	}
	// Heal and restart: everything acknowledged must be there.
	d.Heal()
	r, rsm, fail = reopenRecorded(t, f, s)
	if r == nil {
		return verdictWrong, log.String() + "after the disk was healed, the store does not open: " + fail
	}
	if v, msg := judge(r, rsm, &w, outcomes); v != verdictRepaired {
		return verdictWrong, log.String() + "after the disk was healed and the store restarted: " + msg
	}
	if stopped {
		return verdictStopped, log.String()
	}
	return verdictRepaired, log.String()
}

// reopenRecorded reopens s through f on a fresh machine; a failure to
// open is returned as its message, with a nil store.
func reopenRecorded(t TB, f Factory, s Store) (Store, *SM, string) {
	var r Store
	sm := NewSM()
	if fail := runRecordedUnder(t, func(rt TB) { r = f.Reopen(rt, s, sm) }); fail != "" {
		return nil, nil, fail
	}
	if r == nil {
		return nil, nil, "Reopen returned nil: a store on a simulated disk must be reopenable"
	}
	return r, sm, ""
}

// judge observes s (applying to sm) and compares it with the possible
// states: a read error is a stop; a state none of them is wrong data.
// After a restart (w set), the store may have taken back its last applied
// index, as the crash checks allow.
func judge(s Store, sm *SM, w *witness, outcomes []state) (faultVerdict, string) {
	got, err := observe(s, sm, crashNode)
	if err != nil {
		if strings.Contains(err.Error(), "contradicts itself") || sm.AppliedTwice() != nil {
			return verdictWrong, err.Error()
		}
		return verdictStopped, err.Error()
	}
	if w != nil {
		if err := w.check(&got); err != nil {
			return verdictWrong, err.Error()
		}
	}
	for k := range outcomes {
		if outcomes[k].String() == got.String() || w != nil && w.fellBack(&got, &outcomes[k]) {
			return verdictRepaired, ""
		}
	}
	var b strings.Builder
	for k := range outcomes {
		fmt.Fprintf(&b, "--- possible state %d:\n%v", k+1, outcomes[k])
	}
	return verdictWrong, fmt.Sprintf("the store shows a state the calls could not have left (wrong data or a lost write):\n%v%s", got, b.String())
}
