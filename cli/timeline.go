package cli

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/raftsim/raftsim/checker"
	"github.com/raftsim/raftsim/harness"
	"github.com/raftsim/raftsim/raft"
	"github.com/raftsim/raftsim/sim"
)

// timelineBuilder turns a run's trace events into checker's neutral
// timeline: a lane per node with its role and term over time, messages
// from send to arrival, crashes and pauses as bands on their node, fault
// steps as thin bands, phases as marks and the failure as the violation.
type timelineBuilder struct {
	t      checker.Timeline
	filter harness.TraceFilter // picks the messages shown
	open   []openSpan          // per lane: the role span being drawn
	down   []int64             // per lane: when the node crashed, or -1
	paused []int64             // per lane: when the node paused, or -1
	term   []uint64            // per lane: the last term seen
	// unhealed are the bands of faults with no duration of their own (a
	// partition, an isolation), which last until the next heal.
	unhealed []int
}

// isHeal reports whether a fault step's text is a heal, which ends every
// partition before it.
func isHeal(text string) bool {
	f := strings.Fields(text)
	return len(f) > 0 && f[len(f)-1] == "heal"
}

// healAll ends the unhealed fault bands at at.
func (b *timelineBuilder) healAll(at int64) {
	for _, i := range b.unhealed {
		b.t.Bands[i].End = max(b.t.Bands[i].Start, at)
	}
	b.unhealed = b.unhealed[:0]
}

type openSpan struct {
	on    bool
	start int64
	role  string
	term  uint64
}

// maxLanes bounds the lanes of a timeline: far more nodes than a config
// allows, few enough that a corrupt node ID cannot exhaust memory.
const maxLanes = 64

// buildTimeline makes the timeline of a run of nodes nodes (more lanes are
// added when events name higher node IDs) that ended at end.
func buildTimeline(events []harness.TraceEvent, nodes int, end sim.Time, filter harness.TraceFilter) checker.Timeline {
	for i := range events {
		if id := max(events[i].Node, events[i].Peer); id <= maxLanes {
			nodes = max(nodes, int(id))
		}
	}
	nodes = min(nodes, maxLanes)
	b := &timelineBuilder{filter: filter}
	b.t.End = int64(end)
	for i := 0; i < nodes; i++ {
		b.t.Lanes = append(b.t.Lanes, checker.TimelineLane{Name: raft.NodeID(i + 1).String()})
		// Nodes boot as followers of term 0 at time 0.
		b.open = append(b.open, openSpan{on: true, role: raft.Follower.String()})
		b.down = append(b.down, -1)
		b.paused = append(b.paused, -1)
		b.term = append(b.term, 0)
	}
	for i := range events {
		b.add(&events[i])
	}
	b.closeAll()
	b.window(events)
	return b.t
}

// maxTimelineText bounds a message's text on the page: an append can carry
// hundreds of entries, and the trace has them all.
const maxTimelineText = 240

// capMessages keeps the last limit messages of the timeline (those nearest
// the violation, at the end of the run), so that a long run still gives a
// page a browser draws in a moment. The axis still spans the whole run
// (roles, indexes and faults are all there); the page opens on the
// messages kept. It returns the step from which messages are kept, or 0
// when none was cut.
func capMessages(t *checker.Timeline, limit int, events []harness.TraceEvent) uint64 {
	if limit <= 0 || len(t.Messages) <= limit {
		return 0
	}
	t.Messages = t.Messages[len(t.Messages)-limit:]
	start := t.Messages[0].Sent
	for _, m := range t.Messages {
		start = min(start, m.Sent)
	}
	if t.ViewEnd <= t.ViewStart {
		t.ViewStart, t.ViewEnd = max(t.Start, start), t.End
	}
	for i := range events {
		if int64(events[i].Time) >= start {
			return events[i].Step
		}
	}
	return 0
}

// maxIndexPoints bounds the index points of a lane: one per pixel of a
// wide screen is all a picture can show. Points closer together than the
// run's length over maxIndexPoints are merged (the later values win, at
// the earlier time).
const maxIndexPoints = 4000

func (b *timelineBuilder) index(lane int, p checker.TimelineIndex) {
	l := &b.t.Lanes[lane]
	gap := (b.t.End - b.t.Start) / maxIndexPoints
	if n := len(l.Indexes); n > 0 && p.At-l.Indexes[n-1].At < gap {
		p.At = l.Indexes[n-1].At
		l.Indexes[n-1] = p
		return
	}
	l.Indexes = append(l.Indexes, p)
}

// nodeRef finds the first node named in a failure's text ("n2, leader of
// term 4 ...").
var nodeRef = regexp.MustCompile(`\bn(\d+)\b`)

// failureLane is the lane of the first node a failure names, or -1.
func failureLane(text string, lanes int) int {
	m := nodeRef.FindStringSubmatch(text)
	if m == nil {
		return -1
	}
	n, err := strconv.Atoi(m[1])
	if err != nil || n < 1 || n > lanes {
		return -1
	}
	return n - 1
}

func (b *timelineBuilder) add(e *harness.TraceEvent) {
	at := int64(e.Time)
	lane := int(e.Node) - 1 // -1 for the world
	switch e.Kind {
	case harness.TraceRole, harness.TraceCrash, harness.TraceRestart, harness.TracePause,
		harness.TraceResume, harness.TraceDeliver, harness.TraceSend:
		message := e.Kind == harness.TraceDeliver || e.Kind == harness.TraceSend
		if lane < 0 || lane >= len(b.open) || (message && (e.Peer == raft.None || int(e.Peer) > len(b.open))) {
			return // a node event without its node's lane: nothing to draw it on
		}
	}
	switch e.Kind {
	case harness.TraceRole:
		b.term[lane] = uint64(e.Term)
		b.startSpan(lane, at, e.Role.String(), uint64(e.Term))
	case harness.TraceCrash:
		b.endSpan(lane, at)
		b.down[lane] = at
	case harness.TraceRestart:
		b.band(lane, &b.down[lane], at, "crash", "down: crashed, then restarted")
		b.term[lane] = uint64(e.Term)
		b.startSpan(lane, at, e.Role.String(), uint64(e.Term))
	case harness.TracePause:
		b.paused[lane] = at
	case harness.TraceResume:
		b.band(lane, &b.paused[lane], at, "pause", "paused: a stall; events queued")
	case harness.TraceFault:
		if isHeal(e.Text) {
			b.healAll(at)
		}
		end := at
		if e.For > 0 {
			end = at + int64(e.For)
		}
		open := e.For == 0 && !isHeal(e.Text) // lasts until a heal
		lanes := []int{-1}                    // no node named: drawn across all of them
		if len(e.Nodes) > 0 {
			lanes = lanes[:0]
			for _, id := range e.Nodes {
				if l := int(id) - 1; l >= 0 && l < len(b.open) {
					lanes = append(lanes, l)
				}
			}
		}
		for _, l := range lanes {
			if open {
				b.unhealed = append(b.unhealed, len(b.t.Bands))
			}
			b.t.Bands = append(b.t.Bands, checker.TimelineBand{Lane: l, Start: at, End: end, Kind: "fault", Text: e.Text})
		}
	case harness.TraceIndex:
		if lane >= 0 && lane < len(b.open) {
			b.index(lane, checker.TimelineIndex{At: at, Commit: uint64(e.Commit), Applied: uint64(e.Applied), Last: uint64(e.Last)})
		}
	case harness.TracePhase:
		b.t.Marks = append(b.t.Marks, checker.TimelineMark{Lane: -1, At: at, Text: e.Text})
	case harness.TraceFailure:
		b.t.Violation = &checker.TimelineMark{Lane: failureLane(e.Text, len(b.open)), At: at, Step: e.Step, Text: e.Text}
	case harness.TraceDeliver:
		if b.filter.Keep(e) {
			b.t.Messages = append(b.t.Messages, checker.TimelineMessage{From: int(e.Peer) - 1, To: lane,
				Sent: int64(e.Sent), Arrived: at, Kind: messageKind(e.Text), Text: clip(e.Text, maxTimelineText)})
		}
	case harness.TraceSend:
		if e.Lost && b.filter.Keep(e) {
			b.t.Messages = append(b.t.Messages, checker.TimelineMessage{From: lane, To: int(e.Peer) - 1,
				Sent: at, Lost: true, Kind: messageKind(e.Text), Text: clip(e.Text, maxTimelineText)})
		}
	}
}

// startSpan ends the lane's span and opens one in role; a span that would
// last no time is replaced instead.
func (b *timelineBuilder) startSpan(lane int, at int64, role string, term uint64) {
	b.endSpan(lane, at)
	b.open[lane] = openSpan{on: true, start: at, role: role, term: term}
}

func (b *timelineBuilder) endSpan(lane int, at int64) {
	o := b.open[lane]
	if !o.on {
		return
	}
	b.open[lane].on = false
	if at > o.start {
		l := &b.t.Lanes[lane]
		l.Spans = append(l.Spans, checker.TimelineSpan{Start: o.start, End: at, Role: o.role, Term: o.term})
	}
}

// band closes an open band on a lane (since *from, if it is open).
func (b *timelineBuilder) band(lane int, from *int64, at int64, kind, text string) {
	if *from < 0 {
		return
	}
	b.t.Bands = append(b.t.Bands, checker.TimelineBand{Lane: lane, Start: *from, End: at, Kind: kind, Text: text})
	*from = -1
}

// closeAll ends what is still open at the end of the run.
func (b *timelineBuilder) closeAll() {
	b.healAll(b.t.End)
	for lane := range b.open {
		b.endSpan(lane, b.t.End)
		b.band(lane, &b.down[lane], b.t.End, "crash", "down: crashed, not restarted")
		b.band(lane, &b.paused[lane], b.t.End, "pause", "paused until the end")
	}
}

// window narrows the time axis to the filter's step range, if it has one.
func (b *timelineBuilder) window(events []harness.TraceEvent) {
	f := b.filter
	if f.FromStep == 0 && f.ToStep == 0 {
		return
	}
	start, end, found := int64(0), b.t.End, false
	for i := range events {
		e := &events[i]
		if e.Step >= f.FromStep && !found {
			start, found = int64(e.Time), true
		}
		if f.ToStep != 0 && e.Step <= f.ToStep {
			end = int64(e.Time)
		}
	}
	if !found || end < start {
		return
	}
	b.t.Start, b.t.End = start, max(end, start+1)
	b.dropOutside()
}

// dropOutside leaves out what lies wholly outside the window, so a page of
// a few hundred steps of a long run stays small; the page clips the rest.
func (b *timelineBuilder) dropOutside() {
	in := func(from, to int64) bool { return to >= b.t.Start && from <= b.t.End }
	for i := range b.t.Lanes {
		l := &b.t.Lanes[i]
		l.Spans = slices.DeleteFunc(l.Spans, func(s checker.TimelineSpan) bool { return !in(s.Start, s.End) })
	}
	b.t.Bands = slices.DeleteFunc(b.t.Bands, func(x checker.TimelineBand) bool { return !in(x.Start, x.End) })
	b.t.Marks = slices.DeleteFunc(b.t.Marks, func(m checker.TimelineMark) bool { return !in(m.At, m.At) })
}

// messageKind is the message type in a message's text, "n1->n2 App t3 ...".
func messageKind(text string) string {
	fields := strings.Fields(text)
	if len(fields) < 2 {
		return "message"
	}
	return fields[1]
}

// clip shortens s to at most n bytes, on a rune boundary, marking the cut.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n - 3
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}
