package cli

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftsim/raftsim/checker"
	"github.com/raftsim/raftsim/harness"
	"github.com/raftsim/raftsim/raft"
	"github.com/raftsim/raftsim/sim"
)

// A small trace by hand: n1 is elected, n2 crashes and restarts, messages
// arrive and one is lost, the run fails.
func sampleEvents() []harness.TraceEvent {
	ms := func(n int64) sim.Time { return sim.Time(n * 1e6) }
	return []harness.TraceEvent{
		{Step: 1, Time: ms(10), Kind: harness.TraceRole, Node: 1, Role: raft.Candidate, Term: 1},
		{Step: 2, Time: ms(12), Kind: harness.TraceDeliver, Node: 2, Peer: 1, Sent: ms(10), Text: "n1->n2 Vote t1 last 0/0"},
		{Step: 3, Time: ms(15), Kind: harness.TraceRole, Node: 1, Role: raft.Leader, Term: 1},
		{Step: 4, Time: ms(20), Kind: harness.TraceSend, Node: 1, Peer: 3, Lost: true, Text: "n1->n3 App t1 prev 1/1 commit 1 [lost]"},
		{Step: 5, Time: ms(30), Kind: harness.TraceCrash, Node: 2},
		{Step: 6, Time: ms(40), Kind: harness.TraceFault, Text: "partition {n1} {n2 n3}"},
		{Step: 7, Time: ms(50), Kind: harness.TraceRestart, Node: 2},
		{Step: 8, Time: ms(60), Kind: harness.TracePhase, Text: "liveness"},
		{Step: 9, Time: ms(70), Kind: harness.TraceFailure, Text: "liveness leader"},
		{Step: 10, Time: ms(71), Kind: harness.TraceRole, Node: 99, Role: raft.Leader}, // no such lane: ignored
	}
}

func TestBuildTimeline(t *testing.T) {
	tl := buildTimeline(sampleEvents(), 3, sim.Time(80e6), harness.TraceFilter{})
	require.NoError(t, tl.Validate())
	require.Len(t, tl.Lanes, 3)
	assert.Equal(t, "n1", tl.Lanes[0].Name)
	assert.Equal(t, []checker.TimelineSpan{
		{Start: 0, End: 10e6, Role: "follower"},
		{Start: 10e6, End: 15e6, Role: "candidate", Term: 1},
		{Start: 15e6, End: 80e6, Role: "leader", Term: 1},
	}, tl.Lanes[0].Spans)
	assert.Equal(t, []checker.TimelineSpan{
		{Start: 0, End: 30e6, Role: "follower"},
		{Start: 50e6, End: 80e6, Role: "follower"},
	}, tl.Lanes[1].Spans, "no span while down")
	assert.Equal(t, []checker.TimelineBand{
		{Lane: 1, Start: 30e6, End: 50e6, Kind: "crash", Text: "down: crashed, then restarted"},
		{Lane: -1, Start: 40e6, End: 80e6, Kind: "fault", Text: "partition {n1} {n2 n3}"},
	}, sortedBands(tl.Bands), "a partition lasts until a heal, here the end of the run")
	require.Len(t, tl.Messages, 2)
	assert.Equal(t, checker.TimelineMessage{From: 0, To: 1, Sent: 10e6, Arrived: 12e6, Kind: "Vote", Text: "n1->n2 Vote t1 last 0/0"}, tl.Messages[0])
	assert.True(t, tl.Messages[1].Lost)
	assert.Equal(t, 2, tl.Messages[1].To)
	require.NotNil(t, tl.Violation)
	assert.Equal(t, int64(70e6), tl.Violation.At)
	assert.Len(t, tl.Marks, 1)

	notes := annotations(tl)
	tags := map[string]int{}
	for _, a := range notes {
		tags[a.Tag]++
	}
	assert.Equal(t, map[string]int{"n2": 1, "faults": 1, "leaders": 1, "phases": 1, "failure": 1}, tags)
}

func sortedBands(b []checker.TimelineBand) []checker.TimelineBand {
	out := append([]checker.TimelineBand(nil), b...)
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].Start < out[j-1].Start; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// A step range narrows the axis and the messages.
func TestBuildTimelineWindow(t *testing.T) {
	tl := buildTimeline(sampleEvents(), 3, sim.Time(80e6), harness.TraceFilter{FromStep: 3, ToStep: 7})
	require.NoError(t, tl.Validate())
	assert.Equal(t, int64(15e6), tl.Start)
	assert.Equal(t, int64(50e6), tl.End)
	require.Len(t, tl.Messages, 1, "the vote of step 2 is outside")
	assert.True(t, tl.Messages[0].Lost)
	assert.Empty(t, tl.Marks, "the phase at 60ms is outside")
}

func TestCapMessagesKeepsTheLast(t *testing.T) {
	tl := checker.Timeline{End: 100, Lanes: []checker.TimelineLane{{Name: "n1"}, {Name: "n2"}}}
	var events []harness.TraceEvent
	for i := int64(0); i < 10; i++ {
		tl.Messages = append(tl.Messages, checker.TimelineMessage{From: 0, To: 1, Sent: i * 10, Arrived: i*10 + 5})
		events = append(events, harness.TraceEvent{Step: uint64(i + 1), Time: sim.Time(i * 10)})
	}
	from := capMessages(&tl, 3, events)
	assert.Len(t, tl.Messages, 3)
	assert.Equal(t, int64(0), tl.Start, "the axis still spans the whole run")
	assert.Equal(t, int64(70), tl.ViewStart, "the page opens on the messages kept")
	assert.Equal(t, int64(100), tl.ViewEnd)
	assert.Equal(t, uint64(8), from)
	assert.Equal(t, uint64(0), capMessages(&tl, 3, events), "nothing more to cut")
}

func TestClip(t *testing.T) {
	assert.Equal(t, "abc", clip("abc", 5))
	assert.Equal(t, "ab...", clip("abcdefgh", 5))
	assert.Equal(t, "a...", clip("aéééé", 5), "never inside a rune")
	assert.Equal(t, "aé...", clip("aéééé", 6))
}

func TestTimelinePartitionBandEndsAtTheHeal(t *testing.T) {
	ms := func(n int64) sim.Time { return sim.Time(n * 1e6) }
	tl := buildTimeline([]harness.TraceEvent{
		{Step: 1, Time: ms(10), Kind: harness.TraceFault, Text: "10ms isolate leader"},
		{Step: 2, Time: ms(20), Kind: harness.TraceFault, Text: "clog n1 for 5ms", Nodes: []raft.NodeID{1}, For: 5 * time.Millisecond},
		{Step: 3, Time: ms(30), Kind: harness.TraceFault, Text: "30ms heal"},
		{Step: 4, Time: ms(40), Kind: harness.TraceIndex, Node: 2, Commit: 3, Applied: 2, Last: 4},
	}, 2, sim.Time(50e6), harness.TraceFilter{})
	require.NoError(t, tl.Validate())
	assert.Equal(t, []checker.TimelineBand{
		{Lane: -1, Start: 10e6, End: 30e6, Kind: "fault", Text: "10ms isolate leader"},
		{Lane: 0, Start: 20e6, End: 25e6, Kind: "fault", Text: "clog n1 for 5ms"},
		{Lane: -1, Start: 30e6, End: 30e6, Kind: "fault", Text: "30ms heal"},
	}, tl.Bands)
	assert.Equal(t, []checker.TimelineIndex{{At: 40e6, Commit: 3, Applied: 2, Last: 4}}, tl.Lanes[1].Indexes)
}
