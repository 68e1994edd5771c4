package cli

import (
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/raftsim/raftsim/checker"
	"github.com/raftsim/raftsim/failfile"
	"github.com/raftsim/raftsim/harness"
	"github.com/raftsim/raftsim/raft"
	"github.com/raftsim/raftsim/sim"
)

// A located linearizability violation, as `raftsim replay` prints it and
// the pages draw it: the few operations of checker.Locate, each with the
// steps of the trace where it reached a node and where its answer came
// back, and the node that served it with that node's role and term then.

// commandTrace is what the trace says about one client command.
type commandTrace struct {
	sentStep  uint64 // the first request reaching a node; 0 if none did
	sentNode  raft.NodeID
	replyStep uint64 // the answer the client took ("ok"); 0 if none
	replyTime sim.Time
	node      raft.NodeID // the node that answered, or the last one asked
	role      raft.Role   // its role and term then
	term      raft.Term
}

type commandKey struct {
	client int
	seq    uint64
}

// clientTracer follows the client events of a run (requests reaching
// nodes, answers reaching clients) and each node's role and term, keeping
// one small record per command: a 60 s run's million events are not kept.
type clientTracer struct {
	next     harness.Tracer // the replay's own tracer, fed every event
	commands map[commandKey]*commandTrace
	role     map[raft.NodeID]raft.Role
	term     map[raft.NodeID]raft.Term
}

func newClientTracer(next harness.Tracer) *clientTracer {
	return &clientTracer{next: next, commands: map[commandKey]*commandTrace{},
		role: map[raft.NodeID]raft.Role{}, term: map[raft.NodeID]raft.Term{}}
}

// commandRef finds "c3#7 " in a request or reply line.
var commandRef = regexp.MustCompile(`\bc(\d+)#(\d+) `)

// Trace implements harness.Tracer.
func (c *clientTracer) Trace(e *harness.TraceEvent) {
	if c.next != nil {
		c.next.Trace(e)
	}
	switch e.Kind {
	case harness.TraceRole, harness.TraceRestart:
		c.role[e.Node], c.term[e.Node] = e.Role, e.Term
	case harness.TraceRequest, harness.TraceReply:
		m := commandRef.FindStringSubmatch(e.Text)
		if m == nil {
			return
		}
		client, _ := strconv.Atoi(m[1])
		seq, _ := strconv.ParseUint(m[2], 10, 64)
		k := commandKey{client, seq}
		ct := c.commands[k]
		if ct == nil {
			ct = &commandTrace{}
			c.commands[k] = ct
		}
		if e.Kind == harness.TraceRequest {
			if ct.sentStep == 0 {
				ct.sentStep, ct.sentNode = e.Step, e.Node
			}
			if ct.replyStep == 0 {
				ct.node, ct.role, ct.term = e.Node, c.role[e.Node], c.term[e.Node]
			}
			return
		}
		if ct.replyStep == 0 && strings.Contains(e.Text, ": ok {") {
			ct.replyStep, ct.replyTime = e.Step, e.Time
			ct.node, ct.role, ct.term = e.Node, c.role[e.Node], c.term[e.Node]
		}
	}
}

// locatedOp is one row of the table.
type locatedOp struct {
	Op    checker.Operation `json:"-"`
	Text  string            `json:"op"`
	Trace commandTrace      `json:"-"`
}

// locatedReport is a located violation.
type locatedReport struct {
	checker.Located
	Rows []locatedOp
}

// locateViolation locates a linearizability failure of res, or returns
// nil when res did not fail linearizability.
func locateViolation(cfg harness.Config, res harness.Result, ct *clientTracer) (*locatedReport, error) {
	if res.Failure == nil || res.Failure.Class != harness.ClassLinearizability || len(res.Linearizability.FailingKeys) == 0 {
		return nil, nil
	}
	loc, err := checker.Locate(res.History, res.Linearizability.FailingKeys[0], checker.LocateOptions{CheckLimit: cfg.CheckLimit})
	if err != nil {
		return nil, err
	}
	r := &locatedReport{Located: loc}
	for _, op := range loc.Ops {
		row := locatedOp{Op: op, Text: op.String()}
		if t := ct.commands[commandKey{op.Client, op.Seq}]; t != nil {
			row.Trace = *t
		}
		r.Rows = append(r.Rows, row)
	}
	return r, nil
}

// printLocated prints the located operations as a table, then the trace
// command that shows the steps around them.
func printLocated(w io.Writer, file string, r *locatedReport) {
	minimal := "minimal: none of them can be left out"
	if !r.Minimal {
		minimal = "not proven minimal: the check budget ran out"
	}
	fmt.Fprintf(w, "located   %d of key %s's %d operations are not linearizable (%s; %d checks)\n",
		len(r.Rows), quoteKey(r.Key), r.KeyOps, minimal, r.Checks)
	tw := tabwriter.NewWriter(w, 2, 8, 2, ' ', 0)
	fmt.Fprintf(tw, "  client\top\tinput\toutput\tcall\treturn\tserved by\n")
	lo, hi := uint64(0), uint64(0)
	for _, row := range r.Rows {
		op, t := row.Op, row.Trace
		fmt.Fprintf(tw, "  c%d#%d\t%s\t%s\t%s\t%s\t%s\t%s\n", op.Client, op.Seq, op.Input.Kind, describeInput(op.Input),
			describeOutput(op), atStep(op.Call, t.sentStep), returnedAt(op, t), servedBy(t))
		for _, s := range []uint64{t.sentStep, t.replyStep} {
			if s != 0 {
				lo, hi = minNonZero(lo, s), max(hi, s)
			}
		}
	}
	tw.Flush()
	if hi > 0 {
		fmt.Fprintf(w, "trace     raftsim replay %s --trace - --from-step %d --to-step %d\n", file, lo-min(lo-1, 20), hi+20)
	}
}

func minNonZero(a, b uint64) uint64 {
	if a == 0 || b < a {
		return b
	}
	return a
}

func quoteKey(k string) string { return strconv.Quote(k) }

// describeInput is the operation's arguments: key=value for a put,
// key+=value for an append, key expected->new for a cas.
func describeInput(in checker.Input) string {
	switch in.Kind {
	case checker.OpPut:
		return fmt.Sprintf("%s=%q", in.Key, in.Value)
	case checker.OpAppend:
		return fmt.Sprintf("%s+=%q", in.Key, in.Value)
	case checker.OpCAS:
		return fmt.Sprintf("%s %q->%q", in.Key, in.Expected, in.Value)
	}
	return in.Key
}

func describeOutput(op checker.Operation) string {
	switch {
	case op.Outcome == checker.OutcomeUnknown:
		return "unknown"
	case op.Input.Kind == checker.OpGet:
		return strconv.Quote(op.Output.Value)
	case op.Input.Kind == checker.OpCAS:
		return fmt.Sprintf("swapped=%v", op.Output.Swapped)
	}
	return "ok"
}

func atStep(at int64, step uint64) string {
	s := sim.Time(at).String()
	if step != 0 {
		s += fmt.Sprintf(" #%d", step)
	}
	return s
}

// returnedAt is the return in virtual time and step; an unknown write the
// log resolved returns when a replica first applied it, with no reply step.
func returnedAt(op checker.Operation, t commandTrace) string {
	switch {
	case op.Outcome == checker.OutcomeUnknown || op.Return == checker.Never:
		return "never"
	case t.replyStep != 0 && int64(t.replyTime) == op.Return:
		return atStep(op.Return, t.replyStep)
	case t.replyStep != 0:
		return fmt.Sprintf("%v (applied; reply %v #%d)", sim.Time(op.Return), t.replyTime, t.replyStep)
	}
	return fmt.Sprintf("%v (applied, no reply)", sim.Time(op.Return))
}

func servedBy(t commandTrace) string {
	if t.node == raft.None {
		return "-"
	}
	return fmt.Sprintf("%v %v t%d", t.node, t.role, t.term)
}

// addOps puts every operation of the history into the timeline, for the
// latency and throughput plots.
func addOps(t *checker.Timeline, h checker.History) {
	var kinds strings.Builder
	for _, op := range h.Ops {
		lat, kind := op.Return-op.Call, byte('w')
		switch {
		case op.Outcome == checker.OutcomeUnknown || op.Return == checker.Never:
			lat, kind = -1, 'u'
		case op.Input.Kind == checker.OpGet:
			kind = 'r'
		}
		t.Ops.Call = append(t.Ops.Call, op.Call)
		t.Ops.Latency = append(t.Ops.Latency, lat)
		kinds.WriteByte(kind)
	}
	t.Ops.Kind = kinds.String()
}

// addLocated highlights the located operations and moves the violation
// from the end-of-run check onto the node and step of the last located
// read (the one that saw what it should not have), when there is one.
func addLocated(t *checker.Timeline, file string, r *locatedReport) {
	if r == nil {
		return
	}
	var culprit *locatedOp
	for i := range r.Rows {
		row := &r.Rows[i]
		op, tr := row.Op, row.Trace
		ret := op.Return
		if op.Outcome == checker.OutcomeUnknown || ret == checker.Never {
			ret = -1
		}
		lane := int(tr.node) - 1
		if lane >= len(t.Lanes) {
			lane = -1
		}
		from, to := tr.sentStep, max(tr.replyStep, tr.sentStep)
		trace := ""
		if from > 0 {
			trace = fmt.Sprintf("raftsim replay %s --trace - --from-step %d --to-step %d", file, from-min(from-1, 20), to+20)
		}
		t.Located = append(t.Located, checker.TimelineOp{Text: op.String(), Call: op.Call, Return: ret,
			Lane: lane, Served: servedBy(tr), Trace: trace})
		if op.Input.Kind == checker.OpGet && tr.replyStep != 0 {
			culprit = row
		}
	}
	if culprit == nil || t.Violation == nil {
		return
	}
	check := *t.Violation
	check.Lane, check.Text = -1, "linearizability check: "+check.Text
	t.Marks = append(t.Marks, check)
	t.Violation = &checker.TimelineMark{Lane: int(culprit.Trace.node) - 1, At: int64(culprit.Trace.replyTime),
		Step: culprit.Trace.replyStep,
		Text: fmt.Sprintf("not linearizable: %s, served by %s", culprit.Op.String(), servedBy(culprit.Trace))}
	if t.Violation.Lane >= len(t.Lanes) {
		t.Violation.Lane = -1
	}
}

// maxPictureOps is the most operations porcupine's picture is given: it
// draws every operation as an element, and 20,000 of them make a page of
// megabytes that takes a browser many seconds. Beyond it, a failing run's
// picture holds its failing keys only (the timeline's plots keep them all).
const maxPictureOps = 3000

// failingKeysOnly is the history of the failing keys, checked again.
func failingKeysOnly(h checker.History, keys []string, limit checker.Limit) (checker.History, checker.LinearizabilityResult) {
	var out checker.History
	for _, op := range h.Ops {
		if slices.Contains(keys, op.Input.Key) {
			out.Ops = append(out.Ops, op)
		}
	}
	return out, checker.CheckLinearizable(out, limit)
}

// writeRunTimeline writes the timeline page of a run of `raftsim run`: any
// run, passing or not, gets its lanes, faults and plots.
func writeRunTimeline(path, repro string, cfg harness.Config, res harness.Result, events []harness.TraceEvent) error {
	tl := buildTimeline(events, cfg.Nodes, res.Stats.VirtualTime, harness.TraceFilter{})
	tl.Title = fmt.Sprintf("raftsim: seed %v", res.Seed)
	tl.Notes = []string{describeFailure(res.Failure) + ", trace " + failfile.FormatHash(res.TraceHash), repro}
	if from := capMessages(&tl, 5000, events); from != 0 {
		tl.Notes = append(tl.Notes, fmt.Sprintf("showing the last 5000 messages, from step #%d", from))
	}
	addOps(&tl, res.History)
	return writePage(path, func(w io.Writer) error { return checker.WriteTimeline(w, tl) })
}
