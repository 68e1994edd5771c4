package storagetest

import (
	"fmt"
	"reflect"

	"github.com/raftsim/raftsim/raft"
)

// App is what the kit needs to test a store of an application's own
// command type D and response type R: a generator of commands and a
// reference state machine.
type App[D, R any] struct {
	// Command returns the application command standing for the kit's
	// command c. It must be deterministic, and distinct for distinct c
	// (the kit's commands all differ in Value; Value may be thousands of
	// bytes long in the deep workloads).
	Command func(c Cmd) D
	// NewSM returns a fresh reference state machine: the store under test
	// applies to one, and its responses are the expected ones.
	NewSM func() raft.StateMachine[D, R]
	// Equal compares two responses; reflect.DeepEqual when nil.
	Equal func(a, b R) bool
}

// Typed returns the kit's Factory for a factory of stores of commands D
// and responses R, so that Run, Check and every Run* test them:
//
//	storagetest.Run(t, storagetest.Typed(app, storagetest.OnDisk(openMyStore, storagetest.DiskOptions{})))
//
// The kit drives the store with app.Command's commands and hands it a
// state machine that applies each command to a fresh reference machine of
// app.NewSM (whose response the store must return) and, in step, the
// kit's command to the kit's own machine, whose digest and applied-once
// check see every entry skipped, reordered or applied twice. Snapshots
// hold the kit machine's state and history; restoring one rebuilds the
// reference machine by applying that history to a fresh one. A response
// that differs from the reference machine's comes back to the kit as
// Resp{Index: index, Len: -1}, which no correct apply returns.
func Typed[D, R any](app App[D, R], f FactoryOf[D, R]) Factory {
	eq := app.Equal
	if eq == nil {
		eq = func(a, b R) bool { return reflect.DeepEqual(a, b) }
	}
	return &typedFactory[D, R]{app: app, eq: eq, f: f, cmds: map[string][]Cmd{}}
}

type typedFactory[D, R any] struct {
	app App[D, R]
	eq  func(a, b R) bool
	f   FactoryOf[D, R]
	// cmds maps the printed form of every command made to the kit
	// commands it stands for, to read a store's entries back.
	cmds map[string][]Cmd
}

// toD returns the application command for c, remembering it.
func (tf *typedFactory[D, R]) toD(c Cmd) D {
	d := tf.app.Command(c)
	key := fmt.Sprintf("%#v", d)
	for _, known := range tf.cmds[key] {
		if known == c {
			return d
		}
	}
	tf.cmds[key] = append(tf.cmds[key], c)
	return d
}

// toCmd returns the kit command d stands for; a command the kit never
// made comes back as one that matches nothing, naming it.
func (tf *typedFactory[D, R]) toCmd(d D) Cmd {
	for _, c := range tf.cmds[fmt.Sprintf("%#v", d)] {
		if reflect.DeepEqual(tf.app.Command(c), d) {
			return c
		}
	}
	return Cmd{Key: "?", Value: fmt.Sprintf("a command the kit never wrote: %#v", d)}
}

func (tf *typedFactory[D, R]) entryD(e raft.Entry[Cmd]) raft.Entry[D] {
	out := raft.Entry[D]{Term: e.Term, Index: e.Index, Kind: e.Kind, Membership: e.Membership, SnapshotID: e.SnapshotID}
	if e.Kind == raft.EntryNormal {
		out.Data = tf.toD(e.Data)
	}
	return out
}

func (tf *typedFactory[D, R]) entryCmd(e raft.Entry[D]) raft.Entry[Cmd] {
	out := raft.Entry[Cmd]{Term: e.Term, Index: e.Index, Kind: e.Kind, Membership: e.Membership, SnapshotID: e.SnapshotID}
	if e.Kind == raft.EntryNormal {
		out.Data = tf.toCmd(e.Data)
	}
	return out
}

func (tf *typedFactory[D, R]) entriesD(es []raft.Entry[Cmd]) []raft.Entry[D] {
	out := make([]raft.Entry[D], len(es))
	for k := range es {
		out[k] = tf.entryD(es[k])
	}
	return out
}

// pairSM is the machine a typed store applies to: the reference machine
// and the kit's, in step.
type pairSM[D, R any] struct {
	tf   *typedFactory[D, R]
	kit  *SM
	user raft.StateMachine[D, R]
	// last is the last apply: its index and both responses.
	lastIndex raft.Index
	lastKit   Resp
	lastR     R
}

func (p *pairSM[D, R]) Apply(index raft.Index, d D) R {
	p.lastKit = p.kit.Apply(index, p.tf.toCmd(d))
	p.lastR = p.user.Apply(index, d)
	p.lastIndex = index
	return p.lastR
}

func (p *pairSM[D, R]) Snapshot() ([]byte, error) { return p.kit.Snapshot() }

func (p *pairSM[D, R]) Restore(b []byte) error {
	if err := p.kit.Restore(b); err != nil {
		return err
	}
	p.user = p.tf.app.NewSM()
	for _, a := range p.kit.History() {
		p.user.Apply(a.Index, p.tf.toD(a.Cmd))
	}
	return nil
}

func (tf *typedFactory[D, R]) pair(t TB, sm raft.StateMachine[Cmd, Resp]) *pairSM[D, R] {
	kit, ok := sm.(*SM)
	if !ok {
		t.Fatalf("storagetest: Typed: the kit's machine is a %T, not a *storagetest.SM", sm)
	}
	return &pairSM[D, R]{tf: tf, kit: kit, user: tf.app.NewSM()}
}

func (tf *typedFactory[D, R]) New(t TB, id raft.NodeID, sm raft.StateMachine[Cmd, Resp]) Store {
	t.Helper()
	p := tf.pair(t, sm)
	return tf.wrap(tf.f.New(t, id, p), p)
}

func (tf *typedFactory[D, R]) Reopen(t TB, old Store, sm raft.StateMachine[Cmd, Resp]) Store {
	t.Helper()
	p := tf.pair(t, sm)
	r := tf.f.Reopen(t, old.(interface{ typed() raft.Storage[D, R] }).typed(), p)
	if r == nil {
		return nil
	}
	return tf.wrap(r, p)
}

// wrap returns s as a store of the kit's types, Crashable and Faultable
// when s is.
func (tf *typedFactory[D, R]) wrap(s raft.Storage[D, R], p *pairSM[D, R]) Store {
	if s == nil {
		return nil
	}
	ts := &typedStore[D, R]{tf: tf, s: s, sm: p}
	c, crash := s.(Crashable)
	fa, fault := s.(Faultable)
	switch {
	case crash && fault:
		return &typedDiskStore[D, R]{typedStore: ts, Crashable: c, Faultable: fa}
	case crash:
		return &typedCrashStore[D, R]{typedStore: ts, Crashable: c}
	}
	return ts
}

type typedCrashStore[D, R any] struct {
	*typedStore[D, R]
	Crashable
}

type typedDiskStore[D, R any] struct {
	*typedStore[D, R]
	Crashable
	Faultable
}

// typedStore is a store of D and R seen as one of the kit's types.
type typedStore[D, R any] struct {
	tf *typedFactory[D, R]
	s  raft.Storage[D, R]
	sm *pairSM[D, R]
}

func (s *typedStore[D, R]) typed() raft.Storage[D, R] { return s.s }

func (s *typedStore[D, R]) GetMembershipConfig() (raft.Membership, error) {
	return s.s.GetMembershipConfig()
}

func (s *typedStore[D, R]) GetInitialState() (raft.InitialState, error) {
	return s.s.GetInitialState()
}

func (s *typedStore[D, R]) SaveHardState(hs raft.HardState) error { return s.s.SaveHardState(hs) }

func (s *typedStore[D, R]) GetLogEntries(start, stop raft.Index) ([]raft.Entry[Cmd], error) {
	es, err := s.s.GetLogEntries(start, stop)
	var out []raft.Entry[Cmd]
	for k := range es {
		out = append(out, s.tf.entryCmd(es[k]))
	}
	return out, err
}

func (s *typedStore[D, R]) DeleteLogsFrom(start raft.Index, stop *raft.Index) error {
	return s.s.DeleteLogsFrom(start, stop)
}

func (s *typedStore[D, R]) AppendEntryToLog(e *raft.Entry[Cmd]) error {
	d := s.tf.entryD(*e)
	return s.s.AppendEntryToLog(&d)
}

func (s *typedStore[D, R]) ReplicateToLog(es []raft.Entry[Cmd]) error {
	return s.s.ReplicateToLog(s.tf.entriesD(es))
}

func (s *typedStore[D, R]) ApplyEntryToStateMachine(e *raft.Entry[Cmd]) (Resp, error) {
	d := s.tf.entryD(*e)
	s.sm.lastIndex = 0
	r, err := s.s.ApplyEntryToStateMachine(&d)
	if err != nil {
		return Resp{}, err
	}
	if s.sm.lastIndex != e.Index || e.Kind != raft.EntryNormal {
		return Resp{}, nil
	}
	if !s.tf.eq(r, s.sm.lastR) {
		return Resp{Index: e.Index, Len: -1}, nil
	}
	return s.sm.lastKit, nil
}

func (s *typedStore[D, R]) ReplicateToStateMachine(es []raft.Entry[Cmd]) error {
	return s.s.ReplicateToStateMachine(s.tf.entriesD(es))
}

func (s *typedStore[D, R]) DoLogCompaction(through raft.Index) (raft.CurrentSnapshot, error) {
	return s.s.DoLogCompaction(through)
}

func (s *typedStore[D, R]) CreateSnapshot() (string, raft.SnapshotHandle, error) {
	return s.s.CreateSnapshot()
}

func (s *typedStore[D, R]) FinalizeSnapshotInstallation(index raft.Index, term raft.Term, deleteThrough *raft.Index, id string, snap raft.SnapshotHandle) error {
	return s.s.FinalizeSnapshotInstallation(index, term, deleteThrough, id, snap)
}

func (s *typedStore[D, R]) GetCurrentSnapshot() (*raft.CurrentSnapshot, error) {
	return s.s.GetCurrentSnapshot()
}
