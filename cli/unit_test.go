package cli

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftsim/raftsim/campaign"
	"github.com/raftsim/raftsim/internal/zoo"
)

func TestProgressLine(t *testing.T) {
	start := time.Unix(1000, 0)
	p := &progress{start: start, total: 100, width: func() int { return 120 }}
	s := campaign.NewSummary(campaign.Campaign{Shards: 1}, campaign.AllSeeds)
	s.Seeds, s.Failed = 25, 2
	s.Failures = []campaign.SignatureSummary{{Signature: "a/b", Class: "a", Check: "b", Count: 2}}
	line := p.barLine(s, start.Add(5*time.Second))
	assert.Equal(t, "[######..................] 25/100 seeds, 5 seeds/s, 2 failed (1 distinct), 15s left", line)
	p = &progress{start: start, deadline: start.Add(time.Minute)}
	line = p.line(s, start.Add(15*time.Second))
	assert.Equal(t, "25 seeds, 2 seeds/s, 2 failed (1 distinct), 45s left", line)
}

// The bar fits the terminal: a line as wide as the terminal or wider
// wraps, and every redraw then stacks a new line.
func TestProgressBarFitsTheTerminal(t *testing.T) {
	start := time.Unix(1000, 0)
	s := campaign.NewSummary(campaign.Campaign{Shards: 1}, campaign.AllSeeds)
	s.Seeds = 25
	for _, width := range []int{0, 20, 40, 60, 72, 80, 200} {
		p := &progress{start: start, total: 100, width: func() int { return width }}
		line := p.barLine(s, start.Add(5*time.Second))
		w := width
		if w == 0 {
			w = 80 // unknown: a classic terminal
		}
		assert.Less(t, len(line), w, "width %d: %q", width, line)
		assert.Contains(t, line, "25/100", "width %d: the count stays as long as it fits", width)
	}
	p := &progress{start: start, total: 100, width: func() int { return 72 }}
	assert.True(t, strings.HasPrefix(p.barLine(s, start.Add(5*time.Second)), "[#"), "a narrower bar, not none, at 72 columns")
}

func TestWithBugsAddsKnobs(t *testing.T) {
	a, err := zoo.Parse("prevote-never-grants")
	require.NoError(t, err)
	b, err := zoo.Parse("truncate-on-stale-append")
	require.NoError(t, err)
	got := withBugs(a, b)
	assert.Equal(t, []string{"prevote-never-grants", "truncate-on-stale-append"}, got.Names())
	assert.Equal(t, a, withBugs(a, zoo.Bugs{}))
}

func TestParseArgsInterspersed(t *testing.T) {
	fs := newFlagSet("x", "Usage: raftsim x", "  raftsim x\n", &strings.Builder{})
	v := fs.Bool("v", false, "")
	pos, code, done := parseArgs(fs, []string{"a", "-v", "b", "--", "-c"})
	require.False(t, done, code)
	assert.True(t, *v)
	assert.Equal(t, []string{"a", "b", "-c"}, pos)
}
