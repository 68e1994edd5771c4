package cli

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"

	"github.com/raftsim/raftsim/checker"
	"github.com/raftsim/raftsim/failfile"
	"github.com/raftsim/raftsim/harness"
	"github.com/raftsim/raftsim/internal/atomicfile"
	"github.com/raftsim/raftsim/raft"
)

// traceRecorder is the replay's tracer: it writes the filtered trace lines
// as the run goes, and keeps every event when a page needs them.
type traceRecorder struct {
	lines  *bufio.Writer // nil when no trace was asked for
	filter harness.TraceFilter
	keep   bool
	events []harness.TraceEvent
	err    error
}

// Trace implements harness.Tracer. It copies the event: the harness
// reuses it.
func (r *traceRecorder) Trace(e *harness.TraceEvent) {
	if r.lines != nil && r.err == nil && r.filter.Keep(e) {
		r.lines.WriteString(e.Line())
		r.err = r.lines.WriteByte('\n')
	}
	if r.keep {
		r.events = append(r.events, *e)
	}
}

// newTraceRecorder opens the trace output; close flushes and closes it.
func newTraceRecorder(o replayOptions, stdout io.Writer) (*traceRecorder, func() error, error) {
	r := &traceRecorder{filter: o.filter, keep: o.historyHTML != "" || o.timeline != ""}
	switch o.trace {
	case "":
		return r, func() error { return nil }, nil
	case "-":
		r.lines = bufio.NewWriter(stdout)
		return r, r.flush, nil
	}
	f, err := os.Create(o.trace)
	if err != nil {
		return nil, nil, err
	}
	r.lines = bufio.NewWriter(f)
	return r, func() error {
		err := r.flush()
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		return err
	}, nil
}

func (r *traceRecorder) flush() error {
	if err := r.lines.Flush(); r.err == nil {
		r.err = err
	}
	if r.err != nil {
		return fmt.Errorf("writing the trace: %w", r.err)
	}
	return nil
}

// writePages writes the history picture and the timeline a replay asked
// for, and notes them in v.
func writePages(o replayOptions, f failfile.File, res harness.Result, events []harness.TraceEvent, located *locatedReport, v *replayVerdict) error {
	if o.trace != "" && o.trace != "-" {
		v.Written = append(v.Written, o.trace)
	}
	if o.historyHTML == "" && o.timeline == "" {
		return nil
	}
	tl := buildTimeline(events, f.Config.Nodes, res.Stats.VirtualTime, o.filter)
	tl.Title = fmt.Sprintf("raftsim: seed %v, scenario %s", f.Seed, f.Scenario)
	tl.Notes = []string{
		"replayed: " + describeFailure(res.Failure),
		"trace " + failfile.FormatHash(res.TraceHash) + ", " + v.Verdict,
		"raftsim replay " + o.file,
	}
	if from := capMessages(&tl, o.maxMessages, events); from != 0 {
		tl.Notes = append(tl.Notes, fmt.Sprintf("showing the last %d messages, from step #%d: narrow with --from-step/--to-step, or raise --timeline-messages", o.maxMessages, from))
	}
	if tl.Violation == nil && res.Failure != nil {
		tl.Violation = &checker.TimelineMark{Lane: -1, At: int64(res.Failure.Time), Step: res.Failure.Step, Text: res.Failure.String()}
	}
	addOps(&tl, res.History)
	addLocated(&tl, o.file, located)
	if o.timeline != "" {
		if err := writePage(o.timeline, func(w io.Writer) error { return checker.WriteTimeline(w, tl) }); err != nil {
			return fmt.Errorf("--timeline: %w", err)
		}
		v.Written = append(v.Written, o.timeline)
	}
	if o.historyHTML != "" {
		if err := writeHistoryPage(o.historyHTML, f.Config, res, annotations(tl)); err != nil {
			return fmt.Errorf("--history-html: %w", err)
		}
		v.Written = append(v.Written, o.historyHTML)
	}
	return nil
}

// writeHistoryPage writes porcupine's picture of the run's history. A run
// that failed before the linearizability check is checked here first.
func writeHistoryPage(path string, cfg harness.Config, res harness.Result, notes []checker.Annotation) error {
	lin := res.Linearizability
	h := res.History
	limit := cfg.CheckLimit
	if len(lin.FailingKeys) > 0 && len(h.Ops) > maxPictureOps {
		h, lin = failingKeysOnly(h, lin.FailingKeys, limit)
	}
	if lin.Verdict == 0 {
		lin = checker.CheckLinearizable(h, limit)
	}
	return writePage(path, func(w io.Writer) error { return checker.WriteVisualization(w, h, lin, notes) })
}

// writePage renders a page in memory and writes it atomically.
func writePage(path string, render func(io.Writer) error) error {
	var buf bytes.Buffer
	if err := render(&buf); err != nil {
		return err
	}
	return atomicfile.WriteFile(path, buf.Bytes())
}

// Colours of the history picture's annotation rows.
const (
	colourDown    = "#c8c8c8"
	colourPause   = "#e0c8f0"
	colourFault   = "#f5cba7"
	colourLeader  = "#b7e1c1"
	colourFailure = "#ff8a80"
)

// annotations turns the timeline into rows under porcupine's picture of
// the history: a row per node with its down and paused times, a row of
// leaderships, a row of fault steps and phases, and the failure.
func annotations(tl checker.Timeline) []checker.Annotation {
	var out []checker.Annotation
	for _, b := range tl.Bands {
		tag, colour := "faults", colourFault
		if b.Lane >= 0 {
			tag = tl.Lanes[b.Lane].Name
		}
		switch b.Kind {
		case "crash":
			colour = colourDown
		case "pause":
			colour = colourPause
		}
		out = append(out, annotation(tag, b.Start, b.End, b.Kind, b.Text, colour))
	}
	for _, l := range tl.Lanes {
		for _, s := range l.Spans {
			if s.Role == raft.Leader.String() {
				out = append(out, annotation("leaders", s.Start, s.End, fmt.Sprintf("%s t%d", l.Name, s.Term),
					fmt.Sprintf("%s leads in term %d", l.Name, s.Term), colourLeader))
			}
		}
	}
	for _, m := range tl.Marks {
		out = append(out, annotation("phases", m.At, m.At, m.Text, m.Text, ""))
	}
	if v := tl.Violation; v != nil {
		out = append(out, annotation("failure", v.At, v.At, "failure", v.Text, colourFailure))
	}
	return out
}

// annotation makes a row annotation; a span of no length is a point.
func annotation(tag string, start, end int64, desc, details, colour string) checker.Annotation {
	if end <= start {
		end = start - 1 // porcupine draws End < Start as a point
	}
	return checker.Annotation{Client: -1, Tag: tag, Start: start, End: end, Description: desc, Details: details, BackgroundColor: colour}
}
