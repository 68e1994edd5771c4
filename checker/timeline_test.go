package checker

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func sampleTimeline() Timeline {
	return Timeline{
		Title: "seed 42",
		Notes: []string{"scenario default"},
		Start: 0, End: 3e9,
		Lanes: []TimelineLane{
			{Name: "n1", Spans: []TimelineSpan{{Start: 0, End: 1e9, Role: "follower", Term: 0}, {Start: 1e9, End: 3e9, Role: "leader", Term: 1}}},
			{Name: "n2", Spans: []TimelineSpan{{Start: 0, End: 3e9, Role: "follower", Term: 1}}},
		},
		Messages: []TimelineMessage{
			{From: 0, To: 1, Sent: 1e9, Arrived: 1.002e9, Kind: "App", Text: "n1->n2 App t1"},
			{From: 1, To: 0, Sent: 1.5e9, Lost: true, Kind: "AppResp", Text: "n2->n1 AppResp t1 [lost]"},
		},
		Bands:     []TimelineBand{{Lane: 1, Start: 2e9, End: 2.5e9, Kind: "crash", Text: "crash"}},
		Marks:     []TimelineMark{{Lane: -1, At: 2.8e9, Text: "liveness"}},
		Violation: &TimelineMark{Lane: 0, At: 2.9e9, Text: "election safety"},
	}
}

// pageData extracts the JSON the page embeds for its script.
func pageData(t *testing.T, page string) Timeline {
	t.Helper()
	start := strings.Index(page, "var data = ")
	require.GreaterOrEqual(t, start, 0)
	rest := page[start+len("var data = "):]
	var got Timeline
	require.NoError(t, json.NewDecoder(strings.NewReader(rest)).Decode(&got))
	return got
}

func TestWriteTimelineEmbedsTheData(t *testing.T) {
	tl := sampleTimeline()
	var a, b bytes.Buffer
	require.NoError(t, WriteTimeline(&a, tl))
	require.NoError(t, WriteTimeline(&b, tl))
	assert.Equal(t, a.String(), b.String(), "the page depends only on the timeline")
	page := a.String()
	assert.NotContains(t, page, timelineDataSlot)
	assert.Equal(t, tl.withEmptySlices(), pageData(t, page))
	require.Contains(t, page, uplotJS, "uPlot is inlined")
	rest := strings.ReplaceAll(page, uplotJS, "")
	for _, external := range []string{"http:", "https:", "src=", "href=", "@import"} {
		assert.False(t, strings.Contains(rest, external), "self-contained: the page has %q", external)
	}
	// uPlot names its home page in its banner and the SVG namespace, and
	// fetches nothing.
	for _, fetch := range []string{"XMLHttpRequest", "fetch(", "import(", "src=", "href="} {
		assert.NotContains(t, uplotJS, fetch)
	}
}

// A message text cannot close the script element or inject markup.
func TestWriteTimelineEscapesText(t *testing.T) {
	tl := sampleTimeline()
	tl.Title = "</script><script>alert(1)</script>"
	tl.Messages[0].Text = "a\u2028b</SCRIPT>"
	var out bytes.Buffer
	require.NoError(t, WriteTimeline(&out, tl))
	page := out.String()
	assert.Equal(t, 3, strings.Count(strings.ToLower(page), "</script>"), "only the page's own three scripts close (the error hook, uPlot, the page's)")
	assert.Equal(t, tl.withEmptySlices(), pageData(t, page))
}

func TestWriteTimelineEmptySlicesAreArrays(t *testing.T) {
	tl := Timeline{Start: 0, End: 1, Lanes: []TimelineLane{{Name: "n1"}}}
	var out bytes.Buffer
	require.NoError(t, WriteTimeline(&out, tl))
	assert.Contains(t, out.String(), `"messages":[]`)
	assert.Contains(t, out.String(), `"spans":[]`)
	assert.Nil(t, tl.Lanes[0].Spans, "the caller's timeline is not modified")
}

func TestTimelineValidateNamesThePlace(t *testing.T) {
	for _, tt := range []struct {
		edit func(*Timeline)
		want string
	}{
		{func(t *Timeline) { t.End = -1 }, "end -1 before start 0"},
		{func(t *Timeline) { t.Lanes[1].Spans[0].End = -5 }, "lane 1 span 0"},
		{func(t *Timeline) { t.Messages[0].To = 2 }, "message 0: from lane 0 to lane 2 of 2"},
		{func(t *Timeline) { t.Messages[0].Arrived = 0 }, "message 0: arrives at 0 before"},
		{func(t *Timeline) { t.Bands[0].Lane = -2 }, "band 0: lane -2 of 2"},
		{func(t *Timeline) { t.Bands[0].End = 0 }, "band 0: end 0 before"},
		{func(t *Timeline) { t.Marks[0].Lane = 7 }, "mark 0: lane 7"},
		{func(t *Timeline) { t.Violation.Lane = 9 }, "violation: lane 9"},
	} {
		tl := sampleTimeline()
		tt.edit(&tl)
		err := tl.Validate()
		require.Error(t, err, tt.want)
		assert.Contains(t, err.Error(), tt.want)
		assert.Error(t, WriteTimeline(&bytes.Buffer{}, tl), "WriteTimeline refuses it too")
	}
	assert.NoError(t, sampleTimeline().Validate())
}

func ExampleTimeline_Validate() {
	t := Timeline{
		End:   2_000_000_000,
		Lanes: []TimelineLane{{Name: "n1"}, {Name: "n2"}},
		Messages: []TimelineMessage{
			{From: 0, To: 1, Sent: 1_000_000_000, Arrived: 1_002_000_000, Kind: "App", Text: "n1->n2 App t1"},
			{From: 0, To: 2, Sent: 1_500_000_000, Lost: true, Kind: "App", Text: "n1->n3 App t1 [lost]"},
		},
	}
	fmt.Println(t.Validate())
	t.Messages = t.Messages[:1]
	fmt.Println(t.Validate())
	// Output:
	// timeline: message 1: from lane 0 to lane 2 of 2
	// <nil>
}
