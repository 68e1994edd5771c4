package checker

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// Timeline is what the timeline page shows of one run: a lane per node with
// the node's role and term over time, the messages between nodes as arrows
// from send to arrival, faults as bands, points of note as marks, and the
// violation. It is plain data in virtual nanoseconds, with no tie to the
// harness, so any trace can be turned into one; [WriteTimeline] draws it.
type Timeline struct {
	// Title heads the page; Notes are lines under it (seed, scenario,
	// verdict, the command that reproduces the run).
	Title string   `json:"title"`
	Notes []string `json:"notes,omitempty"`
	// Start and End bound the time axis.
	Start int64 `json:"start"`
	End   int64 `json:"end"`
	// Lanes are drawn top to bottom in this order.
	Lanes    []TimelineLane    `json:"lanes"`
	Messages []TimelineMessage `json:"messages"`
	Bands    []TimelineBand    `json:"bands"`
	// Marks are points in time such as a phase change, drawn as dashed
	// lines.
	Marks []TimelineMark `json:"marks"`
	// Violation is where the run broke, or nil for a run that passed.
	Violation *TimelineMark `json:"violation,omitempty"`
	// ViewStart and ViewEnd, when ViewEnd > ViewStart, are the stretch the
	// page shows first (the messages it carries, the steps asked for);
	// zooming out shows the whole run.
	ViewStart int64 `json:"viewStart,omitempty"`
	ViewEnd   int64 `json:"viewEnd,omitempty"`
	// Located are the operations a located linearizability violation
	// consists of (checker.Locate), highlighted in a row of their own.
	Located []TimelineOp `json:"located,omitempty"`
	// Ops are every client operation of the run, for the latency and
	// throughput plots.
	Ops TimelineOps `json:"ops"`
}

// TimelineOp is one highlighted client operation.
type TimelineOp struct {
	Text   string `json:"text"`   // "c4#65 get k7 ... ok -> \"1.55\""
	Call   int64  `json:"call"`   // virtual ns
	Return int64  `json:"return"` // virtual ns; -1 if it never returned
	// Lane is the node that served it (-1: none known); Served says with
	// what role and term ("n1 leader t1").
	Lane   int    `json:"lane"`
	Served string `json:"served"`
	// Trace is the command that prints the trace around it.
	Trace string `json:"trace"`
}

// TimelineOps are the run's operations as columns, one entry per
// operation in invocation order: compact enough for 20,000 operations.
type TimelineOps struct {
	Call []int64 `json:"call"`
	// Latency is Return - Call in ns, or -1 for an unknown outcome.
	Latency []int64 `json:"latency"`
	// Kind is "r" for a completed read, "w" for a completed write, "u"
	// for an unknown outcome.
	Kind string `json:"kind"`
}

// TimelineIndex is a node's commit, applied and last log index from At on.
type TimelineIndex struct {
	At      int64  `json:"at"`
	Commit  uint64 `json:"c"`
	Applied uint64 `json:"a"`
	Last    uint64 `json:"l"`
}

// TimelineLane is one node's lane: its role and term over time. Gaps between
// spans (a crashed node) are drawn empty.
type TimelineLane struct {
	Name  string         `json:"name"`
	Spans []TimelineSpan `json:"spans"`
	// Indexes are the node's commit, applied and last index over time, in
	// time order (thinned to a few thousand points on a long run).
	Indexes []TimelineIndex `json:"indexes"`
}

// TimelineSpan is a stretch of time in one role and term. Role is a free
// word ("follower", "pre-candidate", "candidate", "leader" get their own
// colours).
type TimelineSpan struct {
	Start int64  `json:"start"`
	End   int64  `json:"end"`
	Role  string `json:"role"`
	Term  uint64 `json:"term"`
}

// TimelineMessage is one message between two lanes (indexes into Lanes).
// A lost message has no arrival: it is drawn as a stub from its sender.
type TimelineMessage struct {
	From    int    `json:"from"`
	To      int    `json:"to"`
	Sent    int64  `json:"sent"`
	Arrived int64  `json:"arrived,omitempty"`
	Lost    bool   `json:"lost,omitempty"`
	Kind    string `json:"kind"` // groups messages for the page's filter: "App", "Vote"
	Text    string `json:"text"`
}

// TimelineBand is a fault over a stretch of time: on one lane, or on all of
// them when Lane is -1 (a partition, a network-wide change).
type TimelineBand struct {
	Lane  int    `json:"lane"`
	Start int64  `json:"start"`
	End   int64  `json:"end"`
	Kind  string `json:"kind"` // "crash", "pause", "fault": picks the colour
	Text  string `json:"text"`
}

// TimelineMark is a point in time, on one lane or on all (Lane -1). Step
// is the trace step, when known.
type TimelineMark struct {
	Lane int    `json:"lane"`
	At   int64  `json:"at"`
	Step uint64 `json:"step,omitempty"`
	Text string `json:"text"`
}

// timelinePage is the page: inline CSS and JavaScript, no network. The
// script draws the SVG from the data and, only when it finished without an
// error, sets data-timeline="rendered" on the root element; window.onerror
// records any script error in data-timeline-error. Tests in a headless
// browser read both.
//
//go:embed timeline.html
var timelinePage string

// The plots under the timeline are drawn by uPlot (github.com/leeoniya/uPlot,
// MIT, v1.6.30 from the npm registry, vendored unchanged with its licence):
// a 50 kB canvas chart library that draws tens of thousands of points in
// milliseconds, with no dependencies, inlined so the page needs no network.
//
//go:embed assets/uplot/uPlot.iife.min.js
var uplotJS string

//go:embed assets/uplot/uPlot.min.css
var uplotCSS string

// timelineDataSlot is where the page expects the data.
const timelineDataSlot = "/*TIMELINE-DATA*/null"

// Validate reports the first element that points outside the timeline or
// runs backwards, naming it: "timeline: message 12: to lane 5 of 3".
func (t Timeline) Validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("timeline: "+format, args...)
	}
	lane := func(i int, world bool) bool { return (world && i == -1) || (i >= 0 && i < len(t.Lanes)) }
	if t.End < t.Start {
		return bad("end %d before start %d", t.End, t.Start)
	}
	for i, l := range t.Lanes {
		for j, s := range l.Spans {
			if s.End < s.Start {
				return bad("lane %d span %d: end %d before start %d", i, j, s.End, s.Start)
			}
		}
	}
	for i, m := range t.Messages {
		switch {
		case !lane(m.From, false) || !lane(m.To, false):
			return bad("message %d: from lane %d to lane %d of %d", i, m.From, m.To, len(t.Lanes))
		case !m.Lost && m.Arrived < m.Sent:
			return bad("message %d: arrives at %d before it is sent at %d", i, m.Arrived, m.Sent)
		}
	}
	for i, b := range t.Bands {
		switch {
		case !lane(b.Lane, true):
			return bad("band %d: lane %d of %d", i, b.Lane, len(t.Lanes))
		case b.End < b.Start:
			return bad("band %d: end %d before start %d", i, b.End, b.Start)
		}
	}
	for i, m := range t.Marks {
		if !lane(m.Lane, true) {
			return bad("mark %d: lane %d of %d", i, m.Lane, len(t.Lanes))
		}
	}
	if v := t.Violation; v != nil && !lane(v.Lane, true) {
		return bad("violation: lane %d of %d", v.Lane, len(t.Lanes))
	}
	for i, op := range t.Located {
		if !lane(op.Lane, true) {
			return bad("located op %d: lane %d of %d", i, op.Lane, len(t.Lanes))
		}
	}
	if n := len(t.Ops.Call); len(t.Ops.Latency) != n || len(t.Ops.Kind) != n {
		return bad("ops: %d calls, %d latencies, %d kinds", n, len(t.Ops.Latency), len(t.Ops.Kind))
	}
	return nil
}

// WriteTimeline writes the timeline page of t: one self-contained HTML file
// (inline script and style, nothing fetched), which draws t as SVG in the
// browser and can zoom, filter messages by kind and jump to the violation.
// Its bytes depend only on t.
func WriteTimeline(w io.Writer, t Timeline) error {
	if err := t.Validate(); err != nil {
		return fmt.Errorf("checker: %w", err)
	}
	t = t.withEmptySlices()
	// encoding/json escapes <, > and & (and U+2028/9), so no string in the
	// data can close the script element or break the script.
	data, err := json.Marshal(t)
	if err != nil {
		return fmt.Errorf("checker: timeline: %w", err)
	}
	page := strings.Replace(timelinePage, "/*UPLOT-CSS*/", uplotCSS, 1)
	page = strings.Replace(page, "/*UPLOT-JS*/", uplotJS, 1)
	page = strings.Replace(page, timelineDataSlot, string(data), 1)
	if _, err := io.WriteString(w, page); err != nil {
		return fmt.Errorf("checker: timeline: write: %w", err)
	}
	return nil
}

// withEmptySlices returns t with every nil slice made empty, so the script
// reads arrays, never null. The caller's lanes are not modified.
func (t Timeline) withEmptySlices() Timeline {
	if t.Messages == nil {
		t.Messages = []TimelineMessage{}
	}
	if t.Bands == nil {
		t.Bands = []TimelineBand{}
	}
	if t.Marks == nil {
		t.Marks = []TimelineMark{}
	}
	if t.Ops.Call == nil {
		t.Ops.Call, t.Ops.Latency = []int64{}, []int64{}
	}
	lanes := make([]TimelineLane, len(t.Lanes))
	for i, l := range t.Lanes {
		if l.Spans == nil {
			l.Spans = []TimelineSpan{}
		}
		if l.Indexes == nil {
			l.Indexes = []TimelineIndex{}
		}
		lanes[i] = l
	}
	t.Lanes = lanes
	return t
}
