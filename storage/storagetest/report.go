package storagetest

import (
	"fmt"
	"strings"

	"github.com/raftsim/raftsim/raft"
)

// A case's failure message is written for the store's author: the rule
// in the contract's words, what the case found (testify's comparison,
// without its trace into the kit's files), the calls the case made with
// what came back, and the command that reruns the case.

// maxCalls is how many of a case's last calls a failure lists.
const maxCalls = 16

// caseTB is the TB a case runs with: it turns failures into messages a
// user can act on.
type caseTB struct {
	TB
	c     *Case
	calls *callLog
}

func (t *caseTB) Errorf(format string, args ...any) {
	t.TB.Helper()
	t.TB.Errorf("%s", t.report(fmt.Sprintf(format, args...)))
}

func (t *caseTB) Fatalf(format string, args ...any) {
	t.TB.Helper()
	t.TB.Fatalf("%s", t.report(fmt.Sprintf(format, args...)))
}

// report builds the message for one failure.
func (t *caseTB) report(msg string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "\ncase %s: %s\n", t.c.Name, strings.TrimSpace(untrace(msg)))
	fmt.Fprintf(&b, "rule: %s\n", t.c.Doc)
	calls := t.calls.lines
	if n := len(calls); n > maxCalls {
		fmt.Fprintf(&b, "calls (the last %d of %d):\n", maxCalls, n)
		calls = calls[n-maxCalls:]
	} else {
		b.WriteString("calls:\n")
	}
	for _, c := range calls {
		fmt.Fprintf(&b, "  %s\n", c)
	}
	if named, ok := t.TB.(interface{ Name() string }); ok {
		fmt.Fprintf(&b, "rerun: go test -run '^%s$'\n", named.Name())
	}
	return b.String()
}

// untrace keeps from a testify message what it says (Error, Messages),
// not where in the kit it was said (Error Trace, Test) nor its diff of
// the expected and actual values it has just printed.
func untrace(msg string) string {
	if !strings.Contains(msg, "Error Trace:") {
		return msg
	}
	var b strings.Builder
	skip := false
	for _, line := range strings.Split(msg, "\n") {
		field := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(field, "Error Trace:"), strings.HasPrefix(field, "Test:"), field == "Diff:":
			skip = true
			continue
		case strings.HasPrefix(field, "Error:"):
			skip = false
			line = strings.TrimSpace(strings.TrimPrefix(field, "Error:"))
		case strings.HasPrefix(field, "Messages:"):
			skip = false
			line = "(" + strings.TrimSpace(strings.TrimPrefix(field, "Messages:")) + ")"
		}
		if line = strings.TrimSpace(line); !skip && line != "" {
			b.WriteString(line)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// callLog is the calls a case made, each with what came back.
type callLog struct{ lines []string }

func (l *callLog) add(call string, err error, result string) {
	switch {
	case err != nil:
		result = "error: " + err.Error()
	case result == "":
		result = "ok"
	}
	l.lines = append(l.lines, call+" -> "+result)
}

// logFactory makes f's stores with every call logged.
type logFactory struct {
	f   Factory
	log *callLog
}

func (lf logFactory) New(t TB, id raft.NodeID, sm raft.StateMachine[Cmd, Resp]) Store {
	s := lf.f.New(t, id, sm)
	lf.log.add(fmt.Sprintf("New(%v)", id), nil, "")
	if s == nil {
		return nil
	}
	return &logStore{Store: s, log: lf.log}
}

func (lf logFactory) Reopen(t TB, old Store, sm raft.StateMachine[Cmd, Resp]) Store {
	if l, ok := old.(*logStore); ok {
		old = l.Store
	}
	s := lf.f.Reopen(t, old, sm)
	lf.log.add("Reopen (a restart)", nil, "")
	if s == nil {
		return nil
	}
	return &logStore{Store: s, log: lf.log}
}

// logStore logs every call to its store.
type logStore struct {
	Store
	log *callLog
}

func (s *logStore) GetMembershipConfig() (raft.Membership, error) {
	m, err := s.Store.GetMembershipConfig()
	s.log.add("GetMembershipConfig()", err, m.String())
	return m, err
}

func (s *logStore) GetInitialState() (raft.InitialState, error) {
	st, err := s.Store.GetInitialState()
	s.log.add("GetInitialState()", err, fmt.Sprintf("last %d/%d applied %d %v %v",
		st.LastLogTerm, st.LastLogIndex, st.LastAppliedLog, st.HardState, st.Membership))
	return st, err
}

func (s *logStore) SaveHardState(hs raft.HardState) error {
	err := s.Store.SaveHardState(hs)
	s.log.add(fmt.Sprintf("SaveHardState(%v)", hs), err, "")
	return err
}

func (s *logStore) GetLogEntries(start, stop raft.Index) ([]raft.Entry[Cmd], error) {
	es, err := s.Store.GetLogEntries(start, stop)
	s.log.add(fmt.Sprintf("GetLogEntries(%d, %d)", start, stop), err, "["+strings.Join(fmtEntries(es), "; ")+"]")
	return es, err
}

func (s *logStore) DeleteLogsFrom(start raft.Index, stop *raft.Index) error {
	err := s.Store.DeleteLogsFrom(start, stop)
	call := fmt.Sprintf("DeleteLogsFrom(%d, nil)", start)
	if stop != nil {
		call = fmt.Sprintf("DeleteLogsFrom(%d, %d)", start, *stop)
	}
	s.log.add(call, err, "")
	return err
}

func (s *logStore) AppendEntryToLog(e *raft.Entry[Cmd]) error {
	call := "AppendEntryToLog(" + fmtEntry(e) + ")"
	err := s.Store.AppendEntryToLog(e)
	s.log.add(call, err, "")
	return err
}

func (s *logStore) ReplicateToLog(es []raft.Entry[Cmd]) error {
	call := "ReplicateToLog[" + strings.Join(fmtEntries(es), "; ") + "]"
	err := s.Store.ReplicateToLog(es)
	s.log.add(call, err, "")
	return err
}

func (s *logStore) ApplyEntryToStateMachine(e *raft.Entry[Cmd]) (Resp, error) {
	call := "ApplyEntryToStateMachine(" + e.ID().String() + ")"
	r, err := s.Store.ApplyEntryToStateMachine(e)
	s.log.add(call, err, fmt.Sprintf("%+v", r))
	return r, err
}

func (s *logStore) ReplicateToStateMachine(es []raft.Entry[Cmd]) error {
	call := fmt.Sprintf("ReplicateToStateMachine(%d entries)", len(es))
	if len(es) > 0 {
		call = fmt.Sprintf("ReplicateToStateMachine(%v..%v)", es[0].ID(), es[len(es)-1].ID())
	}
	err := s.Store.ReplicateToStateMachine(es)
	s.log.add(call, err, "")
	return err
}

func (s *logStore) DoLogCompaction(through raft.Index) (raft.CurrentSnapshot, error) {
	cs, err := s.Store.DoLogCompaction(through)
	s.log.add(fmt.Sprintf("DoLogCompaction(%d)", through), err, fmt.Sprintf("snapshot %d/%d %v", cs.Term, cs.Index, cs.Membership))
	return cs, err
}

func (s *logStore) CreateSnapshot() (string, raft.SnapshotHandle, error) {
	id, h, err := s.Store.CreateSnapshot()
	s.log.add("CreateSnapshot()", err, "id "+id)
	return id, h, err
}

func (s *logStore) FinalizeSnapshotInstallation(index raft.Index, term raft.Term, deleteThrough *raft.Index, id string, snap raft.SnapshotHandle) error {
	err := s.Store.FinalizeSnapshotInstallation(index, term, deleteThrough, id, snap)
	dt := "nil"
	if deleteThrough != nil {
		dt = fmt.Sprint(*deleteThrough)
	}
	s.log.add(fmt.Sprintf("FinalizeSnapshotInstallation(%d/%d, delete through %s, %s)", term, index, dt, id), err, "")
	return err
}

func (s *logStore) GetCurrentSnapshot() (*raft.CurrentSnapshot, error) {
	cs, err := s.Store.GetCurrentSnapshot()
	result := "none"
	if cs != nil {
		result = fmt.Sprintf("%s at %d/%d %v", cs.ID, cs.Term, cs.Index, cs.Membership)
	}
	s.log.add("GetCurrentSnapshot()", err, result)
	return cs, err
}

// runCase runs c on f's stores with t, logging calls and reporting
// failures as above.
func runCase(t TB, c *Case, f Factory) {
	log := &callLog{}
	c.Run(&caseTB{TB: t, c: c, calls: log}, logFactory{f: f, log: log})
}
